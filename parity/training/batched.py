"""train_many(configs): K models of one shape trained as one stacked computation.

At hidden size 8 a training step of one model is mostly per-operation overhead, so K models
of one shape (configs equal but for the seed) step together: one stacked forward and
backward (parity.nets.stacked_cells), each model with its own seed, data stream, test set, loss,
gradient clipping, Adam state, evaluations and StopRule (a model that stops leaves the
stack; the others go on). Each result is a full parity.training.train.TrainResult.

Equality, as tests/training/test_batched.py checks it:
- A model's result does not depend on which other models share its stack: train_many([c])
  and train_many([c, d, e]) give c bitwise the same history, steps, status and weights, also
  when the others stop earlier or restart (batched_cells explains why this holds).
- Against parity.training.train.train(config) alone it agrees to float rounding, not bitwise: the
  stack pads every batch to max_len steps and a multiple of 32 rows, and sums in other
  orders (impl="torch" trains through oneDNN's fused LSTM besides). Losses agree to a
  relative 1e-5 over the first 30 steps (every arch, impl and target); later Adam amplifies
  the rounding. Measured on unseen seeds 300..319 of the defaults: the same status and
  verdict 20/20, the same solved step 19/20 (seed 307: solved at 50 batched, 60 alone).
- The stop rule's stress check stops at the model's first wrong string (batched_checks):
  the same decision from the same predictions, at a fraction of the cost while it fails.

train_seconds of a model: the wall time of each stacked step it took part in, divided by
the number of models in the stack at that step (evaluation excluded, as in train()).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from ..core import data
from ..core.config import Config
from ..core.runtime import use_one_thread
from ..evaluation.evaluate import accuracy
from ..evaluation.stacked_checks import check_many
from ..evaluation.stress import config_suite
from ..evaluation.verdict import verdict_for
from ..nets.stacked import Stack
from ..nets.stacked_cells import aligned
from .snapshots import Recorder
from .stopping import StopRule
from .train import HISTORY_COLUMNS, TEST_SIZE, Progress, TrainingStopped, TrainResult


def check_group(configs: Sequence[Config]) -> tuple[Config, ...]:
    """The configs as a tuple, if they differ in nothing but the seed; ValueError otherwise."""
    configs = tuple(configs)
    if not configs:
        raise ValueError("train_many needs at least one config")
    if not all(isinstance(c, Config) for c in configs):
        raise ValueError("train_many takes Config objects")
    base = configs[0].to_dict()
    for config in configs[1:]:
        differ = [k for k, v in config.to_dict().items() if k != "seed" and v != base[k]]
        if differ:
            raise ValueError(
                f"train_many trains configs that differ only in seed (these also differ in "
                f"{', '.join(differ)})"
            )
    return configs


@dataclass
class Padded:
    """One batch per model, padded to (K, rows, steps): rows a multiple of 32, steps max_len."""

    bits_tm: torch.Tensor  # (T, K, 1, B) time-major
    lengths: torch.Tensor  # (K, B), 1 in padding rows
    parity: torch.Tensor  # (K, B)
    running: torch.Tensor  # (K, T, B)
    real: torch.Tensor  # (K, B) bool
    sizes: list[int]  # real rows of each model

    @property
    def shape(self) -> tuple[int, int, int]:
        steps, k, _, rows = self.bits_tm.shape
        return k, steps, rows

    @classmethod
    def of(cls, batches: list[data.Batch], steps: int, rows: int) -> Padded:
        bits = torch.zeros(len(batches), rows, steps)
        lengths = torch.ones(len(batches), rows, dtype=torch.long)
        for k, batch in enumerate(batches):
            bits[k, : len(batch), : batch.bits.shape[1]] = batch.bits
            lengths[k, : len(batch)] = batch.lengths
        real = torch.arange(rows) < torch.tensor([len(b) for b in batches])[:, None]
        return cls(
            bits.permute(2, 0, 1).unsqueeze(2).contiguous(),
            lengths,
            bits.sum(2).remainder(2),
            bits.cumsum(2).remainder(2).transpose(1, 2).contiguous(),
            real,
            [len(b) for b in batches],
        )

    def weights(self, target: str) -> torch.Tensor:
        """Each term's weight in its model's loss (its mean over sequences): (K, terms)."""
        k, steps, rows = self.shape
        share = self.real / torch.tensor(self.sizes, dtype=torch.float32)[:, None]  # (K, B)
        if target == "final":
            return share
        inside = torch.arange(steps)[None, :, None] < self.lengths[:, None, :]  # (K, T, B)
        return (inside * (share / self.lengths)[:, None, :]).reshape(k, steps * rows)


class Member:
    """One model of the group: its config, data, test set, stop rule and history so far."""

    def __init__(self, index: int, config: Config, model):
        self.index, self.config, self.model = index, config, model
        self.batches = data.config_batches(config)
        self.test, self.rule = data.test_set(config, TEST_SIZE), StopRule(config)
        self.recorder = Recorder(model)
        self.rows: list[list] = []
        self.status, self.solved_at, self.seconds, self.step = "budget", None, 0.0, 0
        self.done = False

    def result(self) -> TrainResult:
        """The TrainResult, judged and snapshotted as parity.training.train does."""
        history = pd.DataFrame(self.rows, columns=HISTORY_COLUMNS)
        self.model.eval()
        status, step = self.status, self.step
        verdict = verdict_for(
            self.model,
            self.config,
            float(history["test_accuracy"].iloc[-1]) if self.rows else 0.0,
            suite=self.rule.suite,
            outcome=self.rule.outcome if status == "generalized" else None,
            diverged_at=step if status == "diverged" else None,
            budget=step if status == "budget" else None,
        )
        snaps = self.recorder.finish(step)
        return TrainResult(
            self.config, self.model, history, status, step, self.solved_at, self.seconds,
            snaps, verdict, self.rule.restarts,
        )  # fmt: skip


def _evaluate(member: Member, step: int, loss: float, acc: float, report) -> float:
    """parity.training.train's evaluation for one model: history, snapshot, progress."""
    config = member.config
    test_acc = accuracy(member.model, member.test)
    member.rows.append([step, loss, acc, test_acc, member.seconds])
    member.recorder.add(step)
    if report is not None:
        report(member.index, Progress(step, config.steps, loss, acc, test_acc, member.seconds))
    if test_acc == 1.0:
        member.solved_at = member.solved_at or step
    return test_acc


def _decide(stack: Stack, evaluated: list[tuple[int, Member, float]], step: int) -> None:
    """Each evaluated model's stop rule, with the stress check that stops at the first wrong
    string (batched_checks); a restart writes fresh weights into the model's row."""
    checked = [
        (row, m) for row, m, acc in evaluated if acc == 1.0 and m.config.stop == "generalized"
    ]
    for _, member in checked:
        member.rule.suite = member.rule.suite or config_suite(member.config)
    models, suites = [m.model for _, m in checked], [m.rule.suite for _, m in checked]
    outcomes = dict(zip([row for row, _ in checked], check_many(models, suites), strict=True))
    for row, member, test_acc in evaluated:
        decision = member.rule.decide(member.model, step, test_acc, outcomes.get(row))
        if decision == "restart":
            member.rule.fresh_weights(member.model)  # writes into the stack's row
            stack.reset_optimiser(row)
        elif decision is not None:
            member.status, member.done = decision, True


def _step(stack: Stack, members: list[Member], step: int, report) -> None:
    """One stacked training step, then the evaluations that fall on it."""
    config = stack.config
    started = time.perf_counter()
    batches = [next(m.batches) for m in members]
    padded = Padded.of(batches, config.max_len, aligned(config.batch_size))
    leaf, losses, right = stack.losses(padded)
    values, right = losses.tolist(), right.tolist()
    before = {row: stack.flat[row].clone() for row, v in enumerate(values) if not math.isfinite(v)}
    losses.sum().backward()
    stack.update(leaf.grad)
    for row, weights in before.items():  # a diverged model keeps its weights, as in train()
        stack.flat[row] = weights
    spent = (time.perf_counter() - started) / len(members)
    evaluated = []
    for row, member in enumerate(members):
        member.step = step
        acc = (torch.tensor(right[row], dtype=torch.float32) / padded.sizes[row]).item()
        if not math.isfinite(values[row]):  # its update is not kept: it leaves the stack
            member.status, member.done = "diverged", True
            member.rows.append([step, float("nan"), acc, float("nan"), member.seconds])
            continue
        member.seconds += spent
        if step % config.eval_every == 0 or step == config.steps:
            evaluated.append((row, member, _evaluate(member, step, values[row], acc, report)))
    _decide(stack, evaluated, step)


def train_many(
    configs: Sequence[Config],
    on_progress: Callable[[int, Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[TrainResult]:
    """Train every config (one shape, any seeds) as one stack; results in the configs' order.

    on_progress(k, Progress) after each evaluation of model k; should_stop() is asked
    before every step (TrainingStopped when it answers True, as parity.training.train.train does).
    """
    configs = check_group(configs)
    use_one_thread()
    stack = Stack(configs)
    members = [
        Member(k, c, model) for k, (c, model) in enumerate(zip(configs, stack.models, strict=True))
    ]
    active, results = list(members), {}
    for step in range(1, configs[0].steps + 1):
        if should_stop is not None and should_stop():
            raise TrainingStopped(f"stopped at step {step} of {configs[0].steps}")
        _step(stack, active, step, on_progress)
        keep = [row for row, member in enumerate(active) if not member.done]
        if len(keep) < len(active):
            stack.keep(keep)  # the finished models' weights become their own
            for member in (m for m in active if m.done):
                results[member.index] = member.result()
            active = [active[row] for row in keep]
        if not active:
            break
    stack.keep([])  # every model's weights become its own (a view would pin the stack)
    for member in active:
        results[member.index] = member.result()
    return [results[k] for k in range(len(configs))]
