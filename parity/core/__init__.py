"""Foundations: the one frozen Config, bit strings and batches, text bounds, atomic file writes,
process-wide settings (one intra-op thread, the stop request).

Layer: the bottom. Imports nothing else of parity; everything else may import it.
"""
