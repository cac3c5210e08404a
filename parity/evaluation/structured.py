"""The check for what follows a long regular stretch: every short ending after it, and every
short period, every prefix read.

The random and fixed families read a few strings of each kind; a network's traps can sit where
none of them goes. On unseen seeds 700..780 (docs/architectures.md), two default GRUs passed
every other check and were wrong all the same: seed 729 after a 1, a run of N zeros and some
10-bit ending, for 704 of 715 run lengths N from 78 to 5,000; seed 748 on a string of short
period at 10,000 bits. Both are strings of a regular stretch and then a few bits, or of one
short pattern repeated, so this check reads all of them:

- every ending of up to TAIL_BITS bits (all 2 x 1,024 - 2 of them) after each PREFIXES stretch
  (N zeros; a 1 then N zeros; N ones; 1010... of N bits), for every N up to DENSE and up to
  GRID more lengths spaced geometrically out to the check's length (the long strings' length,
  5,000 bits at the defaults): from the state the stretch reaches, the endings grow one bit at
  a time as a tree (one forward step per level), every answer read;
- every string that repeats one primitive pattern of up to PERIOD_BITS bits (106 of them,
  rotations apart; the periodic family holds 23) out to PERIOD_LENGTH bits, every prefix read
  (in the long strings' blocks of rows).

A tail counts as one string, right when every prefix of it is answered right, and so does a
periodic string, as the long strings do: at the defaults 4 x 256 x 1,024 tails and 106
periodic strings.
"""

from __future__ import annotations

import functools
import itertools
import math

import torch

from ..core.config import MAX_TEST_LEN
from ..core.data import Batch
from ..nets.models import MAX_CHUNK_FLOATS
from .falsify import take_rows
from .families import bits_text, spell
from .long_strings import long_steps

STRUCTURED_CHECK = "structured"  # the check's name in a verdict's evidence
TAIL_BITS = 10  # every ending up to this many bits after a stretch
PERIOD_BITS = 6  # every primitive pattern up to this many bits, repeated ...
PERIOD_LENGTH = MAX_TEST_LEN  # ... out to the longest length the lab tests
DENSE = 128  # every stretch length up to this ...
GRID = 128  # ... and this many more, spaced geometrically out to the check's length
PREFIXES = ("0", "10", "1", "10*")  # N zeros, a 1 then N zeros, N ones, 1010... (N bits)


def stretch_lengths(length: int) -> list[int]:
    """The stretch lengths N: 1..DENSE, then GRID more spaced geometrically up to `length`.

    >>> stretch_lengths(5)
    [1, 2, 3, 4, 5]
    >>> lengths = stretch_lengths(5000); lengths[:2], lengths[-1], len(lengths) <= 256
    ([1, 2], 5000, True)
    """
    dense = list(range(1, min(DENSE, length) + 1))
    if length <= DENSE:
        return dense
    ratio = math.log(length / DENSE) / GRID
    far = {round(DENSE * math.exp(ratio * k)) for k in range(1, GRID + 1)}
    return dense + sorted(n for n in far if DENSE < n <= length)


def stretch(kind: str, n: int) -> str:
    """The stretch of kind `kind` and length `n` (a 1 then zeros: n + 1 bits).

    >>> [stretch(k, 4) for k in PREFIXES]
    ['0000', '10000', '1111', '1010']
    """
    if kind == "10*":
        return ("10" * (n // 2 + 1))[:n]
    if kind == "10":
        return "1" + "0" * n
    return kind * n


def patterns(longest: int = PERIOD_BITS, shortest: int = 1) -> list[str]:
    """Every primitive pattern of `shortest` to `longest` bits (one not a repeat of a shorter
    one), rotations apart: 106 of them up to PERIOD_BITS.

    >>> patterns()[:6], len(patterns())
    (['0', '1', '01', '10', '001', '010'], 106)
    """
    found = []
    for p in range(shortest, longest + 1):
        for word in itertools.product("01", repeat=p):
            text = "".join(word)
            if all(text != text[d:] + text[:d] for d in range(1, p) if p % d == 0):
                found.append(text)
    return found


@functools.lru_cache(maxsize=2)
def period_batch(length: int = PERIOD_LENGTH, longest: int = PERIOD_BITS, shortest: int = 1):
    """Every pattern of patterns(longest, shortest) repeated out to `length` bits, a Batch."""
    rows = []
    for text in patterns(longest, shortest):
        word = torch.tensor([float(c) for c in text])
        rows.append(word.repeat(length // len(text) + 1)[:length])
    return Batch(torch.stack(rows), torch.full((len(rows),), length, dtype=torch.int64))


def _states(model, kind: str, lengths: list[int]):
    """The model's state after each stretch (rows in the order of `lengths`), and the
    stretches' parities (1.0 where odd)."""
    longest = stretch(kind, lengths[-1])
    offset = len(longest) - lengths[-1]  # the leading 1 of "a 1 then zeros"
    bits = torch.tensor([[float(c) for c in longest]])
    states, state, done = [], None, 0
    for n in lengths:
        _, state = model.run(bits[:, done : n + offset], state)
        done = n + offset
        states.append(state)
    if isinstance(states[0], tuple):
        joined = tuple(torch.cat(parts) for parts in zip(*states, strict=True))
    else:
        joined = torch.cat(states)
    odd = torch.tensor([float(longest[: n + offset].count("1") % 2) for n in lengths])
    return joined, odd


def _tails(model, state, odd: torch.Tensor, bits: int = TAIL_BITS) -> torch.Tensor:
    """For each start state, which of its 2^bits endings has a wrong prefix:
    (starts, 2^bits) bool, an ending's row numbered by its bits (first bit highest)."""
    wrong = torch.zeros(len(odd), 1, dtype=torch.bool)
    for _ in range(bits):
        rows = torch.arange(len(odd)).repeat_interleave(2)
        bit = torch.tensor([0.0, 1.0]).repeat(len(odd))
        outputs, state = model.run(bit[:, None], take_rows(state, rows))
        odd = (odd[rows] + bit).remainder(2)
        answer = (model.head(outputs[:, -1]).squeeze(-1) > 0).float()
        wrong = wrong.repeat_interleave(2, dim=1) | (answer != odd).view(len(wrong), -1)
    return wrong


@torch.no_grad()
def check(model, length: int) -> tuple[float, int, str | None]:
    """(share right, strings, a shortest-stretch wrong string or None) of every ending after
    every stretch out to `length` bits, then of every period out to PERIOD_LENGTH bits."""
    model = model.eval()
    right, strings, found = endings(model, stretch_lengths(length))
    periods = period_batch()
    steps = long_steps(model, periods, stop_early=False)
    strings += len(periods)
    right += int((steps < 0).sum())
    if found is None and bool((steps >= 0).any()):
        row = int((steps >= 0).nonzero()[0])
        found = bits_text(periods.bits[row, : int(steps[row]) + 1])
    return right / strings, strings, found


@torch.no_grad()
def endings(model, lengths: list[int], bits: int = TAIL_BITS) -> tuple[int, int, str | None]:
    """(endings right, endings, the first wrong string or None) of every ending of up to
    `bits` bits after every PREFIXES stretch of each length in `lengths`."""
    per_start = 2**bits * model.step_floats()
    chunk = max(1, MAX_CHUNK_FLOATS // per_start)  # starts per tree: memory bounded
    right = strings = 0
    found: str | None = None
    for kind in PREFIXES:
        states, odd = _states(model, kind, lengths)
        for a in range(0, len(lengths), chunk):
            wrong = _tails(model, take_rows(states, slice(a, a + chunk)), odd[a : a + chunk], bits)
            strings += wrong.numel()
            right += int((~wrong).sum())
            if found is None and wrong.any():
                found = _first_verified(model, kind, lengths[a:], wrong, bits)
    return right, strings, found


VERIFY = 64  # wrong endings re-run whole, in order, for one the plain forward answers wrong


def _first_verified(model, kind: str, lengths: list[int], wrong: torch.Tensor, bits: int) -> str:
    """The first wrong (stretch, ending) of `wrong` that a whole forward from the start also
    answers wrong, cut at its first wrong prefix; the tree's first one if none of the first
    VERIFY does (the tree steps the same network, rows beside rows: a logit within a float
    bit of 0 can round either way)."""
    pairs = [(int(s), int(e)) for s, e in wrong.nonzero()[:VERIFY]]
    texts = [stretch(kind, lengths[s]) + format(e, f"0{bits}b") for s, e in pairs]
    for text in texts:
        head = len(text) - bits
        read = torch.tensor([[float(c) for c in text]])
        outputs, _ = model.run(read)
        answers = (model.head(outputs[0, head:]).squeeze(-1) > 0).float()
        parities = read[0].cumsum(0).remainder(2)[head:]
        bad = (answers != parities).nonzero()
        if len(bad):
            return text[: head + int(bad[0]) + 1]
    return texts[0]


def spell_structured(text: str) -> str:
    """A wrong string of this check in words: its stretch and ending, or its period.

    >>> spell_structured("1" + "0" * 300 + "0110")
    '(a 1 followed by 301 zeros, then 110)'
    >>> spell_structured("10" * 50 + "0011"), spell_structured("011" * 40)
    ('(1010... of 100 bits, then 0011)', '(011 repeated, 120 bits)')
    """
    repeated = _periodic(text)
    if repeated:
        return f"({repeated}, {len(text):,} bits)"
    heads = []  # (runs, -length, words) of each way to split off an ending of TAIL_BITS at most
    for cut in range(max(1, len(text) - TAIL_BITS), len(text)):
        head = text[:cut]
        runs = 1 + sum(a != b for a, b in zip(head, head[1:], strict=False))
        if runs <= 2:
            heads.append((runs, -cut, spell(head, max_runs=2)))
        elif _periodic(head, 2):
            heads.append((3, -cut, f"{head[:4]}... of {len(head):,} bits"))
    if not heads:
        return f"(ending {text[-TAIL_BITS:]})"
    _, cut, words = min(heads)
    return f"({words}, then {text[-cut:]})"


def _periodic(text: str, longest: int = PERIOD_BITS) -> str | None:
    """'011 repeated' when `text` repeats a pattern of at most `longest` bits (twice or more)."""
    for p in range(1, longest + 1):
        if len(text) >= 2 * p and text == (text[:p] * (len(text) // p + 1))[: len(text)]:
            return f"{text[:p]} repeated"
    return None
