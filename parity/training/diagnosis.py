"""What probably went wrong in a failed run, and what to change, read off what the run measured.

diagnose(result) looks only at the run's own numbers (its history, its status, its verdict's
evidence) and its config, and returns None for a run that worked. Every suggestion is a set of
Config changes that gives a valid config the caller accepts (the app: one it can train), with
the reason it should help.

    >>> from parity.training.train import train
    >>> d = diagnose(train(Config(lr=1.0, steps=300, seed=0)))
    >>> d.kind, d.title, d.suggestions[0].changes
    ('chance', 'Stuck at chance', {'lr': 0.05})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.config import ARCH_CHANGES, WHY, Config, arch_switch, default_of
from ..evaluation import verdict as v

DEFAULT = Config()
CHANCE = 0.6  # accuracy at or below this is guessing (1,000 coin flips stay within 0.45..0.55)
FITS = 0.9  # recent training accuracy at or above this: the training lengths are learned
RECENT_SHARE = 0.2  # the end of a run: this share of its evaluations (at least MIN_RECENT)
MIN_RECENT = 3
RISING = 0.02  # test accuracy gained over the last two recent windows that counts as rising
HIGH_LR = 0.2  # Adam step sizes from here up overshoot on these small networks
LONG_ONLY = 20  # shortest training string from which final-only loss gives almost no signal
LR_LADDER = (0.05, 0.02, 0.01, 0.005, 0.002, 0.001)  # on the sidebar's 1-2-5 grid
MAX_SUGGESTIONS = 3

# Kinds, from worst to closest to working.
DIVERGED = "diverged"
CHANCE_KIND = "chance"
SHORT_ONLY = "short only"
STILL_LEARNING = "still learning"
STALLED = "stalled"
FAILS_LONGER = "fails longer strings"
FAILS_FAMILY = "fails a family"
KINDS = (DIVERGED, CHANCE_KIND, SHORT_ONLY, STILL_LEARNING, STALLED, FAILS_LONGER, FAILS_FAMILY)


@dataclass(frozen=True)
class Suggestion:
    """Config changes to try, and why they should help."""

    changes: dict
    reason: str

    def apply(self, config: Config) -> Config:
        return config.replace(**self.changes)


@dataclass(frozen=True)
class Diagnosis:
    """The probable cause of a failed run, in the run's own numbers, and what to change."""

    kind: str  # one of KINDS
    title: str
    explanation: str
    suggestions: tuple[Suggestion, ...] = field(default=())


@dataclass(frozen=True)
class Measured:
    """What the end of a run measured, in the numbers the explanations quote."""

    test: float  # final test accuracy
    best_test: float
    best_step: int
    train: float  # mean training-batch accuracy over the recent evaluations
    rise: float  # test accuracy: mean of the last recent window minus the window before
    steps: int


def measure(result) -> Measured:
    """Read the end of a run's history (RECENT_SHARE of its evaluations)."""
    h = result.history.dropna(subset=["test_accuracy"])
    if h.empty:
        return Measured(0.5, 0.5, 0, 0.5, 0.0, result.steps)
    n = max(MIN_RECENT, round(len(h) * RECENT_SHARE))
    last, before = h.iloc[-n:], h.iloc[-2 * n : -n]
    rise = last["test_accuracy"].mean() - before["test_accuracy"].mean() if len(before) else 0.0
    best = h.loc[h["test_accuracy"].idxmax()]
    return Measured(
        float(h["test_accuracy"].iloc[-1]),
        float(best["test_accuracy"]),
        int(best["step"]),
        float(last["train_accuracy"].mean()),
        float(rise),
        result.steps,
    )


def diagnose(result, fits: Callable[[Config], bool] = lambda config: True) -> Diagnosis | None:
    """The diagnosis of a finished run; None when it worked (its checks all passed).

    Its suggestions lead only to configs `fits` accepts (the app passes its ranges and budget),
    at most MAX_SUGGESTIONS of them.
    """
    found = _diagnose(result)
    if found is None:
        return None
    kept = tuple(s for s in found.suggestions if fits(s.apply(result.config)))
    return dataclasses.replace(found, suggestions=kept[:MAX_SUGGESTIONS])


def _diagnose(result) -> Diagnosis | None:
    """diagnose() with every valid suggestion."""
    verdict, config = result.verdict, result.config
    if result.status == "diverged" or (verdict and verdict.status == v.DIVERGED):
        return _diverged(result.steps, config)
    if verdict is not None and verdict.status in (v.PROVEN, v.PARITY_MACHINE, v.CHECKS_PASSED):
        return None
    if verdict is not None and verdict.status in (v.FAILS_RANDOM, v.FAILS_FAMILY):
        return _fails_longer(verdict, result.solved_at_step, config)
    m = measure(result)
    if m.test <= CHANCE:
        return _short_only(m, config) if m.train >= FITS else _chance(m, config)
    return _unsolved(m, config)


def _diverged(step: int, config: Config) -> Diagnosis:
    clip = "no clipping" if config.clip == 0 else f"gradients clipped at {config.clip:g}"
    candidates = [
        ({"lr": _lower_lr(config.lr)}, "a smaller Adam step keeps the weights finite"),
        ({"clip": default_of("clip", config.arch)}, "clipping bounds every step's gradient"),
    ]
    return Diagnosis(
        DIVERGED,
        "Training diverged",
        f"The loss became NaN at step {step:,} (learning rate {config.lr:g}, {clip}): "
        "the weights probably grew until the numbers overflowed; nothing after that step learned.",
        _valid(config, candidates),
    )


def _chance(m: Measured, config: Config) -> Diagnosis:
    lost = (
        f" It reached {m.best_test:.1%} at step {m.best_step:,} and then fell back."
        if m.best_test > CHANCE
        else " It never left chance."
    )
    train = "only a little better than guessing" if m.train > CHANCE else "guessing too"
    text = (
        f"After {m.steps:,} steps the test accuracy is {m.test:.1%}, which is guessing (50%); "
        f"the training batches average {m.train:.1%} at the end, {train}.{lost}"
    )
    fixes = arch_needs(config) + _fixes(config)
    return Diagnosis(CHANCE_KIND, "Stuck at chance", text + _causes(config), _valid(config, fixes))


def _causes(config: Config) -> str:
    """The likely reasons a config stays at chance, most likely first, as sentences."""
    out = []
    if config.lr >= HIGH_LR:
        out.append(f"A learning rate of {config.lr:g} is high: Adam's steps overshoot.")
    if config.target == "final" and config.min_len > LONG_ONLY:
        out.append(
            f"Every training string is at least {config.min_len} bits long and only its last "
            "answer is scored: a random guess is right half the time whatever the bits, so "
            "the loss gives almost no hint which bits mattered (the Requests-for-Research "
            "failure). Short strings, or a loss on every prefix, give that hint."
        )
    if config.arch == "rnn":
        out.append(
            "A plain RNN (tanh) passes gradients back through a squashing step per bit, "
            "so errors at the end barely reach the early bits."
        )
    if config.target == "final" and config.min_len <= LONG_ONLY:
        out.append(
            "Only the final answer is scored: one bit of feedback per string, whatever its "
            "length, which teaches slowly."
        )
    return "".join(f" {s}" for s in out)


def _fixes(config: Config) -> list[tuple[dict, str]]:
    """Candidate changes for a run at chance, most likely to help first."""
    out = []
    if config.lr >= HIGH_LR:
        out.append(
            ({"lr": default_of("lr", config.arch)}, "the step size the defaults were measured with")
        )
    if config.target == "final" and config.min_len > LONG_ONLY:
        out.append(({"min_len": 1}, "short strings give the final-bit loss a signal"))
    if config.target == "final":
        out.append(({"target": "every"}, "a loss on every prefix's parity teaches each bit"))
    if config.arch == "rnn":
        out.append((to_lstm(config), "an LSTM's gated state carries gradients over many bits"))
    if not out:
        out.append(({"lr": _lower_lr(config.lr)}, "smaller steps may settle where big ones bounce"))
    return out


def _short_only(m: Measured, config: Config) -> Diagnosis:
    text = (
        f"The training batches (lengths {config.min_len}–{config.max_len}) average "
        f"{m.train:.1%} right at the end, but the longer test strings (lengths "
        f"{config.test_min_len}–{config.test_max_len}) only {m.test:.1%}: it learned something "
        "that works on short strings (such as counting or remembering a few bits), not a "
        "running parity that holds at any length."
    )
    candidates = [
        ({"target": "every"}, "scoring every prefix rewards a running parity"),
        (to_lstm(config), "an LSTM keeps a state that does not fade over long strings"),
        ({"max_len": min(2 * config.max_len, 100)}, "longer training strings are harder to fake"),
    ]
    return Diagnosis(SHORT_ONLY, "Learned the short strings only", text, _valid(config, candidates))


def _unsolved(m: Measured, config: Config) -> Diagnosis:
    if m.rise >= RISING:
        more = min(2 * config.steps, 20_000)
        text = (
            f"The budget of {config.steps:,} steps ran out while the test accuracy was still "
            f"rising: {m.test:.1%} at the end, up {m.rise:.1%} over the last stretch."
        )
        candidates = [({"steps": more}, "the curve was still going up")]
        if config.target == "final":
            candidates.append(({"target": "every"}, "a loss on every prefix learns in fewer steps"))
        return Diagnosis(STILL_LEARNING, "Still learning", text, _valid(config, candidates))
    text = (
        f"The test accuracy stopped improving at {m.test:.1%} (best {m.best_test:.1%} at step "
        f"{m.best_step:,}); the training batches average {m.train:.1%}."
    )
    candidates = arch_needs(config) + [
        ({"hidden_size": min(2 * config.hidden_size, 64)}, "more units, more ways to find parity"),
        ({"lr": _lower_lr(config.lr)}, "smaller steps can settle into a solution"),
        ({"seed": config.seed + 1}, "another start: some initial weights get stuck"),
    ]
    return Diagnosis(STALLED, "Stalled above chance", text, _valid(config, candidates))


def _fails_longer(verdict: v.Verdict, solved_at: int | None, config: Config) -> Diagnosis:
    worst = min(verdict.evidence[1:] or verdict.evidence, key=lambda r: r.accuracy)
    when = f" at step {solved_at:,}" if solved_at else ""
    text = (
        f"It solved the test set (lengths {config.test_min_len}–{config.test_max_len}){when}, "
        f"but {verdict.headline.split('but ', 1)[-1]}; the worst check, "
        f"{worst.check.replace('_', ' ')} at length {worst.length:,}, is {worst.accuracy:.1%} "
        "right. It found a rule that holds for the lengths it was tested on, and drifts "
        "beyond them."
    )
    candidates = arch_needs(config)
    if config.density == "half":
        candidates.append(({"density": "varied"}, "long runs and sparse strings in training"))
    if config.stop != "generalized":
        candidates.append(
            ({"stop": "generalized"}, "train until the longer checks pass, restarting if stuck")
        )
    if config.target == "final":
        candidates.append(({"target": "every"}, "a loss on every prefix trains a running parity"))
    candidates.append(({"seed": config.seed + 1}, "another start: not every seed generalizes"))
    kind = FAILS_LONGER if verdict.status == v.FAILS_RANDOM else FAILS_FAMILY
    title = "Fails longer strings" if kind == FAILS_LONGER else "Fails a stress family"
    return Diagnosis(kind, title, text, _valid(config, candidates))


def to_lstm(config: Config) -> dict:
    """The changes to an LSTM: arch, and each field at this arch's default to the LSTM's."""
    return {"arch": "lstm", **arch_switch(config.to_dict(), config.arch, "lstm")}


def arch_needs(config: Config) -> list[tuple[dict, str]]:
    """Its architecture's own defaults where `config` has others, with why that architecture
    needs them (parity.core.config.WHY, from the runs measured), as one candidate."""
    changes = {k: v for k, v in ARCH_CHANGES[config.arch].items() if getattr(config, k) != v}
    if not changes:
        return []
    return [(changes, f"the {config.arch.upper()} defaults: {WHY[config.arch]}")]


def _lower_lr(lr: float) -> float:
    """A step on LR_LADDER at most half of `lr` (the smallest rung if none is)."""
    return next((x for x in LR_LADDER if x <= lr / 2), LR_LADDER[-1])


def _valid(config: Config, candidates: list[tuple[dict, str]]) -> tuple[Suggestion, ...]:
    """The candidates that change something and give a valid config, each once."""
    out = []
    for changes, reason in candidates:
        if all(getattr(config, k) == value for k, value in changes.items()):
            continue
        try:
            config.replace(**changes)  # a ValueError: not a valid config
        except ValueError:
            continue
        if changes not in [s.changes for s in out]:
            out.append(Suggestion(changes, reason))
    return tuple(out)
