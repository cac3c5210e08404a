"""Verdicts: plain words for what was and was not shown; a parity machine only with all proof."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass

import pytest

from parity.core.config import Config
from parity.evaluation import verdict as v
from parity.evaluation.long_strings import LONG_CHECKS
from parity.evaluation.stress import Outcome, Row
from parity.training.train import train

LENGTHS = (50, 100)


def rows(failing: dict[str, float] | None = None, length: int = 1000) -> tuple[Row, ...]:
    failing = failing or {}
    names = ["random", "one_then_zeros", "sparse"]
    return tuple(Row(n, length, failing.get(n, 1.0), 8) for n in names)


@dataclass
class Automaton:
    """The shape of parity.analysis.automaton.extract's answer: what the verdict reads from it."""

    is_parity: bool
    stable: bool
    states: int
    wanders: bool = False  # stayed in its clusters, but never settled

    def to_dict(self):
        return {"states": self.states, "is_parity": self.is_parity, "stable": self.stable}


def test_a_parity_machine_needs_every_check_and_the_stable_two_state_automaton():
    passed = Outcome(rows(), None)
    best = v.judge(1.0, LENGTHS, passed, Automaton(True, True, 2))
    assert best.status == v.PARITY_MACHINE and best.is_parity_machine
    assert best.headline.endswith(
        "its states form the stable two-state parity automaton "
        "(tested, not proven for every length)"
    )
    assert "every stress family at 1,000 bits" in best.headline
    assert best.automaton == {"states": 2, "is_parity": True, "stable": True}
    drifting = v.judge(1.0, LENGTHS, passed, Automaton(True, False, 2))
    assert drifting.status == v.CHECKS_PASSED and not drifting.is_parity_machine
    assert "drift" in drifting.headline
    wandering = v.judge(1.0, LENGTHS, passed, Automaton(True, False, 2, wanders=True))
    assert wandering.status == v.CHECKS_PASSED and not wandering.is_parity_machine
    assert wandering.headline.endswith("parity automaton, but they never settle on long runs")
    assert len(wandering.headline) <= 300
    more = v.judge(1.0, LENGTHS, passed, Automaton(False, True, 5))
    assert not more.is_parity_machine and "5-state automaton" in more.headline
    unknown = v.judge(1.0, LENGTHS, passed, None)
    assert unknown.status == v.CHECKS_PASSED and "not checked" in unknown.headline


def test_a_failing_family_is_named_with_its_string():
    failed = Outcome(rows({"one_then_zeros": 0.0}), ("one_then_zeros", "1" + "0" * 999))
    verdict = v.judge(1.0, LENGTHS, failed, Automaton(True, True, 2))
    assert verdict.status == v.FAILS_FAMILY and not verdict.is_parity_machine
    assert verdict.headline == "solved the test set, but fails on a 1 followed by 999 zeros"
    assert verdict.failure == "1" + "0" * 999 and verdict.failure_check == "one_then_zeros"
    assert "generalized" not in json.dumps(verdict.to_dict())


def test_random_failures_say_the_length_and_the_share_right():
    text = "0110" * 250
    failed = Outcome(rows({"random": 0.973}), ("random", text))
    verdict = v.judge(1.0, LENGTHS, failed, None, budget=2000)
    assert verdict.status == v.FAILS_RANDOM
    assert verdict.headline == (
        "ran its whole budget (2,000 steps) and solved the test set, but fails on random "
        "strings of length 1,000 (97.3% right)"
    )


def test_unsolved_and_diverged_runs_say_so():
    unsolved = v.judge(0.62, LENGTHS, None, budget=300)
    assert unsolved.status == v.UNSOLVED
    assert unsolved.headline == (
        "ran its whole budget (300 steps) and did not solve the test set "
        "(lengths 50–100: 62.0% right)"
    )
    assert unsolved.evidence_frame().to_dict("records") == [
        {"check": "test set", "length": 100, "accuracy": 0.62, "strings": 1000}
    ]
    diverged = v.judge(float("nan"), LENGTHS, None, diverged_at=7)
    assert diverged.status == v.DIVERGED and "step 7" in diverged.headline


def test_train_attaches_a_picklable_verdict_with_its_evidence(default_result):
    verdict = default_result.verdict
    assert pickle.loads(pickle.dumps(verdict)) == verdict
    frame = verdict.evidence_frame()
    assert list(frame.columns) == v.EVIDENCE_COLUMNS
    # the test set, 11 families, 11 long checks (every family), the structured strings, the
    # guided search, the short strings
    assert frame["check"].iloc[0] == "test set" and len(frame) == 26
    assert frame["check"].iloc[-1] == "short_strings" and frame["strings"].iloc[-1] == 32_766
    assert list(frame["check"].iloc[-14:-3]) == list(LONG_CHECKS)
    fixed = [8, 8, 2, 1, 2, 23]  # the fixed families' strings, at the long length too
    assert list(frame["strings"].iloc[-14:-3]) == [*fixed, 2000, 250, 250, 250, 250]
    assert frame["check"].iloc[-3] == "structured"
    assert frame["strings"].iloc[-3] == 4 * 256 * 1024 + 106  # endings and periods
    assert frame["check"].iloc[-2] == "guided" and frame["strings"].iloc[-2] == 4096 + 2 * 256 * 988
    assert set(frame["length"].iloc[1:-14]) == {1000}
    assert list(frame["length"].iloc[-14:]) == [5000] * 12 + [1000, 14]
    assert verdict.status in (v.PARITY_MACHINE, v.CHECKS_PASSED)
    assert (
        "1,000 bits, on every prefix of 3,044 of 5,000 bits, on structured strings and on a "
        "guided search"
    ) in verdict.headline
    assert (frame["accuracy"] == 1.0).all()
    summary = json.loads(json.dumps(default_result.summary()))
    assert summary["verdict"]["status"] == verdict.status


def test_the_stop_rule_refuses_a_model_that_fails_a_family():
    """Half-density training, seed 2: random strings at length 1,000 are soon all right, yet
    a single 1 followed by zeros is not; the old random-only check stopped such models."""
    result = train(Config(seed=2, density="half", steps=300))
    assert result.status == "budget" and result.solved_at_step is not None
    verdict = result.verdict
    assert verdict.status == v.FAILS_FAMILY and not verdict.is_parity_machine
    frame = verdict.evidence_frame()
    acc = dict(zip(frame["check"], frame["accuracy"], strict=True))
    assert acc["random"] == 1.0 and acc["one_then_zeros"] < 1.0


@pytest.mark.parametrize("status", v.STATUSES)
def test_status_words_never_claim_generalization(status):
    assert "generaliz" not in status


def test_a_certificate_raises_only_a_parity_machine_to_proven():
    passed = Outcome(rows(), None)
    best = v.judge(1.0, LENGTHS, passed, Automaton(True, True, 2))
    proven = v.with_certificate(best, {"proven": True, "method": "m"})
    assert proven.status == v.PROVEN and proven.is_proven and proven.is_parity_machine
    assert proven.headline.endswith("proven for every length")
    assert "not proven" not in proven.headline
    assert proven.to_dict()["certificate"] == {"proven": True, "method": "m"}
    refused = v.with_certificate(best, {"proven": False, "reason": "r"})
    assert refused.status == v.PARITY_MACHINE and not refused.is_proven
    assert refused.headline == best.headline and refused.certificate["reason"] == "r"
    failing = v.judge(1.0, LENGTHS, Outcome(rows({"sparse": 0.5}), ("sparse", "000")), None)
    assert v.with_certificate(failing, {"proven": True}).status == failing.status
    assert best.to_dict()["certificate"] is None
