"""Where work runs: the executor protocol (base), the serial, local-process and Ray executors,
and the pool of worker processes the local executor and the app's jobs share. Imports only core.
"""
