"""Experiments: many seeded runs at once (sweep, Requests for Research, compare), defined
without torch, run on any executor, one row per run, and summarised in plain words.

Layer: above training. May import parity.training and everything below it, and
parity.execution.
"""
