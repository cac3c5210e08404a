"""Process-wide settings every entry point (CLI, app, benchmarks, workers, tests) applies.

The tensors here are tiny (hidden 8, batch 32): intra-op threads cost more in synchronisation
than they give, and the thread count changes float rounding. Measured on 2 shared cores:
`evaluate` at length 10,000 took 48 s with 1 thread and 179 s with the default count; training
under load took 2.6 s against 39 s. One thread, with MKL's code path pinned (parity/__init__.py),
also makes a run's history the same on the Intel machines measured (not on an AMD EPYC). torch
keeps this setting per OS thread, so threads that run torch work (the app's script threads, pool
workers) call it too.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

INTRA_OP_THREADS = 1
_evidence_threads = 1  # threads the evidence (stress checks, verdicts) may spread over


def use_one_thread() -> None:
    """Pin torch to INTRA_OP_THREADS intra-op threads for the calling thread."""
    import torch  # lazy: the CLI answers --help without importing torch

    if torch.get_num_threads() != INTRA_OP_THREADS:
        torch.set_num_threads(INTRA_OP_THREADS)


def evidence_threads() -> int:
    """How many threads the evidence of a run may use (1 unless set_evidence_threads)."""
    return _evidence_threads


def set_evidence_threads(count: int) -> None:
    """Let stress checks and verdicts spread over `count` threads (each on one intra-op
    thread, each family's or model's work as it runs alone: the same numbers, bitwise). The
    command line sets its cores; the app's workers and the experiment runner keep 1: their
    processes already fill the cores."""
    global _evidence_threads
    _evidence_threads = max(1, int(count))


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_map(fn, items, threads: int | None = None) -> list:
    """[fn(item) for item in items], over up to `threads` threads (default evidence_threads())
    that each pin torch to one intra-op thread; in order; in this thread when 1 is enough."""
    items = list(items)
    threads = min(evidence_threads() if threads is None else threads, len(items))
    if threads <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(threads, initializer=use_one_thread) as pool:
        return list(pool.map(fn, items))


class TrainingStopped(Exception):
    """Raised by a long computation when its should_stop() callback asks it to stop."""
