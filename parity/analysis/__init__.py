"""What a trained network computes: hidden states read step by step (traces), k-means
clusters, the extracted and minimised automaton, and the state map.

Layer: above nets. May import parity.nets and parity.core.
"""
