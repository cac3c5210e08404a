"""Training: the loop (a single run, a batched stack of seeds, a length curriculum), the stop
rule with restarts, snapshots and replay, cost estimates, the diagnosis of a run and the presets.

Layer: above evaluation. May import parity.evaluation and everything below it.
"""
