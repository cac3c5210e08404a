"""Running experiments: rows that mean what they say, the same on every executor, failures kept."""

from __future__ import annotations

import json

import pytest

from parity import experiments as ex
from parity.config import Config
from parity.data import RFR_LEN
from parity.executors import LocalExecutor, SerialExecutor
from parity.experiment_runs import TIMING_FIELDS, execute, summarise

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
