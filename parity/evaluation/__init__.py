"""How well a network does: accuracy by length, stress families of structured strings, the
stress check, the verdict (parity machine or not, with its evidence), and evaluations in the shape
a worker pool runs.

Layer: above analysis. May import parity.analysis, parity.nets and parity.core.
"""
