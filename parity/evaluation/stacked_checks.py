"""The stop rule's stress check, stopping at the first wrong string.

parity.evaluation.stress.StressSuite.run(model, stop_early=True) asks one question: is every string
right? For a model that keeps failing it (it solved the test set, but not the long strings)
the stop rule asks again at every evaluation, and each time the whole random family runs:
1,000 strings of 10x the test length. Here each family runs in growing chunks of rows
(CHUNKS) and a model leaves at its first wrong string, so a failing check usually costs one
small chunk. Each model runs its own forward (families.correct, as the suite does): a stacked
forward over 1,000 steps costs more in per-step overhead than it saves (measured). The
answer (passed or not, and the first wrong string) is the one the suite finds from the same
predictions; a passing model's Outcome is the suite's, row for row.
A failing model's Outcome lists only the families it finished (the stop rule reads only
whether it passed; a final verdict runs the full suite again).
"""

from __future__ import annotations

import torch

from .families import ALL, correct
from .stress import Outcome, StressSuite

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


def _fixed_outcomes(suite: StressSuite, right: torch.Tensor):
    """The fixed families' rows and first failure, as StressSuite.run finds them."""
    rows, failure = [], None
    for name in dict.fromkeys(suite.fixed_names):
        mask = torch.tensor([n == name for n in suite.fixed_names])
        rows.append(suite._row(name, right[mask]))
        failure = failure or suite._first_wrong(name, suite.fixed.bits[mask], right[mask])
    return rows, failure


def check_many(models, suites: list[StressSuite]) -> list[Outcome]:
    """StressSuite.run(model, stop_early=True)'s verdict for each model with its suite."""
    if not models:
        return []
    shorts = [StressSuite.short(model) for model in models]
    fixed = [correct(model, s.fixed) for model, s in zip(models, suites, strict=True)]
    found = [_fixed_outcomes(s, right) for s, right in zip(suites, fixed, strict=True)]
    results = [list(rows_) for rows_, _ in found]
    failures = [short or failure for (_, short), (_, failure) in zip(shorts, found, strict=True)]
    for f, (name, first) in enumerate(suites[0].random):
        alive = [i for i, failure in enumerate(failures) if failure is None]
        rights: dict[int, list[torch.Tensor]] = {i: [] for i in alive}
        for start, stop in _chunks(len(first)):
            alive = [i for i in alive if failures[i] is None]
            if not alive:
                break
            for i in alive:
                part = suites[i].random[f][1].subset(slice(start, stop))
                right = correct(models[i], part)
                rights[i].append(right)
                failures[i] = StressSuite._first_wrong(name, part.bits, right)
        for i, pieces in rights.items():
            if failures[i] is None:
                results[i].append(suites[i]._row(name, torch.cat(pieces)))
    order = {check: n for n, check in enumerate(ALL)}
    return [
        Outcome((*sorted(found_rows, key=lambda r: order[r.check]), short), failure)
        for found_rows, failure, (short, _) in zip(results, failures, shorts, strict=True)
    ]
