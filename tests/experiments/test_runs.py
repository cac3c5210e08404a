"""Running experiments: rows that mean what they say, the same on every executor, failures kept."""

from __future__ import annotations

import json
import multiprocessing

import pytest

from parity.core.config import Config
from parity.core.data import RFR_LEN
from parity.execution.executors import LocalExecutor, SerialExecutor
from parity.experiments import definitions as ex
from parity.experiments.runs import TIMING_FIELDS, execute, plan, summarise
from parity.training import batched
from parity.training.train import TrainingStopped

ROW_FIELDS = {
    "condition",
    "target",
    "seed",
    "test_accuracy",
    "train_seconds",
    "steps",
    "solved_at_step",
    "solved",
    "status",
    "curve",
    "config",
    "error",
}
TINY_CURRICULUM = ex.Run(
    "curriculum",
    Config(
        train_size=500,
        min_len=12,
        max_len=12,
        test_min_len=12,
        test_max_len=12,
        target="final",
        steps=40,
        eval_every=10,
        stop="budget",
    ),
    method="curriculum",
    eval_lengths=(12, 30),
)


def untimed(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMING_FIELDS} for row in rows]


@pytest.fixture(scope="module")
def rfr_result():
    """The whole rfr experiment, seed 0, with a budget just past where lengths 1..50 solve."""
    return execute(ex.rfr(seeds=(0,), steps=1300), LocalExecutor(workers=2))


def test_rfr_rows_answer_the_question(rfr_result):
    rows = {row["condition"]: row for row in rfr_result["rows"]}
    assert list(rows) == list(ex.RFR_CONDITIONS)
    at_50 = {name: row["accuracy_by_length"][str(RFR_LEN)] for name, row in rows.items()}
    # fixed length 50, final-bit loss: chance, at every evaluation of the whole budget
    fixed = rows["fixed_50"]
    assert (fixed["status"], fixed["steps"], fixed["solved"]) == ("budget", 1300, False)
    assert all(0.4 <= acc <= 0.6 for acc in fixed["curve"]["test_accuracy"])
    assert 0.4 <= at_50["fixed_50"] <= 0.6
    # lengths 1..50 solve the same question within that budget, and length 50 with it
    assert rows["uniform_1_50"]["solved"] and rows["uniform_1_50"]["test_accuracy"] == 1.0
    assert at_50["uniform_1_50"] >= 0.99
    # both contrasts solve the length-50 strings themselves, in fewer steps
    for name in ("fixed_50_every", "curriculum_50"):
        assert rows[name]["solved"] and at_50[name] == 1.0, name
        assert rows[name]["steps"] < rows["uniform_1_50"]["steps"], name


def test_rfr_json_has_one_row_per_condition_and_seed(rfr_result):
    decoded = json.loads(json.dumps(rfr_result, allow_nan=False))
    assert decoded["experiment"] == "rfr"
    assert len(decoded["rows"]) == len(ex.RFR_CONDITIONS)
    for row in decoded["rows"]:
        assert ROW_FIELDS <= set(row), ROW_FIELDS - set(row)
        assert row["target"] in ("final", "every") and row["seed"] == 0
        curve = row["curve"]
        assert len(curve["step"]) == len(curve["loss"]) == len(curve["test_accuracy"]) >= 2
        assert curve["step"][-1] == row["steps"]
    summary = {s["condition"]: s for s in decoded["summary"]}
    assert summary["fixed_50"]["success_rate"] == 0.0
    assert summary["uniform_1_50"]["success_rate"] == 1.0


def tiny_mixed() -> ex.Experiment:
    """Two sweep cells x two seeds, plus a curriculum run: both methods, tiny budgets."""
    sweep = ex.sweep(seeds=(0, 1), hidden_sizes=(4,), max_lens=(5, 20), steps=30)
    return ex.Experiment("mixed", (*sweep.runs, TINY_CURRICULUM), ("condition",))


def test_serial_and_local_executors_give_identical_rows():
    experiment = tiny_mixed()
    serial = execute(experiment, SerialExecutor())
    local = execute(experiment, LocalExecutor(workers=2))
    assert untimed(local["rows"]) == untimed(serial["rows"])
    assert [row["error"] for row in serial["rows"]] == [None] * len(experiment.runs)
    losses = [row["curve"]["loss"] for row in serial["rows"]]
    assert len({tuple(curve) for curve in losses}) == len(losses)  # really different runs
    assert serial["rows"][-1]["accuracy_by_length"].keys() == {"12", "30"}


@pytest.mark.parametrize("executor", [SerialExecutor(), LocalExecutor(workers=2)])
def test_a_failing_run_is_reported_in_its_row_and_the_others_complete(executor):
    broken = ex.Run("broken", TINY_CURRICULUM.config.replace(train_size=0), "curriculum")
    good = tiny_mixed().runs[:2]
    experiment = ex.Experiment("mixed", (good[0], broken, good[1]), ("condition",))
    heard = []
    result = execute(experiment, executor, on_row=lambda *args: heard.append(args))
    rows = result["rows"]
    assert rows[1]["error"].startswith("ValueError: a curriculum needs a fixed set")
    assert (rows[1]["condition"], rows[1]["status"], rows[1]["solved"]) == (
        "broken",
        "failed",
        False,
    )
    assert rows[1]["config"] == broken.config.to_dict()
    assert [rows[0]["error"], rows[2]["error"]] == [None, None]
    assert rows[0]["steps"] == rows[2]["steps"] == 30
    assert sorted(done for done, _, _ in heard) == [1, 2, 3] and {t for _, t, _ in heard} == {3}
    broken_summary = next(s for s in result["summary"] if s["condition"] == "broken")
    assert (broken_summary["failed"], broken_summary["success_rate"]) == (1, None)


def row(cell: str, seed: int, solved_at: int | None, seconds: float, error=None) -> dict:
    return {
        "condition": cell,
        "seed": seed,
        "target": "every",
        "solved": solved_at is not None,
        "solved_at_step": solved_at,
        "train_seconds": seconds,
        "test_accuracy": 1.0 if solved_at else 0.5,
        "accuracy_by_length": {"50": 1.0 if solved_at else 0.5},
        "error": error,
    }


def test_summary_by_hand():
    rows = [
        row("a", 0, 60, 0.1),
        row("a", 1, None, 0.9),
        row("a", 2, 40, 0.2),
        row("b", 0, None, 1.0, error="boom"),
        row("b", 1, 80, 0.3),
    ]
    a, b = summarise(rows, ("condition",))
    assert a["condition"] == "a" and (a["runs"], a["failed"], a["solved"]) == (3, 0, 2)
    assert a["success_rate"] == pytest.approx(2 / 3)
    assert (a["steps_to_solve"], a["median_steps_to_solve"]) == ([40, 60], 50)
    assert a["median_train_seconds"] == 0.2
    assert a["test_accuracy"] == [0.5, 1.0, 1.0]
    assert a["median_accuracy_by_length"] == {"50": 1.0}
    assert (b["runs"], b["failed"], b["solved"], b["success_rate"]) == (2, 1, 1, 1.0)


def test_plan_groups_runs_of_one_shape_and_gives_every_worker_work():
    sweep = ex.sweep(seeds=(0, 1, 2), hidden_sizes=(4,), max_lens=(5, 20), steps=30)
    runs = (*sweep.runs, TINY_CURRICULUM)
    assert plan(runs, workers=1) == [(0, 1, 2), (3, 4, 5), (6,)]
    assert plan(runs, workers=2) == [(0, 1, 2), (3, 4, 5), (6,)]  # 3 tasks for 2 workers
    assert plan(sweep.runs, workers=4) == [(0, 1), (2,), (3, 4), (5,)]
    assert plan(sweep.runs, workers=64) == [(i,) for i in range(6)]
    assert plan(runs, workers=2, batch=False) == [(i,) for i in range(7)]
    compare = ex.compare(seeds=(0, 1), archs=("lstm",), impls=("torch",), steps=5)
    assert compare.batch is False and ex.sweep().batch and ex.rfr().batch


@pytest.mark.parametrize("workers", [1, 3])
def test_batched_rows_are_the_same_with_any_worker_count(workers):
    sweep = ex.sweep(seeds=(0, 1, 2), hidden_sizes=(4,), max_lens=(5,), steps=30)
    serial = execute(sweep, SerialExecutor())
    local = execute(sweep, LocalExecutor(workers=workers))
    assert untimed(local["rows"]) == untimed(serial["rows"])
    assert [r["seed"] for r in serial["rows"]] == [0, 1, 2]
    # batched, yet the training each run did alone, to float rounding (parity.training.batched)
    alone = execute(sweep, SerialExecutor(), batch=False)["rows"]
    for mine, theirs in zip(serial["rows"], alone, strict=True):
        assert mine["curve"]["step"] == theirs["curve"]["step"]
        assert mine["curve"]["loss"] == pytest.approx(theirs["curve"]["loss"], rel=1e-4)


def test_in_process_progress_names_the_runs_and_a_stop_ends_the_experiment():
    sweep = ex.sweep(seeds=(0, 1), hidden_sizes=(4,), max_lens=(5, 20), steps=30)
    steps = []
    execute(sweep, SerialExecutor(), on_step=lambda runs, step, total: steps.append((runs, step)))
    assert {runs for runs, _ in steps} == {(0, 1), (2, 3)}
    assert [step for runs, step in steps if runs == (0, 1)] == [10, 10, 20, 20, 30, 30]
    asked = []

    def on_the_fifth_question():
        asked.append(1)
        return len(asked) >= 5

    rows = []
    with pytest.raises(TrainingStopped):
        execute(
            sweep,
            SerialExecutor(),
            on_row=lambda *a: rows.append(a),
            should_stop=on_the_fifth_question,
        )
    assert rows == [] and len(asked) == 5  # asked before every step: it stopped in the first


def test_a_curriculum_run_reports_progress_and_stops_mid_run_like_any_run():
    experiment = ex.Experiment("curriculum", (TINY_CURRICULUM,), ("condition",))
    steps = []
    execute(experiment, SerialExecutor(), on_step=lambda runs, step, total: steps.append(step))
    assert steps == [10, 20, 30, 40]  # every evaluation of its 40 steps
    asked = []

    def on_the_third_question():
        asked.append(1)
        return len(asked) >= 3

    with pytest.raises(TrainingStopped):
        execute(experiment, SerialExecutor(), should_stop=on_the_third_question)
    assert len(asked) == 3  # asked before every step, not only before the run


def test_worker_processes_stop_between_tasks():
    sweep = ex.sweep(seeds=(0,), hidden_sizes=(4,), max_lens=(5, 6, 7, 8), steps=30)
    rows = []
    with pytest.raises(TrainingStopped, match="stopped after 1 of 4 runs"):
        execute(
            sweep,
            LocalExecutor(workers=1),
            on_row=lambda *a: rows.append(a),
            should_stop=lambda: True,
        )
    assert len(rows) == 1 and multiprocessing.active_children() == []


def test_a_failing_group_gives_each_of_its_runs_an_error_row(monkeypatch):
    def broken(configs, on_progress=None, should_stop=None):
        raise RuntimeError(f"no stack for {len(configs)} models")

    monkeypatch.setattr(batched, "train_many", broken)
    sweep = ex.sweep(seeds=(0, 1), hidden_sizes=(4,), max_lens=(5,), steps=30)
    experiment = ex.Experiment("mixed", (*sweep.runs, TINY_CURRICULUM), ("condition",))
    rows = execute(experiment, SerialExecutor())["rows"]
    assert [r["error"] for r in rows] == ["RuntimeError: no stack for 2 models"] * 2 + [None]
    assert [r["seed"] for r in rows[:2]] == [0, 1] and rows[2]["steps"] == 40
