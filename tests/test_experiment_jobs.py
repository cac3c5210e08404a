"""The Experiments page's pool job: execute() in-process, rows reported as they finish, Stop."""

from __future__ import annotations

import pytest

from parity import experiments as ex
from parity.experiment_jobs import ExperimentProgress, ExperimentStopped, cache_key, experiment_job
from parity.experiment_runs import TIMING_FIELDS


def tiny_sweep(seeds=(0, 1)) -> ex.Experiment:
    return ex.sweep(seeds=seeds, hidden_sizes=(4,), max_lens=(5,), steps=30)


def without_timing(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in TIMING_FIELDS}


def test_rows_are_reported_as_they_finish_and_returned_in_order():
    reports: list[ExperimentProgress] = []
    result = experiment_job(tiny_sweep(), on_progress=reports.append)
    assert [(p.done, p.total) for p in reports] == [(0, 2), (1, 2), (2, 2)]
    assert reports[0].row is None
    assert [p.row for p in reports[1:]] == result["rows"]
    assert [row["seed"] for row in result["rows"]] == [0, 1]
    assert result["summary"][0]["runs"] == 2 and result["experiment"] == "sweep"
    assert all(row["steps"] >= 10 and row["curve"]["step"] for row in result["rows"])


def test_the_job_equals_the_command_lines_serial_execution():
    from parity.executors import SerialExecutor
    from parity.experiment_runs import execute

    direct = execute(tiny_sweep(seeds=(3,)), SerialExecutor())
    pooled = experiment_job(tiny_sweep(seeds=(3,)))
    assert [without_timing(r) for r in pooled["rows"]] == [
        without_timing(r) for r in direct["rows"]
    ]


def test_a_stop_request_ends_it_between_runs():
    reports: list[ExperimentProgress] = []
    with pytest.raises(ExperimentStopped, match="stopped after 1 of 3 runs"):
        experiment_job(
            tiny_sweep(seeds=(0, 1, 2)),
            on_progress=reports.append,
            should_stop=lambda: len(reports) >= 2,  # asked once the first row is in
        )
    assert [p.done for p in reports] == [0, 1]


def test_a_stop_before_the_start_runs_nothing():
    reports = []
    with pytest.raises(ExperimentStopped, match="after 0 of 2"):
        experiment_job(tiny_sweep(), on_progress=reports.append, should_stop=lambda: True)
    assert reports == []


def test_the_cache_key_is_the_definition():
    assert cache_key(tiny_sweep()) == cache_key(tiny_sweep())
    assert cache_key(tiny_sweep()) != cache_key(tiny_sweep(seeds=(0, 2)))
    assert '"experiment":"sweep"' in cache_key(tiny_sweep())
