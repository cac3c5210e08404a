"""Running an experiment: one row per run, streamed from an executor, then a summary.

`run_group(runs)` is the unit of work that executors ship to workers: a module-level function
of a tuple of picklable Runs, returning one JSON-ready row per run. `plan()` groups the runs
that share a shape (method 'train', the same config but for the seed) so that run_group
trains them as one stacked computation (parity.training.batched.train_many), and splits the groups
so
every worker has work; curriculum runs, and every run with batch=False, are groups of one
(run_one). A run's row depends on nothing but the run (batched training gives each model the
history it would have alone, whatever else shares its stack), so the rows are the same on
every executor and with any worker count; only `train_seconds` is a measurement.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from .aggregate import Summariser, summarise  # noqa: F401 (summarise's old home)
from .definitions import Experiment, Run

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


OnStep = Callable[[tuple[int, ...], int, int], None]  # (run indices, step, total)


def run_one(
    run: Run,
    on_progress: Callable | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Train `run` alone and measure it: its row (identity, outcome, learning curve, config).

    on_progress(Progress) and should_stop() go to parity.training.train.train (or, for a
    curriculum run, parity.training.curriculum.train_curriculum).
    """
    if run.method == "curriculum":
        from ..training.curriculum import train_curriculum

        return result_row(run, train_curriculum(run.config, None, on_progress, should_stop))
    from ..training.train import train

    return result_row(run, train(run.config, on_progress, should_stop))


def result_row(run: Run, result) -> dict[str, Any]:
    """A trained run's row, from its TrainResult."""
    from ..evaluation.evaluate import (
        accuracy_by_length,  # torch loads here, in whoever runs the work
    )

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


def shape(run: Run) -> tuple | None:
    """What runs must share to train in one stack: None for a run that trains alone."""
    if run.method != "train":
        return None
    return (run.config.replace(seed=0), run.eval_lengths)


def plan(runs: Sequence[Run], workers: int = 1, batch: bool = True) -> list[tuple[int, ...]]:
    """Run indices per task, in run order: runs of one shape together (when `batch`), each
    group cut into equal chunks when there are fewer groups than workers, so every worker
    has work. Without `batch`, or for a curriculum run, a task is one run."""
    groups: dict[Any, list[int]] = {}
    for index, run in enumerate(runs):
        key = shape(run) if batch else None
        groups.setdefault(("alone", index) if key is None else key, []).append(index)
    pieces = max(1, math.ceil(workers / max(1, len(groups))))
    tasks = []
    for members in groups.values():
        size = math.ceil(len(members) / min(pieces, len(members)))
        tasks += [tuple(members[i : i + size]) for i in range(0, len(members), size)]
    return sorted(tasks)


def run_group(
    runs: Sequence[Run],
    on_step: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch: bool = True,
) -> list[dict[str, Any]]:
    """Train `runs` (one shape, or a single run) and return their rows, in order.

    With `batch`, runs of method 'train' train as one stack (parity.training.batched.train_many), a
    single one too, so a run's row does not depend on how plan() cut its group; otherwise,
    and for a curriculum run, each trains alone (run_one). on_step(step, total) hears the
    group's progress at its evaluations; should_stop() is asked before every step
    (parity.training.train.TrainingStopped when it says so).
    """
    runs = tuple(runs)
    if not batch or shape(runs[0]) is None:
        return [run_one(run, _progress(on_step), should_stop) for run in runs]
    from ..training.batched import train_many

    results = train_many([run.config for run in runs], _progress(on_step), should_stop)
    return [result_row(run, result) for run, result in zip(runs, results, strict=True)]


def _progress(on_step: Callable[[int, int], None] | None) -> Callable | None:
    """An on_progress callback (Progress, or (index, Progress)) that reports on_step."""
    if on_step is None:
        return None

    def heard(*args) -> None:
        progress = args[-1]
        on_step(progress.step, progress.total)

    return heard


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


class _Stopped:
    """What an in-process task returns when should_stop() stopped it."""


def _in_process_task(tasks, items, on_step: OnStep | None, should_stop, batch: bool):
    """run_group over item g with progress tagged by its run indices; a stop is returned."""
    from ..training.train import TrainingStopped

    def task(g: int):
        heard = None if on_step is None else (lambda step, total: on_step(tasks[g], step, total))
        try:
            return run_group(items[g], heard, should_stop, batch)
        except TrainingStopped:
            return _Stopped()

    return task


def _stop(done: int, total: int):
    from ..training.train import TrainingStopped

    raise TrainingStopped(f"stopped after {done} of {total} runs")


@dataclass(frozen=True)
class Finished:
    """A run that finished: its index in the experiment, its row, the runs still in flight
    (those of the tasks the executor has started, assuming it starts them in order, `workers`
    at a time) and the runs of the tasks finished so far (this one's included)."""

    index: int
    row: dict[str, Any]
    in_flight: int
    settled: int


def stream_rows(
    experiment: Experiment,
    executor,
    indices: Sequence[int] | None = None,
    *,
    on_step: OnStep | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch: bool | None = None,
) -> Iterator[Finished]:
    """Train the runs `indices` (default: all) of `experiment` on `executor`, yielding each as
    it finishes (any order); only the rows in flight are held. Close it to stop the work.

    Otherwise as execute(): on_step and should_stop, and a stop raises TrainingStopped.
    """
    runs = experiment.runs
    indices = range(len(runs)) if indices is None else indices
    batch = getattr(experiment, "batch", True) if batch is None else batch
    positions = plan([runs[i] for i in indices], executor.workers, batch)
    tasks = [tuple(indices[p] for p in task) for task in positions]
    items = [tuple(runs[i] for i in task) for task in tasks]
    started = list(itertools.accumulate((len(task) for task in tasks), initial=0))
    workers, total, done, settled = executor.workers, len(indices), 0, 0
    in_process = getattr(executor, "in_process", False)
    if in_process:
        fn = _in_process_task(tasks, items, on_step, should_stop, batch)
    else:
        fn = functools.partial(run_group, batch=batch)
    stream = executor.map_unordered(fn, range(len(items)) if in_process else items)
    with closing(stream):  # ^C or a stop: workers stop now
        for finished_tasks, outcome in enumerate(stream, 1):
            if isinstance(outcome.value, _Stopped):
                _stop(done, total)
            settled += len(tasks[outcome.index])
            in_flight = started[min(len(tasks), finished_tasks + workers)] - settled
            for at, index in enumerate(tasks[outcome.index]):
                run = runs[index]
                row = outcome.value[at] if outcome.ok else failed_row(run, outcome.error)
                done += 1
                yield Finished(index, row, in_flight, settled)
            if should_stop is not None and done < total and should_stop():
                _stop(done, total)


def execute(
    experiment: Experiment,
    executor,
    on_row: Callable[[int, int, dict], None] | None = None,
    *,
    on_step: OnStep | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch: bool | None = None,
) -> dict[str, Any]:
    """Run every run of `experiment` on `executor`: {experiment, rows, summary}.

    Rows are in the experiment's run order whatever order they finish in; `on_row(done,
    total, row)` hears of each as it finishes. A failed run's row carries its `error`; a
    group that fails gives each of its runs an error row. `batch` (default: the
    experiment's own `batch`) trains runs of one shape as one stack (see plan()).

    With an in-process executor (`executor.in_process`), on_step(run_indices, step, total)
    hears each task's progress at its evaluations and should_stop() is asked before every
    training step; with worker processes, should_stop() is asked as each task finishes and
    on_step is not called. Either way a stop raises parity.training.train.TrainingStopped and the
    outstanding work is dropped (workers are stopped). Every row is held in memory: for many
    runs, stream_rows() into a results file (parity.experiments.results) instead.
    """
    total = len(experiment.runs)
    rows: list[dict | None] = [None] * total
    options = {"on_step": on_step, "should_stop": should_stop, "batch": batch}
    with closing(stream_rows(experiment, executor, **options)) as finished:
        for done, item in enumerate(finished, 1):
            rows[item.index] = item.row
            if on_row is not None:
                on_row(done, total, item.row)
    return {
        "experiment": experiment.name,
        "rows": rows,
        "summary": summarise(rows, experiment.group_by),
    }
