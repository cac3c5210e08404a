"""Why the sidebar cannot use an address value: each reason, and None for usable values."""

from __future__ import annotations

import pytest

from parity.core.config import Config, fields
from ui import url_values

FIELDS = {f.name: f for f in fields()}


@pytest.mark.parametrize(
    "name, text, why",
    [
        ("arch", "transformer", "it must be one of lstm, gru, rnn"),
        ("arch", "", "it must be one of lstm, gru, rnn"),
        ("hidden_size", "4.5", "it is not a whole number"),
        ("hidden_size", "0", "it must be in 1..64 here"),
        ("seed", "1e99", "it is not a whole number"),
        ("eval_every", "9" * 400, "it must be in 1..10000 here"),
        ("clip", "nan", "it is not a finite number"),
        ("clip", "-1", "it must be in 0..100 here"),
        ("lr", "inf", "it is not a finite number"),
        ("lr", "0.03", "this slider offers the values 1e-05, 2e-05, 5e-05, …, 1"),
    ],
)
def test_reasons(name, text, why):
    assert url_values.reason(FIELDS[name], text).startswith(why)


@pytest.mark.parametrize(
    "name, text",
    [("arch", "gru"), ("hidden_size", "16"), ("seed", "+7"), ("lr", "0.02"), ("clip", "0")],
)
def test_usable_values_have_no_reason(name, text):
    assert url_values.reason(FIELDS[name], text) is None


def test_every_default_is_usable():
    for f in fields():
        assert url_values.reason(f, str(getattr(Config(), f.name))) is None, f.name


def test_above_the_apps_limit_is_told_apart():
    assert url_values.above_app_limit(FIELDS["hidden_size"], "65")
    assert url_values.above_app_limit(FIELDS["hidden_size"], "999")  # above the engine's too
    assert not url_values.above_app_limit(FIELDS["hidden_size"], "64")
    assert not url_values.above_app_limit(FIELDS["seed"], "99")  # no app limit


def test_misspelt_names():
    assert url_values.misspelt("hiden_size") == "hidden_size"
    assert url_values.misspelt("seeds") == "seed"
    for other in ("hidden_size", "utm_source", "exp_steps", "exp_seeds", "history", "overlay"):
        assert url_values.misspelt(other) is None, other
