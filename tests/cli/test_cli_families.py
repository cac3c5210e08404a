"""`evaluate --families` and the verdict in `train`'s output, end to end."""

from __future__ import annotations

import json

import pytest

from parity.core.config import Config
from parity.evaluation.families import ALL, FAMILIES, family_accuracy
from parity.nets import modelfile
from parity.training.train import train
from tests.helpers import assert_one_error_line, run, run_inprocess

CONFIG = Config(seed=0, steps=400, density="half")  # fails one_then_zeros at length 1,000


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A half-density model that solves random strings and fails a 1 followed by zeros."""
    result = train(CONFIG.replace(stop="solved"))
    path = modelfile.save(result.model, CONFIG, tmp_path_factory.mktemp("fam") / "m.st")
    return result.model, str(path)


def test_families_json_rows_match_the_library(model_file):
    model, path = model_file
    proc = run(
        "evaluate", "--model", path, "--families", "all", "--lengths", "10,1000",
        "--size", "50", "--seed", "2", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["family"], r["length"]) for r in rows] == [(f, n) for f in ALL for n in (10, 1000)]
    assert set(rows[0]) == {"family", "length", "accuracy", "strings"}
    expected = family_accuracy(model, ALL, [10, 1000], count=50, seed=2)
    assert rows == expected.to_dict(orient="records")
    acc = {(r["family"], r["length"]): r["accuracy"] for r in rows}
    assert acc[("one_then_zeros", 1000)] < 1.0  # the flaw random strings miss
    assert {r["strings"] for r in rows if r["family"] == "sparse"} == {50}


def test_families_table_selects_and_labels_rows(model_file):
    _, path = model_file
    proc = run(
        "evaluate", "--model", path, "--families", "zeros_then_one,random", "--lengths", "20"
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["family", "length", "accuracy", "strings"]
    assert lines[1].startswith(FAMILIES["random"].label) and lines[1].split()[-1] == "1000"
    assert lines[2].startswith(FAMILIES["zeros_then_one"].label) and lines[2].endswith(" 8")
    assert len(lines) == 3


@pytest.mark.parametrize(
    "value, message",
    [("nope", "unknown family 'nope'"), ("random,,sparse", "comma-separated names")],
)
def test_unknown_families_exit_2_in_one_line(model_file, value, message, capsys, monkeypatch):
    args = ["evaluate", "--model", model_file[1], "--families", value, "--lengths", "10"]
    status, out, err = run_inprocess(args, capsys)
    assert_one_error_line(status, err, message)
    assert out == ""


def test_train_prints_the_verdict_and_never_calls_a_failing_model_generalized(capsys, monkeypatch):
    flags = ["--seed", "0", "--steps", "400", "--density", "half", "--stop", "solved"]
    status, out, _ = run_inprocess(["train", *flags, "--json"], capsys)
    verdict = json.loads(out)["verdict"]
    assert status == 0 and verdict["status"] == "fails a family"
    assert verdict["is_parity_machine"] is False
    assert verdict["headline"].startswith("solved the test set, but fails on a 1 followed by")
    assert verdict["failure_check"] == "one_then_zeros"
    assert {row["check"] for row in verdict["evidence"]} >= {"test set", "random"}
    status, out, _ = run_inprocess(["train", *flags], capsys)
    assert "verdict: fails a family: solved the test set, but fails on" in out
    assert "generalized" not in out
