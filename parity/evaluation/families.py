"""Stress families: named kinds of structured bit strings that random strings almost never are.

Random strings of length 1,000 almost never end in a long run of zeros, so a model whose
"odd" state slowly decays back to "even" passes them and still fails a single 1 followed by
200 zeros. Each family here is a function of the length (every string in a family batch has
exactly that length); the random ones also take a count and a seed. FAMILIES is the ordered
registry, `family_batch` builds one family's strings, `family_accuracy` measures a model on
families x lengths, and `failing_examples` finds strings a model gets wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ..core.config import check_lengths
from ..core.data import Batch, generator
from .evaluate import MAX_ELEMENTS, length_chunks

if TYPE_CHECKING:
    import pandas as pd

FAMILY_SEED = 5_000_011  # offset from the caller's seed, so families never share its stream
RANDOM_COUNT = 1000  # strings per length for the random families, by default
POSITIONS = 8  # positions of the single 1 tried at each end of the string
PERIODS = ("110", "100", "1000", "1100", "1110", "10110")  # every rotation of each is used
RUN_FRACTION = (0.3, 0.9)  # an embedded run covers this share of the string, uniformly
COLUMNS = ["family", "length", "accuracy", "strings"]


@dataclass(frozen=True)
class Family:
    """A named kind of bit string: `make(length, count, gen) -> (B, length) float bits`."""

    name: str
    label: str  # a few words for tables and charts
    description: str  # one line for help texts
    make: Callable[[int, int, torch.Generator], torch.Tensor]
    random: bool  # True: `count` strings drawn from the generator; False: fixed, few strings


def _rows(strings: list[str]) -> torch.Tensor:
    """'0110'-style strings -> (B, T) float bits, duplicates dropped, order kept."""
    unique = list(dict.fromkeys(strings))
    if not unique[0]:
        return torch.zeros(len(unique), 0)
    text = bytearray("".join(unique), "ascii")  # one buffer of '0'/'1' bytes, read at C speed
    codes = torch.frombuffer(text, dtype=torch.uint8).view(len(unique), -1)
    return (codes - ord("0")).float()


def one_then_zeros(n: int, count: int = 0, gen=None) -> torch.Tensor:
    """A single 1 in one of the first POSITIONS places, zeros everywhere else.

    >>> one_then_zeros(4).tolist()
    [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    return _single_one(n, range(min(n, POSITIONS)))


def zeros_then_one(n: int, count: int = 0, gen=None) -> torch.Tensor:
    """Zeros with a single 1 in one of the last POSITIONS places (the very last first)."""
    return _single_one(n, range(n - 1, n - 1 - min(n, POSITIONS), -1))


def _single_one(n: int, places) -> torch.Tensor:
    """One row per place: n zeros with a 1 there (the rows of the identity, without the
    n x n identity: 400 MB at length 10,000)."""
    places = list(places)
    bits = torch.zeros(len(places), n)
    bits[torch.arange(len(places)), torch.tensor(places)] = 1.0
    return bits


def all_ones(n: int, count: int = 0, gen=None) -> torch.Tensor:
    """n ones, and a 0 then n - 1 ones: both parities at every length.

    >>> all_ones(3).tolist()
    [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    return _rows(["1" * n, "0" + "1" * (n - 1)])


def all_zeros(n: int, count: int = 0, gen=None) -> torch.Tensor:
    """n zeros (parity even)."""
    return torch.zeros(1, n)


def alternating(n: int, count: int = 0, gen=None) -> torch.Tensor:
    """0101... and 1010...

    >>> alternating(3).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
    """
    return _rows([("01" * n)[:n], ("10" * n)[:n]])


def periodic(n: int, count: int = 0, gen=None) -> torch.Tensor:
    """Each pattern in PERIODS repeated to length n, starting at each of its rotations."""
    strings = []
    for pattern in PERIODS:
        for shift in range(len(pattern)):
            rotated = pattern[shift:] + pattern[:shift]
            strings.append((rotated * (n // len(pattern) + 1))[:n])
    return _rows(strings)


def _density(p: float):
    def make(n: int, count: int, gen: torch.Generator) -> torch.Tensor:
        return (torch.rand(count, n, generator=gen) < p).float()

    make.__doc__ = f"`count` strings whose bits are 1 with probability {p}."
    return make


def _with_run(bit: float):
    def make(n: int, count: int, gen: torch.Generator) -> torch.Tensor:
        bits = (torch.rand(count, n, generator=gen) < 0.5).float()
        lo, hi = RUN_FRACTION
        run = (n * (lo + (hi - lo) * torch.rand(count, generator=gen))).long().clamp(min=1)
        start = (torch.rand(count, generator=gen) * (n - run + 1)).long()  # (B,)
        steps = torch.arange(n).unsqueeze(0)  # (1, T)
        inside = (steps >= start.unsqueeze(1)) & (steps < (start + run).unsqueeze(1))
        return torch.where(inside, torch.tensor(bit), bits)

    make.__doc__ = f"`count` random strings, each with one run of {int(bit)}s embedded."
    return make


_RUN_SHARE = f"{RUN_FRACTION[0]:.0%}-{RUN_FRACTION[1]:.0%}"
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("random", "random", "uniformly random bits", _density(0.5), True),
        Family(
            "one_then_zeros",
            "a 1, then zeros",
            f"a single 1 in one of the first {POSITIONS} places, then zeros",
            one_then_zeros,
            False,
        ),
        Family(
            "zeros_then_one",
            "zeros, then a 1",
            f"zeros, then a single 1 in one of the last {POSITIONS} places",
            zeros_then_one,
            False,
        ),
        Family("all_ones", "all ones", "all ones, and a 0 then all ones", all_ones, False),
        Family("all_zeros", "all zeros", "all zeros", all_zeros, False),
        Family("alternating", "alternating", "0101... and 1010...", alternating, False),
        Family(
            "periodic",
            "short periods",
            f"patterns {', '.join(PERIODS)} repeated, from every rotation",
            periodic,
            False,
        ),
        Family(
            "sparse",
            "sparse (2% ones)",
            "random bits, 1 with probability 0.02",
            _density(0.02),
            True,
        ),
        Family(
            "dense",
            "dense (98% ones)",
            "random bits, 1 with probability 0.98",
            _density(0.98),
            True,
        ),
        Family(
            "zero_run",
            "long run of 0s",
            f"random bits around one run of zeros covering {_RUN_SHARE} of the string",
            _with_run(0.0),
            True,
        ),
        Family(
            "one_run",
            "long run of 1s",
            f"random bits around one run of ones covering {_RUN_SHARE} of the string",
            _with_run(1.0),
            True,
        ),
    )
}
ALL = tuple(FAMILIES)


def check_names(names) -> list[str]:
    """Validate family names ('all' means every one), in registry order; ValueError names them."""
    names = [n.strip() for n in names]
    if "all" in names:
        return list(ALL)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        raise ValueError(
            f"unknown famil{'ies' if len(unknown) > 1 else 'y'} {', '.join(map(repr, unknown))}"
            f" (choose from all, {', '.join(ALL)})"
            if unknown
            else f"give at least one family (choose from all, {', '.join(ALL)})"
        )
    return [n for n in ALL if n in names]


def family_batch(name: str, length: int, count: int = RANDOM_COUNT, seed: int = 0) -> Batch:
    """One family's strings, all of exactly `length` bits; the same arguments, the same batch.

    Fixed families ignore `count` and `seed`: they hold a few strings each (at most 23).
    """
    family = FAMILIES[check_names([name])[0]]
    (length,) = check_lengths([length])
    index = ALL.index(family.name)
    gen = generator(seed + FAMILY_SEED + 100_003 * index + length)
    bits = family.make(length, count, gen)  # (B, length)
    return Batch(bits, torch.full((bits.shape[0],), length, dtype=torch.int64))


@torch.no_grad()
def correct(model, batch: Batch, max_elements: int = MAX_ELEMENTS) -> torch.Tensor:
    """Whether the model gets each string's final parity right, (B,) bool; memory bounded."""
    right = torch.zeros(len(batch), dtype=torch.bool)
    for chunk in length_chunks(batch.lengths.tolist(), max_elements):
        index = torch.tensor(chunk)
        part = batch.subset(index)
        right[index] = model.predict(part.bits, part.lengths) == part.parity.long()
    return right


def family_accuracy(
    model, names=ALL, lengths=(1000,), count: int = RANDOM_COUNT, seed: int = 0
) -> pd.DataFrame:
    """Accuracy on each family at each length: columns family, length, accuracy, strings."""
    import pandas as pd  # lazy: only callers that want a frame load pandas

    return pd.DataFrame(family_rows(model, names, lengths, count, seed), columns=COLUMNS)


def family_rows(
    model, names=ALL, lengths=(1000,), count: int = RANDOM_COUNT, seed: int = 0
) -> list[dict]:
    """family_accuracy's rows as dicts (COLUMNS), without pandas."""
    rows = []
    for name in check_names(names):
        for length in check_lengths(lengths):
            right = correct(model, family_batch(name, length, count, seed))
            values = (name, length, right.float().mean().item(), len(right))
            rows.append(dict(zip(COLUMNS, values, strict=True)))
    return rows


def failing_examples(
    model, name: str, length: int, count: int = RANDOM_COUNT, seed: int = 0, limit: int = 3
) -> list[str]:
    """Up to `limit` strings of one family and length that the model gets wrong, as '0110...'."""
    batch = family_batch(name, length, count, seed)
    wrong = (~correct(model, batch)).nonzero().squeeze(1)[:limit]
    return [bits_text(batch.bits[i]) for i in wrong.tolist()]


def bits_text(bits: torch.Tensor) -> str:
    """(T,) 0/1 floats -> '0110...'."""
    return "".join("1" if b else "0" for b in bits.tolist())


def spell(text: str, max_runs: int = 3) -> str | None:
    """A bit string in words when it has at most `max_runs` runs, else None.

    >>> spell("1" + "0" * 200)
    'a 1 followed by 200 zeros'
    >>> spell("01010") is None, spell("111")
    (True, '3 ones')
    """
    runs: list[list] = []
    for ch in text:
        if runs and runs[-1][0] == ch:
            runs[-1][1] += 1
        else:
            runs.append([ch, 1])
    if len(runs) > max_runs:
        return None
    words = {"0": "zeros", "1": "ones"}
    parts = [f"a {ch}" if n == 1 else f"{n:,} {words[ch]}" for ch, n in runs]
    return " followed by ".join(parts)
