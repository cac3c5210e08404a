"""train_many(configs): K models of one shape trained as one stacked computation.

At hidden size 8 a training step of one model is mostly per-operation overhead, so K models
of one shape (configs equal but for the seed) step together: one stacked forward and
backward (parity.nets.stacked_cells), each model with its own seed, data stream, test set, loss,
gradient clipping, Adam state, evaluations and StopRule (a model that stops leaves the
stack; the others go on). The loop is parity.training.train's run_loop, with StackStep as its
stepper; each result is a full parity.training.train.TrainResult.

Equality, as tests/training/test_batched.py checks it:
- A model's result does not depend on which other models share its stack: train_many([c])
  and train_many([c, d, e]) give c bitwise the same history, steps, status and weights, also
  when the others stop earlier or restart (parity.nets.stacked_cells explains why this holds).
- Against parity.training.train.train(config) alone it agrees to float rounding, not bitwise: the
  stack pads every batch to max_len steps and a multiple of 32 rows, and sums in other
  orders (impl="torch" trains through oneDNN's fused LSTM besides). Losses agree to a
  relative 1e-5 over the first 30 steps (every arch, impl and target); later Adam amplifies
  the rounding. Measured on unseen seeds 300..319 of the defaults: the same status and
  verdict 20/20, the same solved step 19/20 (seed 307: solved at 50 batched, 60 alone).
- The stop rule's stress check stops at the model's first wrong string
  (parity.evaluation.stacked_checks): the same decision from the same predictions, at a
  fraction of the cost while it fails.

train_seconds of a model: the wall time of each stacked step it took part in, divided by
the number of models in the stack at that step (evaluation excluded, as in train()).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..core import data
from ..core.config import Config
from ..core.runtime import use_one_thread
from ..evaluation.stacked_checks import check_many
from ..nets.stacked import Stack
from ..nets.stacked_cells import aligned
from .train import Member, Progress, TrainResult, run_loop


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


class StackStep(Stack):
    """The stepper of a stack: one stacked step for every member, and their stress checks."""

    check = staticmethod(check_many)  # stops at each model's first wrong string

    def step(self, members: list[Member]) -> list[tuple[float, float]]:
        """[(loss, train accuracy)] of each member on its next batch; a model whose loss is
        not finite keeps its weights, as in train()."""
        config = self.config
        batches = [next(m.batches) for m in members]
        padded = Padded.of(batches, config.max_len, aligned(config.batch_size))
        leaf, losses, right = self.losses(padded)
        values, right = losses.tolist(), right.tolist()
        before = {
            row: self.flat[row].clone() for row, v in enumerate(values) if not math.isfinite(v)
        }
        losses.sum().backward()
        self.update(leaf.grad)
        for row, weights in before.items():
            self.flat[row] = weights
        sizes = zip(right, padded.sizes, strict=True)
        accs = [(torch.tensor(r, dtype=torch.float32) / n).item() for r, n in sizes]
        return list(zip(values, accs, strict=True))


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
    stack = StackStep(configs)
    members = [Member(k, c, m) for k, (c, m) in enumerate(zip(configs, stack.models, strict=True))]
    return run_loop(stack, members, on_progress, should_stop)
