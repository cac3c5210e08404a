"""parity.training.costs: estimates grow with every costly field; the app's ranges fit its
budget."""

from __future__ import annotations

import itertools

import pytest

from parity.cli.args import build_parser, config_from_args
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


@pytest.mark.parametrize("arch, impl", ARCH_IMPLS)
def test_each_field_at_the_apps_limit_fits_the_app_with_the_rest_at_defaults(arch, impl):
    base = Config(arch=arch, impl=impl)
    for f in config_lib.fields():
        if f.metadata["app_hi"] is None:
            continue
        values = {f.name: f.metadata["app_hi"]}
        if f.name == "min_len":
            values["max_len"] = f.metadata["app_hi"]
        config = base.replace(**values)
        assert costs.app_refusal(config) is None, (f.name, costs.estimate(config))


@pytest.mark.parametrize("arch, impl", ARCH_IMPLS)
def test_corners_of_the_apps_ranges_are_accepted_only_within_the_budget(arch, impl):
    """Every corner of (batch, length, hidden, fixed set, test length, steps) at the app's
    bounds: accepted ones are under both budgets; refused ones name fields that lower it."""
    ranges = [config_lib.app_range(field(name)) for name in COSTLY]
    accepted = refused = 0
    for corner in itertools.product(*ranges):
        values = dict(zip(COSTLY, corner, strict=True))
        values["min_len"] = 1
        values["test_min_len"] = min(values["test_max_len"], Config().test_min_len)
        values["train_size"] = min(values["train_size"], 10_000_000 // values["max_len"])
        config = Config(arch=arch, impl=impl, **values)
        refusal, guess = costs.app_refusal(config), costs.estimate(config)
        if refusal is None:
            accepted += 1
            assert guess.bytes <= costs.APP_BYTES and guess.seconds <= costs.APP_SECONDS
        else:
            refused += 1
            assert refusal.needed > refusal.allowed and refusal.lower
            lengths = ("max_len", "test_max_len")  # their min fields would need moving too
            cheaper = config.replace(**{n: 1 for n in refusal.lower if n not in lengths})
            assert costs.estimate(cheaper).bytes <= guess.bytes
    assert accepted and refused


def test_the_issue_links_are_over_the_apps_limits():
    link = Config(hidden_size=256, batch_size=4096, min_len=100, max_len=100, steps=1)
    assert [name for name, _, _ in config_lib.over_app_range(link)] == [
        "hidden_size",
        "batch_size",
    ]
    scratch = Config(hidden_size=256, impl="scratch")
    assert [name for name, _, _ in config_lib.over_app_range(scratch)] == ["hidden_size"]
    assert costs.train_bytes(link) > costs.APP_BYTES  # and the estimate knows it is large
    assert costs.cli_warning(link).startswith("warning: this run may need about")
    assert costs.cli_warning(Config()) is None


def test_the_cli_keeps_the_engines_wider_ranges():
    flags = {
        f.name: f.metadata["hi"] for f in config_lib.fields() if f.metadata["app_hi"] is not None
    }
    argv = ["train"] + [f"--{name.replace('_', '-')}={value}" for name, value in flags.items()]
    config = config_from_args(build_parser().parse_args(argv))
    for name, value in flags.items():
        assert getattr(config, name) == value > field(name).metadata["app_hi"]


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
