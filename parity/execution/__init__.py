"""Where work runs: the executor protocol (base), the serial, local-process and Ray executors,
and the pool of worker processes (workpool, workers) that the local executor and the app's jobs
share.

Stands apart from the engine's layers: imports only parity.core, so any layer above may use it.
"""
