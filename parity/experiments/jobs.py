"""An experiment as one job of the app's work pool: fn(experiment, on_progress, should_stop).

The pool's worker is already one process on one core, so the runs go one after another in
it (SerialExecutor; runs of one shape train as one batch, as execute plans them). Each
finished run is reported as an ExperimentProgress carrying its row, so a waiting page can
draw the rows so far, and each evaluation of the runs in training as a step. A stop request
ends the job within a training step by raising parity.training.train.TrainingStopped (the pool then
caches nothing: a partial experiment is not one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .definitions import Experiment


@dataclass(frozen=True)
class ExperimentProgress:
    """What the job reports: runs done of total, and the row of the run that just finished
    (None otherwise); step of steps: where the runs in training are, when known."""

    done: int
    total: int
    row: dict | None = None
    step: int | None = None
    steps: int | None = None
    running: int = 0  # runs training together at `step` (a batch of seeds)


def cache_key(experiment: Experiment) -> str:
    """The experiment's definition as canonical JSON: equal definitions, equal keys."""
    return json.dumps(experiment.definition(), sort_keys=True, separators=(",", ":"))


def experiment_job(
    experiment: Experiment,
    on_progress: Callable[[ExperimentProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """parity.experiments.runs.execute in this process: {experiment, rows, summary}.

    Reports ExperimentProgress(0, total) first, then one per finished run (with its row) and
    one per evaluation of the runs training now (step of steps, how many train together).
    should_stop() is asked before every training step; when it answers True,
    parity.training.train.TrainingStopped is raised and nothing is returned.
    """
    from ..execution.executors import SerialExecutor
    from .runs import execute

    total, done = len(experiment.runs), 0

    def report(item: ExperimentProgress) -> None:
        if on_progress is not None:
            on_progress(item)

    def on_row(finished: int, total: int, row: dict) -> None:
        nonlocal done
        done = finished
        report(ExperimentProgress(finished, total, row))

    last_step = None

    def on_step(indices: tuple[int, ...], step: int, steps: int) -> None:
        nonlocal last_step
        if (indices, step) != last_step:  # a batch reports each of its models: say it once
            last_step = (indices, step)
            report(ExperimentProgress(done, total, None, step, steps, len(indices)))

    report(ExperimentProgress(0, total))
    return execute(
        experiment, SerialExecutor(), on_row=on_row, on_step=on_step, should_stop=should_stop
    )
