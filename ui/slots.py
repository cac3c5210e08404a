"""The app's side of parity.execution.workpool: one pool per server, bounded result caches, and
waits.

A result is looked up in a bounded cache (by count and by bytes). On a miss the work goes to
the server's pool of worker processes, never onto the script thread; visitors asking for the
same key share one job. The visitor's script thread only waits, in a loop that calls st.* at
every poll: a rerun, a page change or a closed tab (Streamlit asks a disconnected session's
script to stop) interrupts it there, the visitor leaves the job, and a job nobody waits for
any more is cancelled, so nothing half-done reaches the cache.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Protocol

import streamlit as st

from parity.execution.workpool import Job, WorkPool
from ui.boundedcache import BoundedCache

POLL_SECONDS = 0.25  # a waiting script thread looks at its job this often
HEARTBEAT_SECONDS = 1.0  # and makes an st.* call at least this often, even with nothing new
MIN_SEND_SECONDS = 1.0  # a changed bar is resent at most this often: every send is a redraw
# in each waiting browser, and with 8 pages waiting those redraws slowed a new visitor's page
MAX_SENDS_PER_SECOND = 10.0  # for the whole server: every waiting page's updates together
MAX_SILENT_SECONDS = 2.0  # a waiting page sends at least this often, budget or not (its stop)
MAX_ENTRIES = 64  # results kept per kind
MAX_BYTES = 256 * 2**20  # bytes kept per kind, measured as pickled (weights, history, snapshots)
RECYCLE_MB = 1024  # a worker whose memory grew past this is replaced after its job

_pool: WorkPool | None = None
_pool_lock = threading.Lock()


class WaitView(Protocol):
    """What a waiting page shows: called at every poll; closed when the wait ends."""

    def show(self, job: Job, place: int | None) -> None: ...

    def close(self) -> None: ...


class SendBudget:
    """A token bucket shared by every waiting page: the server's websocket updates per second.

    With many pages waiting, their progress and live curves together stay under `rate`
    messages a second, so they do not slow the pages of others (each message is a redraw in
    a browser and server time to encode and write)."""

    def __init__(self, rate: float):
        self.rate, self.tokens, self.at = rate, rate, time.monotonic()
        self.lock = threading.Lock()

    def take(self, keep: float = 0.0) -> bool:
        """Spend one message if the bucket holds more than `keep` besides it."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens < 1.0 + keep:
                return False
            self.tokens -= 1.0
            return True


BUDGET = SendBudget(MAX_SENDS_PER_SECOND)


class Bar:
    """A progress bar that resends only what changed, and otherwise once a heartbeat.

    Each send is an st.* call, the point where Streamlit stops a script whose tab closed or
    reruns it; the heartbeat bounds how long that takes, without flooding waiting browsers.
    Sends come out of the server's BUDGET, except after MAX_SILENT_SECONDS without one.
    """

    def __init__(self, text: str):
        self.bar, self.shown, self.sent = st.progress(0.0, text=text), (0.0, text), time.monotonic()

    def update(self, value: float, text: str) -> None:
        now = time.monotonic()
        quiet = now - self.sent
        due = quiet >= (MIN_SEND_SECONDS if (value, text) != self.shown else HEARTBEAT_SECONDS)
        if due and (quiet >= MAX_SILENT_SECONDS or BUDGET.take()):
            self.bar.progress(value, text=text)
            self.shown, self.sent = (value, text), now

    def empty(self) -> None:
        self.bar.empty()


def pool() -> WorkPool:
    """The server's work pool: one worker process per core, started on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkPool(recycle_mb=RECYCLE_MB)
            atexit.register(_pool.shutdown)
        return _pool


def use_pool(new: WorkPool | None) -> WorkPool | None:
    """Replace the server's pool (tests: a thread pool); returns the previous one."""
    global _pool
    with _pool_lock:
        old, _pool = _pool, new
        return old


@st.cache_resource(show_spinner=False)
def results(kind: str) -> BoundedCache:
    """The process-wide cache of finished results of one kind ('train', 'lengths', ...)."""
    return BoundedCache(MAX_ENTRIES, MAX_BYTES)


def cached(kind: str, key: Hashable) -> Any:
    """The stored result for (kind, key), or None; never starts work."""
    return results(kind).get(key)


def prefetch(kind: str, key: Hashable, fn: Callable, args: tuple) -> Job:
    """Start (kind, key) in the pool before anyone asks (the server's warm-up).

    The result goes to the cache; a visitor asking meanwhile joins the job. The warm-up stays
    one of its waiters, so the job is never cancelled for want of visitors."""
    cache = results(kind)
    return pool().submit(
        (kind, key),
        fn,
        *args,
        on_done=lambda result: cache.put(key, result),
        lookup=lambda: cache.get(key),
    )


def fetch(kind: str, key: Hashable, fn: Callable, args: tuple, view: WaitView) -> Any:
    """The result for (kind, key): stored, or computed as fn(*args) in the pool while `view`
    shows the wait. A failed job shows an error and stops this page run."""
    cache = results(kind)
    hit = cache.get(key)
    if hit is not None:
        return hit
    work = pool()
    job = work.submit(
        (kind, key),
        fn,
        *args,
        on_done=lambda result: cache.put(key, result),
        lookup=lambda: cache.get(key),
    )
    try:
        while not job.finished:
            view.show(job, work.place(job))  # sends st.* calls: where a rerun or stop lands
            work.wait(job, POLL_SECONDS)
    finally:
        work.leave(job)
        view.close()
    if job.state != "done":
        st.error(f"This could not be computed: {job.error}", icon=":material/error:")
        st.stop()
    return job.result
