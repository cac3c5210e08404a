"""Constructed experiment rows, shaped as parity.experiments.runs.run_one returns them."""

from __future__ import annotations


def make_row(
    condition: str,
    seed: int,
    test_accuracy: float,
    solved_at_step: int | None = None,
    at_50: float | None = None,
    *,
    steps: int = 100,
    hidden_size: int = 8,
    max_len: int = 20,
    arch: str = "lstm",
    impl: str = "torch",
    train_seconds: float = 1.0,
    error: str | None = None,
) -> dict:
    """One run's row; its curve climbs to test_accuracy over `steps` in two evaluations."""
    return {
        "condition": condition,
        "seed": seed,
        "arch": arch,
        "impl": impl,
        "hidden_size": hidden_size,
        "min_len": 1,
        "max_len": max_len,
        "train_size": 0,
        "target": "final",
        "method": "train",
        "status": "solved" if solved_at_step else "budget",
        "steps": steps,
        "solved_at_step": solved_at_step,
        "solved": solved_at_step is not None,
        "test_accuracy": test_accuracy,
        "train_seconds": train_seconds,
        "accuracy_by_length": {} if at_50 is None else {"50": at_50},
        "curve": {
            "step": [steps // 2, steps],
            "loss": [0.7, 0.5],
            "test_accuracy": [0.5, test_accuracy],
        },
        "config": {},
        "error": error,
    }
