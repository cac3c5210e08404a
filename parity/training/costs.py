"""How much memory and time training a configuration takes: pessimistic estimates.

estimate(config) -> Estimate(bytes, seconds), from the configuration's fields alone, with
coefficients fitted to peak-memory and time measurements on this project's 2-core machines
(`python bench/limits.py --only fit`, bench/LIMITS.md) and multiplied by a safety margin.
The app decides what fits its server from these numbers (ui/ranges.py); the command line
only warns (CLI_WARN_BYTES).

Memory, what one training run adds to a process that has imported torch:
- each step: batch x max_len x (hidden x TRAIN_FLOATS[arch, impl] + BIT_FLOATS) floats,
  the activations autograd (or bptt.py) keeps for the backward pass, and their gradients;
- the data: a fixed training set (train_size x max_len bits), the test set and the check set
  (1,000 strings each), DATA_BYTES per bit while they are drawn;
- evaluation: bounded by evaluate.MAX_ELEMENTS and models.MAX_CHUNK_FLOATS, a constant.
Time: steps x max_len time steps forward and back, plus an evaluation of the 1,000 test
strings every eval_every steps and, with stop "generalized", a check of 1,000 strings 10x
longer after each of them (pessimistic: a check after every evaluation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.config import MAX_TEST_LEN, Config
from ..evaluation.evaluate import MAX_ELEMENTS
from ..nets.cells import GATES

MB = 2**20
FLOAT = 4  # bytes
MARGIN = 1.5  # estimates are the fitted model times this

# Floats per (row, time step, hidden unit) one training step holds at its peak: the measured
# peak over the imported baseline, less FIXED_BYTES, over 4 x batch x length x hidden, at
# three shapes of 1.6 million (row, step, unit) cells each, rounded up (bench/limits.py fit).
TRAIN_FLOATS = {
    ("lstm", "torch"): 19,
    ("gru", "torch"): 18,
    ("rnn", "torch"): 8,
    ("lstm", "scratch"): 44,
    ("gru", "scratch"): 35,
    ("rnn", "scratch"): 11,
}
BIT_FLOATS = 16  # per (row, time step) whatever the width: bits, masks, logits, losses
DATA_BYTES = 12  # per bit of a fixed dataset while it is drawn (float32, mask, product)
FIXED_BYTES = 112 * MB  # a tiny run's whole peak: evaluation chunks, optimiser, allocator

# Seconds per time step of one training step or one evaluation chunk (Python and dispatch),
# per multiply-add of the recurrence, and once per run (building, drawing the data), fitted to
# CPU seconds on one intra-op thread (bench/LIMITS.md), so a core to itself is assumed.
STEP_OVERHEAD = {"torch": 150e-6, "scratch": 250e-6}
EVAL_OVERHEAD = {"torch": 60e-6, "scratch": 100e-6}
START_SECONDS = 1.0
MAC_SECONDS = 1.0e-10
TRAIN_MACS = 3  # forward + backward (two products) per forward multiply-add
TEST_SIZE = CHECK_SIZE = 1000  # mirrors train.TEST_SIZE / CHECK_SIZE (train imports us not)
CHECK_FACTOR = 10

CLI_WARN_BYTES = 4 * 2**30


@dataclass(frozen=True)
class Estimate:
    """Pessimistic peak memory a run adds to its process, and its worst-case seconds."""

    bytes: int
    seconds: float

    @property
    def megabytes(self) -> float:
        return self.bytes / MB


def check_length(config: Config) -> int:
    """Length of the generalization check's strings (as train.check_set)."""
    return min(config.test_max_len * CHECK_FACTOR, MAX_TEST_LEN)


def train_bytes(config: Config) -> int:
    """Pessimistic peak memory a training run adds to its process, in bytes."""
    c = config
    width = c.hidden_size * TRAIN_FLOATS[c.arch, c.impl] + BIT_FLOATS
    steps = FLOAT * c.batch_size * c.max_len * width
    data = DATA_BYTES * (
        c.train_size * c.max_len + TEST_SIZE * c.test_max_len + CHECK_SIZE * check_length(c)
    )
    return int(MARGIN * (steps + data + FIXED_BYTES))


def memory_split(config: Config) -> tuple[int, int]:
    """(bytes the step's per-unit activations hold, bytes the drawn data hold), unmargined:
    which of the two a run's memory is mostly made of."""
    c = config
    step_floats = c.batch_size * c.max_len * c.hidden_size * TRAIN_FLOATS[c.arch, c.impl]
    data_bits = c.train_size * c.max_len + TEST_SIZE * (c.test_max_len + check_length(c))
    return FLOAT * step_floats, DATA_BYTES * data_bits


def eval_seconds(config: Config, rows: int, length: int) -> float:
    """Seconds to evaluate `rows` strings of `length` bits (evaluate.accuracy's chunking)."""
    chunks = math.ceil(rows / max(1, MAX_ELEMENTS // length))
    macs = rows * GATES[config.arch] * config.hidden_size**2
    return length * (chunks * EVAL_OVERHEAD[config.impl] + macs * MAC_SECONDS)


def train_seconds(config: Config) -> float:
    """Pessimistic seconds for the whole step budget, evaluations and checks included."""
    c = config
    macs = TRAIN_MACS * c.batch_size * GATES[c.arch] * c.hidden_size * (c.hidden_size + 2)
    per_step = c.max_len * (STEP_OVERHEAD[c.impl] + macs * MAC_SECONDS)
    evals = math.ceil(c.steps / c.eval_every)
    per_eval = eval_seconds(c, TEST_SIZE, c.test_max_len)
    if c.stop == "generalized":
        per_eval += eval_seconds(c, CHECK_SIZE, check_length(c))
    return MARGIN * (START_SECONDS + c.steps * per_step + evals * per_eval)


def estimate(config: Config) -> Estimate:
    """Pessimistic (peak bytes, seconds) of training `config`, from its fields alone."""
    return Estimate(train_bytes(config), train_seconds(config))


def cli_warning(config: Config) -> str | None:
    """A one-line warning for the command line when a run may need over CLI_WARN_BYTES."""
    needed = train_bytes(config)
    if needed <= CLI_WARN_BYTES:
        return None
    return (
        f"warning: this run may need about {needed / 2**30:.1f} GB of memory at its peak "
        f"(a pessimistic estimate; warned above {CLI_WARN_BYTES / 2**30:.0f} GB); lower "
        "--batch-size, --max-len or --hidden-size to need less"
    )
