"""Presets: full configurations the app can train, each with a measured expected result."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from parity.core.config import Config, fields
from parity.evaluation import verdict as v
from parity.training import presets
from parity.training.train import HISTORY_COLUMNS, TrainResult, train
from ui.ranges import trainable

ROOT = Path(__file__).resolve().parents[2]
ISSUE_PRESETS = ["notebook", "smallest", "rnn_final", "length_50", "lr_too_high"]


def changed(config: Config) -> dict:
    """The fields where `config` differs from the defaults."""
    default = Config()
    return {
        f.name: getattr(config, f.name)
        for f in fields()
        if getattr(config, f.name) != getattr(default, f.name)
    }


def test_the_five_presets_in_order_each_a_full_config_the_app_trains():
    assert list(presets.PRESETS) == ISSUE_PRESETS
    for name, preset in presets.PRESETS.items():
        assert isinstance(preset.config, Config)
        assert set(preset.config.to_dict()) == {f.name for f in fields()}
        assert trainable(preset.config), name
        assert presets.find(preset.config) == name
        assert presets.find(preset.config.replace(seed=123)) == name  # any seed is the preset
    assert presets.find(Config()) is None
    assert len({p.config for p in presets.PRESETS.values()}) == len(presets.PRESETS)


def test_the_notebook_preset_is_the_seed_notebooks_setup():
    assert changed(presets.PRESETS["notebook"].config) == {
        "arch": "rnn",
        "lr": 0.01,
        "batch_size": 10,
        "steps": 1000,
        "density": "half",  # random.choices([0, 1])
        "target": "final",
        "clip": 0.0,  # the notebook does not clip
        "stop": "budget",  # it runs all 1,000 episodes
    }
    notebook = presets.PRESETS["notebook"].config
    assert (notebook.min_len, notebook.max_len, notebook.hidden_size) == (1, 20, 8)
    assert (notebook.test_min_len, notebook.test_max_len, notebook.eval_every) == (50, 100, 10)


def test_the_other_presets_change_only_what_they_are_about():
    assert changed(presets.PRESETS["smallest"].config) == {"hidden_size": 1}
    assert changed(presets.PRESETS["rnn_final"].config) == {"arch": "rnn", "target": "final"}
    assert changed(presets.PRESETS["length_50"].config) == {
        "min_len": 50,
        "max_len": 50,
        "target": "final",
    }
    assert changed(presets.PRESETS["lr_too_high"].config) == {"lr": 1.0}


def test_expected_texts_quote_the_measured_counts_of_bench_presets_md():
    table = (ROOT / "bench" / "PRESETS.md").read_text()
    for name, preset in presets.PRESETS.items():
        hit, n, unseen_hit, unseen_n = presets.MEASURED[name]
        assert f"{unseen_hit} of {unseen_n} unseen seeds" in preset.expected
        assert f"{hit} of {n} seeds" in preset.expected
        row = re.search(rf"^\| {name} \| (\d+) of (\d+) \| (\d+) of (\d+) \|", table, re.M)
        assert row and tuple(map(int, row.groups())) == presets.MEASURED[name], name


def result_with(verdict: v.Verdict, test_accuracy: float) -> TrainResult:
    history = pd.DataFrame([[10, 0.7, 0.5, test_accuracy, 0.1]], columns=HISTORY_COLUMNS)
    return TrainResult(Config(), None, history, "budget", 10, None, 0.1, (), verdict, 0)


def test_an_expectation_checks_the_verdict_and_chance():
    at_chance = presets.Expectation(presets.FAILS, at_chance=True)
    unsolved = v.judge(0.55, (50, 100), None)
    assert at_chance.holds(result_with(unsolved, 0.55))
    assert not at_chance.holds(result_with(v.judge(0.8, (50, 100), None), 0.8))  # learned some
    diverged = v.judge(float("nan"), (50, 100), None, diverged_at=5)
    assert at_chance.holds(result_with(diverged, float("nan")))
    assert not presets.Expectation(presets.WORKS).holds(result_with(unsolved, 0.55))


@pytest.mark.parametrize(
    ("name", "steps"),
    [("notebook", None), ("smallest", None), ("length_50", 400), ("lr_too_high", 400)],
)
def test_a_real_seeded_run_shows_the_expected_result(name, steps):
    """Seed 0 of each preset (the failures cut to 400 steps to stay fast)."""
    preset = presets.PRESETS[name]
    config = preset.config if steps is None else preset.config.replace(steps=steps)
    result = train(config)
    assert preset.expectation.holds(result)
    if preset.expectation.at_chance:
        assert result.final_test_accuracy <= presets.CHANCE
    else:
        assert result.verdict.status == v.PARITY_MACHINE
