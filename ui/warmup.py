"""The server's warm-up: the default configuration, then the presets', trained before anyone asks.

Started once per server process, when the server starts (streamlit_app.py's lifespan hook), on a
background thread: it imports what a page needs, queues the default configuration in the work
pool at once, and then the presets' configurations one at a time, until the first visitor's
job of their own arrives: a visitor's run never waits behind a preset. A visitor asking for one of
these configurations meanwhile joins its job; once done it is in the cache like any run. The
server's start waits for the default (wait_for_default): its health check answers once the
first visitor can be served the default page from the cache.
"""

from __future__ import annotations

import threading

from parity.core.config import Config
from parity.execution.workpool import Job

IDLE_POLL_SECONDS = 0.5  # how often the warm-up looks whether a visitor's job has come
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
    """Train the default configuration, then the presets' until a visitor asks for other work;
    the jobs queued.

    Importing the Train page's modules first (torch, pandas, altair) spares the first
    visitor's script run that second. A preset never waits before a visitor: the warm-up stops
    for good at the first job of a visitor's own, and leaves a preset it was training (nobody
    else waiting for it, the pool cancels it)."""
    import importlib

    from . import slots, training

    found = configs()
    ours = {("train", config) for config in found}
    jobs = []
    try:
        for name in PAGE_MODULES:
            importlib.import_module(name)
        for position, config in enumerate(found):
            if position > 0 and visitors_working(slots.pool(), ours):
                break
            job = slots.prefetch("train", config, training.train, (config,))
            jobs.append(job)
            while not job.finished:
                slots.pool().wait(job, IDLE_POLL_SECONDS)
                if position > 0 and visitors_working(slots.pool(), ours):
                    slots.pool().leave(job)
                    return jobs
            _default_ready.set()
    finally:
        _default_ready.set()  # a failed warm-up must not hold the server's start
    return jobs


def wait_for_default(timeout: float = DEFAULT_WAIT_SECONDS) -> bool:
    """Block until the default configuration is trained (True) or `timeout` passes (False)."""
    return _default_ready.wait(timeout)


def visitors_working(pool, ours: set) -> bool:
    """Whether the pool runs, queues or was asked for a job that is not the warm-up's own (a
    visitor's short job can start and end between two looks)."""
    state = pool.state()
    keys = [*state["running"], *state["queued"], *state.get("asked", ())]
    return any(key not in ours for key in keys)
