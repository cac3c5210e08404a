"""The server's warm-up: the default configuration, then the presets', trained before anyone asks.

Started once per server process, when the server starts (streamlit_app.py's lifespan hook), on a
background thread: it imports what a page needs, queues the default configuration in the work
pool at once, and then the presets' configurations one at a time, each only while the pool is
otherwise idle, so a visitor's own run never waits behind them. A visitor asking for one of
these configurations meanwhile joins its job; once done it is in the cache like any run. The
server's start waits for the default (wait_for_default): its health check answers once the
first visitor can be served the default page from the cache.
"""

from __future__ import annotations

import threading
import time

from parity.core.config import Config
from parity.execution.workpool import Job

IDLE_POLL_SECONDS = 0.5  # how often the warm-up looks whether the pool is idle for a preset
PRESET_SECONDS = 60  # presets whose estimated budget exceeds this are left to their visitors

DEFAULT_WAIT_SECONDS = 90  # the server's start waits at most this long for the default

_lock = threading.Lock()
_started: threading.Thread | None = None
_default_ready = threading.Event()  # set once the default configuration is trained (or failed)


def configs() -> list[Config]:
    """What the warm-up trains, in order: the default, then each preset's configuration once."""
    from parity.training import presets

    from . import training

    found = [Config()]
    for preset in presets.PRESETS.values():
        config = preset.config
        if config not in found and training.estimate_seconds(config) <= PRESET_SECONDS:
            found.append(config)
    return found


def start() -> threading.Thread | None:
    """Start the warm-up thread, once per process; None when it was already started."""
    global _started
    with _lock:
        if _started is not None:
            return None
        _started = threading.Thread(target=run, daemon=True, name="parity-warm-up")
        _started.start()
        return _started


PAGE_MODULES = ("ui.training", "ui.verdict", "ui.compare", "ui.diagnosis", "ui.sidebar")


def run() -> list[Job]:
    """Queue the default configuration, then the presets' while the pool is idle; the jobs.

    Importing the Train page's modules first (torch, pandas, altair) spares the first
    visitor's script run that second."""
    import importlib

    for name in PAGE_MODULES:
        importlib.import_module(name)
    from . import slots, training

    jobs = []
    for position, config in enumerate(configs()):
        if position > 0:
            wait_until_idle(slots.pool())
        job = slots.prefetch("train", config, training.train, (config,))
        jobs.append(job)
        while not job.finished:
            slots.pool().wait(job, IDLE_POLL_SECONDS)
        _default_ready.set()
    return jobs


def wait_for_default(timeout: float = DEFAULT_WAIT_SECONDS) -> bool:
    """Block until the default configuration is trained (True) or `timeout` passes (False)."""
    return _default_ready.wait(timeout)


def wait_until_idle(pool) -> None:
    """Block until the pool runs and queues nothing (a preset then takes one worker)."""
    while True:
        state = pool.state()
        if not state["running"] and not state["queued"]:
            return
        time.sleep(IDLE_POLL_SECONDS)
