"""The Look inside page's pieces: a recorded string, windows of it, unit labels, metrics."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from parity.analysis import traces
from parity.analysis.traces import Recording
from parity.charts import states as charts
from parity.charts import window as window_chart

# A trace holds (quantities x bits x units) rows: 10,000 bits x 256 units would be 15 million
# rows, ~3 GB at peak. Strings are cut to keep bits x units within this.
MAX_TRACE_CELLS = 250_000
WINDOW = charts.MAX_STEPS  # longer strings show a window of this many steps at first
TRACKS = 0.95  # a unit whose best single threshold is right this often tracks the parity
UNIT_ORDERS = ("by number", "by how well they track parity")
WINDOW_KEY = "inside_window"  # session_state key of the window slider: (first, last)

COLOURS = (
    "Colours: gates run from white (0, shut) to dark blue (1, open). Candidate, hidden "
    "state and cell run from blue (negative) through white (0) to red (positive); tanh "
    "values span −1..1, the cell's scale is its largest magnitude in this string. "
    "Scales are fixed across steps, so a colour means the same value everywhere. Top "
    "row of each map: the input bit (dark = 1)."
)


@dataclass(frozen=True)
class TraceView:
    """What the page draws: the states binned for the heat maps, the per-step prediction."""

    quantities: tuple[str, ...]
    binned: pd.DataFrame  # charts.bin_states output
    prediction: pd.DataFrame  # traces.Trace.prediction
    bins: int

    @property
    def steps(self) -> int:
        return len(self.prediction)

    @property
    def caption(self) -> str | None:
        """How the steps were binned, if they were."""
        if self.bins >= self.steps:
            return None
        return (
            f"{self.steps:,} steps are drawn as {self.bins} columns of about "
            f"{self.steps / self.bins:.1f} steps each: a cell shows the mean over its steps, "
            "and the top row the share of 1s."
        )


def max_bits(units: int) -> int:
    """The longest string traced for a model with `units` hidden units."""
    return MAX_TRACE_CELLS // max(1, units)


def window_view(rec: Recording, first: int, last: int) -> TraceView:
    """Steps first..last (1-based, inclusive) drawn: every step, or binned if wider than WINDOW."""
    states, prediction = rec.window(first, last)
    bins = charts.bins_for(len(prediction), rec.arrays["hidden"].shape[1])
    return TraceView(
        traces.cells.QUANTITIES[rec.arch], charts.bin_states(states, bins), prediction, bins
    )


def window_fits(window, steps: int) -> bool:
    """Whether a stored window (first, last) lies inside a string of `steps` steps."""
    return (
        isinstance(window, tuple | list)
        and len(window) == 2
        and 1 <= window[0] <= window[1] <= steps
    )


def take_brush(chart_key: str, steps: int) -> None:
    """Overview callback: the brushed interval becomes the window (an empty brush is ignored)."""
    state = st.session_state.get(chart_key) or {}
    window = window_chart.brushed_window(state.get("selection", {}), steps)
    if window is not None:
        st.session_state[WINDOW_KEY] = window


def window_round(step: int, steps: int) -> tuple[int, int]:
    """A window of up to WINDOW steps with `step` in it (a third of the way in when it can)."""
    first = max(1, min(step - WINDOW // 3, steps - WINDOW + 1))
    return first, min(steps, first + WINDOW - 1)


def default_window(steps: int) -> tuple[int, int]:
    """The first WINDOW steps (all of a short string)."""
    return 1, min(steps, WINDOW)


def unit_labels(ranking: pd.DataFrame, order: str) -> tuple[list[int] | None, dict[int, str]]:
    """Row order and labels for the heat maps: units that track the parity get a star.

    `ranking` is statemap.unit_ranking's frame; the hidden units' scores decide.
    """
    hidden = ranking[ranking["quantity"] == "hidden"].sort_values("rank")
    names = {
        int(row.unit): f"★ {row.unit}" if row.accuracy >= TRACKS else str(row.unit)
        for row in hidden.itertuples()
    }
    ranked = [int(u) for u in hidden["unit"]]
    return (ranked if order == UNIT_ORDERS[1] else None), names


def string_metrics(rec: Recording) -> dict[str, str]:
    """Length, the true parity, the final answer, and how often the running answer was right."""
    truth, guess = rec.parity, rec.answer
    return {
        "Length": f"{rec.steps:,} bits",
        "True parity": "odd" if truth else "even",
        "Model says": f"{'odd' if guess else 'even'} ({'right' if guess == truth else 'wrong'})",
        "Running answers right": f"{rec.running_accuracy:.1%}",
    }


def window_controls(rec: Recording, key: str) -> tuple[int, int]:
    """For a long string: the overview with a brush, and the window slider it sets."""
    if rec.steps <= WINDOW:
        return 1, rec.steps
    if not window_fits(st.session_state.get(WINDOW_KEY), rec.steps):
        st.session_state[WINDOW_KEY] = default_window(rec.steps)
    window = st.session_state[WINDOW_KEY]
    st.altair_chart(
        window_chart.overview_chart(rec.prediction(), window),
        width="stretch",
        key=f"overview_{key}",
        on_select=functools.partial(take_brush, f"overview_{key}", rec.steps),
        selection_mode=window_chart.BRUSH,
    )
    return st.slider(
        "Window (steps shown below)",
        min_value=1,
        max_value=rec.steps,
        key=WINDOW_KEY,
        help=f"Drag across the overview, or move this slider. Up to {WINDOW} steps are "
        "drawn one column each; a wider window is averaged.",
    )
