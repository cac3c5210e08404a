"""The check that looks where the network is weakest: a search it guides itself.

Every other check reads strings drawn without looking at the network. Some networks pass all
of them and still answer a string wrong that a search steered by the network finds in a
fraction of a second: the default GRU of seed 0 passed every other check and answers a
434-bit string wrong; the default RNN of unseen seed 333 a 99-bit one. So the last check is
the falsifier's beam (parity.evaluation.falsify.beam_search), run to a fixed length rather
than for a time, so that the same model always meets the same strings: from the BEAM strings
of GUIDED_START bits whose answers come closest to the decision boundary, every string is
extended by a 0 and by a 1 at each step, and the BEAM extensions closest to the boundary,
farthest drifted or drawn at random (seeded) are kept, out to the stress check's length (at
most GUIDED_MAX_LENGTH bits: a step costs about a millisecond at hidden 8). Every answer on
the way is checked, so each step checks 2 x BEAM strings.
"""

from __future__ import annotations

import math

import torch

from .falsify import answers_wrong, beam_search, exhaustive_search

GUIDED_CHECK = "guided"  # the check's name in a verdict's evidence
GUIDED_START = 12  # the beam starts from strings of this many bits (every one is checked first)
GUIDED_SEED_OFFSET = 9_000_011  # apart from the other checks' strings
GUIDED_MAX_LENGTH = 2000  # the search's longest strings: its cost grows with the length


def guided_length(check_length: int) -> int:
    """How far the search runs: the stress check's length, at most GUIDED_MAX_LENGTH bits."""
    return min(check_length, GUIDED_MAX_LENGTH)


def guided_label(length: int) -> str:
    """'a search guided by the network, to 1,000 bits'."""
    return f"a search guided by the network, to {length:,} bits"


@torch.no_grad()
def check(model, length: int, seed: int) -> tuple[float, int, str | None]:
    """(share right, strings checked, the wrong string found or None) of a beam of BEAM
    strings steered by `model` out to `length` bits (stopping at the first wrong answer)."""
    model = model.eval()
    wrong, start, _ = exhaustive_search(model, min(GUIDED_START, length))
    if wrong is not None:
        return 1.0 - 1.0 / 2**GUIDED_START, 2**GUIDED_START, wrong
    wrong, _, tried, _ = beam_search(model, start, math.inf, length, seed + GUIDED_SEED_OFFSET)
    tried += 2**GUIDED_START
    if wrong is not None and not answers_wrong(model, wrong):
        wrong = None  # a logit of exactly 0 on the beam's path (a whole run answers it right)
    return (1.0 - 1.0 / tried if wrong else 1.0), tried, wrong
