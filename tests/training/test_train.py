"""train(): seeded, deterministic, provably learning; stops, progress and divergence."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import torch

from parity.core import data
from parity.core.config import Config
from parity.evaluation.evaluate import accuracy, accuracy_by_length
from parity.evaluation.families import ALL
from parity.evaluation.long_strings import LONG_CHECKS, LONG_OTHERS, LONG_SIZE
from parity.evaluation.stress import config_suite
from parity.nets import losses
from parity.nets.models import build
from parity.training.train import (
    CHECK_FACTOR,
    CHECK_SIZE,
    HISTORY_COLUMNS,
    Progress,
    check_set,
    train,
)

ARCHS = ("lstm", "gru", "rnn")


def short(**changes) -> Config:
    """A few dozen budgeted steps: enough to see training move, cheap enough to repeat."""
    return Config(stop="budget", steps=30, eval_every=5, **changes)


def test_the_default_config_learns_and_generalizes_in_length(default_config, default_result):
    test = data.test_set(default_config)
    assert default_result.final_test_accuracy == 1.0
    assert accuracy(default_result.model, test) == 1.0  # the reported number is real
    table = accuracy_by_length(default_result.model, [200, 1000])
    assert table["accuracy"].iloc[0] == 1.0
    assert table["accuracy"].iloc[1] >= 0.99  # measured 0.999 (seed 0)
    assert 0.35 <= accuracy(build(default_config), test) <= 0.65  # untrained: chance


def test_a_gru_learns_too(trained):
    config = Config(arch="gru")
    result = trained(config)
    assert result.final_test_accuracy == 1.0
    assert accuracy(result.model, data.test_set(config)) == 1.0
    assert 0.35 <= accuracy(build(config), data.test_set(config)) <= 0.65


def test_generalized_means_random_strings_and_every_family_10x_longer_are_perfect(trained):
    config = Config(stop="generalized")
    result = trained(config)
    assert result.status == "generalized"
    check = check_set(config)
    assert accuracy(result.model, check) == 1.0
    outcome = config_suite(config).run(result.model)
    checks = [*ALL, *LONG_CHECKS, "structured", "guided", "short_strings"]
    assert outcome.passed and [r.check for r in outcome.rows] == checks
    assert [r.length for r in outcome.rows] == [1000] * len(ALL) + [5000] * 12 + [1000, 14]
    fixed = [8, 8, 2, 1, 2, 23]  # every fixed family's strings, at 5,000 bits too
    structured = 4 * 256 * 1024 + 106  # endings after stretches, periods
    strings = [*fixed, LONG_SIZE] + [LONG_OTHERS] * 4 + [structured, 4096 + 2 * 256 * 988, 32_766]
    assert [r.strings for r in outcome.rows][-14:] == strings
    assert {r.accuracy for r in outcome.rows} == {1}
    assert result.history["test_accuracy"].iloc[-1] == 1.0
    assert result.solved_at_step <= result.steps
    assert len(check) == CHECK_SIZE
    assert set(check.lengths.tolist()) == {min(config.test_max_len * CHECK_FACTOR, 10_000)}


def test_solved_stops_at_the_first_perfect_evaluation(trained):
    config = Config(stop="solved")
    result = trained(config)
    assert result.status == "solved" and result.steps == result.solved_at_step
    tested = result.history["test_accuracy"]
    assert tested.iloc[-1] == 1.0 and (tested.iloc[:-1] < 1.0).all()
    assert result.history["step"].iloc[-1] == result.steps


def test_budget_runs_exactly_its_steps_even_when_solved_early(trained):
    solved = trained(Config(stop="solved")).solved_at_step
    config = Config(stop="budget", steps=solved + 7)
    result = trained(config)
    assert result.status == "budget" and result.steps == config.steps
    assert result.solved_at_step == solved
    steps = result.history["step"].tolist()
    assert steps == [*range(config.eval_every, config.steps + 1, config.eval_every), config.steps]


def test_history_is_a_tidy_frame(trained):
    history = trained(short()).history
    assert list(history.columns) == HISTORY_COLUMNS
    assert history["step"].tolist() == [5, 10, 15, 20, 25, 30]
    assert history[["train_accuracy", "test_accuracy"]].stack().between(0, 1).all()
    assert (history["loss"] > 0).all() and history["elapsed"].is_monotonic_increasing


def test_the_same_config_gives_the_same_history():
    config = short(arch="gru", seed=3)
    a, b = train(config), train(config)
    pd.testing.assert_frame_equal(
        a.history.drop(columns="elapsed"), b.history.drop(columns="elapsed")
    )
    for name, value in a.model.state_dict().items():
        assert torch.equal(value, b.model.state_dict()[name]), name
    other = train(config.replace(seed=4)).history
    assert not other["loss"].equals(a.history["loss"])


@pytest.mark.parametrize("arch", ARCHS)
def test_torch_and_scratch_paths_train_alike(arch, trained):
    """Same seed, same weights, same batches: the two execution paths give one history.

    Over a few dozen steps they agree to ~1e-7. Much longer, Adam's normalised updates blow
    float32 rounding up (a near-zero gradient's sign decides a full lr step): measured 1e-3
    by step 50 on some seeds, so the comparison stops at 30.
    """
    torch_run = trained(short(arch=arch, impl="torch"))
    scratch_run = trained(short(arch=arch, impl="scratch"))
    a, b = torch_run.history, scratch_run.history
    assert (a["loss"] - b["loss"]).abs().max() < 1e-4
    assert a["train_accuracy"].tolist() == b["train_accuracy"].tolist()
    assert a["test_accuracy"].tolist() == b["test_accuracy"].tolist()
    assert a["loss"].iloc[-1] < a["loss"].iloc[0]  # and they did train


def test_on_progress_is_called_once_per_evaluation():
    seen: list[Progress] = []
    config = Config(stop="budget", steps=35, eval_every=10)
    result = train(config, on_progress=seen.append)
    assert [p.step for p in seen] == [10, 20, 30, 35] == result.history["step"].tolist()
    assert all(p.total == 35 for p in seen)
    assert [p.loss for p in seen] == result.history["loss"].tolist()
    assert [p.test_accuracy for p in seen] == result.history["test_accuracy"].tolist()
    assert [p.train_accuracy for p in seen] == result.history["train_accuracy"].tolist()


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_non_finite_loss_stops_training_as_diverged(bad, monkeypatch):
    calls = {"n": 0}
    real = losses.parity_loss

    def poisoned(*args, **kwargs):
        calls["n"] += 1
        loss = real(*args, **kwargs)
        return loss * bad if calls["n"] == 3 else loss

    monkeypatch.setattr(losses, "parity_loss", poisoned)
    seen: list[Progress] = []
    result = train(Config(stop="budget", steps=50, eval_every=1), on_progress=seen.append)
    assert result.status == "diverged" and result.steps == 3
    assert result.history["step"].tolist() == [1, 2, 3]
    assert math.isnan(result.history["loss"].iloc[-1])
    assert [p.step for p in seen] == [1, 2]
    assert all(torch.isfinite(p).all() for p in result.model.parameters())
    assert json.dumps(result.summary())  # still reportable


def test_summary_is_json_ready_and_matches_the_result(trained):
    result = trained(short())
    summary = json.loads(json.dumps(result.summary()))
    assert summary["config"] == result.config.to_dict()
    assert summary["status"] == "budget" and summary["steps"] == 30
    assert summary["final_test_accuracy"] == result.history["test_accuracy"].iloc[-1]
    assert summary["final_train_accuracy"] == result.history["train_accuracy"].iloc[-1]
    assert summary["final_loss"] == pytest.approx(result.history["loss"].iloc[-1])
    assert summary["train_seconds"] >= 0


def test_training_leaves_the_global_rng_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    train(Config(stop="budget", steps=3))
    assert torch.equal(torch.rand(3), expected)


def test_the_model_comes_back_ready_to_use(trained):
    result = trained(short(impl="scratch"))
    assert not result.model.training and result.model.impl == "scratch"
    assert result.config == short(impl="scratch")


def test_the_seed_picks_the_training_stream(monkeypatch):
    config = Config(stop="budget", steps=3, eval_every=3, seed=17, batch_size=8)
    drawn, real = [], data.random_batch

    def recording(*args, **kwargs):
        drawn.append(real(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(data, "random_batch", recording)
    train(config)
    gen = data.generator(config.seed)
    drawn = [b for b in drawn if len(b) == config.batch_size]  # not the 1000-string test set
    assert len(drawn) == 3
    for batch in drawn:
        want = real(gen, config.batch_size, config.min_len, config.max_len, config.density)
        assert torch.equal(batch.bits, want.bits) and torch.equal(batch.lengths, want.lengths)


def test_should_stop_is_asked_before_every_step():
    from parity.training.train import TrainingStopped

    asked = []

    def stop_at_third_question():
        asked.append(len(asked) + 1)
        return len(asked) == 3

    with pytest.raises(TrainingStopped, match="step 3 of"):
        train(Config(stop="budget", steps=50, eval_every=1000), should_stop=stop_at_third_question)
    assert asked == [1, 2, 3]  # asked at steps 1, 2 and 3, not only at evaluations
