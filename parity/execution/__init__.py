"""Where work runs: the executor protocol and its serial, local-process and Ray executors, and
the worker-process pool the app's jobs share.

Stands apart from the engine's layers: imports only parity.core, so any layer above may use it.
"""
