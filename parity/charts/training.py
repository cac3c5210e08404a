"""Training curves: accuracy on training batches and the test set, and the loss, by step."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ._base import LOSS_COLOUR, TEST_COLOUR, TRAIN_COLOUR, readable


def history_long(history: pd.DataFrame, train_label: str, test_label: str) -> pd.DataFrame:
    """Accuracy history in long form: step, series (train_label / test_label), accuracy."""
    frame = history[["step", "train_accuracy", "test_accuracy"]].rename(
        columns={"train_accuracy": train_label, "test_accuracy": test_label}
    )
    long = frame.melt("step", var_name="series", value_name="accuracy")
    return long[np.isfinite(long["accuracy"])].reset_index(drop=True)


def accuracy_chart(
    history: pd.DataFrame, train_label: str = "training lengths", test_label: str = "test lengths"
) -> alt.Chart:
    """Accuracy on training batches and on the test set against the step, with a legend."""
    long = history_long(history, train_label, test_label)
    colour = alt.Color(
        "series:N",
        title=None,
        legend=alt.Legend(orient="bottom"),
        scale=alt.Scale(domain=[train_label, test_label], range=[TRAIN_COLOUR, TEST_COLOUR]),
    )
    return readable(
        alt.Chart(long, title="Accuracy")
        .mark_line(point=len(history) <= 30)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y(
                "accuracy:Q",
                title="accuracy",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=colour,
            tooltip=["step:Q", "series:N", alt.Tooltip("accuracy:Q", format=".1%")],
        )
        .properties(height=220)
    )


def loss_chart(history: pd.DataFrame) -> alt.Chart:
    """Training loss against the step on a log scale (non-finite and zero losses left out)."""
    frame = history[["step", "loss"]]
    frame = frame[np.isfinite(frame["loss"]) & (frame["loss"] > 0)].reset_index(drop=True)
    return readable(
        alt.Chart(frame, title="Loss (log scale)")
        .mark_line(color=LOSS_COLOUR, point=len(frame) <= 30)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("loss:Q", title="loss", scale=alt.Scale(type="log")),
            tooltip=["step:Q", alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(height=220)
    )
