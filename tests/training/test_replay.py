"""Replaying training: a snapshot's model is the model as it was at that step."""

from __future__ import annotations

import pytest
import torch

from parity.analysis import automaton
from parity.core.config import Config
from parity.training import replay
from parity.training.train import train

CONFIG = Config(seed=1, hidden_size=8)


@pytest.fixture(scope="module")
def result():
    return train(CONFIG)


def test_the_last_snapshot_is_the_trained_model(result):
    steps = replay.steps(result.snapshots)
    assert steps == sorted(steps) and steps[-1] == result.steps
    last = replay.model_at(CONFIG, replay.snapshot_at(result.snapshots, steps[-1]))
    bits = (torch.rand(20, 50, generator=torch.Generator().manual_seed(0)) < 0.5).float()
    assert torch.equal(last(bits), result.model(bits))


def test_the_first_snapshot_is_not_yet_parity_and_the_last_is(result):
    first = replay.model_at(CONFIG, result.snapshots[0])
    last = replay.model_at(CONFIG, result.snapshots[-1])
    assert not automaton.extract(first).is_parity
    assert automaton.extract(last).is_parity
    assert result.snapshots[0][1]["head.weight"] is not result.snapshots[-1][1]["head.weight"]


def test_a_missing_step_is_named(result):
    with pytest.raises(ValueError, match="no snapshot at step 0"):
        replay.snapshot_at(result.snapshots, 0)


def test_a_kept_state_runs_on_either_path(result):
    state = result.snapshots[-1][1]
    fused, scratch = replay.model_with(CONFIG, state), replay.model_with(CONFIG, state, "scratch")
    assert (fused.impl, scratch.impl) == ("torch", "scratch") and not scratch.training
    bits, lengths = torch.tensor([[1, 0, 1, 1, 0, 1, 1]], dtype=torch.float32), torch.tensor([7])
    at = replay.model_at(CONFIG, result.snapshots[-1])
    assert torch.equal(fused.predict(bits, lengths), scratch.predict(bits, lengths))
    assert torch.equal(fused.predict(bits, lengths), at.predict(bits, lengths))
