"""parity.training.costs: estimates grow with every costly field; the CLI warns on large runs."""

from __future__ import annotations

import pytest

from parity.core import config as config_lib
from parity.core.config import Config
from parity.training import costs

ARCH_IMPLS = [(a, i) for a in ("lstm", "gru", "rnn") for i in ("torch", "scratch")]
COSTLY = ("batch_size", "max_len", "hidden_size", "train_size", "test_max_len", "steps")


def field(name: str):
    return next(f for f in config_lib.fields() if f.name == name)


def grow(config: Config, name: str) -> Config:
    """`config` with field `name` doubled (or 1 if it was 0), within the engine's range."""
    value = min(max(1, 2 * getattr(config, name)), field(name).metadata["hi"])
    return config.replace(**{name: value})


@pytest.mark.parametrize("arch, impl", ARCH_IMPLS)
@pytest.mark.parametrize("name", COSTLY)
def test_the_estimate_never_shrinks_when_a_costly_field_grows(arch, impl, name):
    base = Config(arch=arch, impl=impl, min_len=1, max_len=50, train_size=1000)
    for config in (base, base.replace(stop="budget", hidden_size=64, batch_size=256)):
        bigger = grow(config, name)
        before, after = costs.estimate(config), costs.estimate(bigger)
        assert after.bytes >= before.bytes and after.seconds >= before.seconds, name
        assert (after.bytes, after.seconds) != (before.bytes, before.seconds), name


def test_more_evaluations_cost_time_not_memory():
    config = Config(eval_every=100)
    often = config.replace(eval_every=1)
    assert costs.estimate(often).seconds > costs.estimate(config).seconds
    assert costs.estimate(often).bytes == costs.estimate(config).bytes


def test_memory_counts_units_rows_and_steps_times_the_measured_width():
    small = Config(batch_size=100, min_len=100, max_len=100, hidden_size=100)
    big = small.replace(batch_size=200)
    per_float = (costs.train_bytes(big) - costs.train_bytes(small)) / (100 * 100 * 100)
    want = costs.MARGIN * costs.FLOAT * (100 * costs.TRAIN_FLOATS["lstm", "torch"] + 16)
    assert per_float == pytest.approx(want / 100, rel=1e-6)


def test_memory_splits_into_the_steps_activations_and_the_drawn_data():
    config = Config(batch_size=100, min_len=100, max_len=100, hidden_size=100)
    steps, data = costs.memory_split(config)
    assert steps == costs.FLOAT * 100 * 100 * 100 * costs.TRAIN_FLOATS["lstm", "torch"]
    assert costs.memory_split(config.replace(batch_size=200)) == (2 * steps, data)
    assert costs.memory_split(config.replace(train_size=1000))[1] > data


def test_the_cli_warns_on_the_issue_links():
    link = Config(hidden_size=256, batch_size=4096, min_len=100, max_len=100, steps=1)
    assert costs.cli_warning(link).startswith("warning: this run may need about")
    assert costs.cli_warning(Config()) is None


def test_the_cli_warns_on_stderr_and_still_runs(monkeypatch, capsys):
    from parity.cli import commands
    from parity.cli import main as cli

    ran = []
    monkeypatch.setattr(commands, "run_train", lambda args: ran.append(args.config) or 0)
    argv = ["train", "--hidden-size", "256", "--batch-size", "4096", "--max-len", "200"]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: this run may need about") and err.count("\n") == 1
    assert ran and ran[0].batch_size == 4096
