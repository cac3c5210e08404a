"""The work pool: shared jobs, queue places, cancelling, failures, and no orphan processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parity.core.config import Config
from parity.execution.workpool import WorkPool
from parity.training.train import TrainingStopped, train

FAST = Config(steps=60, stop="budget", eval_every=20, max_len=8)


def spin(seconds: float, on_progress, should_stop) -> str:
    """Busy work that reports a tick every 0.05 s and stops when asked."""
    end = time.monotonic() + seconds
    ticks = 0
    while time.monotonic() < end:
        if should_stop():
            raise TrainingStopped(f"stopped after {ticks} ticks")
        ticks += 1
        on_progress(ticks)
        time.sleep(0.05)
    return f"spun {ticks}"


def crash(on_progress, should_stop) -> None:
    os._exit(3)


def fail(on_progress, should_stop) -> None:
    raise ValueError("no good " + "x" * 1000)


def pid_of_worker(on_progress, should_stop) -> tuple[int, int]:
    return os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)


def wait_until(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def finish(pool: WorkPool, job, seconds: float = 60.0):
    """Wait for a job to end; returns it."""
    deadline = time.monotonic() + seconds
    while not job.finished:
        assert time.monotonic() < deadline, f"job {job.key} still {job.state}"
        pool.wait(job, 0.1)
    return job


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.fixture
def pool():
    work = WorkPool(workers=2, grace=0.2)
    yield work
    work.shutdown()


def test_a_training_in_a_worker_matches_one_in_process_and_streams_its_progress(pool):
    job = finish(pool, pool.submit(("train", FAST), train, FAST))
    expected = train(FAST)
    assert job.state == "done" and job.error is None
    assert [p.step for p in job.progress] == list(expected.history["step"]) == [20, 40, 60]
    assert [p.test_accuracy for p in job.progress] == list(expected.history["test_accuracy"])
    numbers = ["step", "loss", "train_accuracy", "test_accuracy"]  # not the timings
    assert job.result.history[numbers].equals(expected.history[numbers])
    assert job.result.status == expected.status == "budget"


def test_workers_run_at_lower_priority_in_their_own_processes(pool):
    job = finish(pool, pool.submit("who", pid_of_worker))
    pid, niceness = job.result
    assert pid != os.getpid() and pid in pool.pids()
    assert niceness == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)


def test_two_waiters_on_one_key_share_one_run(pool):
    first = pool.submit("same", spin, 0.5)
    second = pool.submit("same", spin, 0.5)
    assert first is second and first.waiters == 2
    finish(pool, first)
    assert first.result.startswith("spun") and list(pool.started) == ["same"]
    third = pool.submit("same", spin, 0.5)  # finished jobs are not reused: the cache is
    assert third is not first


def test_a_stored_result_is_returned_without_running_anything(pool):
    job = pool.submit("stored", spin, 5.0, lookup=lambda: "from the cache")
    assert job.state == "done" and job.result == "from the cache" and not pool.started


def test_what_exceeds_the_pool_queues_in_order_with_places(pool):
    running = [pool.submit(f"run{i}", spin, 30.0) for i in range(2)]
    queued = [pool.submit(f"queued{i}", spin, 0.2) for i in range(3)]
    wait_until(lambda: all(job.state == "running" for job in running))
    assert [pool.place(job) for job in queued] == [1, 2, 3]
    assert [pool.place(job) for job in running] == [None, None]
    assert pool.state()["queued"] == ["queued0", "queued1", "queued2"]
    pool.leave(running[0])  # its last waiter leaves: cancelled, the queue moves up
    finish(pool, running[0])
    assert running[0].state == "cancelled" and running[0].result is None
    wait_until(lambda: pool.place(queued[2]) == 1)
    for job in queued:
        assert finish(pool, job).state == "done"
    assert list(pool.started)[:3] == ["run0", "run1", "queued0"]


def test_a_job_is_cancelled_only_when_its_last_waiter_leaves(pool):
    job = pool.submit("long", spin, 60.0)
    pool.submit("long", spin, 60.0)
    wait_until(lambda: len(job.progress) > 2)
    pool.leave(job)
    time.sleep(0.5)  # past the grace period
    assert job.state == "running"
    pool.leave(job)
    started = time.monotonic()
    finish(pool, job, seconds=5)
    assert job.state == "cancelled" and time.monotonic() - started < 2
    assert pool.state()["running"] == []


def test_a_waiter_who_comes_back_within_the_grace_period_keeps_the_job(pool):
    job = pool.submit("rejoin", spin, 1.0)
    pool.leave(job)
    again = pool.submit("rejoin", spin, 1.0)  # a rerun of the same page asks again
    assert again is job
    assert finish(pool, job).state == "done"


def test_a_cancelled_training_stops_at_once_even_between_evaluations(pool):
    huge = Config(steps=100_000, eval_every=10_000, stop="budget")
    job = pool.submit(("train", huge), train, huge)
    wait_until(lambda: job.state == "running")
    time.sleep(1.0)  # well inside the first 10,000 steps: no evaluation yet
    assert job.progress == []
    pool.leave(job)
    finish(pool, job, seconds=10)
    assert job.state == "cancelled" and "stopped at step" in job.error


def test_a_worker_that_dies_is_reported_and_replaced(pool):
    dead = finish(pool, pool.submit("crash", crash))
    assert dead.state == "failed" and dead.error == "the worker process died (exit code 3)"
    after = [pool.submit(f"after{i}", spin, 0.1) for i in range(3)]
    assert all(finish(pool, job).state == "done" for job in after)


def test_a_job_that_raises_is_reported_with_a_short_message(pool):
    job = finish(pool, pool.submit("fail", fail))
    assert job.state == "failed" and job.error.startswith("ValueError: no good xxx")
    assert len(job.error) <= 300
    assert finish(pool, pool.submit("next", spin, 0.1)).state == "done"


def test_shutdown_cancels_running_and_queued_jobs_and_leaves_no_process():
    work = WorkPool(workers=2)
    jobs = [work.submit(f"job{i}", spin, 60.0) for i in range(3)]
    wait_until(lambda: len(work.pids()) == 2 and jobs[1].state == "running")
    pids = work.pids()
    assert all(alive(pid) for pid in pids)
    work.shutdown()
    assert [job.state for job in jobs] == ["cancelled"] * 3
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="shut down"):
        work.submit("late", spin, 0.1)


def test_a_thread_pool_behaves_the_same():
    work = WorkPool(workers=1, processes=False, grace=0.0)
    try:
        first, second = work.submit("a", spin, 30.0), work.submit("b", spin, 0.1)
        wait_until(lambda: first.state == "running")
        assert work.place(second) == 1
        work.leave(first)
        assert finish(work, first).state == "cancelled"
        assert finish(work, second).result.startswith("spun")
    finally:
        work.shutdown()


KILLED_SERVER = """
import sys, time
sys.path[:0] = {paths!r}
from tests.execution.test_workpool import spin
from parity.execution.workpool import WorkPool

if __name__ == "__main__":
    pool = WorkPool(workers=2)
    jobs = [pool.submit(i, spin, 600.0) for i in range(2)]
    while not all(job.progress for job in jobs):
        time.sleep(0.05)
    print(*pool.pids(), flush=True)
    time.sleep(600)
"""


def test_workers_exit_when_the_server_is_killed(tmp_path):
    script = tmp_path / "server.py"
    script.write_text(KILLED_SERVER.format(paths=[str(Path(__file__).parents[2])]))
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in server.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    wait_until(lambda: not any(alive(pid) for pid in pids), seconds=10)
