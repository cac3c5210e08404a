"""Several runs on one chart: accuracy, loss and accuracy by length, one colour per run.

Each builder takes (label, frame) pairs in the order they should be listed; the labels
(ui.run_labels) are the legend and must be distinct. Never imports streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ._base import readable

# Tableau 10: distinct on screen and on a projector; a link carries at most 8 runs.
RUN_COLOURS = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
SERIES = ("test", "training")  # accuracy series: solid and dashed lines
HEIGHT = 240

Runs = Sequence[tuple[str, pd.DataFrame]]


def run_colour(labels: Sequence[str]) -> alt.Color:
    """Colour by run, in the given order, with the legend below the plot."""
    return alt.Color(
        "run:N",
        title=None,
        sort=list(labels),
        legend=alt.Legend(orient="bottom", columns=min(4, max(1, len(labels)))),
        scale=alt.Scale(
            domain=list(labels),
            range=[RUN_COLOURS[i % len(RUN_COLOURS)] for i in range(len(labels))],
        ),
    )


def accuracy_frame(runs: Runs) -> pd.DataFrame:
    """Long form: run, step, series ('test' / 'training'), accuracy; non-finite rows left out."""
    parts = []
    for label, history in runs:
        frame = history[["step", "test_accuracy", "train_accuracy"]].rename(
            columns={"test_accuracy": SERIES[0], "train_accuracy": SERIES[1]}
        )
        long = frame.melt("step", var_name="series", value_name="accuracy")
        parts.append(long.assign(run=label))
    out = pd.concat(parts, ignore_index=True)[["run", "step", "series", "accuracy"]]
    return out[np.isfinite(out["accuracy"])].reset_index(drop=True)


def loss_frame(runs: Runs) -> pd.DataFrame:
    """Long form: run, step, loss; only finite, positive losses (the axis is logarithmic)."""
    out = pd.concat(
        [history[["step", "loss"]].assign(run=label) for label, history in runs],
        ignore_index=True,
    )[["run", "step", "loss"]]
    keep = np.isfinite(out["loss"]) & (out["loss"] > 0)
    return out[keep].reset_index(drop=True)


def accuracy_overlay(runs: Runs, title: str = "Accuracy") -> alt.Chart:
    """Test accuracy (solid) and training accuracy (dashed) of every run against the step."""
    labels = [label for label, _ in runs]
    return readable(
        alt.Chart(accuracy_frame(runs), title=title)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y(
                "accuracy:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=run_colour(labels),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(domain=list(SERIES), range=[[1, 0], [4, 3]]),
            ),
            detail="series:N",
            tooltip=["run:N", "series:N", "step:Q", alt.Tooltip("accuracy:Q", format=".1%")],
        )
        .properties(height=HEIGHT)
    )  # fmt: skip


def loss_overlay(runs: Runs, title: str = "Loss (log scale)") -> alt.Chart:
    """Every run's training loss against the step, on a log scale."""
    labels = [label for label, _ in runs]
    return readable(
        alt.Chart(loss_frame(runs), title=title)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("loss:Q", title="loss", scale=alt.Scale(type="log")),
            color=run_colour(labels),
            tooltip=["run:N", "step:Q", alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(height=HEIGHT)
    )


def length_frame(runs: Runs) -> pd.DataFrame:
    """Long form of accuracy-by-length tables: run, length, accuracy."""
    return pd.concat(
        [table[["length", "accuracy"]].assign(run=label) for label, table in runs],
        ignore_index=True,
    )[["run", "length", "accuracy"]]


def length_overlay(runs: Runs, title: str = "Accuracy by string length") -> alt.LayerChart:
    """Every run's accuracy by length on a log length axis, with guessing (50%) dashed."""
    labels = [label for label, _ in runs]
    frame = length_frame(runs)
    top = max(10_000, int(frame["length"].max()))
    floor = min(0.4, float(np.floor(frame["accuracy"].min() * 10) / 10))
    x = alt.X(
        "length:Q",
        title="string length (log scale)",
        scale=alt.Scale(type="log", domain=[1, top], nice=False),
    )
    y = alt.Y(
        "accuracy:Q", title="accuracy", scale=alt.Scale(domain=[floor, 1]),
        axis=alt.Axis(format="%"),
    )  # fmt: skip
    chance = (
        alt.Chart(pd.DataFrame({"accuracy": [0.5]}))
        .mark_rule(strokeDash=[4, 4], color="#999999")
        .encode(y=y)
    )
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=run_colour(labels),
            tooltip=["run:N", "length:Q", alt.Tooltip("accuracy:Q", format=".1%")],
        )
    )
    return readable(alt.layer(chance, lines, title=title).properties(height=320))
