"""This visitor's run history: every run they trained or fetched, in st.session_state only.

Session state belongs to one browser tab's session, so no visitor ever sees another's runs.
A run keeps what the comparison needs after the server's bounded caches (ui.slots) dropped
it: its config, its history table, its numbers, its verdict, and its weights as a state_dict
(hidden size <= 64 keeps that under ~70 KB). At most MAX_UNPINNED unpinned runs are kept;
the oldest unpinned run goes first; pinned runs are never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
import torch

from parity.core.config import Config
from parity.nets.models import ParityModel
from parity.training import replay
from parity.training.train import TrainResult
from ui.run_labels import run_labels
from ui.run_links import clean_name

from . import run_deltas

STATE = "run_history"  # session_state key of the History
SELECTED = "compare_selection"  # session_state key: ids of the runs overlaid, in order
MAX_UNPINNED = 20


@dataclass
class Run:
    """One run of this visitor's history."""

    id: int  # 1, 2, ... in the order runs joined the history
    config: Config
    history: pd.DataFrame
    numbers: dict  # ui.run_deltas.run_numbers of the result's summary
    state: dict[str, torch.Tensor]  # the model's weights (a copy)
    name: str | None = None
    pinned: bool = False
    seen: int = 0  # when this run was last recorded (the previous run is the one seen before)

    def model(self) -> ParityModel:
        """The trained model, rebuilt from its weights."""
        return replay.model_with(self.config, self.state, self.config.impl)


@dataclass
class History:
    runs: list[Run] = field(default_factory=list)
    counter: int = 0  # ids handed out
    clock: int = 0  # record() calls
    last_recorded: Config | None = None  # the sidebar run recorded last


def state() -> History:
    """This session's history (created empty on first use)."""
    if STATE not in st.session_state:
        st.session_state[STATE] = History()
    return st.session_state[STATE]


def runs() -> list[Run]:
    return state().runs


def find(run_id: int) -> Run | None:
    return next((r for r in runs() if r.id == run_id), None)


def by_config(config: Config) -> Run | None:
    return next((r for r in runs() if r.config == config), None)


def record(result: TrainResult, name: str | None = None) -> Run:
    """Add a finished run to the history once (again: it only becomes the latest seen)."""
    h = state()
    h.clock += 1
    run = by_config(result.config)
    if run is None:
        h.counter += 1
        weights = {k: v.detach().clone() for k, v in result.model.state_dict().items()}
        numbers = run_deltas.run_numbers(result.summary())
        run = Run(h.counter, result.config, result.history.copy(), numbers, weights)
        h.runs.append(run)
        previous = previous_run(result.config)
        pinned = [r.id for r in h.runs if r.pinned]
        select(sorted({run.id, *pinned, *([previous.id] if previous else [])}))  # oldest first
    run.seen = h.clock
    if name:
        run.name = clean_name(name)
    drop_oldest()
    return run


def record_sidebar_run(result: TrainResult) -> None:
    """Record the sidebar's run when the sidebar's configuration changed since the last one:
    a run removed by the visitor stays removed while they keep the same settings."""
    h = state()
    if h.last_recorded != result.config:
        h.last_recorded = result.config
        record(result)


def drop_oldest() -> None:
    """Keep at most MAX_UNPINNED unpinned runs: the oldest unpinned ones go first."""
    h = state()
    unpinned = [r for r in h.runs if not r.pinned]
    for run in unpinned[: max(0, len(unpinned) - MAX_UNPINNED)]:
        remove(run.id)


def previous_run(config: Config) -> Run | None:
    """The run seen most recently before, other than `config`'s own."""
    others = [r for r in runs() if r.config != config]
    return max(others, key=lambda r: r.seen) if others else None


def rename(run_id: int, name: str) -> None:
    run = find(run_id)
    if run is not None:
        run.name = clean_name(name)


def toggle_pin(run_id: int) -> None:
    run = find(run_id)
    if run is not None:
        run.pinned = not run.pinned


def remove(run_id: int) -> None:
    h = state()
    h.runs = [r for r in h.runs if r.id != run_id]
    st.session_state[SELECTED] = [i for i in selected_ids() if i != run_id]


def clear_unpinned() -> None:
    for run in [r for r in runs() if not r.pinned]:
        remove(run.id)


def select(ids) -> None:
    """Overlay these runs, in this order (unknown ids and repeats left out)."""
    known = {r.id for r in runs()}
    st.session_state[SELECTED] = [i for i in dict.fromkeys(ids) if i in known]


def selected_ids() -> list[int]:
    known = {r.id for r in runs()}
    return [i for i in st.session_state.get(SELECTED, []) if i in known]


def selected() -> list[Run]:
    return [r for i in selected_ids() if (r := find(i)) is not None]


def labels(chosen: list[Run]) -> dict[int, str]:
    """Run id -> label, by what differs between `chosen` (names win)."""
    texts = run_labels([r.config for r in chosen], [r.name for r in chosen])
    return {r.id: text for r, text in zip(chosen, texts, strict=True)}
