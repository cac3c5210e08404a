"""Accuracy of a trained model: on a batch, and by sequence length up to 10,000."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from ..core.config import MAX_TEST_LEN, check_lengths
from ..core.data import Batch, fixed_dataset
from ..nets.models import MAX_CHUNK_FLOATS

if TYPE_CHECKING:
    import pandas as pd

# Bits held in one chunk of rows (rows x steps): bounds the input whatever the length. The
# forward over a chunk also counts hidden units: see models.MAX_CHUNK_FLOATS.
MAX_ELEMENTS = 1_000_000
LENGTH_SEED = 7_000_003
LENGTH_COLUMNS = ["length", "accuracy", "size"]


def length_chunks(lengths: list[int], max_elements: int = MAX_ELEMENTS, max_rows: int = 0):
    """Indices sorted by length, grouped so rows x longest length stays <= max_elements and,
    if max_rows is given, rows <= max_rows."""
    chunk: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        full = (len(chunk) + 1) * lengths[i] > max_elements or 0 < max_rows <= len(chunk)
        if chunk and full:
            yield chunk
            chunk = []
        chunk.append(i)
    if chunk:
        yield chunk


def model_chunks(
    model, lengths: list[int], max_elements: int = MAX_ELEMENTS, max_floats: int = MAX_CHUNK_FLOATS
):
    """length_chunks for `model`: at most as many rows as one step of the forward can hold
    within max_floats (rows x step_floats), so every chunk of the forward is bounded in
    rows x steps x hidden units, not in rows x steps only."""
    return length_chunks(lengths, max_elements, max(1, max_floats // model.step_floats()))


@torch.no_grad()
def accuracy(
    model, batch: Batch, max_elements: int = MAX_ELEMENTS, max_floats: int = MAX_CHUNK_FLOATS
) -> float:
    """Fraction of `batch` whose final parity the model gets right.

    Rows are chunked by length (rows x steps <= max_elements bits) and every forward by
    hidden units too (rows x steps x model.step_floats() <= max_floats), so memory is bounded
    whatever the length and the hidden size.
    """
    correct = 0
    for chunk in model_chunks(model, batch.lengths.tolist(), max_elements, max_floats):
        part = batch.subset(torch.tensor(chunk))  # trimmed to its own longest string
        predicted = model.predict(part.bits, part.lengths, max_floats)
        correct += int((predicted == part.parity.long()).sum())
    return correct / len(batch)


def accuracy_by_length(
    model,
    lengths,
    size: int = 1000,
    seed: int = 0,
    max_elements: int = MAX_ELEMENTS,
    max_floats: int = MAX_CHUNK_FLOATS,
) -> pd.DataFrame:
    """Accuracy on `size` random strings of each exact length: columns length, accuracy, size."""
    import pandas as pd  # lazy: only callers that want a frame load pandas

    rows = length_rows(model, lengths, size, seed, max_elements, max_floats)
    return pd.DataFrame(rows, columns=LENGTH_COLUMNS)


def length_rows(
    model,
    lengths,
    size: int = 1000,
    seed: int = 0,
    max_elements: int = MAX_ELEMENTS,
    max_floats: int = MAX_CHUNK_FLOATS,
) -> list[dict]:
    """accuracy_by_length's rows as dicts (length, accuracy, size), without pandas."""
    rows = []
    for n in check_lengths(lengths):
        batch = fixed_dataset(size, n, n, seed + LENGTH_SEED + n)
        correct = accuracy(model, batch, max_elements, max_floats)
        rows.append({"length": n, "accuracy": correct, "size": size})
    return rows


def log_lengths(max_len: int = MAX_TEST_LEN, per_decade: int = 6) -> list[int]:
    """Lengths 1..max_len spaced evenly on a log axis, distinct, ascending.

    >>> log_lengths(100, 2)
    [1, 3, 10, 32, 100]
    """
    top = math.log10(max_len)
    count = int(round(top * per_decade))
    points = {round(10 ** (top * i / count)) for i in range(count + 1)} if count else {1}
    return sorted(points | {1, max_len})
