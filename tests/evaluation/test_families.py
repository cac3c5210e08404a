"""Stress families: each family's strings and labels, exact lengths, determinism, accuracy."""

from __future__ import annotations

import pytest
import torch

from parity.evaluation.families import (
    ALL,
    COLUMNS,
    FAMILIES,
    PERIODS,
    POSITIONS,
    RUN_FRACTION,
    check_names,
    failing_examples,
    family_accuracy,
    family_batch,
    spell,
)


def texts(batch) -> list[str]:
    return ["".join(str(int(b)) for b in row.tolist()) for row in batch.bits]


def test_the_registry_is_ordered_and_described():
    assert ALL[0] == "random" and len(ALL) == len(set(ALL)) == 11
    for name, family in FAMILIES.items():
        assert family.name == name and family.label and family.description
    assert {n for n in ALL if FAMILIES[n].random} == {
        "random",
        "sparse",
        "dense",
        "zero_run",
        "one_run",
    }


def test_a_single_1_then_zeros_hand_checked():
    batch = family_batch("one_then_zeros", 10)
    assert texts(batch)[:3] == ["1000000000", "0100000000", "0010000000"]
    assert len(batch) == POSITIONS and batch.parity.tolist() == [1.0] * POSITIONS
    assert texts(family_batch("one_then_zeros", 3)) == ["100", "010", "001"]


def test_zeros_then_a_single_1_hand_checked():
    batch = family_batch("zeros_then_one", 10)
    assert texts(batch)[:2] == ["0000000001", "0000000010"]
    assert batch.parity.tolist() == [1.0] * POSITIONS


def test_all_ones_all_zeros_alternating_hand_checked():
    ones = family_batch("all_ones", 5)
    assert texts(ones) == ["11111", "01111"] and ones.parity.tolist() == [1.0, 0.0]
    assert texts(family_batch("all_ones", 1)) == ["1", "0"]
    zeros = family_batch("all_zeros", 4)
    assert texts(zeros) == ["0000"] and zeros.parity.tolist() == [0.0]
    alt = family_batch("alternating", 6)
    assert texts(alt) == ["010101", "101010"] and alt.parity.tolist() == [1.0, 1.0]
    assert family_batch("alternating", 4).parity.tolist() == [0.0, 0.0]


def test_periodic_patterns_from_every_rotation():
    strings = texts(family_batch("periodic", 7))
    assert "1101101" in strings and "1011011" in strings and "0110110" in strings
    assert "1000100" in strings and "1011010" in strings
    assert len(strings) == sum(len(p) for p in PERIODS)  # all distinct at length 7
    assert family_batch("periodic", 7).parity[strings.index("1101101")] == 1.0  # five 1s
    assert len(texts(family_batch("periodic", 1))) == 2  # '0' and '1', duplicates dropped


def test_random_families_have_their_density_and_runs():
    sparse = family_batch("sparse", 1000, count=200).bits.mean().item()
    dense = family_batch("dense", 1000, count=200).bits.mean().item()
    assert 0.015 < sparse < 0.025 and 0.975 < dense < 0.985
    for name, bit in (("zero_run", "0"), ("one_run", "1")):
        for text in texts(family_batch(name, 200, count=50)):
            longest = max(len(run) for run in text.split("1" if bit == "0" else "0"))
            assert longest >= int(200 * RUN_FRACTION[0])


@pytest.mark.parametrize("name", ALL)
def test_every_family_has_exact_lengths_labels_and_is_deterministic(name):
    for length in (1, 2, 17, 1000):
        batch = family_batch(name, length, count=30, seed=4)
        assert batch.bits.shape[1] == length and set(batch.lengths.tolist()) == {length}
        assert set(batch.bits.unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(batch.parity, batch.bits.sum(1) % 2)
        again = family_batch(name, length, count=30, seed=4)
        assert torch.equal(batch.bits, again.bits)
    if FAMILIES[name].random:
        assert len(family_batch(name, 50, count=30)) == 30
        other = family_batch(name, 50, count=30, seed=5).bits
        assert not torch.equal(family_batch(name, 50, count=30, seed=4).bits, other)
    else:
        assert len(family_batch(name, 50, count=30)) <= 23


def test_names_are_checked_and_all_means_every_family():
    assert check_names(["all"]) == list(ALL)
    assert check_names(["sparse", "random"]) == ["random", "sparse"]  # registry order
    with pytest.raises(ValueError, match="unknown family 'nope'"):
        check_names(["random", "nope"])
    with pytest.raises(ValueError, match="lengths must be in"):
        family_batch("random", 0)


class Decays(torch.nn.Module):
    """A hand-built 'model' with the classic flaw: parity forgotten after 20 zeros in a row."""

    def predict(self, bits, lengths):
        answers = []
        for row, n in zip(bits, lengths.tolist(), strict=True):
            text = "".join(str(int(b)) for b in row[:n].tolist())
            tail = len(text) - len(text.rstrip("0"))
            answers.append(0 if tail >= 20 else text.count("1") % 2)
        return torch.tensor(answers)


def test_accuracy_and_failures_find_the_decaying_state():
    table = family_accuracy(Decays(), ["one_then_zeros", "zeros_then_one", "all_ones"], [10, 100])
    assert list(table.columns) == COLUMNS and len(table) == 6
    acc = {(r.family, r.length): r.accuracy for r in table.itertuples()}
    assert acc[("one_then_zeros", 10)] == 1.0  # fewer than 20 zeros: still right
    assert acc[("one_then_zeros", 100)] == 0.0  # a 1 then >= 92 zeros: forgotten
    assert acc[("zeros_then_one", 100)] == 1.0 and acc[("all_ones", 100)] == 1.0
    assert table["strings"].tolist() == [8, 8, 8, 8, 2, 2]
    failing = failing_examples(Decays(), "one_then_zeros", 100, limit=2)
    assert failing == ["1" + "0" * 99, "01" + "0" * 98]
    assert spell(failing[0]) == "a 1 followed by 99 zeros"
    assert failing_examples(Decays(), "zeros_then_one", 100) == []
