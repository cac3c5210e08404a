"""The app's ranges and refusals: what a shared 2-CPU, 2.7 GB server trains with margin.

The engine's Config keeps its own (the command line's) ranges and parity.training.costs
estimates what a run needs; here the app decides: tighter upper bounds for some fields
(APP_HI, measured in bench/LIMITS.md) and a memory and time budget for one run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from parity.core.config import Config, fields
from parity.training import costs

APP_MAX_HIDDEN = 64
APP_MAX_TRAIN_LEN = 200
APP_HI = {  # the app's upper bound of a field, tighter than the engine's
    "hidden_size": APP_MAX_HIDDEN,
    "batch_size": 1024,
    "steps": 20_000,
    "min_len": APP_MAX_TRAIN_LEN,
    "max_len": APP_MAX_TRAIN_LEN,
}

# The app's budget for one run on a ~2.7 GB, 2-CPU server that idles at ~650 MB and may run
# two trainings at once (one per core), each in its own process (~300 MB with torch loaded).
APP_BYTES = 512 * costs.MB
APP_SECONDS = 900.0


def app_hi(f: dataclasses.Field) -> int | None:
    """The app's upper bound of a field, or None where the app allows the engine's range."""
    return APP_HI.get(f.name)


def app_range(f: dataclasses.Field) -> tuple:
    """(lo, hi) of a numeric field in the app: the engine's lo, and app_hi where there is one."""
    m = f.metadata
    return m["lo"], APP_HI.get(f.name, m["hi"])


def field_range(f: dataclasses.Field) -> str:
    """The values the app allows a field, e.g. '1..64' or 'lstm, gru, rnn'."""
    m = f.metadata
    return ", ".join(m["choices"]) if m["choices"] else "{}..{}".format(*app_range(f))


def over_app_range(config: Config) -> list[tuple[str, Any, Any]]:
    """(field, value, app's upper bound) for every field above the app's range."""
    out = []
    for f in fields():
        limit = app_hi(f)
        if limit is not None and getattr(config, f.name) > limit:
            out.append((f.name, getattr(config, f.name), limit))
    return out


@dataclass(frozen=True)
class Refusal:
    """Why the app will not train a configuration: what is over, by how much, what to lower."""

    what: str  # "memory" or "time"
    needed: float  # bytes or seconds (estimated)
    allowed: float  # APP_BYTES or APP_SECONDS
    lower: tuple[str, ...]  # config fields whose lowering helps most, largest effect first
    raise_: tuple[str, ...] = ()  # fields whose raising helps


def app_refusal(config: Config) -> Refusal | None:
    """None if `config` fits one app run (APP_BYTES, APP_SECONDS), else why it does not."""
    guess = costs.estimate(config)
    if guess.bytes > APP_BYTES:
        steps, data = costs.memory_split(config)
        if steps >= data:
            lower = ("batch_size", "max_len", "hidden_size")
        else:
            lower = ("train_size", "max_len") if config.train_size else ("test_max_len",)
        return Refusal("memory", guess.bytes, APP_BYTES, lower)
    if guess.seconds > APP_SECONDS:
        lower = ("steps", "hidden_size", "batch_size", "max_len", "test_max_len")
        return Refusal("time", guess.seconds, APP_SECONDS, lower, ("eval_every",))
    return None


def trainable(config: Config) -> bool:
    """Whether the app would train `config` (within its ranges and budgets)."""
    return not over_app_range(config) and app_refusal(config) is None
