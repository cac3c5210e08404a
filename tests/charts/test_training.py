"""Training curves: accuracy and loss by step, both series, NaNs left out."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import pytest

from parity.charts import training as charts

from .specs import data_of

alt.data_transformers.disable_max_rows()


def history(rows=5, diverged=False) -> pd.DataFrame:
    steps = np.arange(1, rows + 1) * 10
    frame = pd.DataFrame(
        {
            "step": steps,
            "loss": 0.7 / steps,
            "train_accuracy": steps / steps[-1],
            "test_accuracy": np.linspace(0.5, 1.0, rows),
            "elapsed": steps / 100,
        }
    )
    if diverged:
        frame.loc[rows - 1, ["loss", "test_accuracy"]] = math.nan
    return frame


def test_accuracy_chart_has_both_series_with_a_legend():
    spec = charts.accuracy_chart(history(), "train 1-20", "test 50-100").to_dict()
    enc = spec["encoding"]
    assert enc["x"]["field"] == "step" and enc["y"]["field"] == "accuracy"
    assert enc["y"]["scale"]["domain"] == [0, 1] and enc["y"]["axis"]["format"] == "%"
    assert enc["color"]["scale"]["domain"] == ["train 1-20", "test 50-100"]
    assert enc["color"]["legend"]["orient"] == "bottom"
    rows = data_of(spec)
    assert len(rows) == 10
    test = [r["accuracy"] for r in rows if r["series"] == "test 50-100"]
    assert test == pytest.approx(list(np.linspace(0.5, 1.0, 5)))


def test_loss_chart_is_log_scaled_and_drops_nan_and_zero():
    frame = history(diverged=True)
    frame.loc[0, "loss"] = 0.0
    spec = charts.loss_chart(frame).to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert [r["step"] for r in data_of(spec)] == [20, 30, 40]
    acc = charts.history_long(frame, "a", "b")
    assert len(acc) == 9 and acc["accuracy"].notna().all()  # the NaN test point is left out
