"""Where independent runs execute: in this process, or over the cores in worker processes.

An executor knows nothing of training. `executor.map_unordered(fn, items)` applies a
module-level function `fn` to each picklable item and yields an `Outcome` per item as soon as
it finishes, in any order: its index in `items`, and the value `fn` returned or the error it
raised. A failing item never stops the others. Because a run is seeded by its configuration
alone, the values do not depend on the executor (tests/execution/test_executors.py checks this).

A cluster executor fits the same interface: parity/execution/ray_executor.py submits `fn` as a Ray
task
per item, waits for whichever finishes first and cancels the rest on interrupt.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Protocol

EXECUTORS = ("local", "serial", "ray")
MAX_WORKERS = 64
STOP_TIMEOUT = 5.0  # seconds a worker gets to exit cleanly before it is killed


@dataclass(frozen=True)
class Outcome:
    """What became of one item: `value` when it succeeded, else `error` (one line)."""

    index: int
    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Executor(Protocol):
    """What every executor offers (a cluster one included)."""

    name: str
    workers: int
    in_process: bool  # True: fn runs in this process (callbacks work; nothing is pickled)

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Outcome]:
        """fn(item) for every item, yielded as each finishes; failures as error outcomes.

        Returns a generator: closing it (or ^C while it waits) stops the outstanding work.
        """
        ...


def describe(err: BaseException) -> str:
    """An exception as one line: `TypeName: message`."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def call(fn: Callable, index: int, item: Any) -> Outcome:
    """fn(item) as an Outcome; an Exception becomes the outcome's error (^C still propagates)."""
    try:
        return Outcome(index, fn(item))
    except Exception as err:
        return Outcome(index, error=describe(err))


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


def _worker_main(conn) -> None:
    """A worker: one thread, deaf to ^C (the driver stops it), runs what the pipe sends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..core.runtime import use_one_thread

    use_one_thread()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the driver is gone: nothing left to do
            return
        if message is None:
            return
        fn, index, item = message
        try:
            conn.send(call(fn, index, item))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    """One spawned worker process, its end of the pipe, and the item it is running."""

    def __init__(self, context):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()  # only the worker holds its end: its exit closes the pipe
        self.index: int | None = None

    def give(self, fn: Callable, index: int, item: Any) -> None:
        self.index = index
        self.conn.send((fn, index, item))

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask it to exit; kill it if it is still running an item or does not exit in time."""
        if self.process.is_alive() and self.index is None:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class LocalExecutor:
    """Items spread over worker processes (spawn), streamed back as each finishes.

    Each worker pins torch to one thread (parity.core.runtime). A worker that dies mid-item (killed,
    out of memory) costs only that item, reported as its outcome's error, and is replaced.
    On ^C or when the consumer stops iterating, every worker is stopped: none outlives this.
    """

    name = "local"
    in_process = False

    def __init__(self, workers: int | None = None):
        workers = (os.cpu_count() or 1) if workers is None else workers
        if not 1 <= workers <= MAX_WORKERS:
            raise ValueError(f"workers must be in 1..{MAX_WORKERS} (got {workers})")
        self.workers = workers

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Outcome]:
        todo = deque(enumerate(items))
        context = multiprocessing.get_context("spawn")
        pool = [_Worker(context) for _ in range(min(self.workers, len(todo)))]
        try:
            for worker in pool:
                worker.give(fn, *todo.popleft())
            while any(w.index is not None for w in pool):
                for slot, outcome in _finished(pool):
                    yield outcome
                    if todo:
                        if not pool[slot].process.is_alive():  # replace a dead worker
                            pool[slot].stop()
                            pool[slot] = _Worker(context)
                        pool[slot].give(fn, *todo.popleft())
        finally:
            for worker in pool:
                worker.stop()


def _finished(pool: list[_Worker]) -> list[tuple[int, Outcome]]:
    """Block until busy workers answer or die: (slot, outcome) for each; they become idle."""
    busy = [w for w in pool if w.index is not None]
    ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
    done = []
    for slot, worker in enumerate(pool):
        if worker.index is not None and {worker.conn, worker.process.sentinel} & ready:
            done.append((slot, _answer(worker)))
            worker.index = None
    return done


def _answer(worker: _Worker) -> Outcome:
    """A ready worker's outcome; when it died without answering, an error for its item.

    Only the worker holds the other end of its pipe, so once it has exited, recv() returns
    what it sent or raises EOFError at once: it never blocks here.
    """
    try:
        return worker.conn.recv()
    except (EOFError, OSError):
        worker.process.join()
        return Outcome(
            worker.index, error=f"worker process died (exit code {worker.process.exitcode})"
        )


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
