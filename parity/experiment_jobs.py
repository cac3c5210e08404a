"""An experiment as one job of the app's work pool: fn(experiment, on_progress, should_stop).

The pool's worker is already one process on one core, so the runs go one after another in
it (SerialExecutor). Each finished run is reported as an ExperimentProgress carrying its row,
so a waiting page can draw the rows so far; a stop request ends the job between runs by
raising ExperimentStopped (the pool then caches nothing: a partial experiment is not one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .experiments import Experiment


class ExperimentStopped(Exception):
    """Raised when should_stop() asked the experiment to stop before its last run."""


@dataclass(frozen=True)
class ExperimentProgress:
    """What the job reports: runs done of total, and the row of the run that just finished
    (None before the first). step/steps: the running run's step, when known."""

    done: int
    total: int
    row: dict | None = None
    step: int | None = None
    steps: int | None = None


def cache_key(experiment: Experiment) -> str:
    """The experiment's definition as canonical JSON: equal definitions, equal keys."""
    return json.dumps(experiment.definition(), sort_keys=True, separators=(",", ":"))


def experiment_job(
    experiment: Experiment,
    on_progress: Callable[[ExperimentProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """parity.experiment_runs.execute in this process: {experiment, rows, summary}."""
    from .executors import SerialExecutor
    from .experiment_runs import execute

    total = len(experiment.runs)

    def report(item: ExperimentProgress) -> None:
        if on_progress is not None:
            on_progress(item)

    def stop_if_asked(done: int) -> None:
        if should_stop is not None and should_stop():
            raise ExperimentStopped(f"stopped after {done} of {total} runs")

    def on_row(done: int, total: int, row: dict) -> None:
        report(ExperimentProgress(done, total, row))
        if done < total:
            stop_if_asked(done)

    stop_if_asked(0)
    report(ExperimentProgress(0, total))
    return execute(experiment, SerialExecutor(), on_row=on_row)
