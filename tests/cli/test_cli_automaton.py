"""`python -m parity automaton` end to end, in subprocesses."""

from __future__ import annotations

import json

import pytest

from parity.core.config import MAX_TEST_LEN, Config
from parity.nets import modelfile
from tests import helpers
from tests.handbuilt import lstm_flipper, minsky_rnn, wandering_rnn


def run(*args: str):
    return helpers.run("automaton", *args)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Model files: an exact LSTM parity machine, a forgetting one, a Minsky RNN."""
    folder = tmp_path_factory.mktemp("automaton")
    return {
        "exact": str(modelfile.save(lstm_flipper(), Config(hidden_size=1), folder / "e.st")),
        "leaky": str(modelfile.save(lstm_flipper(4.0), Config(hidden_size=1), folder / "l.st")),
        "rnn": str(
            modelfile.save(minsky_rnn(), Config(arch="rnn", hidden_size=4), folder / "r.st")
        ),
        "wanders": str(
            modelfile.save(wandering_rnn(), Config(arch="rnn", hidden_size=6), folder / "w.st")
        ),
    }


@pytest.mark.parametrize("name", ["exact", "rnn"])
def test_json_of_a_parity_machine(files, name):
    proc = run("--model", files[name], "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["states"] == 2 and out["start"] == 0 and out["accepting"] == [1]
    assert out["transitions"] == {"0": {"0": 0, "1": 1}, "1": {"0": 1, "1": 0}}
    assert out["is_parity"] is True and out["stable"] is True
    assert [d["steps"] for d in out["drift"]] == [MAX_TEST_LEN] * 4
    assert proc.stdout.count("\n") == 1  # one JSON object on one line


def test_json_of_a_forgetting_model_says_where_it_drifts(files):
    proc = run("--model", files["leaky"], "--json", "--drift-steps", "500")
    out = json.loads(proc.stdout)
    assert out["is_parity"] is False and out["stable"] is False
    left = [d for d in out["drift"] if d["left_at"] is not None]
    odd_on_zeros = next(d for d in left if (d["state"], d["bit"]) == (1, "0"))
    assert odd_on_zeros["found_in"] == 0 and odd_on_zeros["expected"] == 1
    assert odd_on_zeros["left_at"] < 200 and odd_on_zeros["steps"] == 500


def test_a_state_that_never_settles_is_named_in_json_and_text(files):
    out = json.loads(run("--model", files["wanders"], "--json").stdout)
    assert out["is_parity"] is True and out["stable"] is False
    assert [d["left_at"] for d in out["drift"]] == [None] * 4
    assert [d["settles"] for d in out["drift"]] == [False] * 4
    settled = json.loads(run("--model", files["rnn"], "--json").stdout)
    assert [d["settles"] for d in settled["drift"]] == [True] * 4
    lines = run("--model", files["wanders"]).stdout.splitlines()
    assert lines[0] == "parity automaton: yes; stable: no"
    assert "state 0, 10,000 zeros: stays on the automaton's path, but never settles" in lines


def test_text_summary(files):
    proc = run("--model", files["leaky"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "parity automaton: no; stable: no"
    assert "    1  odd        1     0" in lines
    assert any(line.startswith("state 1, 10,000 zeros: leaves its path at step") for line in lines)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--model", "/no/such/file.st"], "no such model file"),
        (["--model", "{tmp}/notes.txt"], "notes.txt"),
        (["--model", "{exact}", "--drift-steps", "0"], "--drift-steps"),
        (["--model", "{exact}", "--drift-steps", str(MAX_TEST_LEN + 1)], "--drift-steps"),
        (["--json"], "--model"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(files, tmp_path, args, needle):
    (tmp_path / "notes.txt").write_text("not a model")
    args = [a.format(tmp=tmp_path, exact=files["exact"]) for a in args]
    proc = run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert proc.stdout == ""
