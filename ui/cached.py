"""Cached library calls for the inspection pages, keyed by the model's cache key."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from parity import evaluate, families, statemap
from parity.automaton import Automaton, extract
from parity.config import MAX_TEST_LEN
from parity.models import ParityModel

from . import inside, machine, slots


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


FAMILY_LENGTHS = (10, 100, 1_000, 10_000)  # the Length page's stress-family grid
FAMILY_SIZE = 100  # strings per random family there (5 x 100 x 10,000 bits: ~2 s on one core)


def family_accuracy(
    model_key: str, model: ParityModel, lengths: tuple[int, ...], size: int
) -> pd.DataFrame:
    """parity.families.family_accuracy for every family, cached by (model key, lengths, size).

    Computed one family at a time under a progress bar; `size` strings per random family.
    """

    def compute() -> pd.DataFrame:
        bar = st.progress(0.0)
        tables = []
        for done, name in enumerate(families.ALL):
            bar.progress(
                done / len(families.ALL),
                text=f"Testing the family “{families.FAMILIES[name].label}” at lengths "
                f"{', '.join(f'{n:,}' for n in lengths)} ({done + 1} of {len(families.ALL)})…",
            )
            tables.append(families.family_accuracy(model, [name], lengths, count=size))
        bar.empty()
        return pd.concat(tables, ignore_index=True)

    entry = slots.slot("families", (model_key, lengths, size))
    return slots.fill(entry, compute, "Another visitor is testing this model right now…")


@st.cache_data(max_entries=64, show_spinner=False)
def failing_examples(
    model_key: str, _model: ParityModel, family: str, length: int, size: int
) -> list[str]:
    """A few strings of one family and length that the model gets wrong (cached)."""
    return families.failing_examples(_model, family, length, count=size)


@st.cache_data(max_entries=64, show_spinner="Extracting the automaton…")
def automaton(model_key: str, _model: ParityModel) -> Automaton:
    """parity.automaton.extract, cached by the model's key."""
    return extract(_model)


@st.cache_data(max_entries=64, show_spinner="Mapping the hidden states…")
def state_map(model_key: str, _model: ParityModel) -> machine.MapView:
    """The sampled states on their PCA axes and the unit ranking, cached by the model's key."""
    return machine.map_view(_model)


@st.cache_data(max_entries=64, show_spinner=False)
def trajectory(model_key: str, _model: ParityModel, bits: tuple[int, ...]) -> pd.DataFrame:
    """One string's path on the model's state map, cached by (model key, bits)."""
    return statemap.trajectory(_model, bits, state_map(model_key, _model).projection)


@st.cache_data(max_entries=16, show_spinner="Reading the string step by step…")
def recording(model_key: str, _model: ParityModel, bits: tuple[int, ...]) -> inside.Recording:
    """Every gate and state over `bits` as arrays (windows are cut from it), cached."""
    return inside.record_string(_model, bits)
