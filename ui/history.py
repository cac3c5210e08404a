"""This visitor's run history: every run they trained or fetched, kept in the page address.

The runs live in st.session_state, which belongs to one browser tab's session, so no visitor
ever sees another's runs. Every change is also written to the address (ui.kept_runs: configs,
names, pins, numbers, the overlay): a reload, a new tab of the same address, a lost connection
or a server restart starts a new session, which restores the runs from it. A restored run is the
same run (seeded by its config): from the server's cache at once, or waiting until the Train or
Length page trains it again (ui.share.receive).
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

from parity.core import config as config_lib
from parity.core.config import Config
from parity.nets.models import ParityModel
from parity.training import replay
from parity.training.train import TrainResult
from ui import kept_runs as kr
from ui.run_labels import run_labels
from ui.run_links import LinkError, clean_name

from . import ranges, run_deltas, slots
from .messages import plain

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
class Waiting:
    """A run restored from the address whose result the server does not hold (yet)."""

    kept: kr.KeptRun
    seen: int


@dataclass
class History:
    runs: list[Run] = field(default_factory=list)
    counter: int = 0  # ids handed out
    clock: int = 0  # record() calls
    last_recorded: Config | None = None  # the sidebar run recorded last
    waiting: list[Waiting] = field(default_factory=list)  # restored, to train again
    left_out: tuple[int, ...] = ()  # ids the address had no room for (kept in this tab only)


def state() -> History:
    """This session's history: on first use, what the address keeps (else empty)."""
    if STATE not in st.session_state:
        st.session_state[STATE] = History()
        restore(st.session_state[STATE])
    return st.session_state[STATE]


def runs() -> list[Run]:
    return state().runs


def find(run_id: int) -> Run | None:
    return next((r for r in runs() if r.id == run_id), None)


def by_config(config: Config) -> Run | None:
    return next((r for r in runs() if r.config == config), None)


def _new_run(run_id: int, result: TrainResult) -> Run:
    weights = {k: v.detach().clone() for k, v in result.model.state_dict().items()}
    numbers = run_deltas.run_numbers(result.summary())
    return Run(run_id, result.config, result.history.copy(), numbers, weights)


def _adopt(entry: Waiting, result: TrainResult) -> Run:
    """A restored run, now with its result: its number, name, pin and place kept."""
    h = state()
    h.waiting.remove(entry)
    run = _new_run(entry.kept.id, result)
    run.name, run.pinned, run.seen = entry.kept.name, entry.kept.pinned, entry.seen
    h.runs = sorted([*h.runs, run], key=lambda r: r.id)
    return run


def waiting_for(config: Config) -> Waiting | None:
    return next((w for w in state().waiting if w.kept.config == config), None)


def record(result: TrainResult, name: str | None = None, seen_now: bool = True) -> Run:
    """Add a finished run to the history once (again: it only becomes the latest seen).

    A restored run waiting for its result takes it; with seen_now False it keeps its place
    in the order runs were seen (a run restored in the background, not one looked at now)."""
    h = state()
    entry = waiting_for(result.config)
    run = _adopt(entry, result) if entry is not None else by_config(result.config)
    if run is None:
        h.counter += 1
        run = _new_run(h.counter, result)
        h.runs.append(run)
        previous = previous_run(result.config)
        pinned = [r.id for r in h.runs if r.pinned]
        select(sorted({run.id, *pinned, *([previous.id] if previous else [])}))  # oldest first
    if entry is None or seen_now:
        h.clock += 1
        run.seen = h.clock
    if name:
        run.name = clean_name(name)
    drop_oldest()
    keep()
    return run


def record_sidebar_run(result: TrainResult) -> None:
    """Record the sidebar's run when the sidebar's configuration changed since the last one:
    a run removed by the visitor stays removed while they keep the same settings."""
    h = state()
    if h.last_recorded != result.config or waiting_for(result.config) is not None:
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
        keep()


def toggle_pin(run_id: int) -> None:
    run = find(run_id)
    if run is not None:
        run.pinned = not run.pinned
        keep()


def remove(run_id: int) -> None:
    h = state()
    h.runs = [r for r in h.runs if r.id != run_id]
    h.waiting = [w for w in h.waiting if w.kept.id != run_id]
    st.session_state[SELECTED] = [i for i in _overlay_ids() if i != run_id]
    keep()


def clear_unpinned() -> None:
    for run in [r for r in runs() if not r.pinned]:
        remove(run.id)
    for entry in [w for w in state().waiting if not w.kept.pinned]:
        remove(entry.kept.id)


def _known_ids() -> set[int]:
    """Ids of the runs and of the restored runs still waiting for their result."""
    h = state()
    return {r.id for r in h.runs} | {w.kept.id for w in h.waiting}


def select(ids) -> None:
    """Overlay these runs, in this order (unknown ids and repeats left out)."""
    known = _known_ids()
    st.session_state[SELECTED] = [i for i in dict.fromkeys(ids) if i in known]
    keep()


def _overlay_ids() -> list[int]:
    known = _known_ids()
    return [i for i in st.session_state.get(SELECTED, []) if i in known]


def selected_ids() -> list[int]:
    known = {r.id for r in runs()}
    return [i for i in st.session_state.get(SELECTED, []) if i in known]


def selected() -> list[Run]:
    return [r for i in selected_ids() if (r := find(i)) is not None]


def labels(chosen: list[Run]) -> dict[int, str]:
    """Run id -> label, by what differs between `chosen` (names win)."""
    texts = run_labels([r.config for r in chosen], [r.name for r in chosen])
    return {r.id: text for r, text in zip(chosen, texts, strict=True)}


# --- kept in the page address ------------------------------------------------------------


def kept() -> tuple[kr.KeptRun, ...]:
    """Every run as the address keeps it, in id order (the restored ones still waiting too)."""
    h = state()
    entries = [kr.KeptRun(r.id, r.config, r.name, r.pinned) for r in h.runs]
    entries += [w.kept for w in h.waiting]
    return tuple(sorted(entries, key=lambda k: k.id))


def keep() -> None:
    """Write the history into the address (only what changed): every page run calls this.

    A history of one plain run of the sidebar's own settings is what a new session makes of
    the settings alone: the address then stays as it was (an old link stays that link)."""
    h = state()
    entries = kept()
    if entries == (kr.KeptRun(1, _sidebar_config()),) and _overlay_ids() == [1]:
        entries = ()
    value, h.left_out = kr.fit(entries, kr.KEPT_CHARS)
    in_url = {k.id for k in entries} - set(h.left_out)
    _set_param(kr.PARAM, value)
    _set_param(kr.OVERLAY, kr.encode_overlay([i for i in _overlay_ids() if i in in_url]))


def _sidebar_config() -> Config | None:
    """The configuration the sidebar's widgets hold, or None if they hold no valid one."""
    values = {f.name: st.session_state.get(f.name, f.default) for f in config_lib.fields()}
    try:
        return Config.from_dict(values)
    except ValueError:
        return None


def left_out_text() -> str:
    """' Runs #1 and #2 are kept in this tab only: ...' when the address had no room for them."""
    ids = state().left_out
    if not ids:
        return ""
    names = ", ".join(f"#{i}" for i in ids)
    return (
        f" Run{'s' if len(ids) > 1 else ''} {names} {'are' if len(ids) > 1 else 'is'} kept in "
        f"this tab only: the address has room for {kr.KEPT_CHARS:,} characters of runs "
        f"(pin a run to keep it there first)."
    )


def _set_param(name: str, value: str) -> None:
    if st.query_params.get(name) != (value or None):
        if value:
            st.query_params[name] = value
        else:
            del st.query_params[name]


def restore(h: History) -> None:
    """A new session's history from the address: cached runs at once, the others waiting."""
    text = st.query_params.get(kr.PARAM)
    if not text:
        return
    try:
        entries = kr.decode_kept(text)
    except LinkError as err:
        st.warning(
            f"Your runs could not be restored from the address: {plain(err)}. The address "
            "now keeps the runs you train from here on.",
            icon=":material/link_off:",
        )
        return
    refused = [e for e in entries if not ranges.trainable(e.config)]
    if refused:
        st.warning(
            f"{len(refused)} run(s) of the address were not restored: over this app's limits.",
            icon=":material/block:",
        )
    for seen, entry in enumerate((e for e in entries if e not in refused), start=1):
        result = slots.cached("train", entry.config)
        h.waiting.append(Waiting(entry, seen))
        if result is not None:
            _adopt(h.waiting[-1], result)
    h.counter = max((e.id for e in entries), default=0)
    h.clock = len(entries)
    st.session_state[SELECTED] = kr.decode_overlay(st.query_params.get(kr.OVERLAY), _known_ids())
