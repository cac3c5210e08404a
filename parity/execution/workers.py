"""One worker process of the pool (parity.execution.workpool): its pipe, stop event and main loop.

The pool talks to a worker over a duplex pipe. To the worker: (job id, fn, args), or None to
exit. From the worker: ("progress", id, item) any number of times, then one of ("done", id,
result), ("failed", id, message), ("cancelled", id, message). The pool asks a running job to
stop through the worker's multiprocessing Event, or kills the process; the worker also stops
(and exits) when its pipe closes, so a driver that dies leaves no worker behind.

Workers start from a 'forkserver' (the app's: it imports torch once and forks each worker from
that, never from the threaded server) or are spawned (the command line's experiments: fresh
interpreters); either way they are deaf to ^C (their driver stops them), on one intra-op thread
and at a chosen priority below the driver's.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import multiprocessing
import multiprocessing.spawn
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import wait as wait_ready
from typing import Any

START = "forkserver"  # how the app's workers start (multiprocessing start method)
NICENESS = 10  # the app's workers: priority below the server's (os.nice increment)
PRELOAD = ("parity.training.train", "parity.evaluation.evaluate")  # imported before the first
# job (by the forkserver, once), so it need not wait for torch
POLL_SECONDS = 0.1  # how often a driver waiting on a job passes a stop or kill request on
JOIN_SECONDS = 5.0  # an exiting worker gets this long before it is killed
WORKER_NAME = "parity-worker"

_job_ids = itertools.count(1)


def _start_without_parent_main() -> None:
    """Make multiprocessing start our workers without the parent's main module (done once).

    A child normally re-imports the parent's __main__. In the app that is whatever
    script Streamlit (or AppTest) runs at that moment, so a worker started then would run a
    page script. Our workers need only modules they import by name.
    """
    prepare = multiprocessing.spawn.get_preparation_data
    if getattr(prepare, "without_parent_main", False):
        return

    def without_main(name: str) -> dict:
        data = prepare(name)
        if name == WORKER_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    without_main.without_parent_main = True
    multiprocessing.spawn.get_preparation_data = without_main


class Worker:
    """One worker process, started when first needed and replaced once it has died."""

    def __init__(self, start=START, niceness=NICENESS, preload=PRELOAD, recycle_mb=None):
        self.start, self.settings = start, (niceness, tuple(preload), recycle_mb)
        self.proc = self.conn = self.stop_event = None

    def ensure(self) -> None:
        """A live worker process: the current one, or a newly started one."""
        if self.proc is not None and self.proc.is_alive():
            return
        self.close()
        _start_without_parent_main()
        ctx = multiprocessing.get_context(self.start)
        if self.start == "forkserver":
            ctx.set_forkserver_preload(list(self.settings[1]))
        self.conn, child = ctx.Pipe()
        self.stop_event = ctx.Event()
        args = (child, self.stop_event, *self.settings)
        proc = ctx.Process(target=worker_main, args=args, daemon=True, name=WORKER_NAME)
        try:
            proc.start()
        finally:
            child.close()  # only the worker holds its end: its exit closes the pipe
        self.proc = proc

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def run(self, fn: Callable, args: tuple, report, cancel, kill) -> tuple[str, Any]:
        """fn(*args) in the process, progress to `report`: (kind, result or message).

        A set `cancel` event is passed on to the job, a set `kill` event kills the process;
        a process that died is reaped and ("died", its exit code) comes back.
        """
        self.ensure()
        self.conn.send((next(_job_ids), fn, args))  # pickled first: a failure sends nothing
        while True:
            if cancel.is_set():
                self.stop_event.set()
            if kill.is_set():
                self.proc.kill()
            if not wait_ready([self.conn, self.proc.sentinel], timeout=POLL_SECONDS):
                continue
            try:
                kind, _, payload = self.conn.recv()
            except (EOFError, OSError):  # the pipe broke: the worker died
                return "died", self.close()
            if kind != "progress":
                return kind, payload
            report(payload)

    def close(self) -> int | None:
        """Close the pipe (an idle worker then exits), reap the process (killing a laggard):
        its exit code."""
        code = None
        if self.conn is not None:
            self.conn.close()
        if self.proc is not None:
            self.proc.join(timeout=JOIN_SECONDS)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()
            code = self.proc.exitcode
        self.proc = self.conn = self.stop_event = None
        return code

    def stop(self) -> None:
        """Ask the worker to exit (a running job stops at its next step) and reap it."""
        if self.proc is not None and self.proc.is_alive():
            self.stop_event.set()
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.close()


def _rss_mb() -> float:
    """This process's resident memory in MB (Linux), 0 where unknown."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _prepare(niceness: int, preload: tuple) -> None:
    """A worker's settings: deaf to ^C, one intra-op thread, modules loaded, lower priority.

    The imports (done already in a forkserver's child) come first, at the driver's priority: at
    a lower one, a busy machine would leave a new worker importing torch for tens of seconds.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..core.runtime import use_one_thread

    use_one_thread()
    for module in preload:
        importlib.import_module(module)
    os.nice(niceness)


def _job_reply(conn, should_stop, job_id: int, fn: Callable, args: tuple) -> tuple:
    """Run one job, its progress sent as it comes: the reply that ends it."""
    try:
        result = fn(
            *args,
            on_progress=lambda item: conn.send(("progress", job_id, item)),
            should_stop=should_stop,
        )
        return "done", job_id, result
    except Exception as err:  # noqa: BLE001 - reported to the pool, which marks the job
        return ("cancelled" if should_stop() else "failed"), job_id, f"{type(err).__name__}: {err}"


def worker_main(conn, stop_event, niceness, preload, recycle_mb: float | None = None) -> None:
    """A worker's life: its settings, then jobs until told to exit (or its memory grew)."""
    _prepare(niceness, preload)

    def should_stop() -> bool:
        return stop_event.is_set() or conn.poll()  # poll: a request, or the pool has gone

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        stop_event.clear()
        reply = _job_reply(conn, should_stop, *message)
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except Exception as err:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send(("failed", reply[1], f"cannot send the result: {err}"))
        if recycle_mb is not None and _rss_mb() > recycle_mb:
            return  # the pool starts a fresh worker for the next job
