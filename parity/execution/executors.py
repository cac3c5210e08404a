"""The executors of parity/execution/base.py's protocol, built by name: serial, local, ray.

SerialExecutor runs every item in this process; LocalExecutor spreads them over the worker
processes of a WorkPool (parity/execution/workpool.py), the pool the app's jobs run in too;
RayExecutor (parity/execution/ray_executor.py) submits one Ray task per item to a cluster,
and is imported only when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .base import EXECUTORS, MAX_WORKERS, Executor, Outcome, call
from .workpool import Job, WorkPool

POLL_SECONDS = 0.5  # a driver waiting for outcomes wakes this often (^C lands at once anyway)


class SerialExecutor:
    """Every item in this process, one after another, in order."""

    name = "serial"
    workers = 1
    in_process = True

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Outcome]:
        from ..core.runtime import use_one_thread

        use_one_thread()
        for index, item in enumerate(items):
            yield call(fn, index, item)


def apply_item(fn: Callable, index: int, item: Any, on_progress, should_stop) -> Outcome:
    """An item as a job of the pool: fn(item) as an Outcome, computed in the worker."""
    return call(fn, index, item)


class LocalExecutor:
    """Items spread over worker processes, streamed back as each finishes.

    The workers are a WorkPool's, spawned (fresh interpreters, as the command line's workers
    have always been) and at normal priority: each pins torch to one thread, ignores ^C and
    runs one item at a time. A worker that dies mid-item (killed, out of memory) costs only
    that item, reported as its outcome's error, and is replaced. On ^C or when the consumer
    stops iterating, the pool shuts down, killing busy workers: none outlives this.
    """

    name = "local"
    in_process = False

    def __init__(self, workers: int | None = None):
        workers = (os.cpu_count() or 1) if workers is None else workers
        if not 1 <= workers <= MAX_WORKERS:
            raise ValueError(f"workers must be in 1..{MAX_WORKERS} (got {workers})")
        self.workers = workers

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Outcome]:
        items = list(items)
        if not items:
            return
        workers = min(self.workers, len(items))
        pool = WorkPool(workers, grace=0.0, start="spawn", niceness=0, preload=())
        try:
            jobs = [pool.submit(i, apply_item, fn, i, item) for i, item in enumerate(items)]
            while jobs:
                for job in pool.finished(jobs, POLL_SECONDS):
                    jobs.remove(job)
                    yield job.result if job.state == "done" else _failed(job)
        finally:
            pool.shutdown()


def _failed(job: Job) -> Outcome:
    """The outcome of an item whose job failed: its worker died, or it could not be sent."""
    if job.exit_code is not None:
        return Outcome(job.key, error=f"worker process died (exit code {job.exit_code})")
    return Outcome(job.key, error=job.error)


def make_executor(
    name: str = "local", workers: int | None = None, address: str | None = None
) -> Executor:
    """The executor called `name` (one of EXECUTORS); `address` is the Ray cluster's.

    Only 'ray' imports Ray (parity/execution/ray_executor.py): the other executors never need it.
    """
    if address is not None and name != "ray":
        raise ValueError(f"an address is for the ray executor (got executor {name!r})")
    if name == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(address)
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(workers)
    raise ValueError(f"unknown executor {name!r}: choose from {', '.join(EXECUTORS)}")
