"""Overlay charts: one colour per run, in the labels' order, encoding each run's numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from parity.charts import overlay as oc

A = pd.DataFrame(
    {
        "step": [10, 20],
        "loss": [0.7, 0.0],
        "train_accuracy": [0.5, 1.0],
        "test_accuracy": [0.4, math.nan],
        "elapsed": [0.1, 0.2],
    }
)
B = A.assign(loss=[0.6, 0.2], test_accuracy=[0.6, 0.9])


def test_accuracy_overlay_colours_by_run_and_dashes_training():
    spec = oc.accuracy_overlay([("hidden 4", A), ("hidden 8", B)]).to_dict()
    colour = spec["encoding"]["color"]
    assert colour["field"] == "run"
    assert colour["scale"]["domain"] == ["hidden 4", "hidden 8"]
    assert colour["scale"]["range"] == list(oc.RUN_COLOURS[:2])
    assert spec["encoding"]["strokeDash"]["scale"]["domain"] == ["test", "training"]
    frame = oc.accuracy_frame([("hidden 4", A), ("hidden 8", B)])
    assert len(frame) == 7  # 2 runs x 2 series x 2 steps, less A's NaN test accuracy
    b_test = frame[(frame["run"] == "hidden 8") & (frame["series"] == "test")]
    assert list(b_test["accuracy"]) == [0.6, 0.9]


def test_loss_overlay_drops_zero_losses_for_the_log_axis():
    spec = oc.loss_overlay([("a", A), ("b", B)]).to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    frame = oc.loss_frame([("a", A), ("b", B)])
    assert list(zip(frame["run"], frame["loss"], strict=True)) == [
        ("a", 0.7),
        ("b", 0.6),
        ("b", 0.2),
    ]


def test_length_overlay_has_every_run_and_the_chance_line():
    t1 = pd.DataFrame({"length": [1, 100, 10_000], "accuracy": [1.0, 1.0, 0.5], "size": 50})
    t2 = t1.assign(accuracy=[1.0, 0.9, 0.2])
    spec = oc.length_overlay([("gru", t1), ("rnn", t2)]).to_dict()
    chance, lines = spec["layer"]
    assert lines["encoding"]["color"]["scale"]["domain"] == ["gru", "rnn"]
    assert lines["encoding"]["x"]["scale"]["type"] == "log"
    assert lines["encoding"]["y"]["scale"]["domain"] == [pytest.approx(0.2), 1]
    frame = oc.length_frame([("gru", t1), ("rnn", t2)])
    assert list(frame[frame["run"] == "rnn"]["accuracy"]) == [1.0, 0.9, 0.2]


def test_colours_repeat_past_the_palette():
    labels = [f"run {i}" for i in range(len(oc.RUN_COLOURS) + 2)]
    scale = oc.run_colour(labels).to_dict()["scale"]
    assert scale["range"][-1] == oc.RUN_COLOURS[1] and len(scale["range"]) == len(labels)
