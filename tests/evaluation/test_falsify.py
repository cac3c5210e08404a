"""falsify: every string it reports is answered wrong; it finds the known failures."""

from __future__ import annotations

import pytest
import torch

from parity.core.config import Config
from parity.evaluation import falsify as fal
from parity.training.train import train
from tests.handbuilt import lstm_flipper, minsky_lstm, minsky_rnn


def test_the_beam_alone_finds_the_leaky_networks_shortest_wrong_string():
    model = lstm_flipper(4.0)
    found = fal.falsify(model, seconds=60, stream_length=1)
    assert found.found and found.found_by == "beam" and fal.answers_wrong(model, found.string)
    assert 15 <= len(found.string) <= 19  # right up to 14 bits; the stream needs 20
    exhaustive = fal.exhaustive_search(model, 14)[0]
    assert exhaustive is None


def test_a_wrong_short_string_is_found_exhaustively():
    model = minsky_rnn()
    with torch.no_grad():
        model.head.bias.neg_()
        model.head.weight.neg_()  # every answer flipped
    found = fal.falsify(model, seconds=1)
    assert found.string == "0" and found.found_by == "exhaustive"


@pytest.mark.parametrize("build", [minsky_rnn, minsky_lstm])
def test_exact_networks_give_no_wrong_string(build):
    found = fal.falsify(build(), seconds=5.0)
    assert not found.found and found.string is None and found.lowest_margin > 1.0
    assert found.stream_length == fal.STREAM_LENGTH and found.beam_length > 14


def test_a_forgetting_model_of_the_old_setup_is_broken_shorter_than_its_verdict_says():
    result = train(Config(density="half", seed=0, steps=400, stop="solved"))
    assert result.verdict.failure is not None
    found = fal.falsify(result.model, seconds=10)
    assert found.found and fal.answers_wrong(result.model, found.string)
    assert len(found.string) <= len(result.verdict.failure)


def test_distinct_keeps_one_row_per_state():
    flat = torch.tensor([[0.1, 0.2], [0.1, 0.2 + 1e-9], [0.3, 0.2], [0.1, 0.2]])
    assert fal._distinct(flat).tolist() == [0, 2]


def test_leaves_region_is_within_the_string():
    model = lstm_flipper(4.0)
    text = "1" + "0" * 40
    step = fal.leaves_region(model, text)
    assert 1 <= step <= len(text)
    assert fal.leaves_region(minsky_lstm(), "0110" * 5) == 20  # never leaves: its end
