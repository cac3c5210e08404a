"""A search for the shortest string a network answers wrong, beyond the fixed stress families.

Three searches, and the shortest wrong string any of them finds wins (the first two always run
in full, about a second at hidden 8; the time budget bounds the third):
1. every string up to EXHAUSTIVE bits (all 2^N of them, every prefix's answer checked);
2. the long streams of parity.evaluation.margins (a 1 then zeros, periodic, sparse, dense,
   random ...) out to STREAM_LENGTH bits;
3. a beam search guided by the network itself: from the lowest-margin strings of step 1, each
   step extends every string in the beam by 0 and by 1 and keeps the BEAM extensions whose
   answers are closest to the decision boundary (half of the beam), whose states lie farthest
   from where the other strings of their parity are (a quarter: states that drift), and a
   random quarter (so the search does not lock onto one valley). Extensions that reach the
   same state (to 1e-6) are kept once.
A string is wrong when the answer after its last bit is not its parity; every string the search
reports was answered wrong by the model's own forward, re-run from the start.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
import torch

from . import margins as margin_streams
from .families import spell
from .search_limits import BEAM, BEAM_LENGTH, EXHAUSTIVE, SECONDS, STREAM_LENGTH

__all__ = ["BEAM", "BEAM_LENGTH", "EXHAUSTIVE", "SECONDS", "STREAM_LENGTH", "falsify"]
SAME_STATE = 1e-6  # states closer than this (in every unit) count as one


@dataclass
class Falsification:
    """What the search found: the shortest wrong string (or None) and how hard it looked."""

    string: str | None
    found_by: str | None  # "exhaustive", "streams" (with the stream's name) or "beam"
    exhaustive_length: int  # every string up to this length was tried
    beam_length: int  # the beam reached strings of this length
    stream_length: int  # every stream was followed this far
    strings_tried: int
    lowest_margin: float  # the smallest margin met on a right answer
    seconds: float

    @property
    def found(self) -> bool:
        return self.string is not None

    def described(self) -> str | None:
        """The wrong string in words when it is made of few runs, else its length."""
        if self.string is None:
            return None
        return spell(self.string) or f"a string of {len(self.string):,} bits"

    def to_dict(self) -> dict:
        return {
            "found": self.found,
            "counterexample": self.string,
            "described": self.described(),
            "length": len(self.string) if self.string else None,
            "found_by": self.found_by,
            "exhaustive_length": self.exhaustive_length,
            "beam_length": self.beam_length,
            "stream_length": self.stream_length,
            "strings_tried": self.strings_tried,
            "lowest_margin": self.lowest_margin,
            "seconds": round(self.seconds, 3),
        }


def answers_wrong(model, text: str) -> bool:
    """True when the model's answer after the whole of `text` is not its parity."""
    bits = torch.tensor([[float(c) for c in text]])
    with torch.no_grad():
        logit = float(model(bits)[0, -1])
    return (logit > 0) != (text.count("1") % 2 == 1)


@torch.no_grad()
def exhaustive_search(model, length: int):
    """(shortest wrong string or None, the BEAM lowest-margin strings of `length` bits)."""
    words = torch.tensor(list(itertools.product((0.0, 1.0), repeat=length)))
    logits = model(words)
    odd = words.cumsum(1) % 2
    margin = torch.where(odd > 0.5, logits, -logits)  # (2^N, N)
    wrong = (margin <= 0).any(0).nonzero()
    if len(wrong):
        first = int(wrong[0])
        row = int((margin[:, first] <= 0).nonzero()[0])
        right = margin[margin > 0]
        low = float(right.min()) if len(right) else float("-inf")
        return _text(words[row, : first + 1]), words[:0], low
    lowest = margin.min(1).values.argsort()[:BEAM]
    return None, words[lowest], float(margin.min())


def _text(bits: torch.Tensor) -> str:
    return "".join("1" if b > 0.5 else "0" for b in bits.tolist())


def _streams(model, length: int, seed: int):
    """(shortest wrong stream prefix or None, its stream's name, lowest margin)."""
    rows, first_wrong = margin_streams.margin_curves(model, length, seed)
    lowest = min((r["margin"] for r in rows if r["margin"] > 0), default=float("inf"))
    if not first_wrong:
        return None, None, lowest
    name, at = min(first_wrong.items(), key=lambda item: item[1])
    stream = next(s for s in margin_streams.streams(seed) if s.name == name)
    return _text(stream.bits(0, at)), name, lowest


def _flat(state) -> torch.Tensor:
    """A state (h, or (h, c)) as one (B, width) tensor."""
    return torch.cat(state, 1) if isinstance(state, tuple) else state


def take_rows(state, rows):
    """The rows `rows` of a state (h, or (h, c)); parity.evaluation.structured uses it too."""
    return tuple(s[rows] for s in state) if isinstance(state, tuple) else state[rows]


def _distinct(flat: torch.Tensor) -> torch.Tensor:
    """Rows of states that differ from every earlier row by more than SAME_STATE, in order."""
    cells = torch.round(flat.double() / SAME_STATE).long()
    mix = (torch.arange(flat.shape[1], dtype=torch.long) * 2654435761 + 97531) % 2**31
    keys = (cells * mix).sum(1)
    _, inverse = torch.unique(keys, return_inverse=True)
    first = torch.full((int(inverse.max()) + 1,), len(keys), dtype=torch.long)
    first.scatter_reduce_(0, inverse, torch.arange(len(keys)), reduce="amin")
    return first.sort().values


def _choose(margin, flat, odd, gen) -> torch.Tensor:
    """Rows to keep: the lowest margins, the farthest-drifted states, a random few (distinct)."""
    distinct = _distinct(flat)
    if len(distinct) <= BEAM:
        return distinct
    m, f, o = margin[distinct], flat[distinct], odd[distinct].long()
    centre = torch.stack([f[o == p].mean(0) if (o == p).any() else f.mean(0) for p in (0, 1)])
    drift = (f - centre[o]).abs().amax(1)
    chosen = torch.zeros(len(distinct), dtype=torch.bool)
    chosen[m.argsort()[: BEAM // 2]] = True
    drift[chosen] = -1.0
    chosen[drift.argsort(descending=True)[: BEAM // 4]] = True
    rest = (~chosen).nonzero().squeeze(1)
    chosen[rest[torch.randperm(len(rest), generator=gen)[: BEAM - int(chosen.sum())]]] = True
    return distinct[chosen]


@torch.no_grad()
def beam_search(model, start: torch.Tensor, deadline: float, max_length: int, seed: int):
    """Beam search from the strings `start` (B, N): (wrong string or None, length, tried, low)."""
    gen = torch.Generator().manual_seed(seed)
    outputs, state = model.run(start)
    odd = start.sum(1) % 2
    history: list[tuple[np.ndarray, np.ndarray]] = []  # per step: (parent rows, bits)
    tried, lowest, length = 0, float("inf"), start.shape[1]
    while length < max_length and time.monotonic() < deadline:
        n = odd.shape[0]
        bits = torch.cat([torch.zeros(n), torch.ones(n)])
        parent = torch.cat([torch.arange(n), torch.arange(n)])
        out, child = model.run(bits[:, None], take_rows(state, parent))
        child_odd = (odd[parent] + bits) % 2
        logit = model.head(out[:, -1]).squeeze(-1)
        margin = torch.where(child_odd > 0.5, logit, -logit)
        tried, length = tried + 2 * n, length + 1
        history.append((parent.numpy(), bits.numpy()))
        if (margin <= 0).any():
            row = int((margin <= 0).nonzero()[0])
            return _trace(start, history, row), length, tried, lowest
        lowest = min(lowest, float(margin.min()))
        keep = _choose(margin, _flat(child), child_odd, gen)
        history[-1] = (history[-1][0][keep.numpy()], history[-1][1][keep.numpy()])
        state, odd = take_rows(child, keep), child_odd[keep]
    return None, length, tried, lowest


def _trace(start: torch.Tensor, history, row: int) -> str:
    """The string ending at `row` of the last step, rebuilt from the parents."""
    tail = []
    for parent, bits in reversed(history):
        tail.append("1" if bits[row] > 0.5 else "0")
        row = int(parent[row])
    return _text(start[row]) + "".join(reversed(tail))


def falsify(
    model,
    seconds: float = SECONDS,
    seed: int = 0,
    exhaustive: int = EXHAUSTIVE,
    stream_length: int = STREAM_LENGTH,
    beam_length: int = BEAM_LENGTH,
) -> Falsification:
    """Search for the shortest string `model` answers wrong, for about `seconds`."""
    begin = time.monotonic()
    model = model.eval()
    found, start, lowest = exhaustive_search(model, exhaustive)
    result = Falsification(
        found, "exhaustive" if found else None, exhaustive, 0, 0, 2**exhaustive, lowest, 0.0
    )
    if found is None:
        text, name, low = _streams(model, stream_length, seed)
        result.stream_length, result.lowest_margin = stream_length, min(lowest, low)
        result.strings_tried += len(margin_streams.streams(seed))
        if text is not None:
            result.string, result.found_by = text, f"streams ({name})"
        limit = min(beam_length, len(text) - 1) if text else beam_length
        wrong, length, tried, low = beam_search(model, start, begin + seconds, limit, seed)
        result.beam_length, result.strings_tried = length, result.strings_tried + tried
        result.lowest_margin = min(result.lowest_margin, low)
        if wrong is not None:
            result.string, result.found_by = wrong, "beam"
    if result.string is not None and not answers_wrong(model, result.string):
        result.string, result.found_by = None, None  # a hit a whole re-run does not repeat
    result.seconds = time.monotonic() - begin
    return result


@torch.no_grad()
def leaves_region(model, text: str, short: int = EXHAUSTIVE) -> int:
    """The first step at which `text` takes the state out of its parity's region, else its end.

    A parity's region here is the bounding box of the hidden states that every string of up to
    `short` bits reaches with that parity (the states the network was shown right on); a
    string that drifts leaves it before it is answered wrong.
    """
    words = torch.tensor(list(itertools.product((0.0, 1.0), repeat=short)))
    outputs, _ = model.run(words)
    odd = (words.cumsum(1) % 2).reshape(-1) > 0.5
    flat = outputs.reshape(-1, outputs.shape[-1])
    boxes = [(flat[odd == p].amin(0), flat[odd == p].amax(0)) for p in (False, True)]
    bits = torch.tensor([[float(c) for c in text]])
    states, _ = model.run(bits)
    parity = (bits.cumsum(1) % 2)[0] > 0.5
    for t in range(len(text)):
        lo, hi = boxes[int(parity[t])]
        if ((states[0, t] < lo) | (states[0, t] > hi)).any():
            return t + 1
    return len(text)
