"""The command line of the proof's companions: falsify (hunt a wrong string) and margins."""

from __future__ import annotations

import argparse

from ..evaluation import search_limits as limits


def seconds(text: str) -> float:
    """An argparse type: seconds in 0.1..600."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0.1 <= value <= 600:
        raise argparse.ArgumentTypeError(f"must be in 0.1..600 (got {text})")
    return value


def _length(text: str) -> int:
    """An argparse type: a length in 1..margins.MAX_LENGTH."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 1 <= value <= limits.MAX_LENGTH:
        raise argparse.ArgumentTypeError(f"must be in 1..{limits.MAX_LENGTH:,} (got {text})")
    return value


def add_falsify(commands, command, model_flag) -> None:
    """`falsify --model FILE [--seconds S] [--json]`."""
    p = command(
        commands,
        "falsify",
        help="search for the shortest string the model answers wrong",
        description=(
            f"Search for the shortest bit string the model answers wrong: every string up to "
            f"{limits.EXHAUSTIVE} bits, long structured and random strings out to "
            f"{limits.STREAM_LENGTH:,} bits, and a beam search guided by the network (strings "
            "whose answers come closest to the decision boundary, or whose states drift)."
        ),
    )
    model_flag(p)
    p.add_argument(
        "--seconds",
        type=seconds,
        default=limits.SECONDS,
        metavar="S",
        help=f"time budget of the search, 0.1..600 (default {limits.SECONDS:g})",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: found, counterexample, described, length, found_by, "
        "exhaustive_length, beam_length, stream_length, strings_tried, lowest_margin, seconds",
    )


def add_margins(commands, command, model_flag) -> None:
    """`margins --model FILE [--length N] [--json]`."""
    p = command(
        commands,
        "margins",
        help="how far the answers stay from the decision boundary, out to a million bits",
        description=(
            "Feed one long string of each kind (a 1 then zeros, all zeros, all ones, periodic, "
            "sparse, dense, random) through the model in chunks and report, at log-spaced "
            "lengths, the smallest margin: the logit on the side of the right answer."
        ),
    )
    model_flag(p)
    p.add_argument(
        "--length",
        type=_length,
        default=limits.MAX_LENGTH,
        metavar="N",
        help=f"how far to follow each string, 1..{limits.MAX_LENGTH:,} "
        f"(default {limits.MAX_LENGTH:,})",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: length, first_wrong (stream -> length), lowest "
        "(stream -> smallest margin), rows (stream, label, length, margin)",
    )
