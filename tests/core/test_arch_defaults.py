"""Per-architecture defaults: Config(arch=...) fills what it is not given from the arch's
defaults; what is written (from_dict, from_json, links, model files) keeps its meaning."""

from __future__ import annotations

import pickle

import pytest

from parity.core import config as cfg
from parity.core.config import ARCHS, Config


@pytest.mark.parametrize("arch", ARCHS)
def test_an_arch_alone_takes_its_own_defaults(arch):
    config = Config(arch=arch)
    assert config.to_dict() == cfg.arch_defaults(arch)
    for name, value in cfg.ARCH_CHANGES[arch].items():
        assert getattr(config, name) == value


def test_gru_and_rnn_have_defaults_of_their_own_and_say_why():
    for arch in ("gru", "rnn"):
        assert cfg.ARCH_CHANGES[arch], arch
        assert len(cfg.WHY[arch]) > 20
    assert cfg.ARCH_CHANGES["lstm"] == {}  # the shared defaults were tuned for the LSTM
    assert Config() == Config(arch="lstm")
    assert Config().to_dict() == cfg.SHARED_DEFAULTS


@pytest.mark.parametrize("arch", ["gru", "rnn"])
def test_a_given_value_wins_over_the_arch_default(arch):
    name = next(iter(cfg.ARCH_CHANGES[arch]))
    shared = cfg.SHARED_DEFAULTS[name]
    assert getattr(Config(arch=arch, **{name: shared}), name) == shared


@pytest.mark.parametrize("arch", ["gru", "rnn"])
def test_what_is_written_keeps_its_meaning(arch):
    """A link or file names the values that differ from the shared defaults: one written
    before per-architecture defaults (`arch=gru` alone) opens the same run as before."""
    old = Config.from_dict({"arch": arch, "seed": "3"})
    assert old.to_dict() == cfg.SHARED_DEFAULTS | {"arch": arch, "seed": 3}
    assert old != Config(arch=arch, seed=3)
    new = Config(arch=arch, seed=3)
    assert Config.from_json(new.to_json()) == new
    assert Config.from_dict(new.to_dict()) == new


def test_replace_changes_only_what_it_names():
    gru = Config(arch="gru")
    assert gru.replace(seed=5).to_dict() == gru.to_dict() | {"seed": 5}
    assert Config().replace(arch="gru").to_dict() == cfg.SHARED_DEFAULTS | {"arch": "gru"}


def test_configs_pickle_and_hash_by_value():
    config = Config(arch="rnn", seed=9)
    assert pickle.loads(pickle.dumps(config)) == config
    assert hash(Config(arch="rnn", seed=9)) == hash(config)


def test_unknown_fields_and_archs_are_refused():
    with pytest.raises(TypeError, match="nope"):
        Config(nope=1)
    with pytest.raises(ValueError, match="arch must be one of"):
        Config(arch="transformer")


def test_default_of_and_arch_defaults_agree():
    for arch in ARCHS:
        for name, value in cfg.arch_defaults(arch).items():
            assert cfg.default_of(name, arch) == value
