"""How far a network's answers stay from the decision boundary as strings grow to a million bits.

One long string per kind (a 1 then zeros, all zeros, all ones, periodic patterns, sparse, dense
and random bits) is fed in chunks of time steps, the state carried from chunk to chunk, so the
memory is bounded whatever the length. After every bit the margin is the logit on the side of
the right answer (logit for odd prefixes, -logit for even ones): positive means right, and a
margin that shrinks with length shows a slow drift long before it flips an answer. Each stream
is a prefix-closed string, so its margin at length L is the answer to its first L bits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..core.runtime import TrainingStopped
from .families import PERIODS
from .search_limits import MAX_LENGTH

CHUNK = 4096  # time steps per forward
POINTS_PER_DECADE = 24  # lengths reported per factor of ten (log spaced)
RANDOM_STREAMS = 3
STREAM_SEED = 7_000_003  # offset of the random streams' seeds
COLUMNS = ["stream", "label", "length", "margin"]


@dataclass(frozen=True)
class Stream:
    """A bit string of any length, made chunk by chunk: bits(start, stop) -> (stop-start,)."""

    name: str
    label: str
    bits: Callable[[int, int], torch.Tensor]


def _periodic(pattern: str) -> Callable[[int, int], torch.Tensor]:
    """The pattern repeated: bit t is pattern[t mod its length]."""
    cycle = torch.tensor([float(c) for c in pattern])

    def bits(start: int, stop: int) -> torch.Tensor:
        return cycle[torch.arange(start, stop) % len(cycle)]

    return bits


def _first_then(first: str, rest: float) -> Callable[[int, int], torch.Tensor]:
    """`first`, then `rest` forever."""
    head = torch.tensor([float(c) for c in first])

    def bits(start: int, stop: int) -> torch.Tensor:
        out = torch.full((stop - start,), rest)
        inside = torch.arange(start, max(start, min(stop, len(head))))
        out[inside - start] = head[inside]
        return out

    return bits


def _random(p: float, seed: int) -> Callable[[int, int], torch.Tensor]:
    """Bits that are 1 with probability p, the same for the same (seed, position)."""

    def bits(start: int, stop: int) -> torch.Tensor:
        first, last = start // CHUNK, (stop - 1) // CHUNK
        blocks = []
        for block in range(first, last + 1):
            gen = torch.Generator().manual_seed(seed * 1_000_003 + block)
            blocks.append((torch.rand(CHUNK, generator=gen) < p).float())
        joined = torch.cat(blocks)
        offset = start - first * CHUNK
        return joined[offset : offset + stop - start]

    return bits


def streams(seed: int = 0) -> list[Stream]:
    """The long strings, in chart order."""
    made = [
        Stream("one_then_zeros", "a 1, then zeros", _first_then("1", 0.0)),
        Stream("all_zeros", "all zeros", _periodic("0")),
        Stream("all_ones", "all ones", _periodic("1")),
        Stream("zero_then_ones", "a 0, then ones", _first_then("0", 1.0)),
        Stream("alternating", "alternating 01", _periodic("01")),
    ]
    made += [Stream(f"periodic_{p}", f"{p} repeated", _periodic(p)) for p in PERIODS]
    base = STREAM_SEED + seed * 101
    made += [
        Stream("sparse", "sparse (2% ones)", _random(0.02, base)),
        Stream("dense", "dense (98% ones)", _random(0.98, base + 1)),
    ]
    made += [
        Stream(f"random_{k}", f"random #{k + 1}", _random(0.5, base + 2 + k))
        for k in range(RANDOM_STREAMS)
    ]
    return made


def report_lengths(length: int) -> np.ndarray:
    """Log-spaced lengths 1..length at which the margin is reported (ints, increasing)."""
    count = int(np.ceil(np.log10(max(length, 10)) * POINTS_PER_DECADE)) + 1
    marks = np.unique(np.round(np.logspace(0, np.log10(length), count)).astype(np.int64))
    return marks[(marks >= 1) & (marks <= length)]


@torch.no_grad()
def margin_curves(
    model,
    length: int = MAX_LENGTH,
    seed: int = 0,
    chunk: int = CHUNK,
    on_progress=None,
    should_stop=None,
):
    """Per stream and reported length L: the smallest margin over lengths in (previous L, L].

    Returns (rows, first_wrong): rows as dicts with COLUMNS; first_wrong maps a stream name
    to the first length its answer is wrong (absent when right all the way). on_progress gets
    (bits done, length) before each chunk; should_stop() true raises TrainingStopped.
    """
    if not 1 <= length <= MAX_LENGTH:
        raise ValueError(f"length must be 1..{MAX_LENGTH:,} (got {length})")
    model = model.eval()
    made = streams(seed)
    marks = report_lengths(length)
    bucket_of = np.searchsorted(marks, np.arange(1, length + 1))  # length t -> its report index
    lowest = np.full((len(made), len(marks)), np.inf)
    parity = torch.zeros(len(made))
    first_wrong: dict[str, int] = {}
    state = None
    for start in range(0, length, chunk):
        if should_stop is not None and should_stop():
            raise TrainingStopped(f"stopped after {start:,} of {length:,} bits")
        if on_progress is not None:
            on_progress((start, length))
        stop = min(length, start + chunk)
        bits = torch.stack([s.bits(start, stop) for s in made])  # (S, T)
        outputs, state = model.run(bits, state)
        logits = model.head(outputs).squeeze(-1).double()  # (S, T)
        odd = (parity[:, None] + bits.cumsum(1)) % 2
        parity = odd[:, -1].clone()
        margins = torch.where(odd > 0.5, logits, -logits).numpy()
        _lowest_into(lowest, margins, bucket_of[start:stop])
        for i in np.flatnonzero((margins <= 0).any(axis=1)):
            first_wrong.setdefault(made[i].name, start + int(np.argmax(margins[i] <= 0)) + 1)
    rows = [
        {"stream": s.name, "label": s.label, "length": int(mark), "margin": float(lowest[i, j])}
        for i, s in enumerate(made)
        for j, mark in enumerate(marks)
    ]
    return rows, first_wrong


def _lowest_into(lowest: np.ndarray, margins: np.ndarray, buckets: np.ndarray) -> None:
    """lowest[s, b] = min(lowest[s, b], margins[s, t] for t in bucket b)."""
    for b in np.unique(buckets):
        cols = buckets == b
        lowest[:, b] = np.minimum(lowest[:, b], margins[:, cols].min(axis=1))
