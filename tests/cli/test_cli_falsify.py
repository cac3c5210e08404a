"""`python -m parity falsify`, `margins` and `train --certify` end to end."""

from __future__ import annotations

import json

import pytest

from parity.core.config import Config
from parity.nets import modelfile
from tests import helpers
from tests.handbuilt import lstm_flipper, minsky_lstm

FALSIFY_FIELDS = {"found", "counterexample", "described", "length", "found_by"}
FALSIFY_FIELDS |= {"exhaustive_length", "beam_length", "stream_length", "strings_tried"}
FALSIFY_FIELDS |= {"lowest_margin", "seconds"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Model files: the exact Minsky LSTM and the leaky LSTM flipper (drifting)."""
    folder = tmp_path_factory.mktemp("falsify")
    return {
        "exact": str(modelfile.save(minsky_lstm(), Config(hidden_size=4), folder / "m.st")),
        "leaky": str(modelfile.save(lstm_flipper(4.0), Config(hidden_size=1), folder / "l.st")),
    }


def test_falsify_finds_the_leaky_networks_wrong_string(files):
    proc = helpers.run("falsify", "--model", files["leaky"], "--seconds", "5", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == FALSIFY_FIELDS and out["found"] is True
    text = out["counterexample"]
    assert out["length"] == len(text) and 15 <= len(text) <= 20  # right up to 14 bits
    assert out["exhaustive_length"] == 14 and out["strings_tried"] > 2**14
    model = lstm_flipper(4.0)
    import torch

    logit = model(torch.tensor([[float(c) for c in text]]))[0, -1]
    assert (logit > 0).item() != (text.count("1") % 2 == 1)  # really answered wrong


def test_falsify_text_of_an_exact_network_says_it_is_no_proof(files):
    proc = helpers.run("falsify", "--model", files["exact"], "--seconds", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("no wrong string found (not a proof")
    assert "every string up to 14 bits" in proc.stdout


def test_margins_json_of_the_leaky_network_to_a_million_bits(files):
    proc = helpers.run("margins", "--model", files["leaky"], "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["length"] == 1_000_000 and out["first_wrong"]["one_then_zeros"] == 20
    assert max(r["length"] for r in out["rows"]) == 1_000_000
    assert out["lowest"]["one_then_zeros"] < 0 < out["lowest"]["all_ones"]


def test_margins_text_of_the_exact_network(files):
    proc = helpers.run("margins", "--model", files["exact"], "--length", "10,000")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "smallest margin (logit on the right side) over lengths 1..10,000:"
    assert len(lines) == 17 and "WRONG" not in proc.stdout


@pytest.mark.parametrize(
    "args,names",
    [
        (["falsify", "--seconds", "0"], ["--seconds"]),
        (["falsify", "--seconds", "soon"], ["--seconds"]),
        (["margins", "--length", "2000000"], ["--length"]),
        (["margins", "--length", "-3"], ["--length"]),
    ],
)
def test_bad_values_are_one_error_line(files, args, names, capsys):
    status, _, err = helpers.run_inprocess([*args, "--model", files["exact"]], capsys)
    helpers.assert_one_error_line(status, err, *names)


def test_a_missing_model_file_is_one_error_line(tmp_path, capsys):
    for command in ("falsify", "margins"):
        status, _, err = helpers.run_inprocess([command, "--model", str(tmp_path / "no")], capsys)
        helpers.assert_one_error_line(status, err, "no")


def test_train_certify_puts_the_certificate_in_the_verdict():
    proc = helpers.run("train", "--seed", "0", "--certify", "--json")
    assert proc.returncode == 0, proc.stderr
    verdict = json.loads(proc.stdout)["verdict"]
    certificate = verdict["certificate"]
    assert set(certificate) >= {"proven", "method", "reason", "counterexample", "seconds"}
    if certificate["proven"]:
        assert verdict["status"] == "proven parity machine"
    else:
        assert verdict["status"] != "proven parity machine" and certificate["reason"]
        assert "tested, not proven" in verdict["headline"] or not verdict["is_parity_machine"]
    plain = json.loads(helpers.run("train", "--seed", "0", "--json").stdout)["verdict"]
    assert plain["certificate"] is None and plain["status"] == "parity machine"
