"""Bit sequences: labels, lengths, padding, seeding, the RfR datasets and parsing user input."""

from __future__ import annotations

import functools
import operator

import pytest
import torch

from parity.core import data
from parity.core.config import IMPLS, Config
from parity.nets import losses
from parity.nets.models import build

ARCHS = ("rnn", "gru", "lstm")


def real_bits(batch: data.Batch) -> list[list[int]]:
    """Each row's bits up to its length, as plain Python ints."""
    return [
        [int(b) for b in row[:n]]
        for row, n in zip(batch.bits.tolist(), batch.lengths.tolist(), strict=True)
    ]


def test_labels_are_the_xor_of_each_rows_real_bits():
    batch = data.random_batch(data.generator(1), 300, 1, 40)
    rows = real_bits(batch)
    assert batch.parity.tolist() == [functools.reduce(operator.xor, r) for r in rows]
    for row, running, n in zip(
        rows, batch.running_parity.tolist(), batch.lengths.tolist(), strict=True
    ):
        prefix_xor = [functools.reduce(operator.xor, row[: t + 1]) for t in range(n)]
        assert running[:n] == prefix_xor
    assert [data.parity_of(r) for r in rows] == batch.parity.long().tolist()


def test_lengths_stay_in_range_and_hit_both_ends():
    batch = data.random_batch(data.generator(2), 2000, 3, 9)
    assert batch.lengths.dtype == torch.int64 and batch.bits.dtype == torch.float32
    assert int(batch.lengths.min()) == 3 and int(batch.lengths.max()) == 9
    assert batch.bits.shape == (2000, 9)
    assert set(batch.lengths.tolist()) == set(range(3, 10))


def test_padding_is_zero_and_the_mask_marks_real_steps():
    batch = data.random_batch(data.generator(3), 500, 1, 30)
    steps = torch.arange(batch.bits.shape[1])
    assert torch.equal(batch.mask, steps[None, :] < batch.lengths[:, None])
    assert (batch.bits[~batch.mask] == 0).all()
    assert set(batch.bits[batch.mask].unique().tolist()) == {0.0, 1.0}
    assert batch.bits[batch.mask].mean().item() == pytest.approx(0.5, abs=0.02)


def test_same_seed_same_batch_and_different_seeds_differ():
    a = data.random_batch(data.generator(7), 50, 1, 20)
    b = data.random_batch(data.generator(7), 50, 1, 20)
    c = data.random_batch(data.generator(8), 50, 1, 20)
    assert torch.equal(a.bits, b.bits) and torch.equal(a.lengths, b.lengths)
    assert not torch.equal(a.lengths, c.lengths)
    assert torch.equal(data.fixed_dataset(50, 1, 20, 7).bits, a.bits)


def test_a_generator_continues_its_stream():
    gen = data.generator(0)
    first, second = data.random_batch(gen, 20, 5, 5), data.random_batch(gen, 20, 5, 5)
    assert not torch.equal(first.bits, second.bits)


@pytest.mark.parametrize("target", ["final", "every"])
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_appending_padding_changes_no_answer_and_no_loss(arch, impl, target, randomize):
    model = randomize(build(Config(arch=arch, impl=impl, hidden_size=6)), 1, scale=0.8)
    batch = data.fixed_dataset(12, 1, 40, seed=9)
    # 600 more zero columns: the padded run also crosses final_logits' 512-step chunks.
    wider = data.Batch(torch.cat([batch.bits, torch.zeros(len(batch), 600)], dim=1), batch.lengths)
    answer = model.final_logits(batch.bits, batch.lengths)
    torch.testing.assert_close(
        model.final_logits(wider.bits, wider.lengths), answer, atol=1e-6, rtol=0
    )
    assert torch.equal(wider.parity, batch.parity)
    bce = losses.BCE[impl]
    loss = losses.parity_loss(model(batch.bits), batch, target, bce)
    wide_loss = losses.parity_loss(model(wider.bits), wider, target, bce)
    assert wide_loss.item() == pytest.approx(loss.item(), abs=1e-6)


def test_subset_keeps_rows_and_trims_to_their_longest():
    batch = data.from_bits([[1, 0, 1, 1, 0], [1, 1], [0, 1, 1]])
    part = batch.subset(torch.tensor([1, 2]))
    assert part.bits.tolist() == [[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]
    assert part.lengths.tolist() == [2, 3] and len(part) == 2


def test_test_set_is_fixed_within_the_test_lengths_and_apart_from_training():
    config = Config(test_min_len=30, test_max_len=40, seed=4)
    test = data.test_set(config, size=200)
    assert len(test) == 200 and torch.equal(test.bits, data.test_set(config, size=200).bits)
    assert int(test.lengths.min()) >= 30 and int(test.lengths.max()) <= 40
    train_stream = data.random_batch(data.generator(config.seed), 200, 30, 40)
    assert not torch.equal(train_stream.bits, test.bits)


def test_rfr_datasets_shapes_and_lengths():
    sets = data.rfr_datasets(seed=0, size=100_000)
    assert set(sets) == {"fixed_50", "uniform_1_50"}
    fixed, uniform = sets["fixed_50"], sets["uniform_1_50"]
    assert fixed.bits.shape == (100_000, 50) and uniform.bits.shape == (100_000, 50)
    assert (fixed.lengths == 50).all()
    assert int(uniform.lengths.min()) == 1 and int(uniform.lengths.max()) == 50
    assert uniform.lengths.float().mean().item() == pytest.approx(25.5, abs=0.3)
    counts = torch.bincount(uniform.lengths, minlength=51)[1:]  # each length ~2,000 times
    assert counts.min() > 1700 and counts.max() < 2300
    assert fixed.parity.mean().item() == pytest.approx(0.5, abs=0.01)
    assert (uniform.bits[~uniform.mask] == 0).all()


@pytest.mark.parametrize(
    "text, bits",
    [
        ("0110", [0, 1, 1, 0]),
        (" 01 10\n", [0, 1, 1, 0]),
        ("1", [1]),
        ("0\t0 0", [0, 0, 0]),
    ],
)
def test_parse_bits_accepts(text, bits):
    assert data.parse_bits(text) == bits


@pytest.mark.parametrize(
    "text, max_len, words",
    [
        ("x01", None, ["'x'", "position 1"]),
        ("012", None, ["'2'", "position 3"]),
        ("01 1a", None, ["'a'", "position 5"]),
        ("", None, ["empty"]),
        ("   ", None, ["empty"]),
        ("0101", 3, ["too long", "4", "3"]),
        (101, None, ["text"]),
    ],
)
def test_parse_bits_rejects_with_a_useful_message(text, max_len, words):
    with pytest.raises(ValueError) as err:
        data.parse_bits(text, max_len=max_len)
    for word in words:
        assert word in str(err.value)


def test_parse_bits_max_len_is_inclusive():
    assert data.parse_bits("0 1 0", max_len=3) == [0, 1, 0]


def test_from_bits_pads_and_refuses_empty():
    batch = data.from_bits([[1, 1, 0], [1], torch.tensor([0, 1])])
    assert batch.bits.tolist() == [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert batch.lengths.tolist() == [3, 1, 2] and batch.parity.tolist() == [0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="empty"):
        data.from_bits([[1, 0], []])
    with pytest.raises(ValueError, match="no sequences"):
        data.from_bits([])


def test_training_batches_cycle_a_fixed_set_once_per_epoch():
    gen = data.generator(3)
    batches = data.training_batches(gen, batch_size=4, min_len=2, max_len=6, train_size=10, seed=3)
    epoch = [next(batches) for _ in range(3)]  # 4 + 4 + 2 strings
    assert [len(b) for b in epoch] == [4, 4, 2]
    pool = data.fixed_dataset(10, 2, 6, 3 + data.TRAIN_SET_SEED_OFFSET)

    def strings(batch):
        return [tuple(row[:n].tolist()) for row, n in zip(batch.bits, batch.lengths, strict=True)]

    assert sorted(s for b in epoch for s in strings(b)) == sorted(strings(pool))
    next_epoch = [next(batches) for _ in range(3)]
    assert sum(len(b) for b in next_epoch) == 10


def test_training_batches_stream_fresh_strings_without_a_set():
    batches = data.training_batches(data.generator(0), 8, 1, 5)
    first, second = next(batches), next(batches)
    assert len(first) == len(second) == 8
    assert not torch.equal(first.bits[:, :1], second.bits[:, :1]) or not torch.equal(
        first.lengths, second.lengths
    )


def test_varied_density_gives_each_string_its_own_share_of_ones():
    gen = data.generator(4)
    batch = data.random_batch(gen, 400, 200, 200, density="varied")
    shares = batch.bits.mean(dim=1)  # (B,)
    assert shares.min() < 0.05 and shares.max() > 0.95  # sparse and dense strings both occur
    assert 0.4 < shares.mean() < 0.6 and shares.std() > 0.2  # half: std ~0.035
    half = data.random_batch(data.generator(4), 400, 200, 200).bits.mean(dim=1)
    assert half.std() < 0.06
    again = data.random_batch(data.generator(4), 400, 200, 200, density="varied")
    assert torch.equal(again.bits, batch.bits)
    pool = data.fixed_dataset(50, 3, 9, seed=1, density="varied")
    assert torch.equal(pool.bits, data.random_batch(data.generator(1), 50, 3, 9, "varied").bits)
