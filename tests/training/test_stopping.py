"""The stop rule: solved, generalized (every stress family too), and restarts when stuck."""

from __future__ import annotations

import torch

from parity.core.config import Config
from parity.evaluation.verdict import CHECKS_PASSED, PARITY_MACHINE
from parity.nets.models import build
from parity.training.stopping import RESTART_SEED_STEP, StopRule
from tests.evaluation.test_stress import Decays, Exact
from tests.handbuilt import minsky_rnn, wandering_rnn

CONFIG = Config(test_min_len=5, test_max_len=10, restart_after=30)  # check length 100


def test_a_model_that_forgets_after_zeros_is_refused_then_restarted():
    rule = StopRule(CONFIG)
    forgets = Decays(after=20)
    assert rule.decide(forgets, 10, 0.9) is None  # test set not solved: nothing to check
    assert rule.decide(forgets, 20, 1.0) is None  # solved, check fails: wait
    assert rule.outcome.failure == ("one_then_zeros", "1" + "0" * 99)
    assert rule.decide(forgets, 40, 1.0) is None  # 20 steps since solving: still waiting
    assert rule.decide(forgets, 50, 1.0) == "restart"  # 30 steps: stuck
    assert rule.suite.length == 100


def test_a_perfect_model_stops_as_generalized_and_others_as_asked():
    rule = StopRule(CONFIG)
    assert rule.decide(minsky_rnn(), 20, 1.0) == "generalized"
    assert rule.automaton.is_parity and rule.automaton.stable
    verdict = rule.verdict(minsky_rnn(), 1.0, "generalized", 20)
    assert verdict.status == PARITY_MACHINE
    assert verdict.automaton == rule.automaton.to_dict()  # the rule's automaton, reused
    assert StopRule(CONFIG.replace(stop="solved")).decide(Decays(20), 20, 1.0) == "solved"
    assert StopRule(CONFIG.replace(stop="budget")).decide(Exact(), 20, 1.0) is None
    never = StopRule(CONFIG.replace(restart_after=0))
    assert never.decide(Decays(20), 20, 1.0) is None
    assert never.decide(Decays(20), 5000, 1.0) is None


def test_a_model_right_everywhere_whose_state_never_settles_trains_on():
    """Every check passes, but the turning units never settle: not generalized; stuck for
    restart_after steps after solving, it restarts, as a model failing a check does."""
    rule = StopRule(CONFIG)
    wanders = wandering_rnn()
    assert rule.decide(wanders, 20, 1.0) is None
    assert rule.outcome.passed and rule.automaton.is_parity and rule.automaton.wanders
    assert rule.decide(wanders, 50, 1.0) == "restart"
    verdict = rule.verdict(wanders, 1.0, "budget", 60)
    assert verdict.status == CHECKS_PASSED and "never settle" in verdict.headline


def test_fresh_weights_are_seeded_by_the_seed_and_the_attempt():
    rule = StopRule(CONFIG)
    rule.solved_at = 20
    model = build(CONFIG)
    rule.fresh_weights(model)
    expected = build(CONFIG.replace(seed=CONFIG.seed + RESTART_SEED_STEP))
    for name, value in expected.state_dict().items():
        assert torch.equal(model.state_dict()[name], value), name
    assert rule.restarts == 1 and rule.solved_at is None
    rule.fresh_weights(model)
    second = build(CONFIG.replace(seed=CONFIG.seed + 2 * RESTART_SEED_STEP))
    assert torch.equal(model.rnn.weight_hh_l0, second.rnn.weight_hh_l0)


def test_a_stuck_seed_restarts_and_ends_a_parity_machine():
    """Seed 102's first attempt solves the test set by step ~100 but its odd state fades
    under zeros; without restarts it ran all 2,000 steps and still failed."""
    from parity.training.train import train

    result = train(Config(seed=102))
    assert result.restarts >= 1 and result.status == "generalized"
    assert result.verdict.is_parity_machine, result.verdict.headline
    tested = result.history["test_accuracy"].tolist()
    first = tested.index(1.0)
    assert min(tested[first:]) < 0.75  # fresh weights: back to guessing, then solved again
    assert result.steps >= result.solved_at_step + Config().restart_after
    assert result.summary()["restarts"] == result.restarts
