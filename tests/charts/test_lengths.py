"""Accuracy by length: log axis, shaded training and test bands, failing points."""

from __future__ import annotations

import altair as alt
import pandas as pd

from parity.charts import lengths as charts

from .specs import data_of

alt.data_transformers.disable_max_rows()


def test_length_chart_log_axis_training_band_and_failing_points():
    table = pd.DataFrame(
        {"length": [1, 10, 100, 1000, 10_000], "accuracy": [1.0, 1.0, 1.0, 0.9, 0.3], "size": 200}
    )
    spec = charts.length_chart(table, (1, 20), (50, 100)).to_dict()
    shade, chance, line, points = spec["layer"]
    assert line["encoding"]["x"]["scale"] == {"type": "log", "domain": [1, 10_000], "nice": False}
    assert line["encoding"]["y"]["scale"]["domain"] == [0.3, 1]  # room for the worst point
    assert [(r["start"], r["end"]) for r in data_of(spec, shade)] == [(1, 20), (50, 100)]
    assert data_of(spec, chance) == [{"accuracy": 0.5}]
    assert [r["length"] for r in data_of(spec, line)] == [1, 10, 100, 1000, 10_000]
    assert [r["result"] for r in data_of(spec, points)] == ["100%"] * 3 + ["below 100%"] * 2
    assert points["encoding"]["fill"]["scale"]["domain"] == ["100%", "below 100%"]
    assert charts.first_length_below(table) == 1000
    assert charts.first_length_below(table.assign(accuracy=1.0)) is None
    perfect = charts.length_chart(table.assign(accuracy=1.0), (1, 20)).to_dict()
    assert perfect["layer"][2]["encoding"]["y"]["scale"]["domain"] == [0.4, 1]


def test_a_one_length_band_still_has_a_width():
    table = pd.DataFrame({"length": [1, 10], "accuracy": [1.0, 1.0], "size": 10})
    spec = charts.length_chart(table, (20, 20)).to_dict()
    ((start, end),) = [(r["start"], r["end"]) for r in data_of(spec, spec["layer"][0])]
    assert start == 20 and end > 20
