"""The server's warm-up: the default configuration trained at start, once, and used by the page."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from pathlib import Path

import pytest

import ui.slots
import ui.warmup
from parity.core.config import Config
from parity.training import presets
from tests.app.helpers import ROOT, metrics, no_crash, page_app

FAST_A = Config(steps=30, stop="budget", eval_every=10, max_len=8)
FAST_B = Config(steps=40, stop="budget", eval_every=10, max_len=8)


@pytest.fixture
def fresh_warmup(monkeypatch):
    """A process whose warm-up has not started yet, training the default configuration only."""
    monkeypatch.setattr(ui.warmup, "_started", None)
    monkeypatch.setattr(ui.warmup, "_default_ready", threading.Event())
    monkeypatch.setattr(ui.warmup, "PRESET_SECONDS", 0.0)  # every preset estimates above 0 s


def test_the_warm_up_starts_once_and_the_default_page_uses_its_result(fresh_warmup, train_calls):
    thread = ui.warmup.start()
    assert thread is not None
    assert ui.warmup.start() is None  # a second start (another lifespan, a rerun) does nothing
    assert ui.warmup.wait_for_default(120)  # what the server's start waits for
    assert ui.slots.cached("train", Config()) is not None
    thread.join(120)
    assert not thread.is_alive()
    assert train_calls == [Config()]
    assert ui.slots.cached("train", Config()) is not None
    at = page_app("train").run()  # the first visitor
    no_crash(at)
    assert train_calls == [Config()]  # nothing trained for the visitor
    assert metrics(at)["Verdict"] == "parity machine"
    assert not at.get("progress")  # no wait was shown


def test_the_warm_up_trains_its_configurations_in_order_and_caches_them(monkeypatch, train_calls):
    monkeypatch.setattr(ui.warmup, "configs", lambda: [FAST_A, FAST_B])
    jobs = ui.warmup.run()
    assert [job.state for job in jobs] == ["done", "done"]
    assert train_calls == [FAST_A, FAST_B]
    assert ui.slots.cached("train", FAST_B).config == FAST_B
    assert ui.warmup.run()[0].result.config == FAST_A  # again: from the cache, not retrained
    assert train_calls == [FAST_A, FAST_B]


def test_the_warm_up_list_is_the_default_then_each_fitting_preset_once():
    found = ui.warmup.configs()
    assert found[0] == Config()
    assert len(found) == len(set(found))
    fitting = {
        p.config
        for p in presets.PRESETS.values()
        if ui.training.estimate_seconds(p.config) <= ui.warmup.PRESET_SECONDS
    }
    assert set(found[1:]) == fitting - {Config()}
    assert len(found) >= 3  # the presets the app offers are small enough to warm up


def test_a_preset_waits_while_the_pool_works(work_pool, monkeypatch):
    monkeypatch.setattr(ui.warmup, "IDLE_POLL_SECONDS", 0.02)
    release = threading.Event()
    job = work_pool.submit(("visitor",), lambda on_progress, should_stop: release.wait(10))
    waiter = threading.Thread(target=ui.warmup.wait_until_idle, args=(work_pool,))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive()  # a visitor's job runs: the preset waits
    release.set()
    waiter.join(5)
    assert not waiter.is_alive() and job.state == "done"


def test_streamlit_run_serves_the_entry_file_through_an_app_whose_start_warms_up(
    fresh_warmup, monkeypatch
):
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(ROOT / "streamlit_app.py"))
    assert found.is_asgi_app and found.import_string == "streamlit_app:app"
    started = []
    monkeypatch.setattr(ui.warmup, "start", lambda: started.append("start"))
    monkeypatch.setattr(ui.warmup, "wait_for_default", lambda: started.append("wait"))
    spec = importlib.util.spec_from_file_location("streamlit_app", ROOT / "streamlit_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.app is not None

    async def serve_once():
        async with module.lifespan(module.app):
            pass

    asyncio.run(serve_once())
    assert started == ["start", "wait"]  # the server answers once the default is trained
