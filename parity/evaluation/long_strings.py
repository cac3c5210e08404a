"""The check for rare traps: many random strings far longer than the stress check's.

Some trained networks (2 of 98 default GRUs called parity machines on unseen seeds 100..199)
are right on every stress family and on 1,000 random strings at 10x the test maximum, yet a
rare pattern of bits knocks their state into the wrong parity: 1 to 5 random strings in
10,000 of 1,000 bits are wrong, 15 to 53 in 10,000 of 5,000 bits. Such a trap is a chance per
bit read, so the way to meet it is more bits: LONG_SIZE random strings of LONG_FACTOR x the
test maximum (5,000 bits for the defaults: 10 million bits read), run last, once the cheaper
checks have passed. bench/ARCHITECTURES.md has the measurements.
"""

from __future__ import annotations

from ..core.config import MAX_TEST_LEN

LONG_CHECK = "long_random"  # the check's name in a verdict's evidence
LONG_LABEL = "long random strings"
LONG_FACTOR = 50  # x the test maximum, capped at MAX_TEST_LEN
LONG_SIZE = 2000  # strings, ...
LONG_BITS = 10_000_000  # ... or fewer, so that at most this many bits are read (and held)
LONG_SEED_OFFSET = 7_000_009  # apart from the stress check's random strings


def long_length(test_max_len: int) -> int:
    """LONG_FACTOR x the test maximum, capped at MAX_TEST_LEN."""
    return min(test_max_len * LONG_FACTOR, MAX_TEST_LEN)


def long_size(length: int) -> int:
    """How many long strings of `length` bits are checked: LONG_SIZE, or fewer past LONG_BITS
    bits (1,000 of 10,000 bits)."""
    return max(1, min(LONG_SIZE, LONG_BITS // length))
