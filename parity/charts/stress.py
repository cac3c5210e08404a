"""Altair charts of the stress families: a family x length grid of accuracy."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..evaluation.families import FAMILIES
from ._base import readable

ACCURACY_SCALE = alt.Scale(
    domain=[0.5, 0.9, 0.99, 1.0], range=["#e03131", "#f59f00", "#ffe066", "#2b8a3e"]
)


def family_frame(table: pd.DataFrame) -> pd.DataFrame:
    """family_accuracy's rows with the family's label and a short percentage for the cells."""
    return table.assign(
        label=[FAMILIES[name].label for name in table["family"]],
        shown=[f"{a:.0%}" if a < 1.0 else "✓" for a in table["accuracy"]],
    )


def family_heatmap(table: pd.DataFrame) -> alt.Chart:
    """A family x length grid: green where every string was right, red towards chance (50%)."""
    frame = family_frame(table)
    order = [FAMILIES[n].label for n in dict.fromkeys(table["family"])]
    x = alt.X("length:O", title="string length", sort=sorted(set(table["length"])))
    y = alt.Y("label:N", title=None, sort=order)
    tooltip = [
        alt.Tooltip("label:N", title="family"),
        "length:Q",
        alt.Tooltip("accuracy:Q", format=".1%"),
        "strings:Q",
    ]
    cells = (
        alt.Chart(frame)
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            color=alt.Color("accuracy:Q", scale=ACCURACY_SCALE, legend=alt.Legend(format="%")),
            tooltip=tooltip,
        )
    )
    text = alt.Chart(frame).mark_text(fontSize=13).encode(x=x, y=y, text="shown:N", tooltip=tooltip)
    chart = alt.layer(cells, text, title="Accuracy by family and length")
    return readable(chart.properties(height=28 * len(order)))
