"""The rfr experiment's result in plain words, built only from the rows just measured.

Each condition gets a line with its own numbers and a verdict (solved, chance, or in
between). The explanation of *why* fixed length 50 fails is given only when the run showed
the contrast (fixed length 50 at chance on every seed, lengths 1..50 solved on every seed);
each follow-up contrast is described by what it measured. Otherwise the text says the run
did not show it, and draws no explanation. Markdown out; no streamlit.
"""

from __future__ import annotations

from .definitions import RFR_LEN, RFR_STEPS

# A run is 'at chance' when its final test accuracy and its accuracy at RFR_LEN are both within
# this of 50%: about 4 standard deviations of a coin-flip score on 1,000 test strings (1.6%).
CHANCE_MARGIN = 0.06
MAX_LISTED = 4  # seeds listed one by one; more are summarised as a range
NAMES = {
    "fixed_50": f"fixed length {RFR_LEN}",
    "uniform_1_50": f"lengths 1..{RFR_LEN}",
    "fixed_50_every": f"fixed length {RFR_LEN}, every-prefix target",
    "curriculum_50": f"fixed length {RFR_LEN}, length curriculum",
}
SHORT_NAMES = {  # the same conditions as chart labels
    "fixed_50": f"length {RFR_LEN}",
    "uniform_1_50": f"lengths 1..{RFR_LEN}",
    "fixed_50_every": f"length {RFR_LEN}, every prefix",
    "curriculum_50": f"length {RFR_LEN}, curriculum",
}
VERDICTS = {"solved": "solved", "chance": "at chance", "between": "better than chance, not solved"}


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _near_chance(value: float | None) -> bool:
    return value is not None and abs(value - 0.5) <= CHANCE_MARGIN


def at_length(row: dict) -> float | None:
    """The run's accuracy on strings of length RFR_LEN, if measured."""
    return row["accuracy_by_length"].get(str(RFR_LEN))


def outcome(rows: list[dict]) -> str:
    """'solved' (every run once perfect on its test set), 'chance' (every run within
    CHANCE_MARGIN of 50% on its test set and at length RFR_LEN) or 'between'."""
    if rows and all(row["solved"] for row in rows):
        return "solved"
    if rows and all(
        _near_chance(row["test_accuracy"]) and _near_chance(at_length(row)) for row in rows
    ):
        return "chance"
    return "between"


def seeds_named(seeds: list[int]) -> str:
    """'seed 3', 'seeds 0 and 1', 'seeds 100..104' (three or more in a row), 'seeds 1, 5 and 9'."""
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"seeds {seeds[0]}..{seeds[-1]}"
    return f"seeds {_and([str(s) for s in seeds])}"


def spread(values: list, fmt=_pct) -> str:
    """'50.3% and 49.8%'; all equal: '100.0% on every seed'; many: 'from 47.0% to 53.0%'."""
    if len(values) == 1:
        return fmt(values[0])
    if len(set(values)) == 1:
        return f"{fmt(values[0])} on every seed"
    if len(values) <= MAX_LISTED:
        return _and([fmt(v) for v in values])
    return f"from {fmt(min(values))} to {fmt(max(values))}"


def per_seed(values: list, seeds: list[int], fmt=_pct) -> str:
    """'45.5% and 48.9% on seeds 0 and 1'; '100.0% on every seed of 0..4'; ranges for many."""
    text = spread(values, fmt)
    if text.endswith("on every seed"):
        return f"{fmt(values[0])} on every one of {seeds_named(seeds)}"
    return f"{text} on {seeds_named(seeds)}"


def condition_line(name: str, rows: list[dict]) -> str:
    """One condition's measured numbers and verdict, as a Markdown list item."""
    seeds = [row["seed"] for row in rows]
    parts = [f"test accuracy {per_seed([row['test_accuracy'] for row in rows], seeds)}"]
    lengths = [at_length(row) for row in rows]
    if name != "fixed_50" and all(v is not None for v in lengths):
        parts.append(f"at length {RFR_LEN}: {spread(lengths)}")
    solved = [row for row in rows if row["solved"]]
    if solved:
        steps = [row["solved_at_step"] for row in solved]
        when = per_seed(steps, [r["seed"] for r in solved], lambda s: f"{s:,}")
        parts.append(
            f"solved at steps {when[5:]}"
            if when.startswith("from ")
            else (f"solved at step {when}")
        )
    verdict = VERDICTS[outcome(rows)]
    return f"- **{NAMES.get(name, name)}**: {'; '.join(parts)}: **{verdict}**."


def by_condition(rows: list[dict]) -> dict[str, list[dict]]:
    """The finished (not failed) rows per condition, in first-seen order."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row["error"] is None:
            groups.setdefault(row["condition"], []).append(row)
    return groups


WHY = (
    f"**Why.** With the final-bit loss, each {RFR_LEN}-bit string gives one bit of credit: its "
    f"parity at the end. Until a network gets the XOR of all {RFR_LEN} bits right, its answer "
    f"is a guess on every string, so the loss carries no signal about which way to change the "
    f"weights, and strings of one length {RFR_LEN} offer no easier example to start from. "
    f"Lengths 1..{RFR_LEN} include short strings (a 1- or 2-bit string is an easy XOR) that "
    "teach the step, combining the answer so far with the next bit, and that same step, "
    f"repeated, answers length {RFR_LEN}."
)


def contrast_lines(groups: dict[str, list[dict]]) -> list[str]:
    """What the two follow-up conditions measured, each only as far as it showed it."""
    lines = []
    every = groups.get("fixed_50_every")
    if every:
        result = outcome(every)
        if result == "solved":
            lines.append(
                f"**The strings were not the problem.** The same length-{RFR_LEN} strings, with "
                "every prefix's parity as a target, were solved on every seed: feedback at every "
                "bit gives the signal the final bit alone does not."
            )
        else:
            lines.append(
                f"With every prefix's parity as the target, the length-{RFR_LEN} strings were "
                f"{VERDICTS[result]} here, so this run does not show that the missing signal is "
                "the whole cause."
            )
    curriculum = groups.get("curriculum_50")
    if curriculum:
        result = outcome(curriculum)
        if result == "solved":
            lines.append(
                "**Short first works too.** Showing the same strings as growing prefixes (a "
                "length curriculum, final-bit loss) solved them on every seed: the easy short "
                "examples come first."
            )
        else:
            lines.append(
                f"The length curriculum was {VERDICTS[result]} here, so this run does not show "
                "that starting short is enough by itself."
            )
    return lines


def rfr_explanation(rows: list[dict]) -> list[str]:
    """Markdown paragraphs: the measured lines, then the explanation only if it was shown."""
    groups = by_condition(rows)
    paragraphs = ["\n".join(condition_line(name, members) for name, members in groups.items())]
    failed = [row for row in rows if row["error"] is not None]
    if failed:
        who = _and([f"{row['condition']} seed {row['seed']}" for row in failed])
        paragraphs.append(f"{len(failed)} run(s) failed and are left out: {who}.")
    fixed, uniform = groups.get("fixed_50", []), groups.get("uniform_1_50", [])
    if fixed and uniform and outcome(fixed) == "chance" and outcome(uniform) == "solved":
        paragraphs.insert(
            0,
            f"**Measured here:** fixed length {RFR_LEN} stayed at chance on every seed, while "
            f"lengths 1..{RFR_LEN} were solved on every seed.",
        )
        return paragraphs + [WHY, *contrast_lines(groups)]
    paragraphs.insert(0, not_shown(fixed, uniform))
    return paragraphs


def not_shown(fixed: list[dict], uniform: list[dict]) -> str:
    """The text when the run did not show the contrast: what it did show, and no 'why'."""
    said = []
    if fixed:
        said.append(f"fixed length {RFR_LEN} was {VERDICTS[outcome(fixed)]}")
    if uniform:
        said.append(f"lengths 1..{RFR_LEN} were {VERDICTS[outcome(uniform)]}")
    text = (
        "**This run did not show the contrast** the question is about (fixed length "
        f"{RFR_LEN} at chance on every seed, lengths 1..{RFR_LEN} solved on every seed): "
        f"{_and(said) if said else 'a condition is missing'}. No explanation is drawn from it."
    )
    budget = max((row["steps"] for row in uniform), default=RFR_STEPS)
    if uniform and outcome(uniform) != "solved" and budget < RFR_STEPS:
        text += (
            f" Its budget was {budget:,} steps, less than the question's one epoch "
            f"({RFR_STEPS:,} steps); more steps may change that."
        )
    return text
