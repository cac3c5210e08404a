"""Watch it learn: a training-step slider with play/pause over the run's snapshots.

show(active, draw) puts the controls above `draw(model, key, step)`. The slider and the
drawing run inside one fragment, so scrubbing redraws only them; Play makes the fragment
rerun every TICK seconds, one snapshot further each time, and stops at the end.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from parity.nets.models import ParityModel
from parity.training import replay

from . import session, training

STEP = "replay_step"
PLAYING = "replay_playing"
TICK = 1.0  # seconds per frame while playing

Draw = Callable[[ParityModel, str, int | None], None]


def snapshot_key(model_key: str, step: int) -> str:
    """The cache key of a replayed model: its run's key and the step."""
    return f"{model_key}@step{step}"


def snapshots_of(active: session.ActiveModel) -> tuple:
    """The run's snapshots (sidebar models only; an upload has no training history)."""
    if active.source != "sidebar":
        return ()
    result = training.cached_result(active.config)
    return tuple(result.snapshots) if result is not None else ()


def _play(steps: list[int]) -> None:
    """Button callback: start playing; from the last step, start again at the first."""
    st.session_state[PLAYING] = True
    if st.session_state.get(STEP) == steps[-1]:
        st.session_state[STEP] = steps[0]


def _pause() -> None:
    st.session_state[PLAYING] = False


def _advance(steps: list[int]) -> None:
    """One snapshot further; at the last one, stop playing (a full rerun ends the timer)."""
    index = steps.index(st.session_state[STEP])
    if index + 1 < len(steps):
        st.session_state[STEP] = steps[index + 1]
    else:
        st.session_state[PLAYING] = False
        st.rerun()


def show(active: session.ActiveModel, draw: Draw) -> None:
    """Training-step controls when the run kept snapshots, then draw(model, key, step)."""
    snapshots = snapshots_of(active)
    steps = replay.steps(snapshots)
    if len(steps) < 2:
        draw(active.model, active.key, None)
        return
    if st.session_state.get(STEP) not in steps:
        st.session_state[STEP] = steps[-1]
    if st.session_state.get(PLAYING):
        st.button("Pause", icon=":material/pause:", on_click=_pause)
    else:
        st.button(
            "Play training",
            icon=":material/play_arrow:",
            on_click=_play,
            args=(steps,),
            help=f"Step through the {len(steps)} kept snapshots, one every {TICK:g} s.",
        )

    @st.fragment(run_every=TICK if st.session_state.get(PLAYING) else None)
    def frame() -> None:
        if st.session_state.get(PLAYING):
            _advance(steps)
        step = st.select_slider(
            "Training step",
            options=steps,
            key=STEP,
            persist_state="session",
            format_func=lambda s: f"{s:,}" + (" (final)" if s == steps[-1] else ""),
            help="The model as it was at this evaluation step of its training run.",
        )
        if step == steps[-1]:
            draw(active.model, active.key, step)
            return
        model = replay.model_at(active.config, replay.snapshot_at(snapshots, step))
        draw(model, snapshot_key(active.key, step), step)

    frame()
