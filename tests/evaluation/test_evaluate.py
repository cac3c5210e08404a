"""Accuracy on batches and by length, memory-bounded up to 10,000 steps; length helpers."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from parity.core import data
from parity.evaluation import evaluate
from parity.nets import models
from parity.nets.models import ParityModel


def last_bit_model() -> ParityModel:
    """A 1-unit RNN whose answer is its last real bit: h = tanh(10 x - 5), logit = h."""
    model = ParityModel("rnn", 1)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.rnn.weight_ih_l0.fill_(10.0)
        model.rnn.bias_ih_l0.fill_(-5.0)
        model.head.weight.fill_(1.0)
    return model


def test_accuracy_on_a_hand_built_batch():
    # parity:    1    0    0     1     0      0
    # last bit:  1    0    1     1     1      0   -> right, right, wrong, right, wrong, right
    batch = data.from_bits([[1], [0], [1, 1], [0, 1], [1, 0, 1], [1, 1, 0, 0]])
    model = last_bit_model()
    assert model.predict(batch.bits, batch.lengths).tolist() == [1, 0, 1, 1, 1, 0]
    assert evaluate.accuracy(model, batch) == pytest.approx(4 / 6)
    assert evaluate.accuracy(model, batch, max_elements=1) == pytest.approx(4 / 6)
    assert evaluate.accuracy(model, batch.subset(torch.tensor([0, 1, 3, 5]))) == 1.0


def test_accuracy_of_the_trained_model_is_perfect_on_its_test_set(default_config, trained_model):
    test = data.test_set(default_config)
    assert evaluate.accuracy(trained_model, test) == 1.0
    flipped = data.Batch(test.bits.clone(), test.lengths)
    flipped.bits[:, 0] = 1 - flipped.bits[:, 0]  # every label flips; the model must follow
    assert evaluate.accuracy(trained_model, flipped) == 1.0


def test_accuracy_by_length_one_row_per_length():
    model = last_bit_model()
    table = evaluate.accuracy_by_length(model, [1, 2, 5, 40], size=1000)
    assert list(table.columns) == ["length", "accuracy", "size"]
    assert table["length"].tolist() == [1, 2, 5, 40] and (table["size"] == 1000).all()
    assert table["accuracy"].between(0, 1).all()
    assert table["accuracy"].iloc[0] == 1.0  # one bit: its parity is the last bit
    assert table["accuracy"].iloc[1:].between(0.45, 0.55).all()  # longer: chance
    again = evaluate.accuracy_by_length(model, [1, 2, 5, 40], size=1000)
    pd.testing.assert_frame_equal(table, again)


def recorded_runs(model, monkeypatch) -> list[tuple[int, int]]:
    """Record the (rows, steps) of every forward chunk the model runs."""
    seen, run = [], model.run

    def recording_run(bits, state=None):
        seen.append(tuple(bits.shape))
        return run(bits, state)

    monkeypatch.setattr(model, "run", recording_run)
    return seen


def test_ten_thousand_steps_are_evaluated_in_bounded_memory(trained_model, monkeypatch):
    """Chunks of rows (max_elements) and of steps (final_logits) bound every forward."""
    model = ParityModel(trained_model.arch, trained_model.hidden_size)
    model.load_state_dict(trained_model.state_dict())
    seen = recorded_runs(model, monkeypatch)
    small = evaluate.accuracy_by_length(
        model, [10_000], size=16, max_elements=40_000, max_floats=50_000
    )
    floats = model.step_floats()
    assert seen and all(b * t <= 40_000 and b * t * floats <= 50_000 for b, t in seen)
    assert sum(t for b, t in seen) == 10_000 * 4  # 4 row chunks of 4, each read to the end
    large = evaluate.accuracy_by_length(model, [10_000], size=16)
    pd.testing.assert_frame_equal(small, large)
    assert 0.0 <= small["accuracy"].iloc[0] <= 1.0


@pytest.mark.parametrize("impl", ["torch", "scratch"])
@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_chunks_count_hidden_units_and_give_the_unchunked_answers(
    arch, impl, randomize, monkeypatch
):
    """rows x steps x units stays under the bound, and every answer equals one whole forward."""
    model = randomize(ParityModel(arch, 24, impl), 4, scale=0.6)
    batch = data.fixed_dataset(300, 1, 90, seed=11)
    with torch.no_grad():  # the unchunked oracle: one forward over the whole padded batch
        whole = model(batch.bits)[torch.arange(len(batch)), batch.lengths - 1]
    want = int(((whole > 0).float() == batch.parity).sum()) / len(batch)
    seen = recorded_runs(model, monkeypatch)
    max_floats = 140 * model.step_floats()  # one step of 140 rows, or 7 steps of 20 rows
    assert evaluate.accuracy(model, batch, max_floats=max_floats) == want
    largest = max(b * t * model.step_floats() for b, t in seen)
    assert largest <= max_floats and max(b for b, _ in seen) == 140  # 140 + 140 + 20 rows
    assert {t for b, t in seen if b == 140} == {1} and (20, 7) in seen
    logits = model.final_logits(batch.bits, batch.lengths, max_floats=max_floats)
    torch.testing.assert_close(logits, whole, atol=1e-6, rtol=0)


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_a_wide_model_on_long_strings_stays_within_the_default_bound(arch, monkeypatch):
    """Hidden 256 at length 10,000: each forward chunk holds <= MAX_CHUNK_FLOATS floats."""
    model = ParityModel(arch, 256)
    seen = recorded_runs(model, monkeypatch)
    evaluate.accuracy_by_length(model, [10_000], size=2)
    assert sum(t for _, t in seen) == 10_000
    assert max(b * t * model.step_floats() for b, t in seen) <= models.MAX_CHUNK_FLOATS
    assert max(b * t for b, t in seen) * model.step_floats() > models.MAX_CHUNK_FLOATS // 2


def test_model_chunks_cap_rows_by_units():
    wide, narrow = ParityModel("lstm", 256), ParityModel("lstm", 2)
    lengths = [3] * 5000
    rows = models.MAX_CHUNK_FLOATS // wide.step_floats()
    assert [len(c) for c in evaluate.model_chunks(wide, lengths)] == [rows, 5000 - rows]
    assert [len(c) for c in evaluate.model_chunks(narrow, lengths)] == [5000]


@pytest.mark.parametrize("lengths", [[0], [10_001], [5, -1], []])
def test_lengths_out_of_range_are_refused(lengths):
    with pytest.raises(ValueError, match="length"):
        evaluate.check_lengths(lengths)
    with pytest.raises(ValueError, match="length"):
        evaluate.accuracy_by_length(last_bit_model(), lengths)


def test_check_lengths_accepts_the_range_ends():
    assert evaluate.check_lengths([1, "10000", 7.0]) == [1, 10_000, 7]


@pytest.mark.parametrize("per_decade", [1, 2, 6, 10])
@pytest.mark.parametrize("max_len", [1, 2, 9, 10, 100, 4321, 10_000])
def test_log_lengths_ascending_distinct_from_1_to_max(max_len, per_decade):
    lengths = evaluate.log_lengths(max_len, per_decade)
    assert lengths[0] == 1 and lengths[-1] == max_len
    assert lengths == sorted(set(lengths))
    assert all(isinstance(n, int) for n in lengths)
    if max_len >= 1000:  # roughly per_decade points in every decade
        assert len(lengths) >= per_decade * 3
    evaluate.check_lengths(lengths)


def test_log_lengths_default_reaches_ten_thousand():
    lengths = evaluate.log_lengths()
    assert lengths[-1] == 10_000 and 20 <= len(lengths) <= 25
    assert {10, 100, 1000} <= set(lengths)


def test_length_chunks_bound_memory_and_cover_everything():
    lengths = [5, 300, 1, 40, 300, 7, 2, 90]
    chunks = list(evaluate.length_chunks(lengths, max_elements=600))
    assert sorted(i for c in chunks for i in c) == list(range(len(lengths)))
    for chunk in chunks:
        assert len(chunk) * max(lengths[i] for i in chunk) <= 600
    assert list(evaluate.length_chunks([10_000], max_elements=600)) == [[0]]  # never stuck
    capped = list(evaluate.length_chunks(lengths, max_elements=600, max_rows=2))
    assert [[lengths[i] for i in c] for c in capped] == [[1, 2], [5, 7], [40, 90], [300, 300]]
