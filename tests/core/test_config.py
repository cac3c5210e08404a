"""Config: every field validated and named in errors; JSON round trip; frozen, hashable."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from parity.core import config as cfg
from parity.core.config import Config

FIELDS = {f.name: f for f in cfg.fields()}
NUMERIC = [f for f in cfg.fields() if not f.metadata["choices"]]
CHOICE = [f for f in cfg.fields() if f.metadata["choices"]]
FLOATS = [f for f in NUMERIC if isinstance(f.default, float)]


# Setting one end of a length range to an extreme needs the other end to allow it.
PARTNER = {
    "min_len": ("max_len", cfg.MAX_TRAIN_LEN),
    "max_len": ("min_len", 1),
    "test_min_len": ("test_max_len", cfg.MAX_TEST_LEN),
    "test_max_len": ("test_min_len", 1),
}


def bad_values(f: dataclasses.Field) -> list:
    """Values outside a field's range (lo-1, hi+1, and just under a positive float minimum)."""
    m = f.metadata
    if m["choices"]:
        return ["nope", m["choices"][0].upper() + "x", ""]
    values = [m["lo"] - 1, m["hi"] + 1]
    if isinstance(f.default, float) and m["lo"] > 0:
        values.append(m["lo"] / 2)
    return values


def test_defaults_are_valid_and_in_range():
    config = Config()
    for f in cfg.fields():
        value, m = getattr(config, f.name), f.metadata
        assert isinstance(value, type(f.default))
        if m["choices"]:
            assert value in m["choices"]
        else:
            assert m["lo"] <= value <= m["hi"]
        assert m["label"] and m["help"], f.name


@pytest.mark.parametrize("f", cfg.fields(), ids=lambda f: f.name)
def test_every_field_rejects_out_of_range_values_naming_the_field(f):
    for value in bad_values(f):
        with pytest.raises(ValueError, match=f.name):
            Config(**{f.name: value})


@pytest.mark.parametrize("f", NUMERIC, ids=lambda f: f.name)
def test_numeric_range_ends_are_allowed(f):
    partner = dict([PARTNER[f.name]]) if f.name in PARTNER else {}
    for value in (f.metadata["lo"], f.metadata["hi"]):
        assert getattr(Config(**{f.name: value, **partner}), f.name) == value


@pytest.mark.parametrize("f", CHOICE, ids=lambda f: f.name)
def test_every_choice_is_allowed(f):
    for choice in f.metadata["choices"]:
        assert getattr(Config(**{f.name: choice}), f.name) == choice


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("f", FLOATS, ids=lambda f: f.name)
def test_float_fields_reject_nan_and_inf(f, value):
    with pytest.raises(ValueError, match=f.name):
        Config(**{f.name: value})
    with pytest.raises(ValueError, match=f.name):
        Config.from_dict({f.name: str(value)})


@pytest.mark.parametrize("f", cfg.fields(), ids=lambda f: f.name)
def test_wrong_types_are_refused_naming_the_field(f):
    wrong = ["abc", None, [1], True] if not f.metadata["choices"] else [5, None, ["lstm"], True]
    for value in wrong:
        with pytest.raises(ValueError, match=f.name):
            Config.from_dict({f.name: value})
        with pytest.raises(ValueError, match=f.name):
            Config(**{f.name: value})


@pytest.mark.parametrize("lo, hi", [("min_len", "max_len"), ("test_min_len", "test_max_len")])
def test_min_must_not_exceed_max(lo, hi):
    with pytest.raises(ValueError, match=lo):
        Config(**{lo: 10, hi: 9})
    assert getattr(Config(**{lo: 9, hi: 9}), lo) == 9


def test_json_round_trip():
    for config in (
        Config(),
        Config(
            arch="gru",
            impl="scratch",
            hidden_size=3,
            lr=0.0123,
            clip=0.0,
            target="final",
            stop="budget",
            seed=2**31 - 1,
        ),
    ):
        text = config.to_json()
        assert json.loads(text) == config.to_dict()
        assert Config.from_json(text) == config
        assert Config.from_dict(config.to_dict()) == config
    assert list(Config().to_dict()) == list(FIELDS)


def test_equal_configs_have_equal_json():
    """to_json is a cache key and file metadata: equal configs must give the same text."""
    assert Config(lr=1) == Config(lr=1.0)
    assert Config(lr=1).to_json() == Config(lr=1.0).to_json()
    assert Config(clip=0).to_json() == Config(clip=0.0).to_json()


@pytest.mark.parametrize(
    "text", ["", "{", "not json", "[1, 2]", "3", "null", '{"hidden_size": 0}', '{"colour": "red"}']
)
def test_from_json_rejects_what_is_not_a_valid_config(text):
    with pytest.raises(ValueError):
        Config.from_json(text)


def test_from_dict_coerces_strings():
    config = Config.from_dict(
        {"hidden_size": "16", "lr": "0.01", "steps": 5.0, "clip": "0", "seed": " 3 "}
    )
    assert (config.hidden_size, config.lr, config.steps, config.clip, config.seed) == (
        16,
        0.01,
        5,
        0.0,
        3,
    )
    assert isinstance(config.steps, int) and isinstance(config.lr, float)
    with pytest.raises(ValueError, match="steps"):
        Config.from_dict({"steps": 5.5})
    with pytest.raises(ValueError, match="hidden_size"):
        Config.from_dict({"hidden_size": "16.0"})


def test_choices_are_exact():
    """Choice strings are case-sensitive, as the CLI's argparse choices are."""
    for value in ("GRU", " gru", "Gru"):
        with pytest.raises(ValueError, match="arch"):
            Config.from_dict({"arch": value})


def test_from_dict_unknown_keys():
    with pytest.raises(ValueError, match="colour"):
        Config.from_dict({"colour": "red"})
    assert Config.from_dict({"colour": "red", "seed": 4}, strict=False) == Config(seed=4)


def test_huge_numbers_are_a_value_error_not_a_crash():
    """A model file or URL can carry any JSON number; it must be refused as a ValueError."""
    with pytest.raises(ValueError, match="lr"):
        Config.from_dict({"lr": 10**400})
    with pytest.raises(ValueError, match="lr"):
        Config(lr=-(10**400))
    with pytest.raises(ValueError, match="hidden_size"):
        Config.from_dict({"hidden_size": 10**400})


def test_deeply_nested_json_is_a_value_error():
    with pytest.raises(ValueError):
        Config.from_json("[" * 100_000 + "]" * 100_000)


def test_hashable_and_equal_by_value():
    a, b, c = Config(seed=1), Config(seed=1), Config(seed=2)
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != c
    assert len({a, b, c}) == 2
    assert {a: "x"}[b] == "x"


def test_frozen():
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.hidden_size = 3
    assert config.hidden_size == FIELDS["hidden_size"].default


def test_replace_validates_and_copies():
    config = Config()
    changed = config.replace(hidden_size=4, arch="rnn")
    assert (changed.hidden_size, changed.arch) == (4, "rnn")
    assert config == Config()
    with pytest.raises(ValueError, match="hidden_size"):
        config.replace(hidden_size=0)
    with pytest.raises(ValueError, match="min_len"):
        config.replace(min_len=config.max_len + 1)


def test_field_range_and_coerce():
    assert cfg.field_range(FIELDS["hidden_size"]) == "1..256"
    assert cfg.field_range(FIELDS["arch"]) == "lstm, gru, rnn"
    assert cfg.coerce(FIELDS["hidden_size"], "12") == 12
    assert cfg.coerce(FIELDS["lr"], "1e-3") == 0.001
    assert cfg.coerce(FIELDS["target"], "final") == "final"
    with pytest.raises(ValueError, match=r"batch_size must be int in 1\.\.4096"):
        cfg.coerce(FIELDS["batch_size"], "many")


def test_train_size_times_length_is_bounded():
    assert Config(train_size=100_000, min_len=1, max_len=50).train_size == 100_000
    with pytest.raises(ValueError, match="train_size x max_len"):
        Config(train_size=100_000, max_len=200)
