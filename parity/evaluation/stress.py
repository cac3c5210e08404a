"""The stress check: every short string, then random strings and every family at one long
length, then every prefix of many far longer strings, then a search guided by the network
itself (parity.evaluation.guided); cheap enough to repeat.

The fixed families (a few strings each, 44 in all) run as one batch first, so the usual
failure (a 1 followed by zeros) costs one small forward pass; the random families follow one at
a time, and the long strings (parity.evaluation.long_strings) last, the costliest.
`run(model, stop_early=True)` is the stop rule's question; the full run is a verdict's
evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core.config import CHECK_FACTOR, CHECK_SIZE, MAX_TEST_LEN
from ..core.data import CHECK_SEED_OFFSET, Batch
from ..core.runtime import thread_map
from . import families, guided, short_strings
from .long_strings import (
    LONG_CHECKS,
    first_wrong_prefix,
    is_long,
    long_batches,
    long_length,
    long_steps,
)

__all__ = ["CHECK_FACTOR", "CHECK_SIZE", "StressSuite", "check_length", "config_suite"]
STRESS_SIZE = 250  # strings of each other random family (sparse, dense, embedded runs)
ORDER = {n: i for i, n in enumerate((*families.ALL, *LONG_CHECKS, guided.GUIDED_CHECK))}


@dataclass(frozen=True)
class Row:
    """One line of evidence: a check, its length, the share right, how many strings."""

    check: str  # a family name from parity.evaluation.families
    length: int
    accuracy: float
    strings: int


@dataclass(frozen=True)
class Outcome:
    """What a stress run found: its rows and the first string the model got wrong."""

    rows: tuple[Row, ...]
    failure: tuple[str, str] | None  # (family, '0110...') or None when every string was right

    @property
    def passed(self) -> bool:
        return self.failure is None


def check_length(test_max_len: int) -> int:
    """CHECK_FACTOR x the test maximum, capped at MAX_TEST_LEN."""
    return min(test_max_len * CHECK_FACTOR, MAX_TEST_LEN)


class StressSuite:
    """Every family's strings at `length`, drawn once; run against any number of models."""

    def __init__(
        self,
        length: int,
        seed: int = 0,
        size: int = CHECK_SIZE,
        others: int = STRESS_SIZE,
        long: int | None = None,
        guided_to: int | None = None,
    ):
        """`long`: the length of the long strings (None: none); `guided_to`: the length the
        guided search runs to, last of all (None: no search)."""
        self.length, self.seed, self.guided_to = length, seed, guided_to
        fixed = [n for n in families.ALL if not families.FAMILIES[n].random]
        parts = [families.family_batch(n, length) for n in fixed]
        self.fixed_names = [
            n for n, part in zip(fixed, parts, strict=True) for _ in range(len(part))
        ]
        self.fixed = Batch(
            torch.cat([p.bits for p in parts]), torch.cat([p.lengths for p in parts])
        )
        self.random = [
            (n, families.family_batch(n, length, size if n == "random" else others, seed))
            for n in families.ALL
            if families.FAMILIES[n].random
        ]
        if long is not None:
            self.random += long_batches(long, seed)
        self.lengths = {name: int(batch.lengths[0]) for name, batch in self.random}

    def run(self, model, stop_early: bool = False) -> Outcome:
        """Every string up to short_strings.SHORT_LENGTH bits, then every family's accuracy,
        fixed ones first; stop_early ends at the first failure. The short strings' row comes
        last in the rows (rows[0] is a family at the check's length).

        The whole run spreads its batches over runtime.evidence_threads() threads (each
        batch's forward as it runs alone: the same answers)."""
        short, failure = self.short(model)
        if stop_early and failure:
            return Outcome((short,), failure)
        batches = [self.fixed, *(batch for name, batch in self.random if not is_long(name))]
        rights = iter(
            (families.correct(model, b) for b in batches)
            if stop_early
            else thread_map(lambda b: families.correct(model, b), batches)
        )
        right = next(rights)
        rows = []
        for name in dict.fromkeys(self.fixed_names):
            mask = torch.tensor([n == name for n in self.fixed_names])
            rows.append(self._row(name, right[mask]))
            failure = failure or self._first_wrong(name, self.fixed.bits[mask], right[mask])
        for name, batch in self.random:
            if stop_early and failure:
                break
            if is_long(name):
                steps = long_steps(model, batch, stop_early)
                rows.append(self._row(name, steps < 0))
                failure = failure or first_wrong_prefix(name, batch.bits, steps)
                continue
            right = next(rights)
            rows.append(self._row(name, right))
            failure = failure or self._first_wrong(name, batch.bits, right)
        if self.guided_to is not None and not (stop_early and failure):
            row, wrong = self.guided(model)
            rows.append(row)
            failure = failure or wrong
        return Outcome((*sorted(rows, key=lambda r: ORDER[r.check]), short), failure)

    def guided(self, model) -> tuple[Row, tuple[str, str] | None]:
        """The row and failure of the search guided by the model (parity.evaluation.guided)."""
        accuracy, count, wrong = guided.check(model, self.guided_to, self.seed)
        row = Row(guided.GUIDED_CHECK, self.guided_to, accuracy, count)
        return row, ((guided.GUIDED_CHECK, wrong) if wrong else None)

    @staticmethod
    def short(model) -> tuple[Row, tuple[str, str] | None]:
        """The row and first failure of every string up to short_strings.SHORT_LENGTH bits."""
        accuracy, count, wrong = short_strings.check(model)
        row = Row(short_strings.SHORT_CHECK, short_strings.SHORT_LENGTH, accuracy, count)
        return row, ((short_strings.SHORT_CHECK, wrong) if wrong else None)

    def _row(self, name: str, right: torch.Tensor) -> Row:
        length = self.lengths.get(name, self.length)  # the fixed families: the check's length
        return Row(name, length, right.float().mean().item(), len(right))

    @staticmethod
    def _first_wrong(name, bits, right) -> tuple[str, str] | None:
        wrong = (~right).nonzero()
        return (name, families.bits_text(bits[int(wrong[0])])) if len(wrong) else None


def config_suite(config) -> StressSuite:
    """The check a training run with `config` is held to (seeded apart from its test set)."""
    return StressSuite(
        check_length(config.test_max_len),
        config.seed + CHECK_SEED_OFFSET,
        long=long_length(config.test_max_len),
        guided_to=guided.guided_length(check_length(config.test_max_len)),
    )
