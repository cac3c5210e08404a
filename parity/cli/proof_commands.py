"""The commands behind falsify and margins (imported by commands; heavy modules load late)."""

from __future__ import annotations

import json


def falsification_text(f) -> str:
    """A falsifier's result for a person."""
    if f.found:
        head = f"wrong string found by the {f.found_by} search: {f.described()}"
        lines = [head, f"bits: {f.string if len(f.string) <= 200 else f.string[:200] + '...'}"]
    else:
        lines = ["no wrong string found (not a proof: the search has a budget)"]
    lines.append(
        f"searched: every string up to {f.exhaustive_length} bits, long strings out to "
        f"{f.stream_length:,} bits, a guided beam out to {f.beam_length:,} bits; "
        f"{f.strings_tried:,} strings in {f.seconds:.1f} s; smallest right margin "
        f"{f.lowest_margin:.3g}"
    )
    return "\n".join(lines)


def run_falsify(args) -> int:
    """Hunt for the shortest wrong string (text or JSON)."""
    from ..evaluation.falsify import falsify
    from .loading import load_model

    model, _ = load_model(args.model)
    found = falsify(model, seconds=args.seconds)
    print(json.dumps(found.to_dict()) if args.json else falsification_text(found))
    return 0


def margins_summary(rows: list[dict], first_wrong: dict, length: int) -> dict:
    """The JSON object of `margins`: per stream its lowest margin and first wrong length."""
    lowest: dict[str, float] = {}
    for r in rows:
        lowest[r["stream"]] = min(lowest.get(r["stream"], float("inf")), r["margin"])
    return {"length": length, "first_wrong": first_wrong, "lowest": lowest, "rows": rows}


def margins_text(summary: dict) -> str:
    """One line per stream: its lowest margin, and where it first goes wrong."""
    rows = {r["stream"]: r["label"] for r in summary["rows"]}
    lines = [f"smallest margin (logit on the right side) over lengths 1..{summary['length']:,}:"]
    for stream, low in summary["lowest"].items():
        wrong = summary["first_wrong"].get(stream)
        tail = f"  WRONG from length {wrong:,}" if wrong else ""
        lines.append(f"  {rows[stream]:<20} {low:9.4g}{tail}")
    return "\n".join(lines)


def run_margins(args) -> int:
    """The margin against length for the long strings (text or JSON)."""
    from ..evaluation.margins import margin_curves
    from .loading import load_model

    model, _ = load_model(args.model)
    rows, first_wrong = margin_curves(model, args.length)
    summary = margins_summary(rows, first_wrong, args.length)
    print(json.dumps(summary) if args.json else margins_text(summary))
    return 0
