"""State heat maps and the running prediction: encodings, fixed colour domains, binning."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from parity.analysis.traces import trace
from parity.charts import states as charts
from parity.charts._base import FONT
from parity.core.config import Config
from parity.nets.models import build

from .specs import data_of

alt.data_transformers.disable_max_rows()


@pytest.mark.parametrize(
    "name,values,domain,scheme",
    [
        ("forget gate", [0.2, 0.9], [0.0, 1.0], "blues"),
        ("update gate", [0.0, 1.0], [0.0, 1.0], "blues"),
        ("hidden", [-0.3, 0.99], [-1.0, 1.0], "redblue"),
        ("cell", [-3.62, 1.0], [-3.7, 3.7], "redblue"),
        ("cell", [0.1, 0.2], [-1.0, 1.0], "redblue"),
    ],
)
def test_colour_domains_are_fixed_and_meaningful(name, values, domain, scheme):
    got, got_scheme = charts.quantity_domain(name, pd.Series(values))
    assert got == pytest.approx(domain) and got_scheme == scheme


def test_bins_for_keeps_short_sequences_and_bounds_long_ones():
    assert charts.bins_for(16, 8) == 16
    assert charts.bins_for(400, 8) == 400  # every step shown up to MAX_STEPS
    assert charts.bins_for(401, 8) == charts.BINS == 200
    assert charts.bins_for(10_000, 8) == 200
    assert charts.bins_for(10_000, 64) == 8_000 // 64  # at most MAX_CELLS cells a map
    assert charts.bins_for(100, 256) == 31 and charts.bins_for(10_000, 256) == 31
    assert charts.bins_for(10_000, 1000) == charts.MIN_BINS
    assert charts.bins_for(20, 256) == 20


def states(steps: int, units: int) -> pd.DataFrame:
    """A synthetic trace frame: value = step * 10 + unit, bit = step % 2."""
    step = np.repeat(np.arange(1, steps + 1), units)
    return pd.DataFrame(
        {
            "quantity": "hidden",
            "step": step,
            "bit": step % 2,
            "unit": np.tile(np.arange(units), steps),
            "value": step * 10.0 + np.tile(np.arange(units), steps),
        }
    )


def test_bin_states_means_each_bin_and_keeps_its_step_range():
    binned = charts.bin_states(states(10, 2), bins=4)
    assert len(binned) == 8
    unit0 = binned[binned["unit"] == 0]
    assert list(unit0["step"]) == [1, 4, 6, 9] and list(unit0["last"]) == [3, 5, 8, 10]
    assert list(unit0["value"]) == pytest.approx([20.0, 45.0, 70.0, 95.0])
    assert list(unit0["bit"]) == pytest.approx([2 / 3, 0.5, 1 / 3, 0.5])


def test_bin_states_leaves_short_sequences_alone():
    frame = states(5, 3)
    binned = charts.bin_states(frame, bins=5)
    assert list(binned["step"]) == list(frame["step"]) == list(binned["last"])
    assert list(binned["value"]) == list(frame["value"])


def test_heatmap_encodes_step_unit_value_with_the_input_bit_on_top():
    spec = charts.state_heatmap(
        charts.bin_states(states(6, 3), 6), "hidden", show_digits=True
    ).to_dict()
    cells, strip, digits = spec["layer"]
    assert cells["mark"]["type"] == "rect"
    assert cells["encoding"]["x"]["field"] == "x0" and cells["encoding"]["x2"]["field"] == "x1"
    assert cells["encoding"]["y"]["sort"] == ["bit", "0", "1", "2"]
    colour = cells["encoding"]["color"]
    assert colour["field"] == "value" and colour["scale"]["domain"] == [-62.0, 62.0]
    assert colour["scale"]["reverse"] is True  # blue below zero, red above
    assert [t["field"] for t in cells["encoding"]["tooltip"]] == ["steps", "bit", "unit", "value"]
    assert len(data_of(spec, cells)) == 18
    assert [r["bit"] for r in data_of(spec, strip)] == [1, 0, 1, 0, 1, 0]
    assert strip["encoding"]["fill"]["scale"]["domain"] == [0, 1]
    assert digits["mark"]["type"] == "text"
    assert spec["title"] == "hidden" and spec["autosize"]["type"] == "fit-x"
    assert spec["config"]["axis"]["labelFontSize"] == FONT  # projector-sized text
    assert spec["usermeta"]["embedOptions"]["renderer"] == "canvas"


def test_prediction_chart_short_shows_probability_and_truth():
    model = build(Config())
    t = trace(model, [1, 0, 1, 1])
    spec = charts.prediction_chart(t.prediction).to_dict()
    rows = data_of(spec)
    truth = [r["value"] for r in rows if r["series"] == "truth: parity so far"]
    assert truth == [1, 1, 0, 1]
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 1]


def test_prediction_chart_long_is_binned_share_of_right_answers():
    steps = 1000
    frame = pd.DataFrame(
        {
            "step": np.arange(1, steps + 1),
            "bit": 1,
            "probability": 0.5,
            "predicted": 1,
            "running_parity": 1,
            "correct": np.arange(steps) < 500,
        }
    )
    spec = charts.prediction_chart(frame, max_points=100).to_dict()
    rows = data_of(spec)
    assert len(rows) == 100
    assert [r["share_correct"] for r in rows] == [1.0] * 50 + [0.0] * 50
    assert spec["encoding"]["y"]["field"] == "share_correct"


def test_a_real_1000_bit_trace_bins_to_a_small_frame():
    model = build(Config())
    bits = [i % 3 == 0 for i in range(1000)]
    t = trace(model, [int(b) for b in bits])
    bins = charts.bins_for(1000, model.hidden_size)
    binned = charts.bin_states(t.states, bins)
    assert len(binned) == len(t.quantities) * bins * model.hidden_size
    for quantity in t.quantities:
        spec = charts.state_heatmap(binned, quantity).to_dict()
        assert len(data_of(spec, spec["layer"][0])) == bins * model.hidden_size
