"""The Length generalization page: accuracy by length 1..10,000 on a log axis."""

from __future__ import annotations

import pytest

import ui.cached
from parity import evaluate
from parity.charts import first_length_below
from parity.config import Config
from parity.train import train

from .helpers import charts, metrics, no_crash, page_app


@pytest.fixture
def length_calls(monkeypatch):
    """Counts the lengths the page asks parity.evaluate to measure."""
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
    (spec,) = charts(at)
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
    (spec,) = charts(at)
    assert (frames_by_mark(spec)["line"]["size"] == 100).all()


def test_a_model_that_fails_long_strings_gets_a_first_failing_length():
    at = page_app("lengths", arch="rnn", steps="30", stop="budget", eval_every="10").run()
    no_crash(at)
    (spec,) = charts(at)
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
