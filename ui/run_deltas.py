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


SCALE_DIGITS_UNIT = {  # how a change is shown: scale, decimals, unit
    "solved_at_step": (1, 0, "steps"),
    "train_seconds": (1, 2, "s"),
    "final_test_accuracy": (100, 1, "points"),  # percentage points
    "final_train_accuracy": (100, 1, "points"),
}


def shown_change(key: str, now: float, before: float) -> float:
    """The change as shown: scaled and rounded (0.0 when too small to show)."""
    scale, digits, _ = SCALE_DIGITS_UNIT[key]
    return round(scale * (now - before), digits) + 0.0  # + 0.0: no '-0.0'


def change_text(key: str, now: float, before: float) -> str:
    """'+120 steps', '-0.31 s', '+3.0 points' (accuracy in percentage points); no sign for 0."""
    _, digits, unit = SCALE_DIGITS_UNIT[key]
    change = shown_change(key, now, before)
    return f"{change:{'+' if change else ''},.{digits}f} {unit}"


def differences(now: dict, before: dict) -> dict[str, float]:
    """Key -> the change as shown (scaled, rounded), for every number both runs have."""
    return {
        key: shown_change(key, now[key], before[key])
        for key in NUMBERS
        if key in now and key in before and _finite(now[key]) and _finite(before[key])
    }


def changes(now: dict, before: dict) -> dict[str, str]:
    """Key -> signed change text, for every number both runs have."""
    return {key: change_text(key, now[key], before[key]) for key in differences(now, before)}
