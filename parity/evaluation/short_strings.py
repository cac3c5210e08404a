"""The check no sampled test makes: every bit string up to SHORT_LENGTH bits, each one answered.

Random test strings and long stress strings can all be right while a 7-bit string is wrong (a
trained RNN whose tested verdict was "parity machine" answered 0000011 wrong, and a default
RNN of unseen seed 466 the 14-bit 11001111001111 while every string up to 12 bits was right).
The 32,766 non-empty strings of up to 14 bits run as one padded batch, shortest first,
through the same final-answer path as every other check (families.correct), so the first
wrong one found is a shortest one.
"""

from __future__ import annotations

import functools
import itertools

import torch

from ..core.data import Batch

SHORT_LENGTH = 14  # the falsifier's exhaustive length (search_limits.EXHAUSTIVE)
SHORT_CHECK = "short_strings"  # the check's name in a verdict's evidence
SHORT_LABEL = f"every string up to {SHORT_LENGTH} bits"


@functools.lru_cache(maxsize=2)
def short_batch(length: int = SHORT_LENGTH) -> Batch:
    """Every non-empty string of up to `length` bits, shortest first, padded to `length`."""
    rows, lengths = [], []
    for n in range(1, length + 1):
        for word in itertools.product((0.0, 1.0), repeat=n):
            rows.append(list(word) + [0.0] * (length - n))
            lengths.append(n)
    return Batch(torch.tensor(rows), torch.tensor(lengths))


def check(model, length: int = SHORT_LENGTH) -> tuple[float, int, str | None]:
    """(share right, strings, the first shortest wrong string or None)."""
    from .families import bits_text, correct

    batch = short_batch(length)
    right = correct(model, batch)
    wrong = (~right).nonzero()
    if len(wrong) == 0:
        return 1.0, len(batch), None
    row = int(wrong[0])
    text = bits_text(batch.bits[row, : int(batch.lengths[row])])
    return right.float().mean().item(), len(batch), text
