"""`python -m parity experiment ...` end to end, plus in-process checks of its errors."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parity.cli import experiment as experiment_cli
from parity.cli import main as cli
from parity.core.config import Config
from parity.experiments import definitions as ex
from parity.experiments import runs as experiment_runs
from tests import helpers
from tests.helpers import ROOT


def run(*args: str, timeout: float = 300):
    return helpers.run("experiment", *args, timeout=timeout)


def main(args: list[str], capsys) -> tuple[int, str, str]:
    """cli.main in this process: (status, stdout, stderr)."""
    try:
        status = cli.main(["experiment", *args])
    except SystemExit as exit_:  # argparse's usage errors
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def test_sweep_json_one_row_per_cell_and_seed_with_progress_on_stderr():
    proc = run(
        "sweep", "--hidden-sizes", "4", "--max-lens", "5,20", "--seeds", "2", "--steps", "30",
        "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1
    result = json.loads(proc.stdout)
    assert result["experiment"] == "sweep"
    cells = [(r["hidden_size"], r["max_len"], r["seed"]) for r in result["rows"]]
    assert cells == [(4, 5, 0), (4, 5, 1), (4, 20, 0), (4, 20, 1)]
    assert all(r["config"]["steps"] == 30 and r["error"] is None for r in result["rows"])
    assert [(s["hidden_size"], s["max_len"], s["runs"]) for s in result["summary"]] == [
        (4, 5, 2),
        (4, 20, 2),
    ]
    lines = proc.stderr.splitlines()
    assert [line.split("]")[0] for line in lines] == ["[1/4", "[2/4", "[3/4", "[4/4"]
    assert all(" seed " in line and "test " in line for line in lines)


def test_rfr_json_rows_hold_the_conditions_as_configured():
    proc = run("rfr", "--seeds", "5,6", "--steps", "10", "--json", "--executor", "serial")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert [(r["condition"], r["seed"]) for r in rows] == [
        (name, seed) for name in ex.RFR_CONDITIONS for seed in (5, 6)
    ]
    for r in rows:
        assert {"condition", "target", "seed", "test_accuracy", "train_seconds"} <= set(r)
        assert r["train_size"] == ex.RFR_SIZE and r["max_len"] == ex.RFR_LEN
        assert r["steps"] == 10 and 0 <= r["test_accuracy"] <= 1 and r["train_seconds"] > 0
    assert {r["condition"]: r["min_len"] for r in rows}["uniform_1_50"] == 1
    assert {r["condition"]: r["target"] for r in rows}["fixed_50_every"] == "every"
    assert {r["condition"]: r["method"] for r in rows}["curriculum_50"] == "curriculum"


def test_compare_prints_tables_of_runs_and_summary():
    proc = run(
        "compare", "--archs", "lstm", "--impls", "torch,scratch", "--seeds", "1",
        "--steps", "20", "--executor", "serial",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "compare: 2 runs"
    assert lines[1].split()[:4] == ["condition", "seed", "target", "status"]
    # the LSTM's own defaults are the shared ones: one condition per path, "own"
    assert [line.split()[0] for line in lines[2:4]] == ["lstm/torch/own", "lstm/scratch/own"]
    summary = lines[
        lines.index("summary (solved: the held-out test set once classified perfectly)") :
    ]
    assert summary[1].split()[:2] == ["condition", "target"]
    assert [line.split()[0] for line in summary[2:4]] == ["lstm/torch/own", "lstm/scratch/own"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "--archs", "lstm,tcn"], "unknown arch 'tcn': choose from lstm, gru, rnn"),
        (["compare", "--impls", "cuda"], "unknown impl 'cuda'"),
        (["sweep", "--hidden-sizes", "0,8"], "hidden_size must be in 1..256 (got 0)"),
        (["sweep", "--max-lens", "5,x"], "expected an integer, got 'x'"),
        (["sweep", "--arch", "tcn"], "invalid choice: 'tcn'"),
        (["sweep", "--hidden-sizes", "2,,4"], "item 2 of '2,,4' is empty"),
        (["compare", "--archs", "lstm,,gru"], "item 2 of 'lstm,,gru' is empty"),
        (["sweep", "--seeds", "999999999999999999999"], "seed must be in 0..2147483647"),
        (
            ["sweep", "--seeds", "1000", "--max-lens", ",".join(map(str, range(1, 1002)))],
            "has 4,004,000 runs (4 x 1,001 x 1,000); at most 1,000,000 are allowed",
        ),
        (["rfr", "--restart"], "--restart needs --out FILE"),
        (["rfr", "--seeds", "x"], "seeds must be a count"),
        (["rfr", "--seeds", "2,2"], "seeds must be distinct"),
        (["rfr", "--steps", "0"], "steps must be in 1..100000 (got 0)"),
        (["rfr", "--workers", "0"], "workers must be in 1..64 (got 0)"),
        (["rfr", "--bogus"], "unrecognized arguments: --bogus"),
        (["nosuch"], "invalid choice: 'nosuch'"),
        ([], "required: EXPERIMENT"),
    ],
)
def test_bad_flags_and_grids_exit_2_with_one_line(args, message, capsys):
    status, out, err = main(args, capsys)
    assert status == 2, err
    assert out == "" and "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and message in err, err


def test_a_grid_too_large_is_refused_before_torch_loads():
    proc = run("sweep", "--seeds", "100000", "--hidden-sizes", "1,2,3", "--max-lens", "4,5,6,7")
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: experiment sweep has 1,200,000 runs (3 x 4 x 100,000); at most 1,000,000 are "
        "allowed\n"
    )


def test_a_failed_run_is_printed_in_its_row_and_exits_1(capsys, monkeypatch):
    broken = ex.Run("broken", Config(steps=5), method="curriculum")  # no fixed set: raises
    good = ex.Run("good", Config(steps=5, stop="budget"))
    experiment = ex.Experiment("mixed", (good, broken), ("condition",))
    monkeypatch.setattr(experiment_cli, "build_experiment", lambda args: experiment)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status, out, err = main(["rfr", "--executor", "serial", "--json"], capsys)
    assert status == 1
    rows = json.loads(out)["rows"]
    assert rows[0]["error"] is None and rows[0]["steps"] == 5
    assert rows[1]["error"].startswith("ValueError: a curriculum needs a fixed set")
    assert "[2/2] broken seed 0: failed: ValueError: a curriculum needs" in err
    assert err.splitlines()[-1] == "error: 1 of 2 runs failed"


@pytest.mark.parametrize("flag, batch", [([], None), (["--batch"], True), (["--no-batch"], False)])
def test_the_batch_flag_reaches_the_runs(flag, batch, capsys, monkeypatch):
    heard = {}

    def fake_stream_rows(experiment, executor, indices=None, **options):
        heard.update(options, experiment=experiment.name)
        return (finished for finished in ())  # a generator, as stream_rows returns

    monkeypatch.setattr(experiment_runs, "stream_rows", fake_stream_rows)
    no_runs = ex.Experiment("sweep", (), ("hidden_size", "max_len"))
    monkeypatch.setattr(experiment_cli, "build_experiment", lambda args: no_runs)
    status, out, _ = main(["sweep", "--executor", "serial", "--json", *flag], capsys)
    assert status == 0 and heard == {"batch": batch, "experiment": "sweep"}
    status, out, _ = main(["compare", "--help"], capsys)
    assert status == 0 and "off for compare" in " ".join(out.split())


def _descendants(pid: int) -> set[int]:
    """Every living process below `pid`, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _workers(pids: set[int]) -> list[int]:
    """The spawned worker processes among `pids` (not multiprocessing's resource tracker)."""
    found = []
    for pid in pids:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize(
    "stop",
    [
        lambda pid: os.killpg(pid, signal.SIGINT),  # ^C in a terminal: the whole group
        lambda pid: os.kill(pid, signal.SIGTERM),  # kill PID: the driver alone
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_interrupting_stops_the_workers_and_leaves_no_process_behind(stop):
    """The workers ignore ^C and leave stopping to the driver, which stops them at once."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "parity", "experiment", "rfr", "--seeds", "1"]
        + ["--steps", "100000", "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline, children = time.monotonic() + 120, set()
    while time.monotonic() < deadline and len(_workers(children)) < 2:
        children |= _descendants(proc.pid)
        time.sleep(0.2)
    assert len(_workers(children)) == 2, "the workers never started"
    time.sleep(5)  # let them import torch and get into their runs
    children |= _descendants(proc.pid)
    stop(proc.pid)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(map(_alive, children)):
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]


SURVIVOR = ["sweep", "--hidden-sizes", "2,3", "--max-lens", "5,6,7", "--seeds", "2"]
SURVIVOR += ["--steps", "150", "--no-batch"]  # 12 runs of a fraction of a second each


@pytest.fixture(scope="module")
def survivor_rows() -> list[dict]:
    """The rows of SURVIVOR run once, uninterrupted, in this process."""
    from parity.execution.executors import SerialExecutor

    experiment = ex.sweep(seeds=range(2), hidden_sizes=(2, 3), max_lens=(5, 6, 7), steps=150)
    return untimed(experiment_runs.execute(experiment, SerialExecutor(), batch=False)["rows"])


def untimed(rows: list[dict]) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in experiment_runs.TIMING_FIELDS} for row in rows
    ]


def _rows_in(path: Path) -> int:
    return max(0, path.read_bytes().count(b"\n") - 1) if path.exists() else 0


def _trained(err: str) -> list[str]:
    """'h2/len5 seed 0' for each progress line: the runs this command trained."""
    return [line.split("] ", 1)[1].split(":")[0] for line in err.splitlines() if line[:1] == "["]


@pytest.mark.parametrize(
    "stop, status",
    [
        (lambda pid: os.killpg(pid, signal.SIGINT), 130),  # ^C in a terminal: the whole group
        (lambda pid: os.kill(pid, signal.SIGTERM), 130),  # kill PID
        (lambda pid: os.kill(pid, signal.SIGKILL), -signal.SIGKILL),  # kill -9: no clean-up
    ],
    ids=["ctrl-c", "sigterm", "sigkill"],
)
def test_a_driver_stopped_mid_sweep_resumes_with_the_same_rows_and_no_run_twice(
    stop, status, tmp_path, survivor_rows, capsys
):
    out = tmp_path / "sweep.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "parity", "experiment", *SURVIVOR, "--workers", "2"]
        + ["--out", str(out), "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _rows_in(out) < 2 and proc.poll() is None:
        time.sleep(0.02)
    stop(proc.pid)
    first_out, first_err = proc.communicate(timeout=60)
    assert proc.returncode == status, first_err
    assert first_out == "" and "Traceback" not in first_err
    kept = _rows_in(out)
    assert 2 <= kept < 12, "the stop came too late to test a resume"
    if status == 130:
        assert f"note: interrupted: {out} holds {kept} of 12 runs" in first_err
    code, text, err = main([*SURVIVOR, "--executor", "serial", "--out", str(out), "--json"], capsys)
    assert code == 0, err
    assert err.splitlines()[0] == f"note: resuming {out}: {kept} of 12 runs in it"
    assert untimed(json.loads(text)["rows"]) == survivor_rows
    trained = _trained(err)
    kept_runs = [json.loads(line) for line in out.read_text().splitlines()[1 : kept + 1]]
    assert len(trained) == 12 - kept
    assert not set(trained) & {f"{r['condition']} seed {r['seed']}" for r in kept_runs}


TINY = ["sweep", "--hidden-sizes", "2", "--max-lens", "5,6", "--seeds", "3", "--steps", "5"]
TINY += ["--executor", "serial"]


@pytest.mark.parametrize("form", [["--json"], []], ids=["json", "tables"])
def test_a_finished_file_prints_what_the_run_printed_without_training(form, tmp_path, capsys):
    out = ["--out", str(tmp_path / "tiny.jsonl")]
    code, first, err = main([*TINY, *out, *form], capsys)
    assert code == 0 and len(_trained(err)) == 6, err
    assert err.splitlines()[0].startswith("[1/6] h2/len5 seed 0: ")
    assert err.splitlines()[0].endswith(" in flight, 0 failed, about 0 s left") or "left" in err
    code, again, err = main([*TINY, *out, *form], capsys)
    assert code == 0 and _trained(err) == [], err
    assert again == first  # from the file: even train_seconds
    code, memory, _ = main([*TINY, *form], capsys)
    if form:
        assert untimed(json.loads(memory)["rows"]) == untimed(json.loads(first)["rows"])
    else:
        assert memory.splitlines()[0] == first.splitlines()[0] == "sweep: 6 runs"


def test_a_damaged_last_line_is_noted_cut_and_its_run_trained_again(tmp_path, capsys):
    path = tmp_path / "tiny.jsonl"
    code, first, _ = main([*TINY, "--out", str(path), "--json"], capsys)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + lines[-1][:40])  # power lost mid-write
    code, again, err = main([*TINY, "--out", str(path), "--json"], capsys)
    assert code == 0, err
    assert err.splitlines()[0] == (
        f"note: {path}: line 7 was cut short (an interrupted write); ignoring it"
    )
    assert len(_trained(err)) == 1
    assert untimed(json.loads(again)["rows"]) == untimed(json.loads(first)["rows"])


@pytest.mark.parametrize(
    "content, message",
    [
        ("a,b\n1,2\n", "is not a results file of `python -m parity experiment`"),
        (None, "line 2 is not a JSON row"),
    ],
)
def test_a_foreign_or_damaged_file_is_refused_with_one_line_and_left_as_it_is(
    content, message, tmp_path, capsys
):
    path = tmp_path / "tiny.jsonl"
    if content is None:
        main([*TINY, "--out", str(path), "--json"], capsys)
        lines = path.read_text().splitlines(keepends=True)
        content = lines[0] + '{"oops\n' + "".join(lines[1:])
    path.write_text(content)
    code, out, err = main([*TINY, "--out", str(path)], capsys)
    helpers.assert_one_error_line(code, err, message)
    assert out == "" and path.read_text() == content


def test_another_definition_is_refused_naming_it_and_restart_moves_the_file_aside(tmp_path, capsys):
    path = tmp_path / "tiny.jsonl"
    main([*TINY, "--out", str(path), "--json"], capsys)
    before = path.read_bytes()
    changed = [*TINY[:-3], "6", *TINY[-2:], "--out", str(path)]  # --steps 6
    code, out, err = main(changed, capsys)
    helpers.assert_one_error_line(code, err, "steps is 5 in the file, 6 in this command")
    assert "--restart" in err and path.read_bytes() == before
    code, out, err = main([*changed, "--restart", "--json"], capsys)
    assert code == 0, err
    assert err.splitlines()[0] == f"note: moved the old {path} aside to {path}.1; starting afresh"
    assert (tmp_path / "tiny.jsonl.1").read_bytes() == before
    assert {row["steps"] for row in json.loads(out)["rows"]} == {6}
