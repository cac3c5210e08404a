"""Experiments: lists of independent training runs, and what to summarise over their rows.

An experiment says *what* runs (each a Config, a condition label and a training method); an
executor (parity/execution/executors.py) says *where*. Building an experiment validates the whole
grid
before anything trains, so a bad grid fails at once with a ValueError naming the problem.
This module imports no torch: the CLI answers bad flags without loading it.

- `rfr`: the Requests-for-Research warm-up as posed, with the two contrasts that explain it.
- `compare`: architectures x implementations over seeds.
- `sweep`: hidden size x longest training string, one architecture and target.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.config import (
    ARCH_CHANGES,
    ARCHS,
    IMPLS,
    RFR_LEN,
    RFR_SIZE,
    SHARED_DEFAULTS,
    TARGETS,
    Config,
)

MAX_RUNS = 1_000_000  # a sanity limit on the runs of one experiment (each is a Run in memory)
METHODS = ("train", "curriculum")

# The rfr runs: one learning rate, budget and evaluation cadence for every condition.
RFR_LR = 0.01
RFR_STEPS = math.ceil(RFR_SIZE / Config().batch_size)  # one epoch: 3,125 steps of 32 strings
RFR_EVAL_EVERY = 50
RFR_CONDITIONS = {
    "fixed_50": f"{RFR_SIZE:,} strings of length {RFR_LEN}, final-bit loss",
    "uniform_1_50": f"{RFR_SIZE:,} strings of lengths 1..{RFR_LEN}, final-bit loss",
    "fixed_50_every": f"the same length-{RFR_LEN} strings, loss on every prefix's parity",
    "curriculum_50": f"the same length-{RFR_LEN} strings as prefixes of doubling length, "
    "final-bit loss",
}
COMPARE_STEPS = 1000
COMPARE_DEFAULTS = ("own", "shared")  # each architecture from its own defaults, or the LSTM's
SWEEP_HIDDEN_SIZES = (2, 4, 8, 16)
SWEEP_MAX_LENS = (5, 10, 20, 40)
SWEEP_STEPS = 500
DEFAULT_SEEDS = 3


@dataclass(frozen=True)
class Run:
    """One independent training run: its condition, its configuration, how it trains.

    method 'train' is parity.training.train.train(config); 'curriculum' is
    parity.training.curriculum.train_curriculum(config). Every row also reports the accuracy on
    1,000 strings of each exact length in `eval_lengths`.
    """

    condition: str
    config: Config
    method: str = "train"
    eval_lengths: tuple[int, ...] = ()

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)} (got {self.method!r})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "method": self.method,
            "eval_lengths": list(self.eval_lengths),
            "config": self.config.to_dict(),
        }


@dataclass(frozen=True)
class Experiment:
    """A named list of runs; the summary groups their rows by the `group_by` row fields."""

    name: str
    runs: tuple[Run, ...]
    group_by: tuple[str, ...]
    notes: dict[str, str] = field(default_factory=dict)  # condition -> what it is
    # Train the seeds of one configuration as one stack (parity.training.batched); compare turns it
    # off, because it times the implementations, which a stack would make one.
    batch: bool = True
    # The builder's parameters (seeds as text: "0..99", "1,5,9"): what a results file names.
    grid: dict[str, Any] = field(default_factory=dict)

    def definition(self) -> dict[str, Any]:
        """The full definition, JSON-ready: what a result cache would be keyed by."""
        return {
            "experiment": self.name,
            "batch": self.batch,
            "runs": [run.to_dict() for run in self.runs],
        }


def seeds_in_text(text: str) -> range | tuple[int, ...]:
    """The seeds `text` names, unchecked: a range for a count (3) or a range (100..119), a tuple
    for a list (1,5,9); a ValueError naming the grammar when it is none of them.

    >>> seeds_in_text("3"), seeds_in_text("7..9"), seeds_in_text("4,1")
    (range(0, 3), range(7, 10), (4, 1))
    """
    text = text.strip()
    parts = [part.strip() for part in text.split(",")][:-1]  # '7,': the list of seed 7
    if "" in parts:
        raise ValueError(f"seeds {text!r}: item {parts.index('') + 1} is empty")
    try:
        if ".." in text:
            lo, hi = (int(part) for part in text.split(".."))
            return range(lo, hi + 1)
        if "," in text:
            return tuple(int(part) for part in text.removesuffix(",").split(","))
        return range(int(text))
    except ValueError:
        raise ValueError(
            f"seeds must be a count (3), a range (100..119) or a list (1,5,9); got {text!r}"
        ) from None


def seeds_from_text(text: str) -> tuple[int, ...]:
    """'3' -> the first 3 seeds; '100..119' -> a range; '1,5,9' -> a list; checked.

    >>> seeds_from_text("3"), seeds_from_text("7..9"), seeds_from_text("4,1")
    ((0, 1, 2), (7, 8, 9), (4, 1))
    """
    return check_seeds(seeds_in_text(text))


def seeds_text(seeds: Iterable[int]) -> str:
    """Seeds as the text that names them: '0..99' for a run of consecutive seeds, else '1,5,9'.

    >>> seeds_text((0, 1, 2)), seeds_text((4, 1)), seeds_text((7,))
    ('0..2', '4,1', '7')
    """
    seeds = tuple(seeds)
    if len(seeds) > 2 and seeds == tuple(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}..{seeds[-1]}"
    return ",".join(map(str, seeds))


def check_seeds(seeds: Iterable[int]) -> tuple[int, ...]:
    """Distinct seeds, each valid for Config, at least one, at most MAX_RUNS."""
    if isinstance(seeds, range) and seeds.step == 1:  # by its ends: never one by one
        count = max(0, seeds.stop - seeds.start)  # len() overflows past 2**63
        if count:
            Config(seed=seeds.start)  # raises 'seed must be in 0..2147483647 (got -1)'
            Config(seed=seeds.stop - 1)
        if count > MAX_RUNS:
            raise ValueError(f"{count:,} seeds; at most {MAX_RUNS:,} are allowed")
        if count:
            return tuple(seeds)
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("give at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct (got {', '.join(map(str, seeds))})")
    for seed in seeds:
        Config(seed=seed)  # raises 'seed must be in 0..2147483647 (got -1)'
    return seeds


def _choices(kind: str, values: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(values))  # distinct, in the order given
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        got = ", ".join(map(repr, unknown)) or "nothing"
        raise ValueError(f"unknown {kind} {got}: choose from {', '.join(allowed)}")
    return values


def _grid(seeds: tuple[int, ...], steps: int, **axes) -> dict[str, Any]:
    """The builder's parameters as JSON values, seeds as text."""
    lists = {k: list(v) if isinstance(v, tuple) else v for k, v in axes.items()}
    return {"seeds": seeds_text(seeds), "steps": steps, **lists}


def _distinct(kind: str, values: Iterable[int]) -> tuple[int, ...]:
    values = tuple(dict.fromkeys(int(v) for v in values))
    if not values:
        raise ValueError(f"give at least one {kind}")
    return values


def _check_count(name: str, *axes: tuple) -> None:
    count = 1
    for axis in axes:
        count *= len(axis)
    if count > MAX_RUNS:
        shape = " x ".join(f"{len(axis):,}" for axis in axes)
        raise ValueError(
            f"experiment {name} has {count:,} runs ({shape}); at most {MAX_RUNS:,} are allowed"
        )


def rfr(seeds: Iterable[int] = range(DEFAULT_SEEDS), steps: int = RFR_STEPS) -> Experiment:
    """The Requests-for-Research warm-up: fixed length 50 against lengths 1..50, and why.

    Every condition trains on RFR_SIZE strings with its test set drawn like its training
    set, and every row also reports accuracy at length RFR_LEN, the common yardstick.
    """
    seeds = check_seeds(seeds)
    _check_count("rfr", tuple(RFR_CONDITIONS), seeds)
    fixed = Config(
        train_size=RFR_SIZE,
        min_len=RFR_LEN,
        max_len=RFR_LEN,
        test_min_len=RFR_LEN,
        test_max_len=RFR_LEN,
        target="final",
        lr=RFR_LR,
        steps=steps,
        stop="solved",
        eval_every=RFR_EVAL_EVERY,
    )
    conditions = {
        "fixed_50": (fixed, "train"),
        "uniform_1_50": (fixed.replace(min_len=1, test_min_len=1), "train"),
        "fixed_50_every": (fixed.replace(target="every"), "train"),
        "curriculum_50": (fixed, "curriculum"),
    }
    runs = tuple(
        Run(name, config.replace(seed=seed), method, eval_lengths=(RFR_LEN,))
        for (name, (config, method)), seed in itertools.product(conditions.items(), seeds)
    )
    return Experiment("rfr", runs, ("condition",), dict(RFR_CONDITIONS), grid=_grid(seeds, steps))


def compare(
    seeds: Iterable[int] = range(DEFAULT_SEEDS),
    archs: Iterable[str] = ("rnn", "gru", "lstm"),
    impls: Iterable[str] = IMPLS,
    target: str = "every",
    steps: int = COMPARE_STEPS,
    defaults: Iterable[str] = COMPARE_DEFAULTS,
) -> Experiment:
    """Each architecture on each execution path, same seeds and step budget: who solves, how
    fast, from its own defaults ('own', parity.core.config.ARCH_CHANGES) and from the shared
    ones the LSTM was tuned with ('shared'); the condition says which (arch/impl/defaults)."""
    seeds = check_seeds(seeds)
    archs, impls = _choices("arch", archs, ARCHS), _choices("impl", impls, IMPLS)
    target = _choices("target", [target], TARGETS)[0]
    defaults = _choices("defaults", defaults, COMPARE_DEFAULTS)
    _check_count("compare", archs, impls, defaults, seeds)
    cells = [  # an architecture whose own defaults are the shared ones runs once
        (arch, impl, d)
        for arch, impl, d in itertools.product(archs, impls, defaults)
        if d == "own" or ARCH_CHANGES[arch] or "own" not in defaults
    ]
    runs = tuple(
        Run(
            f"{a}/{i}/{d}", compare_config(a, d).replace(impl=i, target=target, steps=steps, seed=s)
        )
        for (a, i, d), s in itertools.product(cells, seeds)
    )
    notes = {f"{a}/{i}/{d}": compare_note(a, i, d) for a, i, d in cells}
    grid = _grid(seeds, steps, archs=archs, impls=impls, target=target, defaults=defaults)
    return Experiment("compare", runs, ("condition",), notes, batch=False, grid=grid)


def compare_config(arch: str, defaults: str) -> Config:
    """`arch` from its own defaults ('own') or from the shared ones ('shared')."""
    return Config(arch=arch) if defaults == "own" else Config(**(SHARED_DEFAULTS | {"arch": arch}))


def compare_note(arch: str, impl: str, defaults: str) -> str:
    """What a compare condition is, in words: which defaults, and what they change."""
    changes = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in ARCH_CHANGES[arch].items())  # fmt: skip
    if defaults == "shared":
        return f"{arch} on {impl}, from the shared defaults (tuned for the LSTM)"
    own = f"its own defaults ({changes})" if changes else "its own defaults (the shared ones)"
    return f"{arch} on {impl}, from {own}"


def sweep(
    seeds: Iterable[int] = range(DEFAULT_SEEDS),
    hidden_sizes: Iterable[int] = SWEEP_HIDDEN_SIZES,
    max_lens: Iterable[int] = SWEEP_MAX_LENS,
    arch: str = "lstm",
    target: str = "every",
    steps: int = SWEEP_STEPS,
) -> Experiment:
    """Hidden size x longest training string: success rate and steps to solve per cell."""
    seeds = check_seeds(seeds)
    hidden_sizes = _distinct("hidden size", hidden_sizes)
    max_lens = _distinct("longest training string", max_lens)
    arch = _choices("arch", [arch], ARCHS)[0]
    target = _choices("target", [target], TARGETS)[0]
    _check_count("sweep", hidden_sizes, max_lens, seeds)
    base = Config(arch=arch, target=target, steps=steps)
    runs = tuple(
        Run(f"h{hidden}/len{max_len}", base.replace(hidden_size=hidden, max_len=max_len, seed=s))
        for hidden, max_len, s in itertools.product(hidden_sizes, max_lens, seeds)
    )
    grid = _grid(
        seeds, steps, hidden_sizes=hidden_sizes, max_lens=max_lens, arch=arch, target=target
    )
    return Experiment("sweep", runs, ("hidden_size", "max_len"), grid=grid)


EXPERIMENTS = {"rfr": rfr, "compare": compare, "sweep": sweep}
