"""Cached library calls for the inspection pages, keyed by the model's cache key."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from parity import evaluate
from parity.config import MAX_TEST_LEN
from parity.models import ParityModel

from . import inside, slots


@st.cache_data(max_entries=32, show_spinner="Reading the string step by step…")
def trace(model_key: str, _model: ParityModel, bits: tuple[int, ...]) -> inside.TraceView:
    """parity.inspect.trace reduced to what the page draws, cached by (model key, bits)."""
    return inside.trace_view(_model, bits)


def accuracy_by_length(
    model_key: str, model: ParityModel, lengths: tuple[int, ...], size: int
) -> pd.DataFrame:
    """parity.evaluate.accuracy_by_length, cached by (model key, lengths, size).

    Computed one length at a time under a progress bar (the longest take seconds).
    """

    def compute() -> pd.DataFrame:
        bar = st.progress(0.0)
        tables = []
        for done, length in enumerate(lengths):
            bar.progress(
                done / len(lengths),
                text=f"Measuring accuracy on {size} strings of "
                f"length {length:,} ({done + 1} of {len(lengths)})…",
            )
            tables.append(evaluate.accuracy_by_length(model, [length], size=size))
        bar.empty()
        return pd.concat(tables, ignore_index=True)

    entry = slots.slot("lengths", (model_key, lengths, size))
    return slots.fill(entry, compute, "Another visitor is measuring this model right now…")


def log_lengths(per_decade: int = 8) -> tuple[int, ...]:
    """The lengths the Length page measures: 1..10,000, evenly spaced on a log axis."""
    return tuple(evaluate.log_lengths(MAX_TEST_LEN, per_decade))
