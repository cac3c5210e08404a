"""Snapshots: weights copied at evaluations, thinned evenly within both bounds."""

from __future__ import annotations

import pickle

import torch

from parity.core.config import Config
from parity.nets.models import build
from parity.training import snapshots
from parity.training.snapshots import MAX_SNAPSHOT_FLOATS, MAX_SNAPSHOTS, Recorder, capacity
from parity.training.train import train


def floats(state: dict[str, torch.Tensor]) -> int:
    return sum(v.numel() for v in state.values())


def test_every_evaluation_is_kept_while_there_is_room():
    result = train(Config(stop="budget", steps=30, eval_every=5))
    steps = [step for step, _ in result.snapshots]
    assert steps == result.history["step"].tolist() == [5, 10, 15, 20, 25, 30]
    final = result.snapshots[-1][1]
    for name, value in result.model.state_dict().items():
        assert torch.equal(final[name], value), name
    first, last = result.snapshots[0][1], result.snapshots[-1][1]
    assert not torch.equal(first["rnn.weight_hh_l0"], last["rnn.weight_hh_l0"])  # copies
    model = build(result.config)
    model.load_state_dict(result.snapshots[2][1])  # a snapshot loads into a fresh model
    assert pickle.loads(pickle.dumps(result.snapshots))[0][0] == 5  # travels to workers


def test_long_runs_are_thinned_evenly_to_the_limit():
    result = train(Config(stop="budget", steps=450, eval_every=1))
    steps = [step for step, _ in result.snapshots]
    assert len(steps) <= MAX_SNAPSHOTS and len(steps) >= MAX_SNAPSHOTS // 2
    assert steps[0] == 1 and steps[-1] == 450
    gaps = {b - a for a, b in zip(steps[:-2], steps[1:-1], strict=True)}
    assert len(gaps) == 1  # evenly spaced (the final model may come sooner)


def test_big_models_keep_fewer_copies_within_the_float_budget():
    model = build(Config(hidden_size=256))
    per_copy = floats(model.state_dict())
    assert per_copy > 250_000
    assert capacity(model) == MAX_SNAPSHOT_FLOATS // per_copy
    recorder = Recorder(model)
    for step in range(1, 101):
        recorder.add(step)
    kept = recorder.finish(100)
    assert sum(floats(state) for _, state in kept) <= MAX_SNAPSHOT_FLOATS
    assert kept[-1][0] == 100 and len(kept) >= 2
    assert capacity(build(Config())) == MAX_SNAPSHOTS == snapshots.MAX_SNAPSHOTS


def test_the_limit_is_never_exceeded_whatever_the_count():
    model = torch.nn.Linear(1, 1)
    for limit in (2, 3, 7, 10):
        for count in range(1, 60):
            recorder = Recorder(model, limit=limit)
            for step in range(1, count + 1):
                recorder.add(step)
            steps = [s for s, _ in recorder.finish(count)]
            assert len(steps) <= limit and steps[-1] == count and steps[0] == 1
            assert steps == sorted(set(steps))
