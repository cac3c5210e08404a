"""The stop rule's stress check, stopping at the first wrong string.

parity.evaluation.stress.StressSuite.run(model, stop_early=True) asks one question: is every string
right? For a model that keeps failing it (it solved the test set, but not the long strings)
the stop rule asks again at every evaluation, and each time the whole random family runs:
1,000 strings of 10x the test length. Here each family runs in growing chunks of rows
(CHUNKS) and a model leaves at its first wrong string, so a failing check usually costs one
small chunk. Each model runs its own forward (families.correct, as the suite does): a stacked
forward over 1,000 steps costs more in per-step overhead than it saves (measured). The
answer (passed or not, and the first wrong string) is the one the suite finds from the same
predictions; a passing model's Outcome is the suite's, row for row. Same predictions: a row's
answer does not depend on the chunk it is in, since chunks start at multiples of 64 rows and so
keep the family's last rows the kernel's tail (tests/evaluation/test_stacked_checks.py checks
it on trained models; a machine whose kernels block rows otherwise fails there).
A failing model's Outcome lists only the families it finished (the stop rule reads only
whether it passed; a final verdict runs the full suite again). Both training loops use it: one
model (parity.training.train) and a stack (parity.training.batched).
"""

from __future__ import annotations

import threading

import torch

from ..core.runtime import thread_map
from .families import correct
from .long_strings import first_wrong_prefix, is_long, is_long_fixed, long_steps
from .stress import ORDER, Outcome, StressSuite

CHUNKS = (64, 256)  # rows of a family's first chunks; the rest of the family comes next


def _chunks(total: int):
    """(start, stop) row ranges: CHUNKS first, then all that is left."""
    start = 0
    for size in CHUNKS:
        if start >= total:
            return
        yield start, min(total, start + size)
        start += size
    if start < total:
        yield start, total


def check_many(models, suites: list[StressSuite]) -> list[Outcome]:
    """StressSuite.run(model, stop_early=True)'s verdict for each model with its suite.

    In its order: the fixed families (one small forward per model), their long strings (one
    block per model), the short strings; then every (model, random family) pair, over
    runtime.evidence_threads() threads: each scans its family chunk by chunk and leaves at its
    first wrong string, or as soon as an earlier family of its model has failed. A model's
    answer is assembled family by family in order, as one thread would. Last, the structured
    strings and then the guided search of every model that passed all of that.
    """
    if not models:
        return []
    pairs = list(zip(models, suites, strict=True))
    found = [suite.fixed_outcome(correct(model, suite.fixed)) for model, suite in pairs]
    alive = [i for i, (_, failure) in enumerate(found) if failure is None]
    threads = None if len(models) == 1 else 1  # one model: its blocks over the threads
    for i, (rows, failure) in zip(
        alive,
        thread_map(lambda i: suites[i].long_fixed_outcome(models[i], threads), alive),
        strict=True,
    ):
        found[i] = (found[i][0] + rows, failure)
    alive = [i for i in alive if found[i][1] is None]
    shorts = {i: StressSuite.short(models[i]) for i in alive}  # every string up to 14 bits
    for i, (_, failure) in shorts.items():
        found[i] = (found[i][0], failure)
    alive = [i for i in alive if found[i][1] is None]
    scan = _Scan(models, suites)
    later = [f for f, (name, _) in enumerate(suites[0].random) if not is_long_fixed(name)]
    tasks = [(i, f) for f in later for i in alive]
    scanned = dict(zip(tasks, thread_map(scan, tasks), strict=True))
    assembled = []
    for i, (rows, failure) in enumerate(found):
        rows = list(rows)
        for f in later if failure is None else ():
            right, failure = scanned[(i, f)]
            if failure is not None:
                break
            rows.append(suites[i]._row(suites[i].random[f][0], right))
        assembled.append((rows, failure))
    # the structured strings, then the guided search, for the models that passed everything
    # else (one per thread)
    for check in ("structured", "guided"):
        _last_check(check, models, suites, assembled)
    return [
        Outcome(
            (*sorted(rows, key=lambda r: ORDER[r.check]), *([shorts[i][0]] if i in shorts else [])),
            failure,
        )
        for i, (rows, failure) in enumerate(assembled)
    ]


def _last_check(check: str, models, suites: list[StressSuite], assembled: list) -> None:
    """Run suite.structured or suite.guided (`check`) for every model that passed everything
    so far and whose suite runs it (one model per thread); its row and failure join `assembled`."""
    run = [
        i
        for i, (_, failure) in enumerate(assembled)
        if failure is None and getattr(suites[i], f"{check}_to") is not None
    ]
    found = thread_map(lambda i: getattr(suites[i], check)(models[i]), run)
    for i, (row, wrong) in zip(run, found, strict=True):
        assembled[i] = ([*assembled[i][0], row], wrong)


class _Scan:
    """One (model, random family) scan: (the family's rights, None) or (None, first wrong)."""

    def __init__(self, models, suites: list[StressSuite]):
        self.models, self.suites = models, suites
        self.failed_at: dict[int, int] = {}  # model -> its earliest failing family so far
        self.lock = threading.Lock()

    def __call__(self, task: tuple[int, int]):
        i, f = task
        name, batch = self.suites[i].random[f]
        if is_long(name):  # in the suite's own blocks (long_strings.long_steps)
            if self._earlier_failed(i, f):
                return None, ("skipped", "")
            # one model alone (train()): its long strings spread over the evidence threads;
            # in a stack, the models' scans already do
            threads = None if len(self.models) == 1 else 1
            steps = long_steps(self.models[i], batch, stop_early=True, threads=threads)
            wrong = self._noted(i, f, first_wrong_prefix(name, batch.bits, steps))
            return (None, wrong) if wrong else (steps < 0, None)
        pieces = []
        for start, stop in _chunks(len(batch)):
            if self._earlier_failed(i, f):  # an earlier family failed: not needed
                return None, ("skipped", "")
            part = batch.subset(slice(start, stop))
            right = correct(self.models[i], part)
            wrong = self._wrong(i, f, name, part.bits, right)
            if wrong is not None:
                return None, wrong
            pieces.append(right)
        return torch.cat(pieces), None

    def _earlier_failed(self, i: int, f: int) -> bool:
        """Whether a family before `f` of model `i` has failed already."""
        return self.failed_at.get(i, f + 1) < f

    def _wrong(self, i: int, f: int, name: str, bits, right):
        """The first wrong string among these rows (and family `f` noted as failed), or None."""
        return self._noted(i, f, StressSuite._first_wrong(name, bits, right))

    def _noted(self, i: int, f: int, wrong):
        """`wrong` (a first wrong string or None), family `f` of model `i` noted if it failed."""
        if wrong is not None:
            with self.lock:
                self.failed_at[i] = min(self.failed_at.get(i, f), f)
        return wrong
