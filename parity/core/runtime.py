"""Process-wide settings every entry point (CLI, app, benchmarks, workers, tests) applies.

The tensors here are tiny (hidden 8, batch 32): intra-op threads cost more in synchronisation
than they give, and the thread count changes float rounding. Measured on 2 shared cores:
`evaluate` at length 10,000 took 48 s with 1 thread and 179 s with the default count; training
under load took 2.6 s against 39 s. One thread also makes a run's history the same on every
machine. torch keeps this setting per OS thread, so threads that run torch work (the app's
script threads, pool workers) call it too.
"""

from __future__ import annotations

INTRA_OP_THREADS = 1


def use_one_thread() -> None:
    """Pin torch to INTRA_OP_THREADS intra-op threads for the calling thread."""
    import torch  # lazy: the CLI answers --help without importing torch

    if torch.get_num_threads() != INTRA_OP_THREADS:
        torch.set_num_threads(INTRA_OP_THREADS)


class TrainingStopped(Exception):
    """Raised by a long computation when its should_stop() callback asks it to stop."""
