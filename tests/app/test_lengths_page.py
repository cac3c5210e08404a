"""The Length generalization page: accuracy by length 1..10,000 on a log axis."""

from __future__ import annotations

import pytest

import ui.cached
from parity.charts.lengths import first_length_below
from parity.core.config import Config
from parity.evaluation import evaluate, families
from parity.training.train import train
from tests.app.helpers import charts, metrics, no_crash, page_app

HALF = {"density": "half", "seed": "0", "steps": "400", "stop": "solved"}  # fails 1 then 0s


@pytest.fixture
def length_calls(monkeypatch):
    """Counts the lengths the page asks parity.evaluation.evaluate to measure."""
    calls = []
    real = evaluate.accuracy_by_length

    def counting(model, lengths, size=1000, seed=0):
        calls.extend(lengths)
        return real(model, lengths, size=size, seed=seed)

    monkeypatch.setattr(ui.cached.evaluate, "accuracy_by_length", counting)
    return calls


def frames_by_mark(spec) -> dict[str, object]:
    """The chart's layers' data frames, by mark type."""
    return {
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]: spec["frames"][
            layer["data"]["name"]
        ]
        for layer in spec["layer"]
    }


def test_accuracy_by_length_up_to_10000_on_a_log_axis(length_calls):
    at = page_app("lengths").run()
    no_crash(at)
    spec = charts(at)[0]
    line = spec["layer"][2]["encoding"]
    assert line["x"]["scale"]["type"] == "log" and line["x"]["scale"]["domain"] == [1, 10_000]
    frames = frames_by_mark(spec)
    table = frames["line"]
    assert tuple(table["length"]) == ui.cached.log_lengths() == tuple(length_calls)
    assert table["length"].iloc[0] == 1 and table["length"].iloc[-1] == 10_000
    assert (table["size"] == 200).all()
    bands = frames["rect"]
    assert list(bands["start"]) == [1, 50] and list(bands["end"]) == [20, 100]
    first = first_length_below(table)
    shown = metrics(at)
    assert shown["First length below 100%"] == (f"{first:,}" if first else "none up to 10,000")
    assert shown["Accuracy at 10,000 bits"] == f"{table['accuracy'].iloc[-1]:.1%}"
    assert shown["Trained on lengths"] == "1–20"
    model = train(Config()).model
    short = [n for n in table["length"] if n <= 100]
    direct = evaluate.accuracy_by_length(model, short, size=200)
    assert list(table["accuracy"][: len(short)]) == list(direct["accuracy"])


def test_results_are_cached_and_the_size_is_a_choice(length_calls):
    at = page_app("lengths").run()
    measured = len(length_calls)
    at.run()
    page_app("lengths").run()
    assert len(length_calls) == measured
    at.select_slider(key="strings_per_length").set_value(100).run()
    no_crash(at)
    assert len(length_calls) == 2 * measured
    spec = charts(at)[0]
    assert (frames_by_mark(spec)["line"]["size"] == 100).all()


def test_a_model_that_fails_long_strings_gets_a_first_failing_length():
    at = page_app("lengths", arch="rnn", steps="30", stop="budget", eval_every="10").run()
    no_crash(at)
    spec = charts(at)[0]
    table = frames_by_mark(spec)["line"]
    first = first_length_below(table)
    assert first is not None and first <= 100
    assert metrics(at)["First length below 100%"] == f"{first:,}"
    assert any(f"length **{first:,}**" in m.value for m in at.markdown)


def test_invalid_settings_stop_the_page_with_an_error(length_calls):
    at = page_app("lengths", test_min_len="500", test_max_len="100").run()
    no_crash(at)
    assert "test_min_len must be <= test_max_len" in at.error[0].value
    assert not charts(at) and not length_calls


def test_a_huge_untrained_budget_waits_for_a_click_here_too(length_calls):
    slow = dict(batch_size="1024", max_len="200", steps="10000", stop="budget", eval_every="10000")
    at = page_app("lengths", **slow).run()  # within the app's limits, minutes to train
    no_crash(at)
    assert "Large training budget" in at.warning[0].value
    assert [b.label for b in at.main.button] == ["Train anyway"]
    assert not charts(at) and not length_calls


def family_grid(at):
    """The stress-family heat map's cells: family, length, accuracy, strings (and labels)."""
    spec = charts(at)[1]
    assert spec["title"] == "Accuracy by family and length"
    data = spec["layer"][0].get("data") or spec["data"]  # shared by both layers
    return spec["frames"][data["name"]]


def test_every_family_at_every_grid_length_for_the_default_model():
    at = page_app("lengths").run()
    no_crash(at)
    grid = family_grid(at)
    assert len(grid) == len(families.ALL) * len(ui.cached.FAMILY_LENGTHS)
    assert list(dict.fromkeys(grid["family"])) == list(families.ALL)
    assert sorted(set(grid["length"])) == list(ui.cached.FAMILY_LENGTHS) == [10, 100, 1000, 10_000]
    assert (grid.loc[grid["family"] == "sparse", "strings"] == ui.cached.FAMILY_SIZE).all()
    assert (grid["accuracy"] == 1.0).all()  # the default model is a parity machine
    assert any("Every family is perfect" in s.value for s in at.success)
    assert "failing_cell" not in [s.key for s in at.selectbox] and not at.main.button


def test_failing_families_list_their_strings_with_a_way_inside():
    at = page_app("lengths", **HALF).run()
    no_crash(at)
    grid = family_grid(at)
    model = train(Config(density="half", seed=0, steps=400, stop="solved")).model
    cell = grid[(grid["family"] == "one_then_zeros") & (grid["length"] == 1000)].iloc[0]
    expected = families.family_accuracy(model, ["one_then_zeros"], [1000])
    assert cell["accuracy"] == expected["accuracy"].iloc[0] < 1.0
    choice = at.selectbox(key="failing_cell")
    assert len(choice.options) == int((grid["accuracy"] < 1.0).sum())
    choice.set_value(
        next(o for o in choice.options if o.startswith("a 1, then zeros, length 1,000"))
    )
    at.run()
    no_crash(at)
    wanted = families.failing_examples(model, "one_then_zeros", 1000, count=ui.cached.FAMILY_SIZE)
    assert wanted[0] == "1" + "0" * 999
    assert [b.label for b in at.main.button] == ["Look inside"] * len(wanted)
    assert any("a 1 followed by 999 zeros" in m.value for m in at.markdown)
