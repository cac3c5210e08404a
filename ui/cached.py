"""Cached library calls for the inspection pages, keyed by the model's cache key."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from parity import evaluate, jobs
from parity.config import MAX_TEST_LEN
from parity.models import ParityModel

from . import inside, slots


@st.cache_data(max_entries=32, show_spinner="Reading the string step by step…")
def trace(model_key: str, _model: ParityModel, bits: tuple[int, ...]) -> inside.TraceView:
    """parity.inspect.trace reduced to what the page draws, cached by (model key, bits)."""
    return inside.trace_view(_model, bits)


class LengthsView:
    """A progress bar while the pool measures accuracy length by length."""

    def __init__(self, size: int, count: int):
        self.size, self.count = size, count
        self.bar = slots.Bar("Measuring accuracy by length…")

    def show(self, job, place: int | None) -> None:
        if place is not None:
            self.bar.update(0.0, f"Waiting for a free worker: number {place} in line…")
        elif job.progress:
            done, total, length = job.progress[-1]
            self.bar.update(
                done / total,
                f"Measuring accuracy on {self.size} strings of length {length:,} "
                f"({done + 1} of {total})…",
            )
        else:
            self.bar.update(0.0, "Measuring accuracy by length…")

    def close(self) -> None:
        self.bar.empty()


def accuracy_by_length(
    model_key: str, model: ParityModel, lengths: tuple[int, ...], size: int
) -> pd.DataFrame:
    """parity.evaluate.accuracy_by_length, cached by (model key, lengths, size).

    Computed in the work pool (it takes seconds of CPU), one length at a time under a
    progress bar; visitors asking for the same table share one computation.
    """
    key = (model_key, lengths, size)
    hit = slots.cached("lengths", key)
    if hit is not None:
        return hit
    view = LengthsView(size, len(lengths))
    return slots.fetch("lengths", key, jobs.lengths_table, (model, lengths, size), view)


def log_lengths(per_decade: int = 8) -> tuple[int, ...]:
    """The lengths the Length page measures: 1..10,000, evenly spaced on a log axis."""
    return tuple(evaluate.log_lengths(MAX_TEST_LEN, per_decade))
