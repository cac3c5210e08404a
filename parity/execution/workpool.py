"""A bounded pool of worker processes for long jobs (training, evaluation), off the server.

The app's script threads only wait; the work runs in at most `workers` processes (one per core
by default), started with the pool from a 'forkserver' (parity/execution/workers.py: never a fork
of the threaded server), each on one intra-op thread and at a lower priority (os.nice), so the
server keeps answering. The experiments' LocalExecutor (parity/execution/executors.py) runs on
this pool too, with spawned workers at normal priority.

    pool = WorkPool(workers=2)
    job = pool.submit(("train", config), train, config)  # joins a job with this key, if any
    while not job.finished:
        pool.wait(job, 0.25)  # job.progress grows; pool.place(job) while queued
    pool.leave(job)  # the last waiter to leave an unfinished job cancels it

A job function is called as fn(*args, on_progress=..., should_stop=...): it reports progress
through the first and must raise once the second answers True. Jobs are keyed: two visitors
asking for the same key share one job. What exceeds the pool waits in a FIFO queue. Results
travel back pickled, between our own processes only (never bytes from a visitor). A job that
raises or whose worker dies is reported as failed, and the worker is replaced. Shutting down
cancels what is queued and kills what still runs.
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from .workers import NICENESS, PRELOAD, START, Worker

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
    exit_code: int | None = None  # the worker process's, when it died running this job
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
        start: str = START,
        niceness: int = NICENESS,
        preload: tuple[str, ...] = PRELOAD,
    ):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.grace = grace
        self.started: collections.deque = collections.deque(maxlen=STARTED_KEPT)
        self._cond = threading.Condition()
        self._jobs: dict[Hashable, Job] = {}  # queued or running
        self._queue: collections.deque[Job] = collections.deque()
        self._asked: collections.deque[Hashable] = collections.deque(maxlen=256)  # last keys
        self._closed = False
        self._kill = threading.Event()  # set by shutdown: running workers are killed
        self._workers = [  # None: jobs run on the slots' threads
            Worker(start, niceness, preload, recycle_mb) if processes else None
            for _ in range(self.workers)
        ]
        self._threads = [
            threading.Thread(target=self._serve, args=(w,), daemon=True, name=f"workpool-{i}")
            for i, w in enumerate(self._workers)
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
            self._asked.append(key)  # even a job that ends at once was asked for
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

    def finished(self, jobs: list[Job], timeout: float) -> list[Job]:
        """The finished ones among `jobs`, once there is one or `timeout` seconds passed."""
        with self._cond:
            self._cond.wait_for(lambda: any(job.finished for job in jobs), timeout)
            return [job for job in jobs if job.finished]

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
                self._end(job, "cancelled", "nobody waited for it any more")
            else:
                job.cancel.set()  # the worker stops at its next step and reports

    def state(self) -> dict:
        """What the pool is doing: workers, running and queued job keys, and the keys of the
        last 256 submissions (a job can start and end between two looks at running)."""
        with self._cond:
            running = [k for k, j in self._jobs.items() if j.state == "running"]
            queued = [j.key for j in self._queue]
            asked = list(self._asked)
            return {"workers": self.workers, "running": running, "queued": queued, "asked": asked}

    def pids(self) -> list[int]:
        """Process ids of the live worker processes."""
        with self._cond:
            return [w.pid for w in self._workers if w is not None and w.pid is not None]

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything, kill busy workers, stop idle ones and wait (no orphan processes)."""
        with self._cond:
            self._closed = True
            self._kill.set()
            while self._queue:
                self._end(self._queue.popleft(), "cancelled", "the server is stopping")
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

    def _end(self, job: Job, state: str, value: Any) -> None:
        """Record how a job ended (under the lock): `value` is its result when done, else its
        error. The result is handed on (on_done) before waiters wake."""
        result, error = (value, None) if state == "done" else (None, value)
        if state == "done" and job.on_done is not None:
            try:
                job.on_done(result)
            except Exception as err:  # noqa: BLE001 - waiters still get the result
                error = f"storing the result failed: {type(err).__name__}: {err}"
        job.state, job.result, job.error = state, result, error and error[:ERROR_CHARS]
        self._jobs.pop(job.key, None)
        self._cond.notify_all()

    def _finish(self, job: Job, state: str, value: Any) -> None:
        with self._cond:
            if job.cancel.is_set() and state == "failed":
                state = "cancelled"  # stopped on request: raising (or being killed) is how
            self._end(job, state, value)

    def _serve(self, worker: Worker | None) -> None:
        """One slot: take the next job, run it (in the slot's process, or here), report."""
        try:
            if worker is not None:  # start early: the first job need not wait for torch; a
                with contextlib.suppress(Exception):  # failure is retried, then reported, by it
                    worker.ensure()
            while (job := self._next()) is not None:
                try:
                    state, value = self._run(worker, job)
                except Exception as err:  # noqa: BLE001 - a job's failure must not end the slot
                    state, value = "failed", f"{type(err).__name__}: {err}"
                self._finish(job, state, value)
        finally:
            if worker is not None:
                worker.stop()

    def _run(self, worker: Worker | None, job: Job) -> tuple[str, Any]:
        """Run the job in the worker process, or on this thread (AppTests: monkeypatches hold)."""

        def report(item: Any) -> None:
            self._report(job, item)

        if worker is None:
            return "done", job.fn(*job.args, on_progress=report, should_stop=job.cancel.is_set)
        state, value = worker.run(job.fn, job.args, report, job.cancel, self._kill)
        if state == "died":
            job.exit_code = value
            return "failed", f"the worker process died (exit code {value})"
        return state, value
