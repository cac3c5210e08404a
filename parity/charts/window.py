"""The overview of a long string, with the window the heat maps show and a brush to move it.

The overview bins the whole string (share of running answers right, share of ones); the
window is shaded; dragging across the overview (an interval brush named BRUSH on the step
axis) selects a new window. Never imports streamlit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ._base import TEST_COLOUR, readable
from .states import BINS, bin_prediction

BRUSH = "window"


def overview_chart(prediction: pd.DataFrame, window: tuple[int, int]) -> alt.LayerChart:
    """Binned overview of a whole trace's prediction frame with `window` (first, last) shaded."""
    binned = bin_prediction(prediction, BINS)
    long = binned.melt(
        ["step", "last"], ["share_correct", "ones"], var_name="series", value_name="share"
    )
    long["series"] = long["series"].map(
        {"share_correct": "running answers right", "ones": "share of 1s"}
    )
    steps = int(prediction["step"].max())
    x = alt.X(
        "step:Q", title="step (drag to choose the window)", scale=alt.Scale(domain=[1, steps])
    )
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    lines = (
        alt.Chart(long)
        .mark_line(interpolate="step-after")
        .encode(
            x=x,
            y=alt.Y(
                "share:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")
            ),
            color=alt.Color(
                "series:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(
                    domain=["running answers right", "share of 1s"],
                    range=[TEST_COLOUR, "#adb5bd"],
                ),
            ),
            tooltip=["step:Q", "last:Q", "series:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .add_params(brush)
    )
    shade = (
        alt.Chart(pd.DataFrame({"start": [window[0] - 0.5], "end": [window[1] + 0.5]}))
        .mark_rect(opacity=0.15, color="#1971c2")
        .encode(x=alt.X("start:Q", scale=alt.Scale(domain=[1, steps])), x2="end:Q")
    )
    chart = alt.layer(shade, lines, title=f"The whole string ({steps:,} steps)")
    return readable(chart.properties(height=110))


def brushed_window(selection: dict, steps: int) -> tuple[int, int] | None:
    """The window (first, last) an overview brush selected, clamped to 1..steps; None if empty.

    >>> brushed_window({"window": {"step": [120.4, 399.6]}}, 1000)
    (120, 400)
    """
    interval = (selection or {}).get(BRUSH, {}).get("step")
    if not interval or len(interval) != 2:
        return None
    low, high = sorted(float(v) for v in interval)
    first, last = max(1, round(low)), min(steps, round(high))
    return (first, last) if first <= last else None
