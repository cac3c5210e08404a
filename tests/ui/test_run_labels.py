"""Run labels: what differs between configs, names first, always distinct."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from parity.core.config import Config
from ui.run_labels import (
    MAX_LABEL_FIELDS,
    comparison_title,
    differing_fields,
    field_text,
    run_labels,
    unique,
)


def shared(**values) -> Config:
    """The shared defaults with `values` (a GRU or RNN otherwise gets its own defaults, which
    these label tests do not compare)."""
    return Config.from_dict(values)


def test_one_differing_field_labels_by_its_values():
    configs = [Config(hidden_size=4), Config(hidden_size=8)]
    assert differing_fields(configs) == ["hidden_size"]
    assert run_labels(configs) == ["hidden 4", "hidden 8"]
    assert comparison_title(configs) == "hidden 4 vs 8"


def test_two_differing_fields_are_both_named_in_field_order():
    configs = [Config(arch="lstm", lr=0.05), shared(arch="gru", lr=0.01)]
    assert run_labels(configs) == ["lstm, lr 0.05", "gru, lr 0.01"]
    assert comparison_title(configs) == "arch, lr differ"


def test_bare_values_and_thousands():
    assert field_text("arch", "rnn") == "rnn"
    assert field_text("impl", "scratch") == "scratch"
    assert field_text("steps", 20_000) == "steps 20,000"
    assert field_text("lr", 1e-05) == "lr 1e-05"
    assert field_text("restart_after", 0) == "restart after 0"  # unlisted: its name
    assert (
        comparison_title([shared(arch=a) for a in ("lstm", "gru", "rnn")]) == "lstm vs gru vs rnn"
    )


def test_equal_configs_fall_back_to_the_seed_then_a_number():
    assert run_labels([Config(seed=3)]) == ["seed 3"]
    assert run_labels([Config(), Config()]) == ["seed 0", "seed 0 #2"]
    assert comparison_title([Config(), Config()]) == "the same configuration"


def test_names_win_and_stay_distinct():
    configs = [Config(hidden_size=4), Config(hidden_size=8), Config(hidden_size=16)]
    assert run_labels(configs, ["  small ", None, "small"]) == ["small", "hidden 8", "small #2"]
    assert run_labels(configs, ["", "   ", None]) == ["hidden 4", "hidden 8", "hidden 16"]


def test_many_differing_fields_are_cut():
    a = Config()
    b = shared(arch="gru", hidden_size=4, lr=0.01, batch_size=16, seed=9)
    first, second = run_labels([a, b])
    assert second == "gru, hidden 4, lr 0.01 +2 more"
    assert first == f"lstm, hidden 8, lr 0.05 +{5 - MAX_LABEL_FIELDS} more"


def test_unique_numbers_repeats_without_creating_new_collisions():
    assert unique(["a", "a", "a #2"]) == ["a", "a #2", "a #2 #2"]


configs = st.builds(
    Config,
    arch=st.sampled_from(["lstm", "gru", "rnn"]),
    hidden_size=st.integers(1, 64),
    lr=st.sampled_from([0.01, 0.05, 0.1]),
    seed=st.integers(0, 3),
)


@given(st.lists(configs, min_size=1, max_size=8), st.lists(st.sampled_from(["", "a", None])))
def test_labels_are_distinct_and_one_per_run(configs, names):
    names = (names + [None] * len(configs))[: len(configs)]
    labels = run_labels(configs, names)
    assert len(labels) == len(configs) == len(set(labels))
    assert all(label for label in labels)
