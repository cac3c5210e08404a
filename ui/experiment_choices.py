"""The Experiments page's choices: what the URL may say, the app's light defaults and costs.

`Choices` is one experiment as the page (and its shareable link) describes it; `build` turns
it into a parity.experiments.definitions.Experiment. `from_query` reads URL parameters, keeping
every
valid one and naming each bad one (its default is used instead); `to_query` writes back only
what differs from the defaults. `refusal` says when a grid is too big for the shared app
server, what to lower, and the command line that runs it anyway. No streamlit, no torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from parity.core.config import ARCHS, IMPLS, TARGETS
from parity.experiments import definitions as ex
from parity.training import costs

from . import ranges

KINDS = ("rfr", "compare", "sweep")
KIND_LABELS = {
    "rfr": "Requests for Research: fixed length 50 against lengths 1..50",
    "compare": "Compare architectures",
    "sweep": "Sweep hidden size x longest training string",
}
HIDDEN_OPTIONS = (1, 2, 4, 8, 16, 32)
MAX_LEN_OPTIONS = (3, 5, 10, 20, 40)
ARCH_ORDER = ("rnn", "gru", "lstm")  # as the command line's default lists them
assert set(ARCH_ORDER) == set(ARCHS)
OPTIONS = {  # the values of each list field, in the one order a list is kept in
    "archs": ARCH_ORDER,
    "impls": IMPLS,
    "hidden_sizes": HIDDEN_OPTIONS,
    "max_lens": MAX_LEN_OPTIONS,
}
# The app's step budgets: the command line's (its grids are smaller: fewer seeds, cells).
DEFAULT_STEPS = {"rfr": ex.RFR_STEPS, "compare": ex.COMPARE_STEPS, "sweep": ex.SWEEP_STEPS}
MAX_STEPS = 5_000  # per run, in the app (the command line allows Config's 100,000)
MAX_SEEDS = 10  # per experiment, in the app
MAX_TEXT = 40  # characters of a URL value read at all
# One experiment runs in one worker process, one run after another, and gets the time budget
# of one single run (ranges.APP_SECONDS): the sum of parity.training.costs' pessimistic per-run
# estimates (every run to its full step budget); the README sets the defaults' estimates
# beside their measured CPU seconds.
APP_EXPERIMENT_SECONDS = ranges.APP_SECONDS

# URL parameter of each Choices field; none is a Config field's name, which the shared
# sidebar binds to the URL (tests/ui/test_experiment_choices.py checks this).
PARAMS = {
    "kind": "exp",
    "seeds": "exp_seeds",
    "steps": "exp_steps",
    "archs": "exp_archs",
    "impls": "exp_impls",
    "target": "exp_target",
    "arch": "exp_arch",
    "hidden_sizes": "exp_hidden",
    "max_lens": "exp_lens",
}
USED_BY = {  # which fields each experiment reads (the others stay out of its URL)
    "rfr": ("kind", "seeds", "steps"),
    "compare": ("kind", "seeds", "steps", "archs", "impls", "target"),
    "sweep": ("kind", "seeds", "steps", "hidden_sizes", "max_lens", "arch", "target"),
}


@dataclass(frozen=True)
class Choices:
    """One experiment as the page describes it; steps None means the kind's default."""

    kind: str = "rfr"
    seeds: tuple[int, ...] = (0, 1)
    steps: int | None = None
    archs: tuple[str, ...] = ("rnn", "gru", "lstm")
    impls: tuple[str, ...] = ("torch",)
    target: str = "every"
    arch: str = "lstm"
    hidden_sizes: tuple[int, ...] = (2, 4, 8)
    max_lens: tuple[int, ...] = (5, 10, 20)

    @property
    def budget(self) -> int:
        """The step budget of every run."""
        return DEFAULT_STEPS[self.kind] if self.steps is None else self.steps


def build(choices: Choices) -> ex.Experiment:
    """The experiment `choices` describe."""
    c, common = choices, {"seeds": choices.seeds, "steps": choices.budget}
    if c.kind == "rfr":
        return ex.rfr(**common)
    if c.kind == "compare":
        return ex.compare(archs=c.archs, impls=c.impls, target=c.target, **common)
    return ex.sweep(
        hidden_sizes=c.hidden_sizes, max_lens=c.max_lens, arch=c.arch, target=c.target, **common
    )


def seeds_text(seeds: tuple[int, ...]) -> str:
    """How seeds are written: '3' for 0..2, '100..119' for a range, else '1,5,9'.

    >>> seeds_text((0, 1)), seeds_text((5, 6, 7)), seeds_text((4, 1))
    ('2', '5..7', '4,1')
    """
    if seeds == tuple(range(len(seeds))):
        return str(len(seeds))
    if len(seeds) > 2 and seeds == tuple(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}..{seeds[-1]}"
    return ",".join(map(str, seeds))


def _count_of_seeds(text: str) -> int:
    """How many seeds `text` names, without listing them (a range may be huge)."""
    try:
        seeds = ex.seeds_in_text(text)
    except ValueError:
        return 1  # seeds_from_text names the problem
    return seeds.stop - seeds.start if isinstance(seeds, range) else len(seeds)


def parse_seeds(text: str) -> tuple[int, ...]:
    """Seeds as the page accepts them: at most MAX_SEEDS, else a ValueError saying so."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"at most {MAX_TEXT} characters")
    count = _count_of_seeds(text.strip())
    if count > MAX_SEEDS:
        raise ValueError(
            f"{count:,} seeds; the app runs at most {MAX_SEEDS} (the command line, any number)"
        )
    return ex.seeds_from_text(text)


def parse_steps(text: str) -> int:
    """A step budget in 1..MAX_STEPS."""
    try:
        steps = int(text)
    except ValueError:
        raise ValueError("not a whole number") from None
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be in 1..{MAX_STEPS:,} here")
    return steps


def _among(allowed: tuple, convert=str):
    """A parser of comma-separated values from `allowed`: distinct, in `allowed`'s order."""

    def parse(text: str) -> tuple:
        try:
            values = {convert(part.strip()) for part in text.split(",") if part.strip()}
        except ValueError:
            raise ValueError("not a list of whole numbers") from None
        unknown = sorted(values - set(allowed), key=str)
        if unknown or not values:
            got = ", ".join(map(str, unknown)) or "nothing"
            raise ValueError(f"{got}: choose from {', '.join(map(str, allowed))}")
        return tuple(v for v in allowed if v in values)

    return parse


def in_order(name: str, values) -> tuple:
    """A list field's values in its canonical order (so one grid has one URL, one cache key).

    >>> in_order("hidden_sizes", [8, 2])
    (2, 8)
    """
    return tuple(v for v in OPTIONS[name] if v in set(values))


def _one_of(allowed: tuple[str, ...]):
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"choose from {', '.join(allowed)}")
        return text

    return parse


PARSERS = {
    "kind": _one_of(KINDS),
    "seeds": parse_seeds,
    "steps": parse_steps,
    "archs": _among(ARCH_ORDER),
    "impls": _among(IMPLS),
    "target": _one_of(TARGETS),
    "arch": _one_of(ARCHS),
    "hidden_sizes": _among(HIDDEN_OPTIONS, int),
    "max_lens": _among(MAX_LEN_OPTIONS, int),
}


@dataclass(frozen=True)
class UnusedValue:
    """A URL value that was not used: its parameter, its text (cut short), why, the default."""

    param: str
    text: str
    reason: str
    default: str


def from_query(query: Mapping[str, str]) -> tuple[Choices, list[UnusedValue]]:
    """The choices a URL's parameters describe, and each value that could not be used (its
    field keeps its default)."""
    values, unused = {}, []
    for name in USED_BY[_kind_or_default(query.get(PARAMS["kind"]))]:
        text = query.get(PARAMS[name])
        if text is None:
            continue
        text = str(text)
        try:
            values[name] = PARSERS[name](text[: MAX_TEXT + 1])
        except ValueError as err:
            default = to_text(name, getattr(Choices(), name)) or "the experiment's own"
            unused.append(UnusedValue(PARAMS[name], text[:MAX_TEXT], str(err), default))
    return Choices(**values), unused


def _kind_or_default(text: str | None) -> str:
    return text if text in KINDS else Choices.kind


def to_text(name: str, value) -> str:
    """A field's value as its URL text ('' for steps None)."""
    if value is None:
        return ""
    if name == "seeds":
        return seeds_text(value)
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def to_query(choices: Choices) -> dict[str, str]:
    """The URL parameters of `choices`: the fields its kind reads that differ from defaults."""
    default = Choices()
    return {
        PARAMS[name]: to_text(name, getattr(choices, name))
        for name in USED_BY[choices.kind]
        if getattr(choices, name) != getattr(default, name)
        and not (name == "steps" and choices.steps == DEFAULT_STEPS[choices.kind])
    }


def cli_command(choices: Choices) -> str:
    """The command line that runs the same experiment (every field it reads, spelled out)."""
    flags = [
        f"--{name.replace('_', '-')} {to_text(name, getattr(choices, name))}"
        for name in USED_BY[choices.kind]
        if name not in ("kind", "steps")
    ]
    flags.append(f"--steps {choices.budget}")
    return " ".join(["python -m parity experiment", choices.kind, *flags])


def estimated_seconds(experiment: ex.Experiment) -> float:
    """Pessimistic seconds of the whole experiment run one run after another."""
    return sum(costs.train_seconds(run.config) for run in experiment.runs)


LOWER = {  # what shrinks each experiment's grid, as the page labels it
    "rfr": ("Seeds", "Steps per run"),
    "compare": ("Seeds", "Architectures", "Implementations", "Steps per run"),
    "sweep": ("Seeds", "Hidden sizes", "Longest training strings", "Steps per run"),
}


def refusal(choices: Choices, experiment: ex.Experiment) -> str | None:
    """Why the app will not run this experiment, what to lower and the CLI command; or None."""
    for run in experiment.runs:
        refused = ranges.app_refusal(run.config)
        if refused is not None and refused.what == "memory":
            return (
                f"One run of this experiment ({run.condition}) would need about "
                f"{refused.needed / costs.MB:,.0f} MB, more than the "
                f"{refused.allowed / costs.MB:,.0f} MB this shared app allows a run. "
                f"Run it with the command line: `{cli_command(choices)}`."
            )
    seconds = estimated_seconds(experiment)
    if seconds <= APP_EXPERIMENT_SECONDS:
        return None
    lower = ", ".join(f"“{label}”" for label in LOWER[choices.kind])
    return (
        f"This experiment has {len(experiment.runs)} runs and could take up to about "
        f"{seconds / 60:,.0f} minutes here (a pessimistic estimate: every run to its whole step "
        f"budget, one after another), more than the {APP_EXPERIMENT_SECONDS / 60:,.0f} minutes "
        f"this shared app allows an experiment. Lower {lower}; or run it on the command line, "
        f"which spreads the runs over every core: `{cli_command(choices)}`."
    )
