"""A length curriculum: the same fixed training strings, shown as growing prefixes.

`train()` always starts from fresh weights and one length range, so a curriculum cannot be a
Config of it. This is its own small loop over the same pieces (models.build, losses, the
fixed training set of `data.training_batches`): the config's `train_size` strings of length
`max_len` are drawn exactly as `train()` draws them, then trained on as their first L bits,
L going through `lengths`, with the loss of the config's target at each prefix's end. A stage
ends once its held-out prefixes are all right (checked every `eval_every` steps); the last
stage is the full length and runs to the budget or, with stop 'solved' or 'generalized', to
the first perfect test score. The whole run shares one step budget, `config.steps`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pandas as pd
import torch

from ..core import data
from ..core.config import Config
from ..core.runtime import use_one_thread
from ..evaluation.evaluate import accuracy
from ..nets import losses
from ..nets.models import ParityModel, build

STAGE_CHECK_SIZE = 500
STAGE_CHECK_SEED_OFFSET = 4_000_003  # apart from data's training, test and check offsets
HISTORY_COLUMNS = ["step", "loss", "test_accuracy", "elapsed", "stage_len"]


@dataclass
class CurriculumResult:
    """The public fields of train.TrainResult, plus the step at which each stage began."""

    config: Config
    model: ParityModel
    history: pd.DataFrame  # HISTORY_COLUMNS, one row per evaluation
    status: str  # 'solved', 'budget' or 'diverged'
    steps: int
    solved_at_step: int | None  # first step whose test accuracy (full length) was 1.0
    train_seconds: float
    stage_starts: dict[int, int]  # prefix length -> first step trained on it

    @property
    def final_test_accuracy(self) -> float:
        return float(self.history["test_accuracy"].iloc[-1]) if len(self.history) else 0.0


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


def _optimise(model, optimiser, batch: data.Batch, config: Config, bce):
    """One step on `batch`, returning its loss; no update when the loss is not finite."""
    logits = model(batch.bits)  # (B, L)
    loss = losses.parity_loss(logits, batch, config.target, bce)
    if math.isfinite(loss.item()):
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimiser.step()
    return loss.item()


def _stage_check(config: Config, length: int) -> data.Batch:
    """Held-out strings of one prefix length: a stage ends when they are all right."""
    seed = config.seed + STAGE_CHECK_SEED_OFFSET
    return data.fixed_dataset(STAGE_CHECK_SIZE, length, length, seed)


def _check_stages(config: Config, lengths: tuple[int, ...] | None) -> tuple[int, ...]:
    """The stage lengths (default: doubling), checked to rise to the config's max_len."""
    if config.train_size < 1 or config.min_len != config.max_len:
        raise ValueError("a curriculum needs a fixed set of one length (train_size, min=max)")
    lengths = tuple(lengths or stage_lengths(config.max_len))
    if lengths[-1] != config.max_len or list(lengths) != sorted(set(lengths)):
        raise ValueError(f"stage lengths must rise to max_len {config.max_len} (got {lengths})")
    return lengths


def train_curriculum(config: Config, lengths: tuple[int, ...] | None = None) -> CurriculumResult:
    """Train on prefixes of growing length of the config's fixed set (see the module doc)."""
    stages = iter(_check_stages(config, lengths))
    use_one_thread()
    model = build(config)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    bce = losses.BCE[config.impl]
    pool = data.fixed_dataset(  # the very strings train() would use for this config
        config.train_size, config.max_len, config.max_len, config.seed + data.TRAIN_SET_SEED_OFFSET
    )
    gen, test = data.generator(config.seed), data.test_set(config)
    length = next(stages)
    batches, check = _prefix_batches(pool, length, config.batch_size, gen), None
    rows, starts, status, solved_at, seconds, step = [], {length: 1}, "budget", None, 0.0, 0
    for step in range(1, config.steps + 1):
        started = time.perf_counter()
        loss = _optimise(model, optimiser, next(batches), config, bce)
        if not math.isfinite(loss):
            status = "diverged"
            break
        seconds += time.perf_counter() - started
        if step % config.eval_every and step != config.steps:
            continue
        test_acc = accuracy(model, test)
        rows.append([step, loss, test_acc, seconds, length])
        if length == config.max_len:
            if test_acc == 1.0:
                solved_at = solved_at or step
                if config.stop != "budget":
                    status = "solved"
                    break
            continue
        check = _stage_check(config, length) if check is None else check
        if accuracy(model, check) == 1.0:  # this stage is learnt: move to longer prefixes
            length, check = next(stages), None
            starts[length] = step + 1
            batches = _prefix_batches(pool, length, config.batch_size, gen)
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    model.eval()
    return CurriculumResult(config, model, history, status, step, solved_at, seconds, starts)
