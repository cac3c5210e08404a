"""The server's warm-up: the default configuration trained at start, once, and used by the page."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
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


def test_the_warm_up_yields_to_the_first_visitor_job(monkeypatch, work_pool, train_calls):
    monkeypatch.setattr(ui.warmup, "IDLE_POLL_SECONDS", 0.02)
    release = threading.Event()

    def slow(config, on_progress, should_stop):  # a preset that trains until told to stop
        while not should_stop():
            if release.wait(0.01):
                break
        raise RuntimeError("stopped")

    monkeypatch.setattr(ui.training, "train", slow)
    monkeypatch.setattr(ui.warmup, "configs", lambda: [FAST_A, FAST_B, Config(seed=77)])
    ui.slots.results("train").put(FAST_A, "the default, already trained")
    warm = threading.Thread(target=lambda: jobs.extend(ui.warmup.run()))
    jobs = []
    warm.start()
    while not work_pool.state()["running"]:
        time.sleep(0.01)
    assert work_pool.state()["running"] == [("train", FAST_B)]  # the first preset trains
    visitor = work_pool.submit(("visitor",), lambda on_progress, should_stop: "theirs")
    warm.join(10)
    assert not warm.is_alive()  # the warm-up stopped at the visitor's job
    assert [job.key for job in jobs] == [("train", FAST_A), ("train", FAST_B)]  # no third
    deadline = time.monotonic() + 10
    while not jobs[1].finished and time.monotonic() < deadline:
        work_pool.wait(jobs[1], 0.1)
    assert jobs[1].state == "cancelled"  # the preset was left: nobody else waited for it
    while not visitor.finished and time.monotonic() < deadline:
        work_pool.wait(visitor, 0.1)
    assert visitor.result == "theirs"
    release.set()


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
