"""The verdict on a trained model: what was shown about it, and what was not, in plain words.

A model is a "proven parity machine" when, on top of all that, parity.analysis.certify proved
that it answers every string of every length (with_certificate). Otherwise it is called a
parity machine only when it is right on the held-out test set, on every string up to 14
bits, on random strings and on every stress family at CHECK_FACTOR x the test maximum (capped
at 10,000), in every prefix of the long strings (parity.evaluation.long_strings), on every
short ending after long regular stretches and every short period (parity.evaluation.structured),
on the strings a search guided by the network reaches (parity.evaluation.guided), AND its extracted
automaton is the stable two-state parity automaton. Every other outcome says what failed:
"fails on a 1 followed by 999 zeros", "fails on random strings of length 1,000".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from ..analysis.automaton import extract
from . import families, guided, short_strings, structured
from .long_strings import LONG_CHECK, LONG_CHECKS, is_long
from .stress import Outcome, Row, StressSuite, config_suite

if TYPE_CHECKING:
    import pandas as pd

# Short status words, from best to worst.
PROVEN = "proven parity machine"  # a parity machine with a certificate for every length
PARITY_MACHINE = "parity machine"
CHECKS_PASSED = "checks passed"  # right on every check, but not the parity automaton
FAILS_FAMILY = "fails a family"
FAILS_RANDOM = "fails random strings"
UNSOLVED = "test set unsolved"
DIVERGED = "diverged"
STATUSES = (PROVEN, PARITY_MACHINE, CHECKS_PASSED, FAILS_FAMILY, FAILS_RANDOM, UNSOLVED, DIVERGED)
EVIDENCE_COLUMNS = ["check", "length", "accuracy", "strings"]
TEST_CHECK = "test set"
TESTED_NOT_PROVEN = "tested, not proven for every length"
TEST_STRINGS = 1000  # parity.training.train.TEST_SIZE (train imports this module, not the reverse)


@dataclass(frozen=True)
class Verdict:
    """What a model was shown to compute. Picklable (plain values only)."""

    status: str  # one of STATUSES
    headline: str  # one plain-English sentence
    is_parity_machine: bool
    evidence: tuple[Row, ...]  # check (a family name or 'test set'), length, accuracy, strings
    failure: str | None = None  # the first string it got wrong, '0110...', or None
    failure_check: str | None = None  # which check that string came from
    automaton: dict | None = None  # parity.analysis.automaton's to_dict(), when it was extracted
    certificate: dict | None = None  # parity.analysis.certificate's to_dict(), when one was tried

    def evidence_frame(self) -> pd.DataFrame:
        """The evidence as a tidy frame: check, length, accuracy, strings."""
        import pandas as pd  # lazy: only callers that want a frame load pandas

        return pd.DataFrame([asdict(r) for r in self.evidence], columns=EVIDENCE_COLUMNS)

    @property
    def is_proven(self) -> bool:
        return self.status == PROVEN

    def to_dict(self) -> dict:
        """JSON-ready: what `train --json` prints under "verdict"."""
        return {
            "status": self.status,
            "headline": self.headline,
            "is_parity_machine": self.is_parity_machine,
            "evidence": [asdict(r) for r in self.evidence],
            "failure": self.failure,
            "failure_check": self.failure_check,
            "automaton": self.automaton,
            "certificate": self.certificate,
        }


def describe_failure(check: str, text: str, accuracy: float, length: int) -> str:
    """'a 1 followed by 999 zeros', or 'random strings of length 1,000 (97.3% right)'."""
    spelled = families.spell(text)
    if spelled is not None:
        return spelled
    if check == short_strings.SHORT_CHECK:
        return f"the {len(text)}-bit string {text} ({short_strings.SHORT_LABEL} checked)"
    if check == guided.GUIDED_CHECK:
        return f"a {len(text):,}-bit string found by {guided.guided_label(length)}"
    if check == structured.STRUCTURED_CHECK:
        return f"the {len(text):,}-bit string {structured.spell_structured(text)}"
    if is_long(check):
        label = families.FAMILIES[LONG_CHECKS[check]].label
        return (
            f"a {len(text):,}-bit prefix of the long {label} strings of length {length:,} "
            f"({accuracy:.1%} of them right in every prefix)"
        )
    return f"{families.FAMILIES[check].label} strings of length {length:,} ({accuracy:.1%} right)"


def judge(
    test_accuracy: float,
    test_lengths: tuple[int, int],
    outcome: Outcome | None,
    automaton=None,
    diverged_at: int | None = None,
    budget: int | None = None,
) -> Verdict:
    """The verdict from the numbers: test accuracy, a stress outcome, an extracted automaton.

    `diverged_at`: the step whose loss was not finite; `budget`: the steps run when training
    used its whole budget (said in the headline of a model that failed).
    """
    test = Row(TEST_CHECK, test_lengths[1], test_accuracy, TEST_STRINGS)
    if diverged_at is not None:
        headline = f"diverged: the loss became NaN at step {diverged_at:,}"
        return Verdict(DIVERGED, headline, False, (test,))
    rows = (test, *(outcome.rows if outcome else ()))
    ran = f"ran its whole budget ({budget:,} steps) and " if budget else ""
    if test_accuracy < 1.0:
        headline = (
            f"{ran}did not solve the test set (lengths {test_lengths[0]}–{test_lengths[1]}: "
            f"{test_accuracy:.1%} right)"
        )
        return Verdict(UNSOLVED, headline, False, rows)
    if outcome is None:
        return Verdict(UNSOLVED, "solved the test set, but was not checked further", False, rows)
    if outcome.failure is not None:
        return _failed_check(outcome, rows, ran)
    return _automaton_verdict(_checked(outcome), automaton, rows)


def _failed_check(outcome: Outcome, rows: tuple[Row, ...], ran: str) -> Verdict:
    """A model right on the test set that got a string of a stress check wrong."""
    check, text = outcome.failure
    row = next(r for r in outcome.rows if r.check == check)
    status = FAILS_RANDOM if check in ("random", LONG_CHECK) else FAILS_FAMILY
    failed = describe_failure(check, text, row.accuracy, row.length)
    headline = f"{ran}solved the test set, but fails on {failed}"
    return Verdict(status, headline, False, rows, text, check)


def _checked(outcome: Outcome) -> str:
    """'right on the test set, ..., on every stress family at 1,000 bits,
    on every prefix of ... and on a guided search'."""
    length = outcome.rows[0].length
    long = [r for r in outcome.rows if is_long(r.check)]
    searched = any(r.check == guided.GUIDED_CHECK for r in outcome.rows)
    endings = any(r.check == structured.STRUCTURED_CHECK for r in outcome.rows)
    clauses = [f"on every stress family at {length:,} bits"]
    if long:
        strings = sum(r.strings for r in long)
        clauses.append(f"on every prefix of {strings:,} of {long[0].length:,} bits")
    if endings:
        clauses.append("on structured strings")
    if searched:
        clauses.append("on a guided search")
    listed = ", ".join(clauses[:-1]) + " and " + clauses[-1] if len(clauses) > 1 else clauses[0]
    # short: the app's messages stay under 300 characters (the lengths are in the evidence)
    return f"right on the test set, on {short_strings.SHORT_LABEL}, {listed}"


def _automaton_verdict(checked: str, automaton, rows: tuple[Row, ...]) -> Verdict:
    """A model right on every check: a parity machine only if its automaton is parity's."""
    if automaton is None:
        return Verdict(CHECKS_PASSED, f"{checked}; its automaton was not checked", False, rows)
    summary = automaton.to_dict()
    if automaton.is_parity and automaton.stable:
        headline = (
            f"{checked}, and its states form the stable two-state parity automaton "
            f"({TESTED_NOT_PROVEN})"
        )
        return Verdict(PARITY_MACHINE, headline, True, rows, automaton=summary)
    if automaton.is_parity:
        how = "never settle" if automaton.wanders else "drift"
        why = f"and its states form the two-state parity automaton, but they {how} on long runs"
    else:
        why = (
            f"but its states form a {automaton.states}-state automaton, "
            "not the two-state parity automaton"
        )
    return Verdict(CHECKS_PASSED, f"{checked}, {why}", False, rows, automaton=summary)


def verdict_for(
    model,
    config,
    test_accuracy: float,
    *,
    suite: StressSuite | None = None,
    outcome: Outcome | None = None,
    diverged_at: int | None = None,
    budget: int | None = None,
    automaton=None,
) -> Verdict:
    """Judge a model: the full stress check (unless `outcome` already holds it for this very
    model), then, when every check passes, its extracted automaton (unless `automaton` already
    holds it for this very model)."""
    lengths = (config.test_min_len, config.test_max_len)
    if diverged_at is not None or test_accuracy < 1.0:
        return judge(test_accuracy, lengths, None, diverged_at=diverged_at, budget=budget)
    outcome = outcome or (suite or config_suite(config)).run(model)
    if outcome.passed and automaton is None:
        automaton = extract(model)
    elif not outcome.passed:
        automaton = None
    return judge(test_accuracy, lengths, outcome, automaton, budget=budget)


def with_certificate(verdict: Verdict, certificate: dict) -> Verdict:
    """The verdict with a certificate's outcome: a proven parity machine, or as it was.

    A certificate can only raise a parity machine (every test passed) to a proven one; on any
    other verdict it is kept as evidence (a proof of a model that fails a test cannot exist,
    and a counterexample is already in the failure).
    """
    if certificate.get("proven") and verdict.status == PARITY_MACHINE:
        headline = verdict.headline.replace(f" ({TESTED_NOT_PROVEN})", "; proven for every length")
        return replace(verdict, status=PROVEN, headline=headline, certificate=certificate)
    return replace(verdict, certificate=certificate)
