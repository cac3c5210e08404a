"""A bounded pool of worker processes for long jobs (training, evaluation), off the server.

The app's script threads only wait; the work runs in at most `workers` processes (one per core
by default), started lazily from a 'forkserver' context (never a fork of the threaded server),
each on one intra-op thread and at a lower priority (os.nice), so the server keeps answering.

    pool = WorkPool(workers=2)
    job = pool.submit(("train", config), train, config)  # joins a job with this key, if any
    while not job.finished:
        pool.wait(job, 0.25)  # job.progress grows; pool.place(job) while queued
    pool.leave(job)  # the last waiter to leave an unfinished job cancels it

A job function is called as fn(*args, on_progress=..., should_stop=...): it reports progress
through the first and must raise once the second answers True. Jobs are keyed: two visitors
asking for the same key share one job. What exceeds the pool waits in a FIFO queue. Results
travel back pickled, between our own processes only (never bytes from a visitor). A job that
raises or whose worker dies is reported as failed, and the worker is replaced.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from .workers import Worker, run_in_process

GRACE_SECONDS = 2.0  # an unfinished job nobody waits for is cancelled after this
ERROR_CHARS = 300  # an error message is cut to this length
STARTED_KEPT = 1000  # how many recently started keys `started` remembers


@dataclass(eq=False)
class Job:
    """One unit of work and what is known about it so far."""

    key: Hashable
    fn: Callable
    args: tuple
    on_done: Callable[[Any], None] | None = None
    state: str = "queued"  # queued, running, done, failed, cancelled
    waiters: int = 0
    progress: list = field(default_factory=list)  # what fn reported, in order
    result: Any = None
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)  # asked to stop

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


class WorkPool:
    """At most `workers` jobs at once; the rest queue in order; same key, same job."""

    def __init__(
        self,
        workers: int | None = None,
        processes: bool = True,
        grace: float = GRACE_SECONDS,
        recycle_mb: float | None = None,
    ):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.grace, self.recycle_mb = grace, recycle_mb
        self.started: collections.deque = collections.deque(maxlen=STARTED_KEPT)
        self._cond = threading.Condition()
        self._jobs: dict[Hashable, Job] = {}  # queued or running
        self._queue: collections.deque[Job] = collections.deque()
        self._closed = False
        self._workers: list[Worker] = []
        run = run_in_process if processes else _run_in_thread
        self._threads = [
            threading.Thread(target=self._serve, args=(run,), daemon=True, name=f"workpool-{i}")
            for i in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, key: Hashable, fn: Callable, *args, on_done=None, lookup=None) -> Job:
        """Join the unfinished job for `key`, or queue a new one; the caller becomes a waiter.

        `lookup()` (under the pool's lock) may return a stored result: then no job runs and
        a finished job holding it comes back. `on_done(result)` runs before waiters wake.
        """
        with self._cond:
            if self._closed:
                raise RuntimeError("the work pool is shut down")
            job = self._jobs.get(key)
            if job is None:
                stored = lookup() if lookup is not None else None
                if stored is not None:
                    return Job(key, fn, args, state="done", result=stored)
                job = Job(key, fn, args, on_done)
                self._jobs[key] = job
                self._queue.append(job)
                self._cond.notify_all()
            job.waiters += 1
            return job

    def wait(self, job: Job, timeout: float) -> None:
        """Block until the job reports something, finishes, or `timeout` seconds pass."""
        with self._cond:
            if not job.finished:
                self._cond.wait(timeout)

    def place(self, job: Job) -> int | None:
        """1 for the next job to start, 2 for the one after it...; None once it runs."""
        with self._cond:
            for place, queued in enumerate(self._queue, start=1):
                if queued is job:
                    return place
            return None

    def leave(self, job: Job) -> None:
        """The caller stops waiting; an unfinished job left with no waiters is cancelled soon."""
        with self._cond:
            job.waiters -= 1
            if job.waiters > 0 or job.finished:
                return
        if self.grace <= 0:
            self._cancel_if_orphaned(job)
            return
        timer = threading.Timer(self.grace, self._cancel_if_orphaned, args=(job,))
        timer.daemon = True
        timer.start()

    def _cancel_if_orphaned(self, job: Job) -> None:
        with self._cond:
            if job.waiters > 0 or job.finished:
                return
            if job.state == "queued":
                self._queue.remove(job)
                self._end(job, "cancelled", error="nobody waited for it any more")
            else:
                job.cancel.set()  # the worker stops at its next step and reports

    def state(self) -> dict:
        """What the pool is doing: workers, running and queued job keys."""
        with self._cond:
            running = [k for k, j in self._jobs.items() if j.state == "running"]
            return {
                "workers": self.workers,
                "running": running,
                "queued": [j.key for j in self._queue],
            }

    def pids(self) -> list[int]:
        """Process ids of the live worker processes."""
        with self._cond:
            return [w.pid for w in self._workers if w.pid is not None]

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything, stop the workers and wait for them (no orphan processes)."""
        with self._cond:
            self._closed = True
            while self._queue:
                self._end(self._queue.popleft(), "cancelled", error="the server is stopping")
            for job in self._jobs.values():
                job.cancel.set()
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _next(self) -> Job | None:
        """Block until a job is queued (it is then running) or the pool closes (None)."""
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            job = self._queue.popleft()
            job.state = "running"
            self.started.append(job.key)
            self._cond.notify_all()  # queue places changed
            return job

    def _report(self, job: Job, item: Any) -> None:
        with self._cond:
            job.progress.append(item)
            self._cond.notify_all()

    def _end(self, job: Job, state: str, result: Any = None, error: str | None = None) -> None:
        """Record how a job ended (under the lock); the result is handed on before waking."""
        if state == "done" and job.on_done is not None:
            try:
                job.on_done(result)
            except Exception as err:  # noqa: BLE001 - waiters still get the result
                error = f"storing the result failed: {type(err).__name__}: {err}"
        job.state, job.result, job.error = state, result, error and error[:ERROR_CHARS]
        self._jobs.pop(job.key, None)
        self._cond.notify_all()

    def _finish(self, job: Job, state: str, result: Any = None, error: str | None = None) -> None:
        with self._cond:
            if job.cancel.is_set() and state == "failed":
                state = "cancelled"  # stopped on request: raising is how it stops
            self._end(job, state, result, error)

    def _serve(self, run) -> None:
        """One worker slot: take the next job, run it (in a process or here), report."""
        worker = Worker(self.recycle_mb) if run is run_in_process else None
        if worker is not None:
            with self._cond:
                self._workers.append(worker)
        try:
            if worker is not None:
                try:
                    worker.ensure()  # start early: the first job need not wait for torch
                except Exception:  # noqa: BLE001 - retried (and then reported) by the first job
                    pass
            while (job := self._next()) is not None:
                try:
                    state, value = run(worker, job, lambda item, j=job: self._report(j, item))
                except Exception as err:  # noqa: BLE001 - a job's failure must not end the slot
                    state, value = "failed", f"{type(err).__name__}: {err}"
                if state == "done":
                    self._finish(job, "done", result=value)
                else:
                    self._finish(job, state, error=value)
        finally:
            if worker is not None:
                worker.stop()


def _run_in_thread(_worker, job: Job, report) -> tuple[str, Any]:
    """Run the job on this thread (AppTests use this to keep monkeypatches visible)."""
    return "done", job.fn(*job.args, on_progress=report, should_stop=job.cancel.is_set)
