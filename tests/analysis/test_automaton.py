"""The extracted automaton: hand-built parity machines, a forgetting one, an untrained one."""

from __future__ import annotations

import itertools
import json

import pytest
import torch

from parity.analysis import automaton, states
from parity.analysis.automaton import PARITY_TRANSITIONS, extract
from parity.core.config import Config
from parity.nets.models import build
from tests.handbuilt import lstm_flipper, minsky_rnn, wandering_rnn


def answers_right(model, lengths) -> bool:
    """Whether `model` answers every string of each length in `lengths` right."""
    for n in lengths:
        bits = torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)))
        predicted = model.predict(bits, torch.full((len(bits),), n))
        if not torch.equal(predicted, bits.sum(1).remainder(2).long()):
            return False
    return True


def one_then_zeros(model, zeros: int) -> int:
    """The model's answer for a single 1 followed by `zeros` zeros (the truth is 1)."""
    bits = torch.tensor([[1.0] + [0.0] * zeros])
    return int(model.predict(bits, torch.tensor([zeros + 1]))[0])


@pytest.mark.parametrize("build_model", [lstm_flipper, minsky_rnn], ids=["lstm", "rnn"])
def test_a_hand_built_parity_machine_is_the_stable_parity_automaton(build_model):
    model = build_model()
    assert answers_right(model, range(1, 11))
    assert one_then_zeros(model, 10_000) == 1  # right on long strings too
    gen = torch.Generator().manual_seed(5)
    long = (torch.rand(50, 10_000, generator=gen) < 0.5).float()
    truth = long.sum(1).remainder(2).long()
    assert torch.equal(model.predict(long, torch.full((50,), 10_000)), truth)
    found = extract(model)
    assert found.states == 2 and found.start == 0 and found.accepting == (1,)
    assert found.transitions == PARITY_TRANSITIONS
    assert found.consistent and found.agreement == 1.0
    assert found.is_parity and found.stable
    assert len(found.drift) == 4 and all(d.left_at is None for d in found.drift)


def test_a_forgetting_odd_state_is_caught_by_the_drift_check():
    model = lstm_flipper(sharpness=4.0)
    assert answers_right(model, range(1, 11))  # right on every string up to 10 bits
    assert one_then_zeros(model, 5) == 1 and one_then_zeros(model, 200) == 0
    found = extract(model)
    assert not found.stable and not found.is_parity
    odd_on_zeros = [d for d in found.drift if d.state == 1 and d.bit == "0"]
    assert len(odd_on_zeros) == 1
    left = odd_on_zeros[0]
    assert left.found_in == 0 and left.expected == 1  # it falls into the even state ...
    # Runs start at the centre of each cloud and at its edge, where the odd states that have
    # already half decayed sit: those cross at once, well before 200 zeros.
    assert 1 <= left.left_at < 200
    # Odd under ones does stay (a 1 resets the cell to a full +-1):
    odd_on_ones = next(d for d in found.drift if d.state == 1 and d.bit == "1")
    assert odd_on_ones.left_at is None


def test_a_state_that_never_settles_is_not_stable():
    """Exact parity, but two units the head never reads keep turning: every run stays in its
    cluster, none comes back to a fixed point or a short cycle, so the automaton is the
    parity automaton and not stable (it wanders)."""
    model = wandering_rnn()
    gen = torch.Generator().manual_seed(7)
    long = (torch.rand(20, 3_000, generator=gen) < 0.5).float()
    truth = long.sum(1).remainder(2).long()
    assert torch.equal(model.predict(long, torch.full((20,), 3_000)), truth)
    found = extract(model)
    assert found.is_parity and not found.stable and found.wanders
    assert all(d.left_at is None and not d.settles for d in found.drift)
    assert all(d.settles for d in extract(minsky_rnn()).drift)
    assert not extract(minsky_rnn()).wanders
    assert json.loads(json.dumps(found.to_dict()))["drift"][0]["settles"] is False


def test_a_cycle_is_settled_and_a_turn_is_not():
    """_returns: back within SETTLE_TOLERANCE after 1..MAX_PERIOD steps, one answer per run."""
    import math

    import numpy as np

    four = wandering_rnn(gain=1.5, turn=math.pi / 2)  # a quarter turn: a 4-cycle
    two = wandering_rnn(gain=1.5, turn=math.pi)  # a half turn: a 2-cycle
    turning = wandering_rnn()  # 1 radian a step: never back
    for model, settles in ((four, True), (two, True), (turning, False)):
        with torch.no_grad():
            _, state = model.run(torch.tensor([[1.0] + [0.0] * 500]))
            back = automaton._returns(model, torch.zeros(1, 1), state)
        assert isinstance(back, np.ndarray) and back.tolist() == [settles]


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_an_untrained_model_is_not_parity(arch):
    found = extract(build(Config(arch=arch, hidden_size=8, seed=3)))
    assert not found.is_parity
    assert found.states != 2 or not found.consistent or found.transitions != PARITY_TRANSITIONS


def test_extraction_is_deterministic_and_json_ready():
    model = build(Config(seed=4))
    first, second = extract(model).to_dict(), extract(model).to_dict()
    assert first == second
    keys = {"states", "start", "accepting", "transitions", "is_parity", "stable", "drift"}
    assert keys <= set(first)
    assert json.loads(json.dumps(first)) == first  # only JSON types, string keys
    parity = extract(lstm_flipper()).to_dict()
    assert parity["transitions"] == {"0": {"0": 0, "1": 1}, "1": {"0": 1, "1": 0}}
    assert parity["accepting"] == [1] and parity["is_parity"] is True


def test_clusters_never_mix_answers_and_the_sample_is_bounded():
    model = build(Config(arch="lstm", hidden_size=64, seed=2))
    cap = automaton.MAX_FEATURE_ELEMENTS // states.width(model)
    sample = states.collect(model, max_points=cap)
    assert len(sample) == cap and sample.features.shape == (cap, 128)
    answer = torch.from_numpy(sample.answer)
    succ = [
        (f, states.answers(model, f))
        for f in (states.successors(model, sample.features, b) for b in (0, 1))
    ]
    q = automaton.quantise(sample.features, answer, succ, automaton.MAX_CLUSTERS, seed=0)
    labels = torch.tensor(q.labels)
    assert torch.equal(labels[q.assign], answer)
    assert 0.0 <= q.agreement <= 1.0 and len(q.centres) <= automaton.MAX_CLUSTERS


def test_settled_runs_are_extrapolated_exactly(monkeypatch):
    """Stopping early once states repeat gives what running every step gives."""
    models = [lstm_flipper(), lstm_flipper(4.0), minsky_rnn(), build(Config(arch="gru", seed=5))]
    early = [extract(m, drift_steps=3_000).drift for m in models]
    monkeypatch.setattr(automaton, "REPEAT_TOLERANCE", -1.0)  # never settled: run every step
    assert [extract(m, drift_steps=3_000).drift for m in models] == early


def test_expected_paths_are_every_step_of_the_table_followed():
    """The paths stop being computed once every row repeats; they equal the step-by-step walk."""
    import random

    import numpy as np

    rng = random.Random(0)
    for _ in range(300):
        count, steps = rng.randint(1, 12), rng.choice([1, 2, 3, 5, 17, 100, 1000])
        table = [(rng.randrange(count), rng.randrange(count)) for _ in range(count)]
        walked = np.empty((2 * count, steps), dtype=np.int64)
        for row in range(2 * count):
            bit, state = divmod(row, count)
            for t in range(steps):
                state = table[state][bit]
                walked[row, t] = state
        assert np.array_equal(automaton.expected_paths(table, steps), walked), (table, steps)
