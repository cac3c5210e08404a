"""Experiment charts: the frames behind them hold the rows' numbers; the specs encode them."""

from __future__ import annotations

import math

from parity.charts import experiments as charts
from parity.experiments.runs import summarise
from tests.experiment_rows import make_row


def sweep_rows() -> list[dict]:
    """h2/len5: seed 0 solves at 100, seed 1 not; h2/len10: both (40, 60); h4/len5: none."""
    return [
        make_row("h2/len5", 0, 1.0, 100, hidden_size=2, max_len=5),
        make_row("h2/len5", 1, 0.6, None, hidden_size=2, max_len=5),
        make_row("h2/len10", 0, 1.0, 40, hidden_size=2, max_len=10),
        make_row("h2/len10", 1, 1.0, 60, hidden_size=2, max_len=10),
        make_row("h4/len5", 0, 0.7, None, hidden_size=4, max_len=5),
        make_row("h4/len5", 1, 0.0, None, hidden_size=4, max_len=5, error="died"),
    ]


def test_sweep_cells_count_solved_seeds_and_median_steps():
    cells = charts.sweep_cells(sweep_rows()).set_index(["hidden_size", "max_len"])
    columns = ["runs", "solved", "success_rate", "seeds_solved", "label"]
    assert cells.loc[(2, 5), columns].tolist() == [2, 1, 0.5, "0", "1/2"]
    assert cells.loc[(2, 5), "median_steps_to_solve"] == 100
    assert cells.loc[(2, 10), "median_steps_to_solve"] == 50
    assert cells.loc[(2, 10), "seeds_solved"] == "0, 1"
    four = cells.loc[(4, 5)]  # the failed run is left out
    assert (four["runs"], four["solved"], four["seeds_solved"]) == (1, 0, "none")
    assert four["median_steps_to_solve"] is None or math.isnan(four["median_steps_to_solve"])


def test_sweep_heatmap_colours_success_rate_with_steps_and_seeds_on_hover():
    spec = charts.sweep_heatmap(sweep_rows()).to_dict()
    rect, text = spec["layer"]
    assert rect["mark"]["type"] == "rect"
    assert rect["encoding"]["color"]["field"] == "success_rate"
    assert rect["encoding"]["color"]["scale"]["domain"] == [0, 1]
    assert rect["encoding"]["x"]["field"] == "max_len"
    assert rect["encoding"]["y"]["field"] == "hidden_size"
    hover = [t["field"] for t in rect["encoding"]["tooltip"]]
    assert {"median_steps_to_solve", "seeds_solved", "success_rate"} <= set(hover)
    assert text["encoding"]["text"]["field"] == "label"


def test_curves_frame_has_one_line_per_run():
    rows = [make_row("fixed_50", s, 0.5 + s / 10, steps=200) for s in range(3)]
    frame = charts.curves_frame(rows)
    assert len(frame) == 6
    assert frame.groupby("seed")["test_accuracy"].last().tolist() == [0.5, 0.6, 0.7]
    assert frame["step"].tolist()[:2] == [100, 200]


def test_rfr_curves_facet_one_panel_per_condition_in_order():
    rows = [make_row(c, s, 0.5) for c in ("fixed_50", "uniform_1_50") for s in (0, 1)]
    labels = {"fixed_50": "length 50", "uniform_1_50": "lengths 1..50"}
    spec = charts.rfr_curves(rows, labels).to_dict()
    assert spec["facet"]["field"] == "panel"
    assert spec["facet"]["sort"] == ["length 50", "lengths 1..50"]
    assert spec["spec"]["encoding"]["color"]["field"] == "seed"


def test_final_frame_has_test_and_length_50_accuracy_per_seed():
    rows = [make_row("fixed_50", 0, 0.49, at_50=0.51), make_row("uniform_1_50", 0, 1.0, 20, 1.0)]
    rows.append(make_row("fixed_50", 1, 0.0, error="died"))
    frame = charts.final_frame(rows, 50)
    pivot = frame.pivot_table(index="condition", columns="measure", values="accuracy")
    assert pivot.loc["fixed_50", "length 50"] == 0.51
    assert pivot.loc["fixed_50", "its own test set"] == 0.49
    assert pivot.loc["uniform_1_50"].tolist() == [1.0, 1.0]
    assert len(frame) == 4  # the failed run is left out
    charts.rfr_finals(rows, 50).to_dict()


def test_success_frame_and_per_run_charts_for_compare():
    rows = [
        make_row("rnn/torch", 0, 0.5, arch="rnn", train_seconds=3.0),
        make_row("rnn/torch", 1, 1.0, 120, arch="rnn", train_seconds=0.3),
        make_row("lstm/torch", 0, 1.0, 50, train_seconds=0.2),
        make_row("lstm/torch", 1, 1.0, 70, train_seconds=0.25),
    ]
    summary = summarise(rows, ("arch", "impl"))
    frame = charts.success_frame(summary, ("arch", "impl"))
    assert frame["condition"].tolist() == ["rnn/torch", "lstm/torch"]
    assert frame["success_rate"].tolist() == [0.5, 1.0]
    assert frame["median_steps_to_solve"].tolist() == [120, 60]
    steps = charts.steps_chart(rows).to_dict()
    strip = steps["layer"][1]
    assert strip["mark"]["type"] == "circle"
    strip_data = steps["datasets"][steps["data"]["name"]]
    assert sorted(d["solved_at_step"] for d in strip_data) == [50, 70, 120]  # solved runs only
    times = charts.time_chart(rows).to_dict()
    assert times["layer"][0]["mark"]["type"] == "boxplot"
    charts.success_chart(summary, ("arch", "impl")).to_dict()
