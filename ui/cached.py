"""Cached library calls for the inspection pages, keyed by the model's cache key."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from parity.analysis import statemap, traces
from parity.analysis.automaton import Automaton, extract
from parity.core.config import MAX_TEST_LEN
from parity.evaluation import evaluate, families, jobs
from parity.nets.models import ParityModel

from . import slots


class ProgressView:
    """A progress bar while the pool works through a table one part at a time."""

    def __init__(self, starting: str, describe):
        self.starting, self.describe = starting, describe  # describe(done, total, part) -> str
        self.bar = slots.Bar(starting)

    def show(self, job, place: int | None) -> None:
        if place is not None:
            self.bar.update(0.0, f"Waiting for a free worker: number {place} in line…")
        elif job.progress:
            done, total, part = job.progress[-1]
            self.bar.update(done / total, self.describe(done, total, part))
        else:
            self.bar.update(0.0, self.starting)

    def close(self) -> None:
        self.bar.empty()


def accuracy_by_length(
    model_key: str, model: ParityModel, lengths: tuple[int, ...], size: int
) -> pd.DataFrame:
    """parity.evaluation.evaluate.accuracy_by_length, cached by (model key, lengths, size).

    Computed in the work pool (it takes seconds of CPU), one length at a time under a
    progress bar; visitors asking for the same table share one computation.
    """
    return in_pool(
        "lengths",
        (model_key, lengths, size),
        jobs.lengths_table,
        (model, lengths, size),
        "Measuring accuracy by length…",
        lambda done, total, length: (
            f"Measuring accuracy on {size} strings of length {length:,} ({done + 1} of {total})…"
        ),
    )


def in_pool(kind: str, key, fn, args: tuple, starting: str, describe) -> pd.DataFrame:
    """The stored table for (kind, key), or fn(*args) computed in the work pool under a
    progress bar (drawn only when there is work to wait for)."""
    hit = slots.cached(kind, key)
    if hit is not None:
        return hit
    return slots.fetch(kind, key, fn, args, ProgressView(starting, describe))


def log_lengths(per_decade: int = 8) -> tuple[int, ...]:
    """The lengths the Length page measures: 1..10,000, evenly spaced on a log axis."""
    return tuple(evaluate.log_lengths(MAX_TEST_LEN, per_decade))


FAMILY_LENGTHS = (10, 100, 1_000, 10_000)  # the Length page's stress-family grid
FAMILY_SIZE = 100  # strings per random family there (5 x 100 x 10,000 bits: ~2 s on one core)


def family_accuracy(
    model_key: str, model: ParityModel, lengths: tuple[int, ...], size: int
) -> pd.DataFrame:
    """parity.evaluation.families.family_accuracy for every family, cached by (model key, lengths,
    size).

    Computed in the work pool one family at a time under a progress bar; `size` strings per
    random family; visitors asking for the same table share one computation.
    """
    return in_pool(
        "families",
        (model_key, lengths, size),
        jobs.family_table,
        (model, lengths, size),
        "Testing the stress families…",
        lambda done, total, name: (
            f"Testing the family “{families.FAMILIES[name].label}” at "
            f"lengths {', '.join(f'{n:,}' for n in lengths)} ({done + 1} of {total})…"
        ),
    )


@st.cache_data(max_entries=64, show_spinner=False)
def failing_examples(
    model_key: str, _model: ParityModel, family: str, length: int, size: int
) -> list[str]:
    """A few strings of one family and length that the model gets wrong (cached)."""
    return families.failing_examples(_model, family, length, count=size)


@st.cache_data(max_entries=64, show_spinner="Extracting the automaton…")
def automaton(model_key: str, _model: ParityModel) -> Automaton:
    """parity.analysis.automaton.extract, cached by the model's key."""
    return extract(_model)


@st.cache_data(max_entries=64, show_spinner="Mapping the hidden states…")
def state_map(model_key: str, _model: ParityModel) -> statemap.StateMap:
    """parity.analysis.statemap.state_map, cached by the model's key."""
    return statemap.state_map(_model)


@st.cache_data(max_entries=64, show_spinner=False)
def trajectory(model_key: str, _model: ParityModel, bits: tuple[int, ...]) -> pd.DataFrame:
    """One string's path on the model's state map, cached by (model key, bits)."""
    return statemap.trajectory(_model, bits, state_map(model_key, _model).projection)


@st.cache_data(max_entries=16, show_spinner="Reading the string step by step…")
def recording(model_key: str, _model: ParityModel, bits: tuple[int, ...]) -> traces.Recording:
    """Every gate and state over `bits` as arrays (windows are cut from it), cached."""
    return traces.record_string(_model, bits)
