"""The proof's work in the shape parity.execution.workpool runs: fn(*args, on_progress,
should_stop). The app's pages run these in the pool; results are plain dicts and frames."""

from __future__ import annotations

import pandas as pd

from . import falsify, margins


def proof_report(model, seconds: float, on_progress=None, should_stop=None) -> dict:
    """A certificate attempt, and when it is not proven the falsifier's hunt: plain dicts.

    "leaves_at" is the step at which the falsifier's wrong string takes the state out of its
    parity's region (falsify.leaves_region), or None.
    """
    from ..analysis.certify import certify

    if on_progress is not None:
        on_progress((0, 2, "certify"))
    certificate = certify(model, budget=seconds).to_dict()
    report = {"certificate": certificate, "falsification": None, "leaves_at": None}
    if certificate["proven"]:
        return report
    if on_progress is not None:
        on_progress((1, 2, "falsify"))
    found = falsify.falsify(model, seconds=seconds)
    report["falsification"] = found.to_dict()
    if found.string is not None:
        report["leaves_at"] = falsify.leaves_region(model, found.string)
    return report


def margin_table(model, length: int, on_progress=None, should_stop=None) -> pd.DataFrame:
    """margins.margin_curves as a frame (stream, label, length, margin), with a column
    first_wrong (the stream's first wrong length, or 0 when right all the way)."""

    def report(done_total):
        if on_progress is not None:
            on_progress((*done_total, None))

    rows, first_wrong = margins.margin_curves(
        model, length, on_progress=report, should_stop=should_stop
    )
    frame = pd.DataFrame(rows, columns=margins.COLUMNS)
    frame["first_wrong"] = frame["stream"].map(first_wrong).fillna(0).astype(int)
    return frame
