"""The Experiments page's pool job: execute() in-process, rows reported as they finish, Stop."""

from __future__ import annotations

import pytest

from parity.experiments import definitions as ex
from parity.experiments.jobs import ExperimentProgress, cache_key, experiment_job
from parity.experiments.runs import TIMING_FIELDS
from parity.training.train import TrainingStopped


def tiny_sweep(seeds=(0, 1)) -> ex.Experiment:
    return ex.sweep(seeds=seeds, hidden_sizes=(4,), max_lens=(5,), steps=30)


def without_timing(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in TIMING_FIELDS}


def test_rows_are_reported_as_they_finish_and_returned_in_order():
    reports: list[ExperimentProgress] = []
    result = experiment_job(tiny_sweep(), on_progress=reports.append)
    assert (reports[0].done, reports[0].total, reports[0].row) == (0, 2, None)
    rows = [p for p in reports if p.row is not None]
    assert [(p.done, p.total) for p in rows] == [(1, 2), (2, 2)]
    assert [p.row for p in rows] == result["rows"]
    assert [row["seed"] for row in result["rows"]] == [0, 1]
    assert result["summary"][0]["runs"] == 2 and result["experiment"] == "sweep"
    steps = [p for p in reports if p.step is not None]
    assert steps and all(p.steps == 30 and p.running == 2 and p.done == 0 for p in steps)
    assert [p.step for p in steps] == sorted({p.step for p in steps})  # one report a step
    assert steps[-1].step <= 30


def test_the_job_equals_the_command_lines_serial_execution():
    from parity.execution.executors import SerialExecutor
    from parity.experiments.runs import execute

    direct = execute(tiny_sweep(seeds=(3,)), SerialExecutor())
    pooled = experiment_job(tiny_sweep(seeds=(3,)))
    assert [without_timing(r) for r in pooled["rows"]] == [
        without_timing(r) for r in direct["rows"]
    ]


def sweep_of_two_shapes() -> ex.Experiment:
    """Two tasks (hidden 4, then 8), two seeds each, a budget no run solves within."""
    return ex.sweep(seeds=(0, 1), hidden_sizes=(4, 8), max_lens=(5,), target="final", steps=40)


def test_a_stop_request_between_tasks_keeps_the_finished_rows_out_of_the_result():
    reports: list[ExperimentProgress] = []
    with pytest.raises(TrainingStopped, match="stopped after 2 of 4 runs"):
        experiment_job(
            sweep_of_two_shapes(),
            on_progress=reports.append,
            should_stop=lambda: any(p.done == 2 for p in reports),  # once the first task is in
        )
    assert [p.done for p in reports if p.row is not None] == [1, 2]


def test_a_stop_request_ends_the_runs_in_training_within_steps():
    reports: list[ExperimentProgress] = []
    with pytest.raises(TrainingStopped):
        experiment_job(
            sweep_of_two_shapes(),
            on_progress=reports.append,
            should_stop=lambda: any(p.step is not None for p in reports),  # after one report
        )
    steps = [p.step for p in reports if p.step is not None]
    assert len(steps) == 1 and steps[0] < 40  # it did not train on to the budget
    assert not [p for p in reports if p.row is not None]


def test_the_cache_key_is_the_definition():
    assert cache_key(tiny_sweep()) == cache_key(tiny_sweep())
    assert cache_key(tiny_sweep()) != cache_key(tiny_sweep(seeds=(0, 2)))
    assert '"experiment":"sweep"' in cache_key(tiny_sweep())
