"""A command imports what it needs: no pandas, no compiler, no sympy for train and predict."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

HEAVY = ("pandas", "sympy", "torch._dynamo", "altair", "streamlit", "scipy")
# Runs the command line's main() in a fresh interpreter, then names the heavy modules loaded.
PROBE = """
import json, sys
from parity.cli.main import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit_:
    status = exit_.code
heavy = sorted(m for m in sys.modules if m in {heavy} or m.split(".")[0] in {heavy})
print(json.dumps({{"status": status, "heavy": heavy, "torch": "torch" in sys.modules}}),
      file=sys.stderr)
"""


def loaded(*args: str) -> dict:
    """What `python -m parity ARGS` left in sys.modules (its last stderr line)."""
    code = PROBE.format(heavy=repr(set(HEAVY)))
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_help_loads_neither_torch_nor_pandas():
    found = loaded("train", "--help")
    assert found == {"status": 0, "heavy": [], "torch": False}


def test_train_loads_no_pandas_no_compiler_no_sympy(tmp_path):
    model = tmp_path / "m.safetensors"
    found = loaded("train", "--steps", "20", "--stop", "budget", "--json", "--out", str(model))
    assert found == {"status": 0, "heavy": [], "torch": True}
    assert model.exists()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("imports") / "m.safetensors"
    from parity.cli.main import main

    assert main(["train", "--steps", "5", "--stop", "budget", "--json", "--out", str(path)]) == 0
    return str(path)


def test_predict_and_evaluate_load_no_pandas(model_file):
    expected = {"status": 0, "heavy": [], "torch": True}
    assert loaded("predict", "--model", model_file, "0110", "1") == expected
    assert loaded("evaluate", "--model", model_file, "--lengths", "5", "--size", "10") == expected
    families = ("--families", "all", "--lengths", "5", "--size", "4", "--json")
    assert loaded("evaluate", "--model", model_file, *families) == expected


def test_the_command_line_leaves_the_evidence_threads_as_it_found_them(capsys):
    from parity.core import runtime
    from tests.helpers import run_inprocess

    before = runtime.evidence_threads()
    status, out, _ = run_inprocess(["train", "--steps", "5", "--stop", "budget", "--json"], capsys)
    assert status == 0 and json.loads(out)["steps"] == 5
    assert runtime.evidence_threads() == before
