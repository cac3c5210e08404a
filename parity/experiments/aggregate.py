"""An experiment's summary: per group of rows, success rate, steps to solve, time, accuracy.

Rows may stream (a results file's, parity.experiments.results): Summariser keeps per group only
the numbers the summary lists, never the rows.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any


def _median(values: list) -> float | None:
    return statistics.median(values) if values else None


class Summariser:
    """summarise() one row at a time: per group only the numbers its summary lists."""

    def __init__(self, group_by: tuple[str, ...]):
        self.group_by = tuple(group_by)
        self.groups: dict[tuple, dict[str, Any]] = {}

    def add(self, row: dict) -> None:
        key = tuple(row[k] for k in self.group_by)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = {"target": row["target"], "runs": 0, "failed": 0}
            group.update(solved=[], seconds=[], accuracy=[], by_length={})
        group["runs"] += 1
        if row["error"] is not None:
            group["failed"] += 1
            return
        if row["solved"]:
            group["solved"].append(row["solved_at_step"])
        group["seconds"].append(row["train_seconds"])
        group["accuracy"].append(row["test_accuracy"])
        for length, accuracy in row["accuracy_by_length"].items():
            group["by_length"].setdefault(length, []).append(accuracy)

    def summary(self) -> list[dict[str, Any]]:
        """One entry per group, in first-seen order (see summarise())."""
        return [self._entry(key, group) for key, group in self.groups.items()]

    def _entry(self, key: tuple, group: dict[str, Any]) -> dict[str, Any]:
        done = group["runs"] - group["failed"]
        solved = sorted(group["solved"])
        lengths = sorted(group["by_length"], key=int)
        return {
            **dict(zip(self.group_by, key, strict=True)),
            "target": group["target"],
            "runs": group["runs"],
            "failed": group["failed"],
            "solved": len(solved),
            "success_rate": len(solved) / done if done else None,
            "steps_to_solve": solved,
            "median_steps_to_solve": _median(solved),
            "median_train_seconds": _median(group["seconds"]),
            "test_accuracy": sorted(group["accuracy"]),
            "median_accuracy_by_length": {n: _median(group["by_length"][n]) for n in lengths},
        }


def summarise(rows: Iterable[dict], group_by: tuple[str, ...]) -> list[dict[str, Any]]:
    """One entry per group (in first-seen order): success rate, steps to solve, time, accuracy.

    A run is solved when its held-out test set was once classified perfectly
    (solved_at_step); failed runs (errors) are counted apart and left out of the rates.
    Rows may be streamed (a results file's): only the numbers the summary lists are kept.
    """
    summariser = Summariser(group_by)
    for row in rows:
        summariser.add(row)
    return summariser.summary()
