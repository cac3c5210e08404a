"""The one training configuration: every choice, its range, its help text.

CLI flags, sidebar widgets, URL parameters, cache keys and model-file metadata are all
derived from the fields below, so adding a choice is one edit here.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

ARCHS = ("lstm", "gru", "rnn")
IMPLS = ("torch", "scratch")
TARGETS = ("every", "final")
STOPS = ("generalized", "solved", "budget")
DENSITIES = ("half", "varied")

MAX_TRAIN_LEN = 1000
MAX_TEST_LEN = 10_000
MAX_TRAIN_SIZE = 100_000
# The Requests-for-Research warm-up's training set: RFR_SIZE strings of length (up to) RFR_LEN.
RFR_SIZE = 100_000
RFR_LEN = 50
CHECK_FACTOR = 10  # the stop rule's and the verdict's check: this many times the test maximum
CHECK_SIZE = 1000  # random strings in that check (100 let a 1% error rate pass 1 time in 3)
MAX_TRAIN_BITS = 10_000_000  # train_size x max_len: a fixed training set stays under ~40 MB


def _spec(default, label, help, *, choices=None, lo=None, hi=None, log=False):
    """A dataclass field carrying what the CLI and the app need to offer it.

    lo..hi is the engine's range (the CLI's); the app may offer a tighter one (ui/ranges.py).
    """
    meta = {"label": label, "help": help, "choices": choices, "lo": lo, "hi": hi, "log": log}
    return field(default=default, metadata=meta)


@dataclass(frozen=True, init=False)
class Config:
    """Every training choice. Frozen, validated, hashable by value.

    `Config(arch="gru", ...)` fills each field it is not given from that architecture's
    defaults (arch_defaults); from_dict and from_json read what was written (missing fields
    take the shared defaults, the meaning links and model files always had).
    """

    arch: str = _spec(
        "lstm", "Architecture", "Recurrent cell: lstm, gru or rnn (Elman, tanh).", choices=ARCHS
    )
    impl: str = _spec(
        "torch",
        "Implementation",
        "torch: the fused built-in module; scratch: an explicit per-step cell "
        "written with tensor ops (same weights, same results).",
        choices=IMPLS,
    )
    hidden_size: int = _spec(8, "Hidden size", "Units in the recurrent state.", lo=1, hi=256)
    lr: float = _spec(0.05, "Learning rate", "Adam step size.", lo=1e-5, hi=1.0, log=True)
    batch_size: int = _spec(32, "Batch size", "Sequences per training step.", lo=1, hi=4096)
    steps: int = _spec(
        2000,
        "Training steps",
        "Step budget: training never runs longer.",
        lo=1,
        hi=100_000,
    )
    min_len: int = _spec(
        1,
        "Shortest training string",
        "Training lengths are drawn uniformly from min..max.",
        lo=1,
        hi=MAX_TRAIN_LEN,
    )
    max_len: int = _spec(
        20,
        "Longest training string",
        "Training lengths are drawn uniformly from min..max.",
        lo=1,
        hi=MAX_TRAIN_LEN,
    )
    train_size: int = _spec(
        0,
        "Training set size",
        "0: fresh random strings every step; N: a fixed set of N strings, "
        "reshuffled every epoch (the Requests-for-Research setup is 100,000).",
        lo=0,
        hi=MAX_TRAIN_SIZE,
    )
    density: str = _spec(
        "varied",
        "Bit density",
        "half: every training bit is 1 with probability 0.5; varied: each training string "
        "draws its own probability of a 1, uniformly from 0 to 1, so long runs of 0s or 1s "
        "and sparse strings are common (test strings stay half).",
        choices=DENSITIES,
    )
    test_min_len: int = _spec(
        50,
        "Shortest test string",
        "The held-out test set's lengths (longer than training: this measures generalization).",
        lo=1,
        hi=MAX_TEST_LEN,
    )
    test_max_len: int = _spec(
        100, "Longest test string", "The held-out test set's lengths.", lo=1, hi=MAX_TEST_LEN
    )
    target: str = _spec(
        "every",
        "Training target",
        "final: loss on the answer at the end only (the Requests-for-Research "
        "task); every: loss on the running parity of every prefix.",
        choices=TARGETS,
    )
    clip: float = _spec(
        1.0,
        "Gradient clipping",
        "Largest gradient norm per step; 0 turns clipping off.",
        lo=0.0,
        hi=100.0,
    )
    gate_bias: float = _spec(
        0.0,
        "Keep-gate bias at start",
        "Added to the initial bias of the gate that keeps the old state: the GRU's update "
        "gate, the LSTM's forget gate (the RNN has none). Negative: the state is rewritten "
        "every step, so the network must find states that hold by themselves.",
        lo=-10.0,
        hi=10.0,
    )
    seed: int = _spec(
        0,
        "Seed",
        "Seeds the initial weights, the training data and the test "
        "set: the same seed gives the same run.",
        lo=0,
        hi=2**31 - 1,
    )
    stop: str = _spec(
        "generalized",
        "When to stop",
        "generalized: once the test set is classified perfectly and, "
        f"{CHECK_FACTOR}x the test maximum long, so are {CHECK_SIZE:,} random strings and "
        "every stress family (a 1 then zeros, long runs, sparse, periodic...); solved: at "
        "the first perfect test score; budget: run every step.",
        choices=STOPS,
    )
    restart_after: int = _spec(
        500,
        "Restart after",
        "With stop=generalized: when the stress check still fails this many steps after "
        "the test set was first solved, or the test set is still unsolved twice this many "
        "steps into an attempt, start again from fresh weights (seeded by the seed and the "
        "attempt); 0: never restart.",
        lo=0,
        hi=100_000,
    )
    eval_every: int = _spec(
        10, "Evaluate every", "Steps between evaluations of the test set.", lo=1, hi=10_000
    )

    def __init__(self, **given: Any):
        unknown = sorted(set(given) - set(SHARED_DEFAULTS))
        if unknown:
            raise TypeError(f"Config() got an unexpected keyword argument {unknown[0]!r}")
        for name, value in (arch_defaults(given.get("arch", "lstm")) | given).items():
            object.__setattr__(self, name, value)
        self.__post_init__()

    def __post_init__(self):
        for f in dataclasses.fields(self):
            _check_field(f, getattr(self, f.name))
            if type(f.default) is float:  # 1 and 1.0 are one config: one JSON, one cache key
                object.__setattr__(self, f.name, float(getattr(self, f.name)))
        for lo, hi in (("min_len", "max_len"), ("test_min_len", "test_max_len")):
            if getattr(self, lo) > getattr(self, hi):
                raise ValueError(
                    f"{lo} must be <= {hi} (got {getattr(self, lo)} > {getattr(self, hi)})"
                )
        if self.train_size * self.max_len > MAX_TRAIN_BITS:
            raise ValueError(
                f"train_size x max_len must be at most {MAX_TRAIN_BITS:,} bits (got "
                f"{self.train_size} x {self.max_len}); use fewer or shorter strings"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain field values, in declaration order."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """Compact, key-sorted JSON: stable enough to be a file's metadata or a cache key."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def replace(self, **changes) -> Config:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, strict: bool = True) -> Config:
        """Build from (possibly string) values; unknown keys raise unless strict=False.

        A field `values` leaves out takes the shared default (the field's own), whatever the
        architecture: a link or file names every value that differs from those, so one
        written before the per-architecture defaults keeps opening the same run.
        """
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(values) - set(names)
        if unknown and strict:
            shown = sorted(str(k)[:40] for k in unknown)[:5]  # keys of any type, bounded
            raise ValueError(f"unknown config field(s): {', '.join(shown)}")
        given = {k: coerce(names[k], v) for k, v in values.items() if k in names}
        return cls(**(SHARED_DEFAULTS | given))

    @classmethod
    def from_json(cls, text: str) -> Config:
        """Inverse of to_json; raises ValueError on anything that is not a valid config."""
        try:
            values = json.loads(text)
        except (json.JSONDecodeError, TypeError, RecursionError) as err:
            raise ValueError(f"config is not valid JSON: {err}") from None
        if not isinstance(values, dict):
            raise ValueError("config JSON must be an object")
        return cls.from_dict(values)


SHARED_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(Config)}

# What each architecture needs set otherwise than the shared defaults (the fields' own, which
# were tuned for the LSTM), chosen on seeds 0..49 and measured on unseen seeds 100..199
# (bench/architectures.py, bench/ARCHITECTURES.md). WHY says why, in plain words.
ARCH_CHANGES: dict[str, dict[str, Any]] = {
    "lstm": {},
    "gru": {"gate_bias": -6.0, "steps": 6000, "restart_after": 250},
    "rnn": {"steps": 4000, "restart_after": 250},
}
WHY: dict[str, str] = {
    "lstm": "The shared defaults were tuned for the LSTM.",
    "gru": (
        "A GRU started with its update gate half open learns to hold its state by leaking "
        "slowly, and forgets a 1 after a few hundred 0s (0 of 8 seeds passed with the shared "
        "defaults); started nearly closed (bias -6) it must find states that hold by "
        "themselves. It solves later and some starts stall, hence more steps and earlier "
        "restarts."
    ),
    "rnn": (
        "A plain RNN's start either finds parity within a few hundred steps or never does "
        "(2 of 6 seeds never solved the test set in 2,000 steps): it starts again sooner and "
        "has more steps for the extra starts."
    ),
}


def arch_defaults(arch: str) -> dict[str, Any]:
    """Every field's default for `arch`: the shared defaults with ARCH_CHANGES[arch] applied
    (an unknown arch gets the shared ones, and Config then refuses it by name)."""
    known = isinstance(arch, str) and arch in ARCH_CHANGES
    return SHARED_DEFAULTS | {"arch": arch} | (ARCH_CHANGES[arch] if known else {})


def arch_switch(values: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """{field: new value} on moving `values` from arch `old` to `new`: every field still at a
    default (old's, or the shared one that links from before hold) that `new` sets otherwise.
    Fields set to anything else stay as they are."""
    before, after = arch_defaults(old), arch_defaults(new)
    return {
        name: after[name]
        for name in after
        if name != "arch"
        and values.get(name) in (before[name], SHARED_DEFAULTS[name])
        and values.get(name) != after[name]
    }


def default_of(name: str, arch: str) -> Any:
    """One field's default for `arch`."""
    return arch_defaults(arch)[name]


def check_lengths(lengths) -> list[int]:
    """Validate a list of lengths (1..10,000 each); returns them as ints."""
    lengths = [int(n) for n in lengths]
    if not lengths:
        raise ValueError("give at least one length")
    bad = [n for n in lengths if not 1 <= n <= MAX_TEST_LEN]
    if bad:
        raise ValueError(f"lengths must be in 1..{MAX_TEST_LEN} (got {bad[0]})")
    return lengths


def fields() -> tuple[dataclasses.Field, ...]:
    """The config's fields, each with metadata: label, help, choices, lo, hi, log."""
    return dataclasses.fields(Config)


def field_range(f: dataclasses.Field) -> str:
    """Human description of the values a field allows, e.g. '1..256' or 'lstm, gru, rnn'."""
    m = f.metadata
    return ", ".join(m["choices"]) if m["choices"] else f"{m['lo']}..{m['hi']}"


def coerce(f: dataclasses.Field, value: Any) -> Any:
    """Turn a value (maybe a string from a flag or URL) into the field's type, or ValueError."""
    kind = type(f.default)
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    try:
        if kind is int:
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                return int(value.strip())
            raise TypeError
        if kind is float:
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        raise TypeError
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"{f.name} must be {kind.__name__} in {field_range(f)} (got {value!r})"
        ) from None


def _check_field(f: dataclasses.Field, value: Any) -> None:
    m, kind = f.metadata, type(f.default)
    ok_type = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok_type = True
    if not ok_type:
        raise ValueError(f"{f.name} must be {kind.__name__} in {field_range(f)} (got {value!r})")
    if m["choices"]:
        if value not in m["choices"]:
            raise ValueError(f"{f.name} must be one of {field_range(f)} (got {value!r})")
        return
    if kind is float and not (isinstance(value, int) or math.isfinite(value)):
        raise ValueError(f"{f.name} must be a finite number in {field_range(f)} (got {value!r})")
    if not m["lo"] <= value <= m["hi"]:
        raise ValueError(f"{f.name} must be in {field_range(f)} (got {value!r})")
