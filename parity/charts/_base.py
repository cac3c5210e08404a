"""What every chart shares: projector-sized text, fitting the width, the series colours."""

from __future__ import annotations

import altair as alt

TRAIN_COLOUR, TEST_COLOUR, LOSS_COLOUR = "#1f77b4", "#e8590c", "#6741d9"
FONT = 15  # axis and legend text, in px: readable on a projector


def readable(chart):
    """Projector-sized text; `height` is the plot's own (axes and legend come on top of it)."""
    chart = (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT + 1)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT)
        .configure_title(fontSize=FONT + 4)
    )
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
