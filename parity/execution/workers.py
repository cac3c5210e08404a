"""The process side of parity.execution.workpool: one worker process, its pipe, and its main loop.

The pool talks to a worker over a duplex pipe. To the worker: (job id, fn, args), or None to
exit. From the worker: ("progress", id, item) any number of times, then one of ("done", id,
result), ("failed", id, message), ("cancelled", id, message). The pool asks a running job to
stop through the worker's multiprocessing Event; the worker also stops (and exits) when its
pipe closes, so a server that dies leaves no worker behind.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.spawn
import os
from multiprocessing.connection import wait as wait_ready
from typing import Any

NICENESS = 10  # workers' priority below the server's (os.nice increment)
PRELOAD = (
    "parity.training.train",
    "parity.evaluation.evaluate",
)  # imported once, by the forkserver
CANCEL_POLL_SECONDS = 0.1  # how often the relay passes a cancel request on
MESSAGE_CHARS = 300

WORKER_NAME = "parity-worker"

_job_ids = itertools.count(1)
_preparation_data = multiprocessing.spawn.get_preparation_data


def _without_main(name: str) -> dict:
    """multiprocessing's start-up data for a child, minus the parent's main module for ours.

    A child normally re-imports the parent's __main__. In the app that is whatever script
    Streamlit (or AppTest) runs at that moment, so a worker started then would run a page
    script. Our workers need only parity, which they import by name.
    """
    data = _preparation_data(name)
    if name == WORKER_NAME:
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


multiprocessing.spawn.get_preparation_data = _without_main


class Worker:
    """One worker process, started when first needed and replaced if it has died."""

    def __init__(self, recycle_mb: float | None = None):
        self.recycle_mb = recycle_mb
        self.proc = self.conn = self.stop_event = None

    def ensure(self) -> None:
        """A live worker process: the current one, or a new one from the forkserver."""
        if self.proc is not None and self.proc.is_alive():
            return
        self.close()
        ctx = multiprocessing.get_context("forkserver")  # never fork the threaded server
        ctx.set_forkserver_preload(list(PRELOAD))
        self.conn, child = ctx.Pipe()
        self.stop_event = ctx.Event()
        self.proc = ctx.Process(
            target=worker_main,
            args=(child, self.stop_event, self.recycle_mb),
            daemon=True,
            name=WORKER_NAME,
        )
        try:
            self.proc.start()
        except BaseException:
            self.proc = None
            raise
        finally:
            child.close()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def close(self) -> None:
        """Close the pipe (an idle worker then exits) and reap the process, killing a laggard."""
        if self.conn is not None:
            self.conn.close()
        if self.proc is not None and self.proc.pid is not None:
            self.proc.join(timeout=5)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()
        self.proc = self.conn = None

    def stop(self) -> None:
        """Ask the worker to exit and reap it."""
        if self.proc is not None and self.proc.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            if self.stop_event is not None:
                self.stop_event.set()  # a running job stops at its next step
        self.close()


def run_in_process(worker: Worker, job, report) -> tuple[str, Any]:
    """Run `job` in the worker process; relay progress; pass a cancel request on."""
    worker.ensure()
    job_id = next(_job_ids)
    worker.conn.send((job_id, job.fn, job.args))  # pickled first: a failure sends nothing
    sentinel = worker.proc.sentinel
    while True:
        if job.cancel.is_set():
            worker.stop_event.set()
        if not wait_ready([worker.conn, sentinel], timeout=CANCEL_POLL_SECONDS):
            continue
        if worker.conn.poll():
            try:
                kind, _, payload = worker.conn.recv()
            except (EOFError, OSError):
                pass  # the pipe broke: the worker died
            else:
                if kind != "progress":
                    return kind, payload
                report(payload)
                continue
        worker.proc.join(timeout=5)
        code = worker.proc.exitcode
        worker.close()
        return "failed", f"the worker process died (exit code {code})"


def _rss_mb() -> float:
    """This process's resident memory in MB (Linux), 0 where unknown."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker_main(conn, stop_event, recycle_mb: float | None = None) -> None:
    """A worker's life: lower priority, one intra-op thread, then jobs until told to exit."""
    from ..core.runtime import use_one_thread

    os.nice(NICENESS)
    use_one_thread()

    def should_stop() -> bool:
        return stop_event.is_set() or conn.poll()  # poll: a request, or the pool has gone

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job_id, fn, args = message
        stop_event.clear()
        try:
            result = fn(
                *args,
                on_progress=lambda item, job_id=job_id: conn.send(("progress", job_id, item)),
                should_stop=should_stop,
            )
            reply = ("done", job_id, result)
        except Exception as err:  # noqa: BLE001 - reported to the pool, which marks the job
            kind = "cancelled" if should_stop() else "failed"
            reply = (kind, job_id, f"{type(err).__name__}: {err}"[:MESSAGE_CHARS])
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except Exception as err:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send(("failed", job_id, f"cannot send the result: {err}"[:MESSAGE_CHARS]))
        if recycle_mb is not None and _rss_mb() > recycle_mb:
            return  # the pool starts a fresh worker for the next job
