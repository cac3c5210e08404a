"""`python -m parity certify` end to end, in subprocesses."""

from __future__ import annotations

import json

import pytest

from parity.core.config import Config
from parity.nets import modelfile
from tests import helpers
from tests.handbuilt import lstm_flipper, minsky_lstm, minsky_rnn

FIELDS = {"proven", "method", "regions", "enumerated_length", "margin", "reason"}
FIELDS |= {"counterexample", "seconds", "arithmetic", "block", "escaping_region"}
FIELDS |= {"cell_size", "longest_branch", "closure"}


def run(*args: str):
    return helpers.run("certify", *args)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Model files: the Minsky RNN and LSTM (exact), the leaky LSTM flipper (drifting)."""
    folder = tmp_path_factory.mktemp("certify")
    save = modelfile.save
    return {
        "rnn": str(save(minsky_rnn(), Config(arch="rnn", hidden_size=4), folder / "r.st")),
        "lstm": str(save(minsky_lstm(), Config(hidden_size=4), folder / "m.st")),
        "leaky": str(save(lstm_flipper(4.0), Config(hidden_size=1), folder / "l.st")),
    }


@pytest.mark.parametrize("name", ["rnn", "lstm"])
def test_json_of_a_proven_network(files, name):
    proc = run("--model", files[name], "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == FIELDS
    assert out["proven"] is True and out["reason"] is None and out["counterexample"] is None
    assert out["margin"]["region"] > 0 and out["margin"]["decision"] > 0
    assert "outward rounding" in out["arithmetic"] and out["enumerated_length"] >= 12
    names = {r["name"] for r in out["regions"]}
    for region in out["regions"]:
        assert region["label"] in ("even", "odd") and len(region["centre"]) == 8 - 4 * (
            name == "rnn"
        )
        assert set(region["transitions"]) == {"0", "1"}
        assert all(set(t) <= names for t in region["transitions"].values())


def test_json_of_the_leaky_network(files):
    proc = run("--model", files["leaky"], "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["proven"] is False and out["reason"] and out["regions"] == []
    assert out["enumerated_length"] >= 10 and out["seconds"] >= 0


def test_text(files):
    proc = run("--model", files["rnn"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("proven: the network answers the parity of every")
    assert "arithmetic: float64 interval arithmetic" in proc.stdout
    proc = run("--model", files["leaky"])
    assert proc.stdout.startswith("not proven: ") and "every string up to" in proc.stdout


def test_bad_model_file(tmp_path):
    bad = tmp_path / "bad.st"
    bad.write_bytes(b"not a model")
    for path in (str(bad), str(tmp_path / "missing.st")):
        proc = run("--model", path)
        helpers.assert_one_error_line(proc.returncode, proc.stderr, path)


def test_the_default_budget_is_certifys_own():
    from parity.analysis import certify
    from parity.cli import args

    assert args.CERTIFY_SECONDS == certify.TIME_BUDGET


def test_seconds_bounds_the_proof(tmp_path, trained):
    """A default RNN that only a cover of cells proves (343 cells, about half a second): out of
    time within a tenth of a second, proven with the default budget."""
    model = trained(Config(arch="rnn", seed=300)).model
    path = str(modelfile.save(model, Config(arch="rnn", seed=300), tmp_path / "rnn.st"))
    short = json.loads(run("--model", path, "--seconds", "0.1", "--json").stdout)
    assert short["proven"] is False and "out of time" in short["reason"]
    full = json.loads(run("--model", path, "--json").stdout)
    assert full["proven"] is True and full["cell_size"] is not None


@pytest.mark.parametrize("bad", ["0", "601", "soon"])
def test_a_bad_budget_is_one_line(files, bad):
    proc = run("--model", files["rnn"], "--seconds", bad)
    helpers.assert_one_error_line(proc.returncode, proc.stderr, "--seconds")
