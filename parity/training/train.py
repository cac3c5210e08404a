"""train(config, on_progress) -> TrainResult, and the one training loop every run goes through.

`run_loop(stepper, members)` trains Members (a model each, with its data, test set, stop rule,
snapshots and history): the step and the stress checks are the stepper's (AdamStep here for one
model, parity.training.batched's StackStep for a stack); the evaluation schedule, divergence,
restarts, progress and stop requests are the loop's. A curriculum (parity.training.curriculum)
is a Member with its own data schedule and stop rule.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ..core import data
from ..core.config import Config
from ..core.runtime import TrainingStopped, thread_map, use_one_thread
from ..evaluation.evaluate import accuracy
from ..evaluation.stacked_checks import check_many
from ..evaluation.stress import CHECK_FACTOR, CHECK_SIZE, StressSuite, config_suite
from ..evaluation.verdict import Verdict
from ..nets import losses
from ..nets.models import ParityModel, build
from .optimiser import Adam
from .snapshots import Recorder, Snapshot
from .stopping import StopRule

if TYPE_CHECKING:
    import pandas as pd

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


class HistoryRows(list):
    """A history's rows (HISTORY_COLUMNS), not yet a DataFrame."""


class LazyFrame:
    """A dataclass field that holds a history as HistoryRows until it is first read, then as
    the DataFrame: a command that never reads it never imports pandas (0.3 s)."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:  # the dataclass asks for a default: there is none
            raise AttributeError(self.slot)
        value = obj.__dict__[self.slot]
        if isinstance(value, HistoryRows):
            import pandas as pd

            value = obj.__dict__[self.slot] = pd.DataFrame(value, columns=HISTORY_COLUMNS)
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


def last_value(history, column: str, empty: float | None = None) -> float | None:
    """The history's last value of `column` as a float (`empty` for an empty history);
    `history` is HistoryRows or a DataFrame."""
    if isinstance(history, HistoryRows):
        return float(history[-1][HISTORY_COLUMNS.index(column)]) if history else empty
    return float(history[column].iloc[-1]) if len(history) else empty


@dataclass
class TrainResult:
    """A trained model with its history and how training ended."""

    config: Config
    model: ParityModel
    history: pd.DataFrame = LazyFrame()  # HISTORY_COLUMNS, one row per evaluation
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
    stage_starts: dict[int, int] | None = None  # a curriculum's prefix length -> first step on it

    @property
    def final_test_accuracy(self) -> float:
        return self._last("test_accuracy", 0.0)

    def _last(self, column: str, empty: float | None = None) -> float | None:
        """The history's last `column`, read without building the DataFrame."""
        return last_value(self.__dict__["_history"], column, empty)

    def summary(self) -> dict:
        """JSON-ready numbers: what the CLI prints and the app shows."""
        return {
            "config": self.config.to_dict(),
            "status": self.status,
            "steps": self.steps,
            "solved_at_step": self.solved_at_step,
            "train_seconds": round(self.train_seconds, 4),
            "final_test_accuracy": self.final_test_accuracy,
            "final_train_accuracy": self._last("train_accuracy", 0.0),
            "final_loss": self._last("loss"),
            "restarts": self.restarts,
            "verdict": self.verdict.to_dict() if self.verdict else None,
        }


def check_set(config: Config) -> data.Batch:
    """The stress check's random strings: CHECK_SIZE of CHECK_FACTOR x the test maximum."""
    return dict(config_suite(config).random)["random"]


class Member:
    """One model in the loop: its config, data, test set, stop rule, snapshots and history."""

    def __init__(self, index: int, config: Config, model: ParityModel, rule=None, batches=None):
        self.index, self.config, self.model = index, config, model
        self.rule = rule or StopRule(config)
        self.batches = batches or data.config_batches(config)
        self.test, self.recorder = data.test_set(config, TEST_SIZE), Recorder(model)
        self.rows: list[list] = []
        self.status, self.solved_at, self.seconds, self.step = "budget", None, 0.0, 0

    def test_accuracy(self) -> float:
        """The model's accuracy on its test set now."""
        return accuracy(self.model, self.test)

    def evaluate(self, step: int, loss: float, acc: float, report, test_acc=None) -> float:
        """The test accuracy now (given, or measured), recorded in the history, a snapshot and
        a progress report."""
        test_acc = self.test_accuracy() if test_acc is None else test_acc
        self.rows.append([step, loss, acc, test_acc, self.seconds])
        self.recorder.add(step)
        if report is not None:
            report(self.index, Progress(step, self.config.steps, loss, acc, test_acc, self.seconds))
        if test_acc == 1.0 and self.rule.final_stage:
            self.solved_at = self.solved_at or step
        return test_acc

    def result(self) -> TrainResult:
        """The TrainResult: history, the model judged by its rule, snapshots."""
        history = HistoryRows(self.rows)
        self.model.eval()
        test_acc = last_value(history, "test_accuracy", 0.0)
        verdict = self.rule.verdict(self.model, test_acc, self.status, self.step)
        snaps = self.recorder.finish(self.step)
        return TrainResult(
            self.config, self.model, history, self.status, self.step, self.solved_at,
            self.seconds, snaps, verdict, self.rule.restarts,
        )  # fmt: skip


class AdamStep:
    """The stepper of one model: its forward, loss, gradient clipping and torch.optim.Adam."""

    def __init__(self, model: ParityModel, config: Config):
        self.model, self.config = model, config
        self.reset_optimiser(0)

    def reset_optimiser(self, row: int) -> None:
        """A fresh Adam (after the model restarts from fresh weights)."""
        self.optimiser = Adam(self.model.parameters(), lr=self.config.lr)

    def keep(self, rows: list[int]) -> None:
        """Nothing to hand back: one model's weights are its own."""

    check = staticmethod(check_many)  # StressSuite.run(stop_early=True)'s answer, cheaper

    def step(self, members: list[Member]) -> list[tuple[float, float]]:
        """[(loss, train accuracy)] on the member's next batch; no update for a non-finite loss."""
        config, model = self.config, self.model
        batch = next(members[0].batches)
        logits = model(batch.bits)  # (B, T)
        loss = losses.parity_loss(logits, batch, config.target, losses.BCE[config.impl])
        with torch.no_grad():
            last = logits.gather(1, (batch.lengths - 1).unsqueeze(1)).squeeze(1)
            train_acc = ((last > 0).float() == batch.parity).float().mean().item()
        if math.isfinite(loss.item()):
            self.optimiser.zero_grad()
            loss.backward()
            if config.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            self.optimiser.step()
        return [(loss.item(), train_acc)]


def _step(stepper, members: list[Member], step: int, report) -> None:
    """One step of every member, then the evaluations and decisions due at it."""
    started = time.perf_counter()
    outputs = stepper.step(members)
    spent = (time.perf_counter() - started) / len(members)  # each member's share
    due = []
    for row, (member, (loss, acc)) in enumerate(zip(members, outputs, strict=True)):
        member.step = step
        if not math.isfinite(loss):  # its update was not kept: it stops here
            member.status = "diverged"
            member.rows.append([step, float("nan"), acc, float("nan"), member.seconds])
            continue
        member.seconds += spent
        if step % member.config.eval_every == 0 or step == member.config.steps:
            due.append((row, member, loss, acc))
    scores = thread_map(Member.test_accuracy, [member for _, member, _, _ in due])  # the cores
    evaluated = [
        (row, member, member.evaluate(step, loss, acc, report, score))
        for (row, member, loss, acc), score in zip(due, scores, strict=True)
    ]  # recorded and reported in order, in this thread
    _decide(stepper, evaluated, step)


def _decide(stepper, evaluated: list[tuple[int, Member, float]], step: int) -> None:
    """Each evaluated member's stop rule, after the stress checks due (run by the stepper);
    a restart gives the member fresh weights and a fresh optimiser."""
    due = [(row, m.model, m.rule.check_due(acc)) for row, m, acc in evaluated]
    due = [(row, model, suite) for row, model, suite in due if suite is not None]
    found = stepper.check([model for _, model, _ in due], [suite for _, _, suite in due])
    outcomes = dict(zip([row for row, _, _ in due], found, strict=True))
    for row, member, test_acc in evaluated:
        decision = member.rule.decide(member.model, step, test_acc, outcomes.get(row))
        if decision == "restart":
            member.rule.fresh_weights(member.model)  # in place: a stack's row too
            stepper.reset_optimiser(row)
        elif decision is not None:
            member.status = decision


def run_loop(
    stepper, members: list[Member], on_progress=None, should_stop=None
) -> list[TrainResult]:
    """Train `members` with `stepper` until each stops or the budget ends; their results.

    on_progress(member index, Progress) after each evaluation; should_stop() is asked before
    every step, and TrainingStopped raised when it answers True. A member that stops leaves
    the stepper (stepper.keep: the rows that go on); the others go on.
    """
    total, active = members[0].config.steps, list(members)
    for step in range(1, total + 1):
        if should_stop is not None and should_stop():
            raise TrainingStopped(f"stopped at step {step} of {total}")
        _step(stepper, active, step, on_progress)
        going = [row for row, member in enumerate(active) if member.status == "budget"]
        if len(going) < len(active):  # the others stopped: diverged, solved or generalized
            stepper.keep(going)
            active = [active[row] for row in going]
        if not active:
            break
    stepper.keep([])  # every model's weights become its own
    return thread_map(Member.result, members)  # verdicts over runtime.evidence_threads()


def train_alone(member: Member, on_progress=None, should_stop=None) -> TrainResult:
    """One member trained by AdamStep; on_progress(Progress) after each evaluation."""
    report = None if on_progress is None else (lambda _, progress: on_progress(progress))
    return run_loop(AdamStep(member.model, member.config), [member], report, should_stop)[0]


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
    return train_alone(Member(0, config, build(config)), on_progress, should_stop)
