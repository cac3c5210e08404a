"""Executors: every item's outcome, streamed, failures kept apart, workers never left behind."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parity.execution.executors import LocalExecutor, Outcome, SerialExecutor, make_executor
from tests.executor_items import exit_on_2, square, square_but_fail_on_3

EXECUTORS = [SerialExecutor(), LocalExecutor(workers=2)]


# Module-level functions of picklable arguments: what a worker process can import and run.
def wait_for_file(item: tuple[str, str]) -> str:
    """'fast' at once; 'slow' only once `path` exists (or 'timed out' after 60 s)."""
    kind, path = item
    if kind == "fast":
        return "fast"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Path(path).exists():
            return "released"
        time.sleep(0.05)
    return "timed out"


def sleep_long(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def priority(_) -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def by_index(outcomes) -> dict[int, Outcome]:
    outcomes = list(outcomes)
    assert len({o.index for o in outcomes}) == len(outcomes)  # each item exactly once
    return {o.index: o for o in outcomes}


@pytest.mark.parametrize("executor", EXECUTORS, ids=lambda e: e.name)
def test_every_item_once_with_its_value(executor):
    items = list(range(7))
    outcomes = by_index(executor.map_unordered(square, items))
    assert sorted(outcomes) == items
    assert all(o.ok and o.value == i * i for i, o in outcomes.items())


@pytest.mark.parametrize("executor", EXECUTORS, ids=lambda e: e.name)
def test_a_failing_item_is_reported_and_the_others_complete(executor):
    outcomes = by_index(executor.map_unordered(square_but_fail_on_3, range(6)))
    assert outcomes[3].error == "ValueError: no threes (got 3)" and outcomes[3].value is None
    assert {i: o.value for i, o in outcomes.items() if i != 3} == {0: 0, 1: 1, 2: 4, 4: 16, 5: 25}


def test_a_dying_worker_costs_only_its_item():
    outcomes = by_index(LocalExecutor(workers=2).map_unordered(exit_on_2, range(6)))
    assert outcomes[2].error == "worker process died (exit code 7)"
    assert {i: o.value for i, o in outcomes.items() if i != 2} == {0: 0, 1: 1, 3: 9, 4: 16, 5: 25}
    assert multiprocessing.active_children() == []


def test_local_streams_outcomes_as_they_finish(tmp_path):
    """The slow item finishes only after the test has seen the fast ones: no waiting for all."""
    release = tmp_path / "release"
    items = [("slow", str(release))] + [("fast", str(release))] * 3
    stream = LocalExecutor(workers=2).map_unordered(wait_for_file, items)
    first = [next(stream) for _ in range(3)]
    assert sorted(o.index for o in first) == [1, 2, 3]
    release.touch()
    last = next(stream)
    assert (last.index, last.value) == (0, "released")
    assert list(stream) == []


def test_stopping_early_stops_every_worker():
    """Closing the stream (what ^C does as it unwinds) kills busy workers at once."""
    stream = LocalExecutor(workers=2).map_unordered(sleep_long, [0.0, 60.0, 60.0])
    assert next(stream).value == 0.0
    assert len(multiprocessing.active_children()) == 2
    started = time.monotonic()
    stream.close()
    assert multiprocessing.active_children() == []
    assert time.monotonic() - started < 10  # killed, not waited for


def test_no_more_workers_than_items():
    stream = LocalExecutor(workers=4).map_unordered(square, [5])
    assert [o.value for o in stream] == [25]


@pytest.mark.parametrize("workers", [0, 65])
def test_worker_count_is_checked(workers):
    with pytest.raises(ValueError, match=r"workers must be in 1\.\.64"):
        LocalExecutor(workers)


def test_make_executor_by_name():
    assert make_executor("serial").name == "serial"
    assert make_executor("local", 3).workers == 3
    with pytest.raises(ValueError, match="unknown executor 'dask': choose from local, serial, ray"):
        make_executor("dask")


def test_local_workers_run_at_the_drivers_priority():
    """The app's pool lowers its workers' priority; the experiments' keep the driver's."""
    (outcome,) = LocalExecutor(workers=1).map_unordered(priority, [0])
    assert outcome.value == os.getpriority(os.PRIO_PROCESS, 0)


def test_importing_the_executors_changes_nothing_in_multiprocessing():
    code = (
        "import multiprocessing.spawn as spawn; before = spawn.get_preparation_data; "
        "import parity.execution.executors, parity.execution.workpool; "
        "print(spawn.get_preparation_data is before)"
    )
    root = Path(__file__).parents[2]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.stdout == "True\n"
