"""The executor protocol: where independent runs execute, and what comes back from each.

An executor knows nothing of training. `executor.map_unordered(fn, items)` applies a
module-level function `fn` to each picklable item and yields an `Outcome` per item as soon as
it finishes, in any order: its index in `items`, and the value `fn` returned or the error it
raised. A failing item never stops the others. Because a run is seeded by its configuration
alone, the values do not depend on the executor (tests/execution/test_executors.py checks this).

Implemented by SerialExecutor and LocalExecutor (parity/execution/executors.py, which also
builds one by name) and RayExecutor (parity/execution/ray_executor.py). This module imports
none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

EXECUTORS = ("local", "serial", "ray")
MAX_WORKERS = 64


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
