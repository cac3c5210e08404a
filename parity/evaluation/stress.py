"""The stress check: every short string, then random strings and every family at one long
length, then every prefix of many far longer strings, then every short ending after long
regular stretches and every short period (parity.evaluation.structured), then a search guided
by the network itself (parity.evaluation.guided); cheap enough to repeat.

The fixed families (a few strings each, 44 in all) run as one batch, and their strings at the
long length (parity.evaluation.long_strings) as one more; the random families one at a time,
and the long random strings last, the costliest. `run(model, stop_early=True)` is the stop
rule's question, asked at every evaluation of a model that solved its test set: it reads the
two fixed batches first, then the short strings, then the rest, and stops at the first wrong
answer, so the usual failure (a state that fades under a long run of zeros) costs two small
forward passes. The full run is a verdict's evidence: every check, and its first failure in
the order short strings, families at the check's length, long strings, structured strings,
guided search.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core.config import CHECK_FACTOR, CHECK_SIZE, MAX_TEST_LEN
from ..core.data import CHECK_SEED_OFFSET, Batch
from ..core.runtime import thread_map
from . import families, guided, short_strings, structured
from .long_strings import (
    LONG_CHECKS,
    first_wrong_prefix,
    is_long,
    is_long_fixed,
    long_batches,
    long_length,
    long_steps,
)

__all__ = ["CHECK_FACTOR", "CHECK_SIZE", "StressSuite", "check_length", "config_suite"]
STRESS_SIZE = 250  # strings of each other random family (sparse, dense, embedded runs)
LAST_CHECKS = (structured.STRUCTURED_CHECK, guided.GUIDED_CHECK)  # after every long string
ORDER = {n: i for i, n in enumerate((*families.ALL, *LONG_CHECKS, *LAST_CHECKS))}


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
        structured_to: int | None = None,
    ):
        """`long`: the length of the long strings (None: none); `structured_to`: the length of
        the structured strings, read after the long ones (None: none); `guided_to`: the length
        the guided search runs to, last of all (None: no search)."""
        self.length, self.seed, self.guided_to = length, seed, guided_to
        self.structured_to = structured_to
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
        long_fixed = [(n, b) for n, b in self.random if is_long_fixed(n)]
        self.long_fixed_names = [n for n, part in long_fixed for _ in range(len(part))]
        self.long_fixed = (
            Batch(
                torch.cat([b.bits for _, b in long_fixed]),
                torch.cat([b.lengths for _, b in long_fixed]),
            )
            if long_fixed
            else None
        )  # the fixed families' long strings, one block of rows (long_fixed_outcome)

    def run(self, model, stop_early: bool = False) -> Outcome:
        """Every check's row and the first failure; stop_early: the stop rule's question, read
        cheapest first (module docstring) and ended at the first wrong answer, so its rows are
        the checks it finished. The short strings' row comes last in the rows (rows[0] is a
        family at the check's length).

        The full run spreads its batches over runtime.evidence_threads() threads (each
        batch's forward as it runs alone: the same answers)."""
        if stop_early:
            return self._run_early(model)
        short, failure = self.short(model)
        batches = [self.fixed, *(batch for name, batch in self.random if not is_long(name))]
        rights = iter(thread_map(lambda b: families.correct(model, b), batches))
        rows, fixed_failure = self.fixed_outcome(next(rights))
        failure = failure or fixed_failure
        for name, batch in self.random:
            if not is_long(name):
                right = next(rights)
                rows.append(self._row(name, right))
                failure = failure or self._first_wrong(name, batch.bits, right)
        long_rows, long_failure = self.long_fixed_outcome(model)
        rows += long_rows
        failure = failure or long_failure
        for name, batch in self.random:
            if is_long(name) and not is_long_fixed(name):
                row, wrong = self.long_outcome(model, name, batch, stop_early=False)
                rows.append(row)
                failure = failure or wrong
        for row, wrong in self.last_checks(model, stop_early=False):
            rows.append(row)
            failure = failure or wrong
        return Outcome((*sorted(rows, key=lambda r: ORDER[r.check]), short), failure)

    def _run_early(self, model) -> Outcome:
        """run(stop_early=True): the fixed families at the check's and at the long length,
        the short strings, the random families, the long random strings, the guided search;
        the first wrong answer ends it."""
        rows, failure = self.fixed_outcome(families.correct(model, self.fixed))
        if failure is None:
            long_rows, failure = self.long_fixed_outcome(model)
            rows += long_rows
        short = ()
        if failure is None:
            row, failure = self.short(model)
            short = (row,)
        for name, batch in self.random:
            if failure is not None:
                break
            if is_long_fixed(name):
                continue
            if is_long(name):
                row, failure = self.long_outcome(model, name, batch, stop_early=True)
                rows.append(row)
                continue
            right = families.correct(model, batch)
            rows.append(self._row(name, right))
            failure = self._first_wrong(name, batch.bits, right)
        if failure is None:
            for row, wrong in self.last_checks(model, stop_early=True):
                rows.append(row)
                failure = wrong
        return Outcome((*sorted(rows, key=lambda r: ORDER[r.check]), *short), failure)

    def fixed_outcome(self, right: torch.Tensor) -> tuple[list[Row], tuple[str, str] | None]:
        """The fixed families' rows and first failure from `right`, the answers to self.fixed."""
        bits = self.fixed.bits
        return self._by_family(
            self.fixed_names, right, lambda n, m: self._first_wrong(n, bits[m], right[m])
        )

    def long_fixed_outcome(
        self, model, threads: int | None = None
    ) -> tuple[list[Row], tuple[str, str] | None]:
        """The rows and first failure of the fixed families' long strings, every prefix read:
        one block of rows on every path (long_steps), so the same answers everywhere."""
        if self.long_fixed is None:
            return [], None
        steps = long_steps(model, self.long_fixed, stop_early=False, threads=threads)
        bits = self.long_fixed.bits
        return self._by_family(
            self.long_fixed_names, steps < 0, lambda n, m: first_wrong_prefix(n, bits[m], steps[m])
        )

    def _by_family(self, names: list[str], right: torch.Tensor, first_wrong):
        """Rows and first failure of one batch of several families' strings: `names` is each
        row's family, `first_wrong(name, mask)` that family's first failure or None."""
        rows, failure = [], None
        for name in dict.fromkeys(names):
            mask = torch.tensor([n == name for n in names])
            rows.append(self._row(name, right[mask]))
            failure = failure or first_wrong(name, mask)
        return rows, failure

    def long_outcome(
        self, model, name: str, batch: Batch, stop_early: bool, threads: int | None = None
    ) -> tuple[Row, tuple[str, str] | None]:
        """One long random check's row and first failure (stop_early: of the blocks read)."""
        steps = long_steps(model, batch, stop_early, threads=threads)
        return self._row(name, steps < 0), first_wrong_prefix(name, batch.bits, steps)

    def last_checks(self, model, stop_early: bool):
        """(row, failure) of the structured strings, then of the guided search, of those this
        suite runs; stop_early: none after a failure."""
        for name, wanted in zip(LAST_CHECKS, (self.structured_to, self.guided_to), strict=True):
            if wanted is None:
                continue
            row, wrong = self.structured(model) if name == LAST_CHECKS[0] else self.guided(model)
            yield row, wrong
            if stop_early and wrong is not None:
                return

    def structured(self, model) -> tuple[Row, tuple[str, str] | None]:
        """The row and failure of the structured strings (parity.evaluation.structured)."""
        accuracy, count, wrong = structured.check(model, self.structured_to)
        row = Row(structured.STRUCTURED_CHECK, self.structured_to, accuracy, count)
        return row, ((structured.STRUCTURED_CHECK, wrong) if wrong else None)

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
        structured_to=long_length(config.test_max_len),
        guided_to=guided.guided_length(check_length(config.test_max_len)),
    )
