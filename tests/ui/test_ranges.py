"""ui.ranges: the app's ranges fit its budget, refusals name what to lower, the CLI keeps the
engine's wider ranges, and the diagnosis suggests only what the app trains."""

from __future__ import annotations

import itertools

import pytest

from parity.cli.args import build_parser, config_from_args
from parity.core import config as config_lib
from parity.core.config import Config
from parity.training import costs
from parity.training import diagnosis as dg
from tests.training.test_costs import ARCH_IMPLS, COSTLY, field
from tests.training.test_diagnosis import changes, made
from ui import ranges


@pytest.mark.parametrize("arch, impl", ARCH_IMPLS)
def test_each_field_at_the_apps_limit_fits_the_app_with_the_rest_at_defaults(arch, impl):
    base = Config(arch=arch, impl=impl)
    for f in config_lib.fields():
        if ranges.app_hi(f) is None:
            continue
        values = {f.name: ranges.app_hi(f)}
        if f.name == "min_len":
            values["max_len"] = ranges.app_hi(f)
        config = base.replace(**values)
        if (arch, f.name) == ("gru", "hidden_size"):
            # The GRU's own 6,000-step budget at 64 units is over the app's time: refused by
            # name (lower the steps), and fits with the shared 2,000 steps.
            refusal = ranges.app_refusal(config)
            assert refusal.what == "time" and refusal.lower[0] == "steps"
            config = config.replace(steps=config_lib.SHARED_DEFAULTS["steps"])
        assert ranges.app_refusal(config) is None, (f.name, costs.estimate(config))


@pytest.mark.parametrize("arch, impl", ARCH_IMPLS)
def test_corners_of_the_apps_ranges_are_accepted_only_within_the_budget(arch, impl):
    """Every corner of (batch, length, hidden, fixed set, test length, steps) at the app's
    bounds: accepted ones are under both budgets; refused ones name fields that lower it."""
    bounds = [ranges.app_range(field(name)) for name in COSTLY]
    accepted = refused = 0
    for corner in itertools.product(*bounds):
        values = dict(zip(COSTLY, corner, strict=True))
        values["min_len"] = 1
        values["test_min_len"] = min(values["test_max_len"], Config().test_min_len)
        values["train_size"] = min(values["train_size"], 10_000_000 // values["max_len"])
        config = Config(arch=arch, impl=impl, **values)
        refusal, guess = ranges.app_refusal(config), costs.estimate(config)
        if refusal is None:
            accepted += 1
            assert guess.bytes <= ranges.APP_BYTES and guess.seconds <= ranges.APP_SECONDS
        else:
            refused += 1
            assert refusal.needed > refusal.allowed and refusal.lower
            lengths = ("max_len", "test_max_len")  # their min fields would need moving too
            cheaper = config.replace(**{n: 1 for n in refusal.lower if n not in lengths})
            assert costs.estimate(cheaper).bytes <= guess.bytes
    assert accepted and refused


def test_the_issue_links_are_over_the_apps_limits():
    link = Config(hidden_size=256, batch_size=4096, min_len=100, max_len=100, steps=1)
    assert [name for name, _, _ in ranges.over_app_range(link)] == [
        "hidden_size",
        "batch_size",
    ]
    scratch = Config(hidden_size=256, impl="scratch")
    assert [name for name, _, _ in ranges.over_app_range(scratch)] == ["hidden_size"]
    assert costs.train_bytes(link) > ranges.APP_BYTES  # and the estimate knows it is large


def test_the_cli_keeps_the_engines_wider_ranges():
    flags = {f.name: f.metadata["hi"] for f in config_lib.fields() if ranges.app_hi(f) is not None}
    argv = ["train"] + [f"--{name.replace('_', '-')}={value}" for name, value in flags.items()]
    config = config_from_args(build_parser().parse_args(argv))
    for name, value in flags.items():
        assert getattr(config, name) == value > ranges.APP_HI[name]


def test_suggestions_are_trainable_and_change_something():
    wide, long = Config(hidden_size=64, lr=1.0), Config(steps=20_000, target="final")
    assert ranges.trainable(wide) and ranges.trainable(long)
    # hidden 128 and 40,000 steps would be over the app's range
    stalled = dg.diagnose(made(wide, [0.75] * 30), ranges.trainable)
    rising = dg.diagnose(made(long, [0.6 + 0.01 * i for i in range(30)]), ranges.trainable)
    assert changes(stalled) == [{"lr": Config().lr}, {"seed": 1}]
    assert changes(rising) == [{"target": "every"}]
    for config, d in (
        (wide, stalled),
        (long, rising),
        (wide, dg.diagnose(made(wide, [0.5] * 9), ranges.trainable)),
    ):
        for s in d.suggestions:
            assert ranges.trainable(s.apply(config)) and s.apply(config) != config
