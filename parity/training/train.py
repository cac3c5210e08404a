"""train(config, on_progress) -> TrainResult: the model and its history as a tidy table."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch

from ..core import data
from ..core.config import Config
from ..core.runtime import TrainingStopped, use_one_thread
from ..evaluation.evaluate import accuracy
from ..evaluation.stress import CHECK_FACTOR, CHECK_SIZE, StressSuite, config_suite
from ..evaluation.verdict import Verdict, verdict_for
from ..nets import losses
from ..nets.models import ParityModel, build
from .snapshots import Recorder, Snapshot
from .stopping import StopRule

HISTORY_COLUMNS = ["step", "loss", "train_accuracy", "test_accuracy", "elapsed"]
TEST_SIZE = 1000
__all__ = ["CHECK_FACTOR", "CHECK_SIZE", "StressSuite", "TrainingStopped"]


@dataclass
class Progress:
    """What on_progress receives after every evaluation."""

    step: int
    total: int
    loss: float
    train_accuracy: float
    test_accuracy: float
    elapsed: float  # training seconds so far, evaluation excluded


@dataclass
class TrainResult:
    """A trained model with its history and how training ended."""

    config: Config
    model: ParityModel
    history: pd.DataFrame  # HISTORY_COLUMNS, one row per evaluation
    status: str  # 'generalized', 'solved', 'budget' or 'diverged'
    steps: int  # steps run
    solved_at_step: int | None  # first step whose test accuracy was 1.0
    train_seconds: float  # optimisation time only, evaluation excluded
    # (step, state_dict copy) at evaluation steps, oldest first, the final model last; thinned
    # evenly to at most snapshots.MAX_SNAPSHOTS copies and MAX_SNAPSHOT_FLOATS floats in all.
    # Load one with `build(config).load_state_dict(state)` to replay how the model learned.
    snapshots: tuple[Snapshot, ...] = ()
    # What was shown about the model: parity machine or not, with its evidence
    # (parity.evaluation.verdict)
    verdict: Verdict | None = None
    restarts: int = 0  # fresh starts after the stress check kept failing (config.restart_after)

    @property
    def final_test_accuracy(self) -> float:
        return float(self.history["test_accuracy"].iloc[-1]) if len(self.history) else 0.0

    def summary(self) -> dict:
        """JSON-ready numbers: what the CLI prints and the app shows."""
        return {
            "config": self.config.to_dict(),
            "status": self.status,
            "steps": self.steps,
            "solved_at_step": self.solved_at_step,
            "train_seconds": round(self.train_seconds, 4),
            "final_test_accuracy": self.final_test_accuracy,
            "final_train_accuracy": (
                float(self.history["train_accuracy"].iloc[-1]) if len(self.history) else 0.0
            ),
            "final_loss": float(self.history["loss"].iloc[-1]) if len(self.history) else None,
            "restarts": self.restarts,
            "verdict": self.verdict.to_dict() if self.verdict else None,
        }


def check_set(config: Config) -> data.Batch:
    """The stress check's random strings: CHECK_SIZE of CHECK_FACTOR x the test maximum."""
    return dict(config_suite(config).random)["random"]


def _step_loss(model, batch, config, bce) -> tuple[torch.Tensor, float]:
    """Loss on a batch and the accuracy of its final answers (read off the same forward)."""
    logits = model(batch.bits)  # (B, T)
    loss = losses.parity_loss(logits, batch, config.target, bce)
    with torch.no_grad():
        last = logits.gather(1, (batch.lengths - 1).unsqueeze(1)).squeeze(1)
        train_acc = ((last > 0).float() == batch.parity).float().mean().item()
    return loss, train_acc


def train(
    config: Config,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train a fresh model for `config`. Deterministic: the same config, the same history.

    `should_stop()` is asked before every step; when it answers True, TrainingStopped is
    raised and nothing half-trained is returned.

    Runs on one intra-op thread (set for the calling thread): the tensors are tiny, so more
    threads cost more than they give, and the thread count changes float rounding, so fixing it
    makes a config's history the same on every machine and for every app visitor.
    """
    use_one_thread()
    model = build(config)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    bce = losses.BCE[config.impl]
    batches = data.config_batches(config)
    test, rule = data.test_set(config, TEST_SIZE), StopRule(config)
    recorder = Recorder(model)
    rows, status, solved_at, seconds, step = [], "budget", None, 0.0, 0
    for step in range(1, config.steps + 1):
        if should_stop is not None and should_stop():
            raise TrainingStopped(f"stopped at step {step} of {config.steps}")
        started = time.perf_counter()
        batch = next(batches)
        loss, train_acc = _step_loss(model, batch, config, bce)
        if not math.isfinite(loss.item()):
            status = "diverged"
            rows.append([step, float("nan"), train_acc, float("nan"), seconds])
            break
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimiser.step()
        seconds += time.perf_counter() - started
        if step % config.eval_every and step != config.steps:
            continue
        test_acc = accuracy(model, test)
        rows.append([step, loss.item(), train_acc, test_acc, seconds])
        recorder.add(step)
        if on_progress is not None:
            on_progress(Progress(step, config.steps, loss.item(), train_acc, test_acc, seconds))
        if test_acc == 1.0:
            solved_at = solved_at or step
        decision = rule.decide(model, step, test_acc)
        if decision == "restart":
            rule.fresh_weights(model)
            optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
        elif decision is not None:
            status = decision
            break
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    model.eval()
    verdict = verdict_for(
        model,
        config,
        float(history["test_accuracy"].iloc[-1]) if rows else 0.0,
        suite=rule.suite,
        outcome=rule.outcome if status == "generalized" else None,
        diverged_at=step if status == "diverged" else None,
        budget=step if status == "budget" else None,
    )
    snaps = recorder.finish(step)
    return TrainResult(
        config, model, history, status, step, solved_at, seconds, snaps, verdict, rule.restarts
    )
