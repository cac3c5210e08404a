"""The failure diagnosis: what a run measured -> the probable cause and trainable fixes."""

from __future__ import annotations

import pandas as pd
import pytest

from parity.core import config as cfg
from parity.core.config import Config
from parity.evaluation import verdict as v
from parity.evaluation.stress import Outcome, Row
from parity.training import diagnosis as dg
from parity.training.train import HISTORY_COLUMNS, TrainResult, train


def made(config: Config, tests: list[float], trains: list[float] | None = None, **kwargs):
    """A TrainResult with a history evaluated every 10 steps and the verdict its numbers give."""
    trains = trains or tests
    pairs = enumerate(zip(tests, trains, strict=True))
    rows = [[10 * (i + 1), 0.7, a, t, 0.01 * i] for i, (t, a) in pairs]
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    steps = 10 * len(tests)
    verdict = kwargs.pop("verdict", None) or v.judge(tests[-1], (50, 100), None, budget=steps)
    status = kwargs.pop("status", "budget")
    return TrainResult(config, None, history, status, steps, None, 1.0, (), verdict, 0)


def outcome(failing: str | None, accuracy: float) -> Outcome:
    rows = (Row("random", 1000, 1.0 if failing != "random" else accuracy, 1000),)
    rows += (Row("one_then_zeros", 1000, 1.0 if failing != "one_then_zeros" else accuracy, 4),)
    text = "1" + "0" * 999
    return Outcome(rows, (failing, text) if failing else None)


def changes(d: dg.Diagnosis) -> list[dict]:
    return [s.changes for s in d.suggestions]


def test_a_diverged_run_names_its_step_and_lowers_the_learning_rate():
    config = Config(lr=0.5, clip=0.0)
    verdict = v.judge(float("nan"), (50, 100), None, diverged_at=37)
    d = dg.diagnose(made(config, [0.5, float("nan")], verdict=verdict, status="diverged"))
    assert d.kind == dg.DIVERGED
    assert "step 20" in d.explanation and "learning rate 0.5" in d.explanation
    assert changes(d) == [{"lr": Config().lr}, {"clip": 1.0}]


def test_a_run_at_chance_quotes_its_accuracies_and_blames_the_long_strings():
    config = Config(min_len=50, max_len=50, target="final")
    d = dg.diagnose(made(config, [0.49, 0.51, 0.503] * 10, [0.5, 0.47, 0.53] * 10))
    assert d.kind == dg.CHANCE_KIND and d.title == "Stuck at chance"
    assert "test accuracy is 50.3%, which is guessing" in d.explanation
    assert "at least 50 bits long" in d.explanation and "never left chance" in d.explanation
    assert "average 50.0% at the end, guessing too" in d.explanation
    assert changes(d) == [{"min_len": 1}, {"target": "every"}]


def test_a_high_learning_rate_that_fell_back_to_chance():
    d = dg.diagnose(made(Config(lr=1.0), [0.6, 0.93, 0.8] + [0.5] * 20))
    assert d.kind == dg.CHANCE_KIND
    assert "reached 93.0% at step 20 and then fell back" in d.explanation
    assert "learning rate of 1 is high" in d.explanation
    assert changes(d)[0] == {"lr": Config().lr}


def test_fitting_short_strings_but_not_the_test_lengths():
    some = dg.diagnose(made(Config(arch="rnn", target="final"), [0.5] * 20, [0.7] * 20))
    assert some.kind == dg.CHANCE_KIND
    assert "average 70.0% at the end, only a little better than guessing" in some.explanation
    d = dg.diagnose(made(Config(arch="rnn", target="final"), [0.5] * 20, [0.95] * 20))
    assert d.kind == dg.SHORT_ONLY
    assert "average 95.0% right" in d.explanation and "only 50.0%" in d.explanation
    # to an LSTM, the fields at the RNN's own defaults move to the LSTM's (the shared ones)
    lstm = {"arch": "lstm"} | {k: cfg.SHARED_DEFAULTS[k] for k in cfg.ARCH_CHANGES["rnn"]}
    assert changes(d) == [{"target": "every"}, lstm, {"max_len": 40}]


def test_a_gru_off_its_own_defaults_is_told_what_a_gru_needs_and_why():
    shared_gru = Config.from_dict({"arch": "gru"})  # as a link from before opens it
    d = dg.diagnose(made(shared_gru, [0.5] * 20))
    first = d.suggestions[0]
    assert first.changes == cfg.ARCH_CHANGES["gru"]
    assert first.reason == f"the GRU defaults: {cfg.WHY['gru']}"
    assert first.apply(shared_gru) == Config(arch="gru")
    on_defaults = dg.diagnose(made(Config(arch="gru"), [0.5] * 20))
    assert not any(s.reason.startswith("the GRU defaults") for s in on_defaults.suggestions)


def test_a_budget_that_ran_out_while_learning_asks_for_more_steps():
    config = Config(steps=300, stop="budget")
    d = dg.diagnose(made(config, [0.62 + 0.01 * i for i in range(30)]))
    assert d.kind == dg.STILL_LEARNING
    assert "91.0% at the end" in d.explanation and "300 steps" in d.explanation
    assert changes(d) == [{"steps": 600}]


def test_a_flat_curve_above_chance_has_stalled():
    d = dg.diagnose(made(Config(hidden_size=4, seed=3), [0.75] * 30))
    assert d.kind == dg.STALLED and "stopped improving at 75.0%" in d.explanation
    assert changes(d) == [{"hidden_size": 8}, {"lr": 0.02}, {"seed": 4}]


@pytest.mark.parametrize(
    ("failing", "kind"), [("random", dg.FAILS_LONGER), ("one_then_zeros", dg.FAILS_FAMILY)]
)
def test_solved_but_failing_longer_strings_names_the_worst_check(failing, kind):
    config = Config(density="half", stop="solved", target="final")
    verdict = v.judge(1.0, (50, 100), outcome(failing, 0.734))
    d = dg.diagnose(made(config, [0.8, 1.0], verdict=verdict))
    assert d.kind == kind
    assert "73.4% right" in d.explanation and "length 1,000" in d.explanation
    assert changes(d) == [{"density": "varied"}, {"stop": "generalized"}, {"target": "every"}]


def test_a_run_that_passed_every_check_has_no_diagnosis():
    verdict = v.judge(1.0, (50, 100), outcome(None, 1.0))
    assert verdict.status == v.CHECKS_PASSED
    assert dg.diagnose(made(Config(), [0.7, 1.0], verdict=verdict)) is None


def test_suggestions_lead_only_where_the_caller_accepts():
    stalled = made(Config(hidden_size=64, lr=1.0), [0.75] * 30)
    assert changes(dg.diagnose(stalled)) == [{"lr": Config().lr}, {"seed": 1}]
    assert changes(dg.diagnose(stalled, lambda config: config.seed == 0)) == [{"lr": Config().lr}]


def test_a_real_run_with_a_learning_rate_of_one_is_at_chance_or_diverged():
    result = train(Config(lr=1.0, steps=300, seed=0))
    d = dg.diagnose(result)
    assert result.final_test_accuracy <= dg.CHANCE
    assert d.kind == dg.CHANCE_KIND
    assert f"test accuracy is {result.final_test_accuracy:.1%}" in d.explanation
    assert changes(d)[0] == {"lr": Config().lr}


def test_a_real_run_on_length_50_only_is_stuck_at_chance_and_short_strings_fix_it():
    config = Config(min_len=50, max_len=50, target="final", steps=300, seed=0)
    d = dg.diagnose(train(config))
    assert d.kind == dg.CHANCE_KIND and "at least 50 bits long" in d.explanation
    assert changes(d)[:2] == [{"min_len": 1}, {"target": "every"}]
    fixed = train(d.suggestions[1].apply(config))  # the every-prefix loss, 300 steps
    assert fixed.final_test_accuracy > 0.9


def test_a_real_run_that_fails_a_family():
    result = train(Config(density="half", seed=0, steps=400, stop="solved"))
    d = dg.diagnose(result)
    assert result.verdict.status == v.FAILS_FAMILY and d.kind == dg.FAILS_FAMILY
    assert f"at step {result.solved_at_step:,}" in d.explanation
    assert changes(d)[0] == {"density": "varied"}
