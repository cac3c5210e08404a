"""The Train page: cached training, live progress, metrics and curves."""

from __future__ import annotations

import dataclasses
import math
import os
import time

import pytest

import ui.slots
import ui.training
from parity.core.config import Config
from parity.evaluation.verdict import judge
from parity.execution.workpool import WorkPool
from parity.training.train import train
from tests.app.helpers import charts, entry_app, metrics, no_crash, page_app

FAST = {"steps": "60", "stop": "budget", "eval_every": "20", "max_len": "8"}
FAST_CONFIG = Config(steps=60, stop="budget", eval_every=20, max_len=8)


def test_default_config_trains_and_shows_its_numbers(train_calls):
    at = entry_app().run()
    no_crash(at)
    expected = train(Config())
    shown = metrics(at)
    assert list(shown) == [
        "Solved at step",
        "Training time",
        "Test accuracy",
        "Train accuracy",
        "Verdict",
    ]
    assert shown["Test accuracy"] == "100.0%"
    assert expected.status == "generalized"
    assert shown["Verdict"] == expected.verdict.status == "parity machine"
    assert shown["Solved at step"] == f"{expected.solved_at_step:,}"
    assert shown["Training time"].endswith(" s")
    assert train_calls == [Config()]


def test_curves_encode_the_history():
    at = page_app("train", **FAST).run()
    no_crash(at)
    history = train(FAST_CONFIG).history
    accuracy, loss = charts(at)
    assert accuracy["encoding"]["x"]["field"] == "step"
    assert accuracy["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert accuracy["encoding"]["color"]["scale"]["domain"] == [
        "training lengths 1–8",
        "test lengths 50–100",
    ]
    (frame,) = accuracy["frames"].values()
    assert len(frame) == 2 * len(history) == 6
    test_rows = frame[frame["series"] == "test lengths 50–100"]
    assert list(test_rows["accuracy"]) == pytest.approx(list(history["test_accuracy"]))
    assert loss["encoding"]["y"]["scale"]["type"] == "log"
    (frame,) = loss["frames"].values()
    assert list(frame["loss"]) == pytest.approx(list(history["loss"]))
    shown = metrics(at)
    verdict = train(FAST_CONFIG).verdict
    assert shown["Verdict"] == verdict.status and not verdict.is_parity_machine
    assert shown["Test accuracy"] == f"{history['test_accuracy'].iloc[-1]:.1%}"
    assert shown["Train accuracy"] == f"{history['train_accuracy'].iloc[-1]:.1%}"


def test_a_trained_config_is_not_trained_again(train_calls):
    at = page_app("train", **FAST).run()
    first = metrics(at)
    at.run()
    again = page_app("train", **FAST).run()  # another visitor, same URL
    no_crash(again)
    assert train_calls == [FAST_CONFIG]
    assert metrics(at) == first and metrics(again) == first


def test_leaving_the_page_and_coming_back_never_retrains(train_calls):
    at = entry_app().run()
    for page in (
        "app_pages/inside.py",
        "app_pages/lengths.py",
        "app_pages/model.py",
        "app_pages/train.py",
    ):
        at.switch_page(page).run()
        no_crash(at)
    assert train_calls == [Config()]


def test_live_view_draws_progress_and_leaves_nothing_behind(monkeypatch):
    draws = []
    real = ui.training.LiveView.draw

    def counting(self):
        draws.append([row[0] for row in self.rows])
        return real(self)

    def slow(config, on_progress, should_stop):
        def report(progress):
            on_progress(progress)
            time.sleep(0.4)  # longer than a poll: the page sees every evaluation

        return train(config, on_progress=report, should_stop=should_stop)

    monkeypatch.setattr(ui.training, "DRAW_EVERY", 0.0)
    monkeypatch.setattr(ui.training.LiveView, "draw", counting)
    monkeypatch.setattr(ui.training, "train", slow)
    at = page_app("train", **FAST).run()
    no_crash(at)
    assert draws[-1] == [20, 40, 60] and len(draws) >= 3
    assert all(draw == draws[-1][: len(draw)] for draw in draws)  # each a prefix of the last
    assert not at.get("progress")
    assert len(charts(at)) == 2  # the final curves only: the live ones were emptied


def test_a_diverged_run_says_what_to_do(monkeypatch):
    def diverging(config, **callbacks):
        result = train(config, **callbacks)
        history = result.history.copy()
        history.loc[len(history) - 1, ["loss", "test_accuracy"]] = math.nan
        verdict = judge(math.nan, (50, 100), None, diverged_at=result.steps)
        return dataclasses.replace(result, status="diverged", history=history, verdict=verdict)

    monkeypatch.setattr(ui.training, "train", diverging)
    at = page_app("train", **FAST).run()
    no_crash(at)
    assert len(at.error) == 1
    assert at.error[0].value.startswith(
        "Training diverged: the loss became NaN at step 60; "
        "lower the learning rate or turn on clipping"
    )
    assert metrics(at)["Verdict"] == "diverged" and metrics(at)["Test accuracy"] == "—"
    (frame,) = charts(at)[1]["frames"].values()
    assert len(frame) == 2  # the NaN loss is left out of the log-scale chart


def test_a_huge_budget_warns_and_waits_for_a_click(train_calls):
    huge = dict(batch_size="1024", max_len="200", steps="10000", stop="budget", eval_every="10000")
    at = page_app("train", **huge).run()
    no_crash(at)
    assert len(at.warning) == 1 and "Large training budget" in at.warning[0].value
    assert [b.label for b in at.main.button] == ["Train anyway"]
    assert not train_calls and not charts(at)


def test_a_moderate_budget_warns_but_trains(monkeypatch, train_calls):
    monkeypatch.setattr(ui.training, "estimate_seconds", lambda config: 60.0)
    at = page_app("train", **FAST).run()
    no_crash(at)
    assert "about 60 seconds" in at.warning[0].value
    assert train_calls == [FAST_CONFIG] and len(charts(at)) == 2


def test_train_anyway_trains_and_the_result_then_needs_no_click(monkeypatch, train_calls):
    monkeypatch.setattr(ui.training, "estimate_seconds", lambda config: 7200.0)
    at = page_app("train", **FAST).run()
    assert "about 2 hours" in at.warning[0].value and not train_calls
    at.main.button[0].click().run()
    no_crash(at)
    assert train_calls == [FAST_CONFIG] and len(charts(at)) == 2
    at.run()  # cached now: no warning, no button, no second training
    assert not any("Large training budget" in w.value for w in at.warning)
    assert "Train anyway" not in [b.label for b in at.main.button]
    assert train_calls == [FAST_CONFIG]


def test_the_app_trains_in_a_worker_process_and_shows_the_same_numbers(work_pool):
    processes = WorkPool(workers=1)  # what the server uses (the other AppTests use threads)
    ui.slots.use_pool(processes)
    try:
        at = page_app("train", **FAST).run()
        no_crash(at)
        assert list(processes.started) == [("train", FAST_CONFIG)]
        pids = processes.pids()
        assert pids and os.getpid() not in pids
    finally:
        ui.slots.use_pool(work_pool)
        processes.shutdown()
    expected = train(FAST_CONFIG)
    shown = metrics(at)
    assert shown["Test accuracy"] == f"{expected.final_test_accuracy:.1%}"
    assert expected.status == "budget"
    assert shown["Verdict"] == expected.verdict.status
    (frame,) = charts(at)[1]["frames"].values()
    assert list(frame["loss"]) == pytest.approx(list(expected.history["loss"]))
