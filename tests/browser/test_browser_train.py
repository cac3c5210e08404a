"""Browser: the Train page trains the sidebar config; settings survive page switches and URLs."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from parity.core.config import Config, arch_switch, coerce, fields
from parity.training.train import train
from tests.browser.browser_lab import TIMEOUT_MS

pytestmark = pytest.mark.browser

TRAIN_METRICS = ("Solved at step", "Training time", "Test accuracy", "Train accuracy", "Verdict")
PAGES = {
    "Look inside": "/inside",
    "What it computes": "/machine",
    "Length generalization": "/lengths",
    "Model": "/model",
    "Train": "/",
}


def label(name: str) -> str:
    """The sidebar label of a Config field."""
    return next(f.metadata["label"] for f in fields() if f.name == name)


def changed_settings() -> dict[str, str]:
    """Two non-default sidebar values (as the widgets display them) that still train fast: the
    RNN (its own defaults stop in a few hundred steps; a GRU's budget is 6,000) and a width."""
    return {"arch": "rnn", "hidden_size": str(Config().hidden_size + 2)}


def expected_url() -> dict:
    """What the URL then holds: those two, and the settings the architecture switch moved to
    the RNN's own defaults (they differ from the shared ones, so the link names them)."""
    moved = arch_switch(Config().to_dict(), "lstm", "rnn")
    return {**moved, "arch": "rnn", "hidden_size": Config().hidden_size + 2}


def url_values(lab) -> dict:
    """The URL's settings as config values."""
    by_name = {f.name: f for f in fields()}
    return {name: coerce(by_name[name], text) for name, text in lab.query().items()}


def test_default_config_trains_and_shows_curves(lab):
    lab.open()
    lab.shot("trained default config")
    assert lab.query() == {}, "defaults must be left out of the URL"
    assert lab.sidebar_config() == Config().to_dict()
    for name in TRAIN_METRICS:
        assert lab.metric(name), f"metric {name!r} is empty"
    assert lab.metric("Test accuracy") == "100.0%"
    assert lab.charts().count() >= 1
    assert lab.page.locator("[data-testid='stProgress']").count() == 0, "progress bar left over"


def test_training_shows_live_progress_then_its_results(lab):
    settings = {"stop": "budget", "steps": 600, "eval_every": 50, "seed": 1}
    lab.open(**settings)  # not cached: trains now
    lab.shot("trained on a budget")
    assert lab.ever_shown("stProgress"), "no progress bar while training"
    assert lab.page.locator("[data-testid='stProgress']").count() == 0
    assert lab.metric("Verdict") == train(Config(**settings)).verdict.status
    assert lab.charts().count() >= 1


def test_sidebar_settings_survive_page_switches(lab):
    lab.open()
    for name, value in changed_settings().items():
        lab.set_value(label(name), value)
    expected = lab.sidebar_config()
    assert {k: str(expected[k]) for k in changed_settings()} == changed_settings()
    assert url_values(lab) == expected_url()
    lab.shot("settings changed")
    for title, path in PAGES.items():
        lab.nav(title)
        lab.shot(f"page {title}")
        assert urlsplit(lab.page.url).path == path
        assert lab.sidebar_config() == expected, f"settings lost on page {title!r}"
        assert url_values(lab) == expected_url(), f"URL lost the settings on page {title!r}"


def _wait_for_url_hidden_size(lab, wanted: str) -> None:
    """Until the URL holds `wanted` as its hidden size (or the interaction timeout passes)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while lab.query().get("hidden_size") != wanted and time.monotonic() < deadline:
        lab.page.wait_for_timeout(100)


def test_copied_url_restores_settings_in_a_fresh_browser(lab, make_lab):
    lab.open()
    for name, value in changed_settings().items():
        lab.set_value(label(name), value)
    # The URL follows the sidebar once the last slider step's run has written it: under load
    # the runs of the steps before (hidden 9, then 10) queue in the pool. Wait for it on the
    # Train page, where that run finishes, and again after the switch.
    wanted = changed_settings()["hidden_size"]
    _wait_for_url_hidden_size(lab, wanted)
    lab.nav("Look inside")
    expected = lab.sidebar_config()
    assert str(expected["hidden_size"]) == wanted
    _wait_for_url_hidden_size(lab, wanted)
    copied = lab.page.url
    assert lab.query().get("hidden_size") == wanted, copied
    assert "hidden_size=" in copied and "arch=" in copied
    visitor = make_lab("-fresh")
    visitor.goto(copied)
    visitor.shot("copied URL opened")
    assert urlsplit(visitor.page.url).path == "/inside"
    assert visitor.sidebar_config() == expected


def test_bad_url_values_are_ignored_and_inconsistent_ones_explained(lab):
    lab.open(hidden_size="banana", arch="transformer", lr="-1")
    lab.shot("invalid URL values")
    assert lab.sidebar_config() == Config().to_dict()
    assert lab.metric("Test accuracy")

    lab.open(min_len=30, max_len=10)
    lab.shot("min_len above max_len")
    assert lab.errors().count() == 1
    assert label("min_len") in lab.errors().first.inner_text()
    assert lab.charts().count() == 0
