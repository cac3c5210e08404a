"""Accuracy of a trained model: on a batch, and by sequence length up to 10,000."""

from __future__ import annotations

import math

import pandas as pd
import torch

from .config import MAX_TEST_LEN, check_lengths
from .data import Batch, fixed_dataset

# Bits held in one forward chunk (rows x steps): bounds memory whatever the length.
MAX_ELEMENTS = 1_000_000
LENGTH_SEED = 7_000_003


def length_chunks(lengths: list[int], max_elements: int = MAX_ELEMENTS):
    """Indices sorted by length, grouped so rows x longest length stays <= max_elements."""
    chunk: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if chunk and (len(chunk) + 1) * lengths[i] > max_elements:
            yield chunk
            chunk = []
        chunk.append(i)
    if chunk:
        yield chunk


@torch.no_grad()
def accuracy(model, batch: Batch, max_elements: int = MAX_ELEMENTS) -> float:
    """Fraction of `batch` whose final parity the model gets right."""
    correct = 0
    for chunk in length_chunks(batch.lengths.tolist(), max_elements):
        part = batch.subset(torch.tensor(chunk))  # trimmed to its own longest string
        predicted = model.predict(part.bits, part.lengths)
        correct += int((predicted == part.parity.long()).sum())
    return correct / len(batch)


def accuracy_by_length(
    model, lengths, size: int = 1000, seed: int = 0, max_elements: int = MAX_ELEMENTS
) -> pd.DataFrame:
    """Accuracy on `size` random strings of each exact length: columns length, accuracy, size."""
    rows = []
    for n in check_lengths(lengths):
        batch = fixed_dataset(size, n, n, seed + LENGTH_SEED + n)
        rows.append({"length": n, "accuracy": accuracy(model, batch, max_elements), "size": size})
    return pd.DataFrame(rows, columns=["length", "accuracy", "size"])


def log_lengths(max_len: int = MAX_TEST_LEN, per_decade: int = 6) -> list[int]:
    """Lengths 1..max_len spaced evenly on a log axis, distinct, ascending.

    >>> log_lengths(100, 2)
    [1, 3, 10, 32, 100]
    """
    top = math.log10(max_len)
    count = int(round(top * per_decade))
    points = {round(10 ** (top * i / count)) for i in range(count + 1)} if count else {1}
    return sorted(points | {1, max_len})
