"""The Ray executor on a real two-node cluster: same rows as local, failures and lost nodes
reported, nothing left running on the cluster after a stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import ray
from ray.cluster_utils import Cluster

from parity.core.config import Config
from parity.execution import ray_executor
from parity.execution.executors import SerialExecutor, make_executor
from parity.execution.ray_executor import RayExecutor, RayUnavailable, init_options
from parity.experiments import definitions as ex
from parity.experiments.runs import TIMING_FIELDS, execute
from tests import executor_items
from tests.executor_items import exit_on_2, square_but_fail_on_3

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
NODE = {"num_cpus": 1, "object_store_memory": 80 * MB}
# The helpers below run on Ray workers, which cannot import this test module: ship them by value.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
ray.cloudpickle.register_pickle_by_value(executor_items)


def shipped_package(_) -> list[str]:
    """The files of the parity package Ray unpacked for this worker (from the driver's copy)."""
    for entry in sys.path:
        if "py_modules_files" in entry and (Path(entry) / "parity").is_dir():
            return sorted(p.name for p in (Path(entry) / "parity").glob("*.py"))
    return []


def note_then_sleep(item: tuple[int, str, float]) -> int:
    """Leave a file named after the item and the node running it, then sleep; return index**2."""
    index, folder, seconds = item
    node = ray.get_runtime_context().get_node_id()
    (Path(folder) / f"{index}.{node}.{os.getpid()}").touch()
    time.sleep(seconds)
    return index * index


def untimed(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMING_FIELDS} for row in rows]


@pytest.fixture(scope="module")
def cluster():
    """A head node and one worker node, one CPU each, with this process connected as driver."""
    nodes = Cluster(initialize_head=True, head_node_args={**NODE, "include_dashboard": False})
    nodes.add_node(**NODE)
    nodes.wait_for_nodes()
    ray.init(**init_options(nodes.address))
    yield nodes
    ray.shutdown()
    nodes.shutdown()


def idle_cpus(until=lambda free: free == 2, timeout: float = 15.0) -> float:
    """The cluster's free CPUs once `until(free)` holds (or whatever they are at timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        free = ray.available_resources().get("CPU", 0)
        if until(free) or time.monotonic() > deadline:
            return free
        time.sleep(0.2)


TINY_SWEEP = ex.sweep(seeds=(0, 1), hidden_sizes=(4,), max_lens=(5, 10), steps=20)


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "one-run-per-task"])
def test_a_sweep_gives_the_rows_of_local_execution(cluster, batch):
    executor = RayExecutor(cluster.address)
    assert executor.workers == 2  # the CPUs of both nodes
    on_ray = execute(TINY_SWEEP, executor, batch=batch)
    here = execute(TINY_SWEEP, SerialExecutor(), batch=batch)
    assert untimed(on_ray["rows"]) == untimed(here["rows"])
    assert [r["error"] for r in on_ray["rows"]] == [None] * 4
    assert all(r["train_seconds"] > 0 for r in on_ray["rows"])
    assert ray.is_initialized()  # the test's own connection stays open


def test_the_parity_package_is_shipped_to_the_workers(cluster):
    outcomes = list(RayExecutor().map_unordered(shipped_package, [0, 1]))
    local = sorted(p.name for p in ray_executor.PACKAGE.glob("*.py"))
    assert [o.value for o in outcomes] == [local, local]


def test_a_failing_item_is_reported_and_the_others_complete(cluster):
    outcomes = {o.index: o for o in RayExecutor().map_unordered(square_but_fail_on_3, range(6))}
    assert outcomes[3].error == "ValueError: no threes (got 3)" and outcomes[3].value is None
    assert {i: o.value for i, o in outcomes.items() if i != 3} == {0: 0, 1: 1, 2: 4, 4: 16, 5: 25}


def test_a_failing_run_is_reported_in_its_row(cluster):
    broken = ex.Run("broken", Config(steps=5), method="curriculum")  # no fixed set: raises
    good = ex.Run("good", Config(steps=5, stop="budget"))
    rows = execute(ex.Experiment("mixed", (good, broken), ("condition",)), RayExecutor())["rows"]
    assert rows[0]["error"] is None and rows[0]["steps"] == 5
    assert rows[1]["status"] == "failed"
    assert rows[1]["error"].startswith("ValueError: a curriculum needs a fixed set")


def test_a_task_whose_worker_keeps_dying_is_reported_after_its_retries(cluster):
    outcomes = {o.index: o for o in RayExecutor(max_retries=1).map_unordered(exit_on_2, range(4))}
    error = outcomes[2].error
    assert error.startswith("WorkerCrashedError: ") and error.endswith("(ray task, 2 attempts)")
    assert "\n" not in error and "Traceback" not in error
    assert {i: o.value for i, o in outcomes.items() if i != 2} == {0: 0, 1: 1, 3: 9}


def test_killing_a_node_mid_sweep_loses_no_item(cluster, tmp_path):
    """Items running on the removed node are rerun elsewhere; every item comes back.

    More items than CPUs, each long enough for the new node to start a worker and take one.
    """
    doomed = cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    items = [(i, str(tmp_path), 2.0) for i in range(8)]
    with ThreadPoolExecutor(1) as thread:  # the stream, consumed while this thread watches
        outcomes = thread.submit(list, RayExecutor().map_unordered(note_then_sleep, items))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(tmp_path.glob(f"*.{doomed.node_id}.*")):
            time.sleep(0.05)
        there = [int(p.name.split(".")[0]) for p in tmp_path.glob(f"*.{doomed.node_id}.*")]
        assert there, "no item ever started on the node to remove"
        cluster.remove_node(doomed)
        outcomes = outcomes.result(timeout=120)
    assert sorted((o.index, o.value, o.error) for o in outcomes) == [
        (i, i * i, None) for i in range(8)
    ]
    for index in there:  # they ran again on a surviving node
        assert len(list(tmp_path.glob(f"{index}.*"))) >= 2


def test_closing_the_stream_cancels_every_outstanding_task(cluster, tmp_path):
    assert idle_cpus() == 2
    items = [(0, str(tmp_path), 0.0)] + [(i, str(tmp_path), 60.0) for i in range(1, 5)]
    stream = RayExecutor().map_unordered(note_then_sleep, items)
    assert next(stream).value == 0
    while len(list(tmp_path.iterdir())) < 3:  # both CPUs busy with a 60 s item
        time.sleep(0.05)
    assert idle_cpus(lambda free: free == 0) == 0  # as Ray reports it, a moment later
    started = time.monotonic()
    stream.close()
    assert time.monotonic() - started < 15  # cancelled, not waited for
    assert idle_cpus() == 2  # nothing runs on the cluster any more
    time.sleep(1)
    assert len(list(tmp_path.iterdir())) == 3  # and the queued items never started


def cli(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "parity", "experiment", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def session(sid: int) -> set[int]:
    """The living processes of session `sid`: a CLI started in its own session and every
    process it started, the Ray instance's included, unless one left the session."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.add(int(entry.name))
    return found


def watch(proc: subprocess.Popen, until) -> set[int]:
    """Every process seen in proc's session until `until(seen)` holds or proc exits."""
    seen: set[int] = set()
    while proc.poll() is None and not until(seen):
        seen |= session(proc.pid)
        time.sleep(0.2)
    return seen


def test_the_cli_starts_ray_here_gives_the_local_rows_and_leaves_no_process():
    proc = cli(
        "sweep", "--hidden-sizes", "4", "--max-lens", "5,10", "--seeds", "2", "--steps", "20",
        "--json", "--executor", "ray", start_new_session=True,
    )  # fmt: skip
    seen = watch(proc, until=lambda seen: False)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len(seen) > 3  # the driver, Ray's own processes and its workers
    assert untimed(json.loads(out)["rows"]) == untimed(
        execute(TINY_SWEEP, SerialExecutor())["rows"]
    )
    assert [line.split("]")[0] for line in err.splitlines()] == ["[1/4", "[2/4", "[3/4", "[4/4"]
    assert session(proc.pid) == set()


def test_interrupting_the_cli_stops_the_ray_it_started():
    proc = cli(
        *("rfr", "--seeds", "2", "--no-batch", "--steps", "100000", "--executor", "ray"),
        start_new_session=True,
    )
    watch(proc, until=lambda seen: len(seen) > 3)  # Ray is up
    time.sleep(8)  # workers started, torch imported, runs under way
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err
    deadline = time.monotonic() + 15
    while session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session(proc.pid) == set()


def running_tasks() -> list[int]:
    """Worker processes of the test cluster (below this process) running a task now: Ray
    titles them ray::run_task. Ray instances of other processes are not ours to touch."""
    pids, parents = set(), {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                if (entry / "cmdline").read_bytes().startswith(b"ray::run_task"):
                    pids.add(int(entry.name))
        except OSError:
            continue
    ours, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        ours |= frontier
    return sorted(pids & ours)


def kill_a_running_task(proc) -> float:
    """Wait (up to 90 s) for a task of the test cluster to run, SIGKILL its worker; the deadline."""
    deadline = time.monotonic() + 90
    while not running_tasks() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    victims = running_tasks()
    assert victims, "no task ever ran"
    os.kill(victims[0], signal.SIGKILL)
    return deadline


def test_the_cli_on_the_cluster_survives_a_killed_worker_with_the_same_rows(cluster):
    """The killed task is rerun; stdout still holds the JSON alone (Ray's note goes to stderr)."""
    flags = ("--hidden-sizes", "4", "--max-lens", "5,10", "--seeds", "2", "--steps", "300")
    proc = cli("sweep", *flags, "--json", "--executor", "ray", "--address", cluster.address)
    kill_a_running_task(proc)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    rows = json.loads(out)["rows"]
    local = execute(
        ex.sweep(seeds=(0, 1), hidden_sizes=(4,), max_lens=(5, 10), steps=300), SerialExecutor()
    )
    assert untimed(rows) == untimed(local["rows"])
    assert "A worker died or was killed while executing a task" in err  # Ray's note, on stderr
    assert "Task run_task failed. There are 3 retries remaining" in err
    assert err.count(" seed ") == 4 and "Traceback" not in err


def test_a_sweep_on_the_cluster_killed_mid_run_resumes_locally_with_the_same_rows(
    cluster, tmp_path
):
    """A worker killed (Ray reruns its task), then the driver killed with rows in its results
    file; the same command on the serial executor trains only the rest: the same rows."""
    flags = ("--hidden-sizes", "4", "--max-lens", "5,10", "--seeds", "3", "--steps", "300")
    flags += ("--no-batch", "--out", str(tmp_path / "sweep.jsonl"), "--json")
    proc = cli("sweep", *flags, "--executor", "ray", "--address", cluster.address)
    deadline = kill_a_running_task(proc)
    rows_file = tmp_path / "sweep.jsonl"
    while time.monotonic() < deadline and proc.poll() is None:
        if rows_file.exists() and rows_file.read_bytes().count(b"\n") >= 3:  # header + 2 rows
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    kept = rows_file.read_bytes().count(b"\n") - 1
    assert 2 <= kept < 6, "the driver finished before it was killed"
    resumed = subprocess.run(
        [sys.executable, "-m", "parity", "experiment", "sweep", *flags, "--executor", "serial"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {rows_file}: {kept} of 6 runs in it" in resumed.stderr
    assert resumed.stderr.count(" seed ") == 6 - kept  # no run trained twice
    local = execute(
        ex.sweep(seeds=(0, 1, 2), hidden_sizes=(4,), max_lens=(5, 10), steps=300),
        SerialExecutor(),
        batch=False,
    )
    assert untimed(json.loads(resumed.stdout)["rows"]) == untimed(local["rows"])


@pytest.mark.parametrize(
    "stop, address",
    [  # auto: the cluster started last on this machine, the test's
        (lambda pid: os.killpg(pid, signal.SIGINT), "auto"),  # ^C: the whole group
        (lambda pid: os.kill(pid, signal.SIGTERM), None),  # kill PID: the driver alone
    ],
    ids=["ctrl-c-auto", "sigterm-host-port"],
)
def test_interrupting_the_cli_cancels_its_tasks_on_the_cluster(cluster, stop, address):
    assert idle_cpus() == 2
    proc = cli(  # fixed_50 never solves: its two seeds keep both CPUs busy for minutes
        *("rfr", "--seeds", "2", "--no-batch", "--steps", "100000", "--executor", "ray"),
        *("--address", address or cluster.address),
        start_new_session=True,
    )
    busy = idle_cpus(lambda free: free == 0, timeout=90)
    assert busy == 0, "the runs never started on the cluster"
    time.sleep(1)
    stop(proc.pid)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err
    assert idle_cpus() == 2  # its tasks were cancelled, not orphaned


def test_the_cli_says_in_one_line_when_ray_cannot_be_used():
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cases = {
        ("--executor", "ray", "--address", f"127.0.0.1:{port}"): "cannot reach a Ray cluster at",
        ("--executor", "ray", "--address", "nohost"): "address must be 'auto' or HOST:PORT",
        ("--address", "auto"): "--address needs --executor ray (got --executor local)",
    }
    for flags, message in cases.items():
        proc = cli("sweep", "--seeds", "1", *flags)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2 and out == "", err
        assert len(err.splitlines()) == 1 and err.startswith("error: ") and message in err, err


def test_without_ray_installed_the_ray_executor_says_how_to_get_it():
    blocked = "import sys; sys.modules['ray'] = None; from parity.cli.main import main; "
    proc = subprocess.run(
        [sys.executable, "-c", blocked + "sys.exit(main(['experiment', 'rfr', '--executor', "
         "'ray']))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: --executor ray needs Ray, which is not installed: "
        "pip install -r requirements-ray.txt\n"
    )


def test_nothing_imports_ray_unless_asked():
    """Every parity module, and a whole experiment on the serial executor, without Ray."""
    code = """
import importlib, pkgutil, sys
import parity
from parity.cli.main import main
for module in pkgutil.walk_packages(parity.__path__, "parity."):
    if not module.name.endswith("__main__"):  # it would run the command line
        importlib.import_module(module.name)
status = main(["experiment", "sweep", "--hidden-sizes", "4", "--max-lens", "5", "--seeds", "1",
               "--steps", "5", "--executor", "serial", "--json"])
print(status, "ray" in sys.modules)
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "0 False"


def test_make_executor_builds_a_ray_executor_only_when_asked():
    executor = make_executor("ray", address="10.0.0.5:6379")
    assert (executor.name, executor.address, executor.in_process) == ("ray", "10.0.0.5:6379", False)
    with pytest.raises(ValueError, match="an address is for the ray executor"):
        make_executor("local", address="auto")
    with pytest.raises(RayUnavailable, match="cannot reach a Ray cluster at 127.0.0.1:1 "):
        ray_executor.reachable("127.0.0.1:1", timeout=2)
