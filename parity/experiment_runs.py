"""Running an experiment: one row per run, streamed from an executor, then a summary.

`run_one(run)` is the unit of work that executors ship to workers: a module-level function
of one picklable Run, returning a JSON-ready row. It depends on nothing but the run, so the
row is the same on every executor (only `train_seconds` is a measurement).

Seam for batched multi-seed training (issue 7 part 4): runs whose configs share a shape can
be grouped into one task whose function trains them as one stacked computation and returns
one row per run; `execute` then maps that function over the groups instead of `run_one` over
single runs, and places each returned row at its run's index.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from contextlib import closing
from typing import Any

from .experiments import Experiment, Run

TIMING_FIELDS = ("train_seconds",)  # measured, so they differ between executions
CURVE_COLUMNS = ("step", "loss", "test_accuracy")


def _number(value) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _identity(run: Run) -> dict[str, Any]:
    """The fields that say which run a row is, known before it trains."""
    c = run.config
    return {
        "condition": run.condition,
        "seed": c.seed,
        "arch": c.arch,
        "impl": c.impl,
        "hidden_size": c.hidden_size,
        "min_len": c.min_len,
        "max_len": c.max_len,
        "train_size": c.train_size,
        "target": c.target,
        "method": run.method,
    }


def run_one(run: Run) -> dict[str, Any]:
    """Train `run` and measure it: its row (identity, outcome, learning curve, config)."""
    from .evaluate import accuracy_by_length  # torch loads here, in whoever runs the work

    if run.method == "curriculum":
        from .curriculum import train_curriculum

        result = train_curriculum(run.config)
    else:
        from .train import train

        result = train(run.config)
    by_length = {}
    if run.eval_lengths:
        table = accuracy_by_length(result.model, list(run.eval_lengths))
        by_length = {str(r.length): float(r.accuracy) for r in table.itertuples()}
    history = result.history
    return {
        **_identity(run),
        "status": result.status,
        "steps": int(result.steps),
        "solved_at_step": result.solved_at_step,
        "solved": result.solved_at_step is not None,
        "test_accuracy": float(result.final_test_accuracy),
        "train_seconds": round(float(result.train_seconds), 4),
        "accuracy_by_length": by_length,
        "curve": {c: [_number(v) for v in history[c]] for c in CURVE_COLUMNS},
        "config": run.config.to_dict(),
        "error": None,
    }


def failed_row(run: Run, error: str) -> dict[str, Any]:
    """The row of a run that raised or whose worker died: who it was and what went wrong."""
    empty = dict.fromkeys(("status", "steps", "solved_at_step", "test_accuracy"))
    return {
        **_identity(run),
        **empty,
        "status": "failed",
        "solved": False,
        "train_seconds": None,
        "accuracy_by_length": {},
        "curve": {c: [] for c in CURVE_COLUMNS},
        "config": run.config.to_dict(),
        "error": error,
    }


def execute(
    experiment: Experiment,
    executor,
    on_row: Callable[[int, int, dict], None] | None = None,
) -> dict[str, Any]:
    """Run every run of `experiment` on `executor`: {experiment, rows, summary}.

    Rows are in the experiment's run order whatever order they finish in; `on_row(done,
    total, row)` hears of each as it finishes. A failed run's row carries its `error`.
    """
    runs, total = experiment.runs, len(experiment.runs)
    rows: list[dict | None] = [None] * total
    with closing(executor.map_unordered(run_one, runs)) as stream:  # ^C: workers stop now
        for done, outcome in enumerate(stream, start=1):
            run = runs[outcome.index]
            row = outcome.value if outcome.ok else failed_row(run, outcome.error)
            rows[outcome.index] = row
            if on_row is not None:
                on_row(done, total, row)
    return {
        "experiment": experiment.name,
        "rows": rows,
        "summary": summarise(rows, experiment.group_by),
    }


def _median(values: list) -> float | None:
    return statistics.median(values) if values else None


def summarise(rows: list[dict], group_by: tuple[str, ...]) -> list[dict[str, Any]]:
    """One entry per group (in first-seen order): success rate, steps to solve, time, accuracy.

    A run is solved when its held-out test set was once classified perfectly
    (solved_at_step); failed runs (errors) are counted apart and left out of the rates.
    """
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in group_by), []).append(row)
    summary = []
    for key, members in groups.items():
        done = [r for r in members if r["error"] is None]
        solved = sorted(r["solved_at_step"] for r in done if r["solved"])
        lengths = sorted({n for r in done for n in r["accuracy_by_length"]}, key=int)
        summary.append(
            {
                **dict(zip(group_by, key, strict=True)),
                "target": members[0]["target"],
                "runs": len(members),
                "failed": len(members) - len(done),
                "solved": len(solved),
                "success_rate": len(solved) / len(done) if done else None,
                "steps_to_solve": solved,
                "median_steps_to_solve": _median(solved),
                "median_train_seconds": _median([r["train_seconds"] for r in done]),
                "test_accuracy": sorted(r["test_accuracy"] for r in done),
                "median_accuracy_by_length": {
                    n: _median([r["accuracy_by_length"][n] for r in done]) for n in lengths
                },
            }
        )
    return summary
