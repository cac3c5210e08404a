"""Where runs execute on a Ray cluster: one Ray task per item, streamed back as each finishes.

`RayExecutor(address)` implements the executor protocol of parity/execution/base.py. With no
address it starts a Ray instance on this machine (and stops it afterwards); with 'auto' or
'HOST:PORT' it connects to a running cluster (`ray start --head` on one machine, `ray start
--address HEAD:PORT` on the others). The `parity` package itself is shipped to the workers
(Ray's runtime_env py_modules), so they need only the same Python packages, not this checkout.

Each task takes one CPU and pins torch to one intra-op thread, as a local worker does. An item
that raises becomes an error Outcome with the same one line as on every other executor; a task
lost with its worker or node is retried by Ray (`max_retries`) and, once retries run out, is
reported as that item's error. Closing the stream (^C, SIGTERM in the CLI) cancels every
outstanding task, running ones by killing their worker, and waits for them to end: nothing is
left running on the cluster.

Nothing here imports Ray until an executor is built: the rest of Parity Lab never needs it.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..core.bounded_text import shorten
from .base import Outcome, call, describe

REQUIREMENTS = "requirements-ray.txt"
MAX_RETRIES = 3  # times Ray reruns a task whose worker or node died
CONNECT_TIMEOUT = 5.0  # seconds to reach HOST:PORT before giving up with one line
STOP_TIMEOUT = 10.0  # seconds cancelled tasks get to end before the stream returns anyway
PACKAGE = Path(__file__).resolve().parents[1]  # the parity package, shipped to every worker


class RayUnavailable(ValueError):
    """Ray is not installed, or the cluster cannot be reached: one line saying which."""


def import_ray():
    """The ray module, or RayUnavailable saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable(
            f"--executor ray needs Ray, which is not installed: pip install -r {REQUIREMENTS}"
        ) from None
    return ray


def check_address(address: str | None) -> str | None:
    """None, 'auto' or 'HOST:PORT' (a port in 1..65535); ValueError otherwise.

    >>> check_address("auto"), check_address("10.0.0.5:6379")
    ('auto', '10.0.0.5:6379')
    """
    if address is None or address == "auto":
        return address
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(
            f"address must be 'auto' or HOST:PORT, e.g. 10.0.0.5:6379 (got {address!r})"
        )
    return address


def reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """RayUnavailable unless something accepts TCP connections at HOST:PORT.

    ray.init retries an unreachable address for minutes; this answers within `timeout`.
    """
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as err:
        raise RayUnavailable(
            f"cannot reach a Ray cluster at {address} ({describe(err)}): start one there with "
            f"`ray start --head --port {port}`"
        ) from None


def init_options(address: str | None = None, num_cpus: int | None = None) -> dict[str, Any]:
    """The ray.init arguments this executor connects with: the package shipped, logs quiet.

    Code that connects to Ray itself before using a RayExecutor passes these too.
    """
    options: dict[str, Any] = {
        "address": address or "local",  # None would join a `ray start` cluster found here
        "runtime_env": {"py_modules": [str(PACKAGE)], "excludes": ["__pycache__"]},
        "logging_level": logging.ERROR,
        "log_to_driver": False,  # failures come back as outcomes, not as worker log lines
    }
    if address is None:
        options |= {"num_cpus": num_cpus, "include_dashboard": False}
    return options


def run_task(fn: Callable, index: int, item: Any) -> Outcome:
    """What a Ray worker runs for one item: one torch thread, fn(item) as an Outcome."""
    from ..core.runtime import use_one_thread

    use_one_thread()
    return call(fn, index, item)


def lost(err: BaseException, attempts: int) -> str:
    """One line for a task Ray could not complete: its kind and first sentence, no traceback."""
    cause = getattr(err, "cause", None)
    if isinstance(cause, BaseException):  # e.g. the worker could not unpickle the item
        return describe(cause)
    first = " ".join(str(err).split()).split(". ")[0].rstrip(".")
    return shorten(f"{type(err).__name__}: {first} (ray task, {attempts} attempts)")


class RayExecutor:
    """Items as Ray tasks (one CPU each) on a cluster, or on a Ray instance started here.

    The executor connects when first asked for `workers` (the CPUs Ray offers, which
    parity.experiments.runs.plan cuts groups of runs by) or for work, and disconnects (stopping the
    instance it started) when a stream ends. If this process is connected to Ray already
    (`ray.init(**init_options(...))`), it uses that connection and leaves it open.
    """

    name = "ray"
    in_process = False

    def __init__(
        self,
        address: str | None = None,
        num_cpus: int | None = None,
        max_retries: int = MAX_RETRIES,
    ):
        self.address = check_address(address)
        if num_cpus is not None and num_cpus < 1:
            raise ValueError(f"num_cpus must be at least 1 (got {num_cpus})")
        if max_retries < 0:
            raise ValueError(f"max_retries must be at least 0 (got {max_retries})")
        self.num_cpus, self.max_retries = num_cpus, max_retries
        self.ray = import_ray()  # fails here, before any work, when Ray is missing
        self._cpus: int | None = None
        self._opened = False  # True while a connection this executor opened is up

    @property
    def workers(self) -> int:
        """The CPUs of the cluster (connecting to it if need be)."""
        if self._cpus is None:
            self._connect()
        return self._cpus

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Outcome]:
        """fn(item) as Ray tasks, yielded as each finishes; closing cancels what is left."""
        ray, items = self.ray, list(items)
        pending: dict[Any, int] = {}
        try:
            self._connect()
            task = ray.remote(num_cpus=1, max_retries=self.max_retries, retry_exceptions=False)
            remote = task(run_task)
            pending = {remote.remote(fn, i, item): i for i, item in enumerate(items)}
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                more, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
                for ref in dict.fromkeys(ready + more):
                    yield self._outcome(ref, pending.pop(ref))
        finally:
            cancel(ray, list(pending))
            self._disconnect()

    def _outcome(self, ref, index: int) -> Outcome:
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayError as err:
            return Outcome(index, error=lost(err, 1 + self.max_retries))

    def _connect(self) -> None:
        """Connect unless connected already (by this executor or by the caller)."""
        ray = self.ray
        if not ray.is_initialized():
            if self.address not in (None, "auto"):
                reachable(self.address)
            with _keeping_sigterm_handler():
                try:
                    ray.init(**init_options(self.address, self.num_cpus))
                except ConnectionError as err:
                    where = self.address or "this machine"
                    raise RayUnavailable(
                        f"cannot connect to Ray at {where}: {describe(err)}"
                    ) from None
            self._opened = True
        self._cpus = int(ray.cluster_resources().get("CPU", 0))

    def _disconnect(self) -> None:
        if self._opened:
            self.ray.shutdown()  # stops the instance when this executor started it
            self._opened, self._cpus = False, None


class _keeping_sigterm_handler:
    """ray.init replaces SIGTERM's handler; a handler installed on purpose (the CLI's) stays."""

    def __enter__(self):
        main = threading.current_thread() is threading.main_thread()
        self.previous = signal.getsignal(signal.SIGTERM) if main else None

    def __exit__(self, *exc):
        if callable(self.previous):
            signal.signal(signal.SIGTERM, self.previous)


def cancel(ray, refs: list, timeout: float = STOP_TIMEOUT) -> None:
    """Cancel every task (killing running ones, and their children), then wait for them to end."""
    if not refs:
        return
    for ref in refs:
        try:
            ray.cancel(ref, force=True, recursive=True)
        except Exception:  # finished meanwhile, or the cluster is going away itself
            pass
    try:
        ray.wait(refs, num_returns=len(refs), timeout=timeout)
    except Exception:
        pass
