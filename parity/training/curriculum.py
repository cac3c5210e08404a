"""A length curriculum: the same fixed training strings, shown as growing prefixes.

A curriculum is a schedule of training data on the one training loop (parity.training.train):
the config's `train_size` strings of length `max_len` are drawn exactly as `train()` draws
them, then trained on as their first L bits, L going through `lengths`, with the loss of the
config's target at each prefix's end. A stage ends once its held-out prefixes are all right
(checked every `eval_every` steps); the last stage is the full length and runs to the budget
or, with stop 'solved' or 'generalized', to the first perfect test score (no stress check and
no verdict). The whole run shares one step budget, `config.steps`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch

from ..core import data
from ..core.config import Config
from ..core.runtime import use_one_thread
from ..evaluation.evaluate import accuracy
from ..nets.models import build
from .stopping import StopRule
from .train import Member, Progress, TrainResult, train_alone

STAGE_CHECK_SIZE = 500
STAGE_CHECK_SEED_OFFSET = 4_000_003  # apart from data's training, test and check offsets
HISTORY_COLUMNS = ["step", "loss", "test_accuracy", "elapsed", "stage_len"]


def stage_lengths(max_len: int, first: int = 2) -> tuple[int, ...]:
    """Doubling prefix lengths up to max_len, which always ends the list.

    >>> stage_lengths(50)
    (2, 4, 8, 16, 32, 50)
    """
    lengths, n = [], min(first, max_len)
    while n < max_len:
        lengths.append(n)
        n *= 2
    return (*lengths, max_len)


def _prefix_batches(pool: data.Batch, length: int, batch_size: int, gen: torch.Generator):
    """Endless epochs over the first `length` bits of every string of `pool`."""
    prefixes = data.Batch(pool.bits[:, :length], torch.full_like(pool.lengths, length))
    while True:
        order = torch.randperm(len(prefixes), generator=gen)
        for start in range(0, len(prefixes), batch_size):
            yield prefixes.subset(order[start : start + batch_size])


class Stages(StopRule):
    """The curriculum's data schedule and stop rule: each prefix length until its check passes,
    then the full length, which stops as stop 'solved' does (or runs to the budget)."""

    def __init__(self, config: Config, lengths: tuple[int, ...] | None):
        if config.train_size < 1 or config.min_len != config.max_len:
            raise ValueError("a curriculum needs a fixed set of one length (train_size, min=max)")
        lengths = tuple(lengths or stage_lengths(config.max_len))
        if lengths[-1] != config.max_len or list(lengths) != sorted(set(lengths)):
            raise ValueError(f"stage lengths must rise to max_len {config.max_len} (got {lengths})")
        super().__init__(config.replace(stop="budget" if config.stop == "budget" else "solved"))
        self.pool = data.fixed_dataset(  # the very strings train() would use for this config
            config.train_size,
            config.max_len,
            config.max_len,
            config.seed + data.TRAIN_SET_SEED_OFFSET,
        )
        self.lengths, self.length, self.check = lengths, lengths[0], None
        self.gen, self.starts = data.generator(config.seed), {self.length: 1}

    @property
    def final_stage(self) -> bool:
        return self.length == self.config.max_len

    def batches(self):
        """Epochs over the current stage's prefixes; a new stage starts a new epoch."""
        while True:
            length = self.length
            for batch in _prefix_batches(self.pool, length, self.config.batch_size, self.gen):
                yield batch
                if self.length != length:
                    break

    def verdict(self, *_) -> None:
        """No verdict: a curriculum is judged by its test set."""

    def decide(self, model, step: int, test_accuracy: float, outcome=None) -> str | None:
        """The last stage's stop rule; before it, the next stage once this one's held-out
        prefixes (STAGE_CHECK_SIZE strings) are all right."""
        if self.final_stage:
            return super().decide(model, step, test_accuracy, outcome)
        seed = self.config.seed + STAGE_CHECK_SEED_OFFSET
        if self.check is None:
            self.check = data.fixed_dataset(STAGE_CHECK_SIZE, self.length, self.length, seed)
        if accuracy(model, self.check) == 1.0:  # this stage is learnt: move to longer prefixes
            self.length, self.check = self.lengths[self.lengths.index(self.length) + 1], None
            self.starts[self.length] = step + 1
        return None


def train_curriculum(
    config: Config,
    lengths: tuple[int, ...] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train on prefixes of growing length of the config's fixed set (see the module doc).

    on_progress and should_stop as in parity.training.train.train. The history has
    HISTORY_COLUMNS (each row's stage length, no train accuracy), and stage_starts is set.
    """
    stages = Stages(config, lengths)
    use_one_thread()
    member = Member(0, config, build(config), stages, stages.batches())
    result, starts = train_alone(member, on_progress, should_stop), stages.starts
    at = [max(n for n in starts if starts[n] <= step) for step in result.history["step"]]
    history = result.history.assign(stage_len=at)[HISTORY_COLUMNS]
    if result.status == "diverged":  # as it always has, the history ends at the last evaluation
        history = history.iloc[:-1]
    return dataclasses.replace(result, history=history, stage_starts=starts)
