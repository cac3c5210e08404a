"""The change of a run's numbers against another run's, as short signed texts.

Both runs are described by `run_numbers` (a few values of TrainResult.summary()):

>>> changes({"solved_at_step": 120, "final_test_accuracy": 1.0, "train_seconds": 0.5},
...         {"solved_at_step": 200, "final_test_accuracy": 0.97, "train_seconds": 0.25})
{'solved_at_step': '-80 steps', 'train_seconds': '+0.25 s', 'final_test_accuracy': '+3.0 points'}

A number missing or not finite on either side (a run that never solved, a diverged one) has
no change. `BETTER` says which direction is an improvement (for the colour of the change).
"""

from __future__ import annotations

import math

NUMBERS = ("solved_at_step", "train_seconds", "final_test_accuracy", "final_train_accuracy")
BETTER = {  # which way is better
    "solved_at_step": "lower",
    "train_seconds": "lower",
    "final_test_accuracy": "higher",
    "final_train_accuracy": "higher",
}


def run_numbers(summary: dict) -> dict:
    """The numbers a change is computed on, from TrainResult.summary(), plus the verdict."""
    verdict = summary.get("verdict") or {}
    return {key: summary.get(key) for key in NUMBERS} | {
        "verdict": verdict.get("status", summary.get("status"))
    }


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def change_text(key: str, now: float, before: float) -> str:
    """'+120 steps', '-0.31 s', '+3.0 points' (accuracy in percentage points)."""
    if key == "solved_at_step":
        return f"{now - before:+,.0f} steps"
    if key == "train_seconds":
        return f"{now - before:+.2f} s"
    return f"{100 * (now - before):+.1f} points"


def changes(now: dict, before: dict) -> dict[str, str]:
    """Key -> signed change text, for every number both runs have."""
    return {
        key: change_text(key, now[key], before[key])
        for key in NUMBERS
        if key in now and key in before and _finite(now[key]) and _finite(before[key])
    }
