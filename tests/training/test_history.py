"""A TrainResult's history: rows until read, then the DataFrame it always was."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
import subprocess
import sys

import pandas as pd

from parity.core.config import Config
from parity.training.train import HISTORY_COLUMNS, HistoryRows, TrainResult, train
from tests.helpers import ROOT


def test_the_history_is_a_frame_of_the_rows_when_read():
    result = train(Config(seed=2, steps=30, stop="budget"))
    rows = result.__dict__["_history"]
    assert isinstance(rows, HistoryRows) and len(rows) == 3
    summary = result.summary()
    frame = result.history
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == HISTORY_COLUMNS
    assert frame.equals(pd.DataFrame(rows, columns=HISTORY_COLUMNS))
    assert result.history is frame  # built once
    assert summary == result.summary()  # the same numbers from the rows and from the frame
    assert summary["final_test_accuracy"] == frame["test_accuracy"].iloc[-1]
    assert summary["final_loss"] == frame["loss"].iloc[-1]


def test_replace_pickle_and_an_empty_history_work_as_before():
    result = train(Config(seed=2, steps=10, stop="budget"))
    copy = pickle.loads(pickle.dumps(result))
    assert copy.history.equals(result.history)
    shorter = dataclasses.replace(result, history=result.history.iloc[:0], status="diverged")
    assert shorter.final_test_accuracy == 0.0 and shorter.summary()["final_loss"] is None
    empty = TrainResult(result.config, None, HistoryRows(), "budget", 0, None, 0.0)
    assert empty.summary()["final_train_accuracy"] == 0.0 and len(empty.history) == 0
    nan = HistoryRows([[1, float("nan"), 0.5, float("nan"), 0.1]])
    assert math.isnan(
        TrainResult(result.config, None, nan, "diverged", 1, None, 0.1).summary()["final_loss"]
    )


def test_a_run_and_its_summary_load_no_pandas_compiler_or_sympy():
    code = (
        "import json, sys\n"
        "from parity.core.config import Config\n"
        "from parity.training.train import train\n"
        "s = train(Config(seed=0, steps=60)).summary()\n"
        "heavy = [m for m in ('pandas', 'sympy', 'torch._dynamo') if m in sys.modules]\n"
        "print(json.dumps([s['status'], heavy]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert json.loads(proc.stdout) == ["generalized", []], proc.stderr
