"""Accuracy by string length, on a log axis, with the training and test lengths shaded."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from ._base import TEST_COLOUR, TRAIN_COLOUR, readable


def first_length_below(table: pd.DataFrame, threshold: float = 1.0) -> int | None:
    """The shortest length in an accuracy-by-length table scoring below `threshold`, or None."""
    below = table[table["accuracy"] < threshold]
    return int(below["length"].min()) if len(below) else None


def length_bands(
    train_range: tuple[int, int], test_range: tuple[int, int] | None = None
) -> pd.DataFrame:
    """The shaded bands: band (its legend text), start, end; one length still gets a width."""
    named = [("trained on", train_range)] + ([("tested on", test_range)] if test_range else [])
    frame = pd.DataFrame(
        [{"band": f"{what} {lo}–{hi}", "start": lo, "end": hi} for what, (lo, hi) in named]
    )
    # A one-length band still gets a visible width on the log axis.
    frame["end"] = np.maximum(frame["end"], frame["start"] * 1.08)
    return frame


def _shade(bands: pd.DataFrame, top: int) -> alt.Chart:
    """The bands as translucent rects, training blue and test orange, with a legend."""
    colours = alt.Scale(domain=list(bands["band"]), range=[TRAIN_COLOUR, TEST_COLOUR][: len(bands)])
    return (
        alt.Chart(bands)
        .mark_rect(opacity=0.18)
        .encode(
            x=alt.X("start:Q", scale=alt.Scale(type="log", domain=[1, top], nice=False)),
            x2="end:Q",
            color=alt.Color(
                "band:N", title=None, legend=alt.Legend(orient="bottom"), scale=colours
            ),
            tooltip=["band:N"],
        )
    )


def _points(table: pd.DataFrame, x: alt.X, y: alt.Y) -> alt.Chart:
    """One dot per length: green at 100%, red below."""
    result = np.where(table["accuracy"] >= 1.0, "100%", "below 100%")
    fill = alt.Scale(domain=["100%", "below 100%"], range=["#2b8a3e", "#e03131"])
    return (
        alt.Chart(table.assign(result=result))
        .mark_circle(size=70, opacity=1)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill("result:N", title=None, legend=alt.Legend(orient="bottom"), scale=fill),
            tooltip=["length:Q", alt.Tooltip("accuracy:Q", format=".1%"), "size:Q"],
        )
    )


def length_chart(
    table: pd.DataFrame, train_range: tuple[int, int], test_range: tuple[int, int] | None = None
) -> alt.LayerChart:
    """Accuracy by length on a log x axis; shaded bands mark the training (and test) lengths."""
    top = max(10_000, int(table["length"].max()))
    x = alt.X(
        "length:Q",
        title="string length (log scale)",
        scale=alt.Scale(type="log", domain=[1, top], nice=False),
    )
    floor = min(0.4, math.floor(float(table["accuracy"].min()) * 10) / 10)
    y = alt.Y(
        "accuracy:Q",
        title="accuracy",
        scale=alt.Scale(domain=[floor, 1]),
        axis=alt.Axis(format="%"),
    )
    chance = (
        alt.Chart(pd.DataFrame({"accuracy": [0.5]}))
        .mark_rule(strokeDash=[4, 4], color="#999999")
        .encode(y=y)
    )
    line = alt.Chart(table).mark_line(color="#555555").encode(x=x, y=y)
    shade = _shade(length_bands(train_range, test_range), top)
    chart = alt.layer(shade, chance, line, _points(table, x, y), title="Accuracy by string length")
    return readable(chart.properties(height=320).resolve_scale(color="independent"))
