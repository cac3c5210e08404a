"""Changes against the previous run: signed, in each number's unit, none when missing."""

from __future__ import annotations

import math

from parity.core.config import Config
from parity.training.train import train
from ui.run_deltas import BETTER, NUMBERS, changes, differences, run_numbers


def test_changes_are_signed_in_each_unit():
    now = {"solved_at_step": 1_300, "train_seconds": 0.1, "final_test_accuracy": 0.5}
    before = {"solved_at_step": 100, "train_seconds": 0.35, "final_test_accuracy": 0.755}
    assert changes(now, before) == {
        "solved_at_step": "+1,200 steps",
        "train_seconds": "-0.25 s",
        "final_test_accuracy": "-25.5 points",
    }


def test_missing_or_nan_numbers_have_no_change():
    now = {"solved_at_step": None, "final_test_accuracy": math.nan, "train_seconds": 1.0}
    before = {"solved_at_step": 50, "final_test_accuracy": 0.9, "train_seconds": 1.0}
    assert changes(now, before) == {"train_seconds": "0.00 s"}
    assert changes({}, before) == {}


def test_run_numbers_come_from_a_real_summary():
    result = train(Config(steps=40, stop="budget", eval_every=20, max_len=8))
    numbers = run_numbers(result.summary())
    assert set(numbers) == {*NUMBERS, "verdict"} and set(BETTER) == set(NUMBERS)
    assert numbers["verdict"] == result.verdict.status
    assert numbers["final_test_accuracy"] == result.final_test_accuracy
    assert changes(numbers, numbers)["final_test_accuracy"] == "0.0 points"


def test_no_change_has_no_sign_and_rounding_is_as_shown():
    now = {"solved_at_step": 60, "train_seconds": 0.501, "final_test_accuracy": 0.9999}
    before = {"solved_at_step": 60, "train_seconds": 0.5, "final_test_accuracy": 1.0}
    assert changes(now, before) == {
        "solved_at_step": "0 steps",
        "train_seconds": "0.00 s",
        "final_test_accuracy": "0.0 points",
    }
    assert set(differences(now, before).values()) == {0.0}
    assert differences({"train_seconds": 1.0}, {"train_seconds": 0.5}) == {"train_seconds": 0.5}
