"""The state map: PCA of the states, one string's trajectory, and the unit ranking."""

from __future__ import annotations

import numpy as np
import torch

from parity.analysis import statemap, states
from parity.core.config import Config
from parity.nets.models import build
from tests.handbuilt import lstm_flipper, minsky_rnn


def test_a_parity_machine_makes_two_clouds_split_by_the_first_axis():
    model = lstm_flipper()
    sample = states.collect(model)
    projection = statemap.fit(sample.features, sample.parity)
    cloud = statemap.cloud(sample, projection)
    assert len(cloud) == statemap.MAX_CLOUD_POINTS < len(sample)
    odd = cloud["parity"] == "odd"
    assert cloud.loc[odd, "pc1"].min() > 0 > cloud.loc[~odd, "pc1"].max()
    assert cloud["right"].all()
    assert projection.explained[0] > 0.99 and sum(projection.explained) <= 1 + 1e-6


def test_the_trajectory_lies_on_the_same_axes_as_the_cloud():
    model = minsky_rnn()
    sample = states.collect(model)
    projection = statemap.fit(sample.features, sample.parity)
    first = np.nonzero(sample.string == 0)[0]  # string 0's states, step 1..n
    bits = sample.bit[first].tolist()
    path = statemap.trajectory(model, bits, projection)
    assert list(path["step"]) == list(range(len(bits) + 1))
    assert path["bit"].iloc[0] == -1 and path["parity"].iloc[0] == "even"
    assert list(path["parity"].iloc[1:]) == list(statemap.PARITY_NAMES[np.cumsum(bits) % 2])
    expected = projection(sample.features[torch.from_numpy(first)])
    np.testing.assert_allclose(path[["pc1", "pc2"]].to_numpy()[1:], expected, atol=1e-5)


def test_the_map_is_deterministic_and_oriented_odd_to_the_right():
    model = build(Config(seed=7))
    sample = states.collect(model)
    a = statemap.fit(sample.features, sample.parity)
    b = statemap.fit(sample.features, sample.parity)
    assert torch.equal(a.axes, b.axes)
    xy = a(sample.features)
    assert xy[sample.parity == 1, 0].mean() >= xy[sample.parity == 0, 0].mean()


def test_units_that_track_parity_rank_first():
    exact = statemap.unit_ranking(lstm_flipper(), states.collect(lstm_flipper()))
    assert list(exact.columns) == ["quantity", "unit", "accuracy", "correlation", "rank"]
    assert set(exact["quantity"]) == {"hidden", "cell"} and (exact["accuracy"] == 1.0).all()
    rnn = statemap.unit_ranking(minsky_rnn(), states.collect(minsky_rnn()))
    # Minsky's units each say "state q and last bit x": none alone is the parity.
    assert len(rnn) == 4 and (rnn["accuracy"] < 0.9).all()
    assert list(rnn["rank"]) == [1, 2, 3, 4]
    assert rnn["accuracy"].is_monotonic_decreasing
    model = build(Config(arch="gru", hidden_size=16, seed=1))
    untrained = statemap.unit_ranking(model, states.collect(model))
    assert len(untrained) == 16 and untrained["accuracy"].max() < 0.7


def test_best_threshold_never_splits_ties():
    values = torch.tensor([[1.0], [1.0], [2.0], [2.0]])
    # Each value holds one even and one odd state: no threshold beats a coin.
    assert statemap.best_threshold_accuracy(values, torch.tensor([0, 1, 0, 1])).item() == 0.5
    assert statemap.best_threshold_accuracy(values, torch.tensor([1, 1, 0, 0])).item() == 1.0


def test_the_map_can_use_only_the_hidden_part_of_an_lstm_state():
    model = lstm_flipper()
    sample = states.collect(model)
    projection = statemap.fit(sample.features, sample.parity, dims=model.hidden_size)
    assert projection.mean.shape == (1,) and projection.axes.shape == (2, 1)
    xy = projection(sample.features)  # full [h, c] rows in, only h used
    np.testing.assert_allclose(xy[:, 0], (sample.features[:, 0] - projection.mean[0]).numpy())
    assert (xy[:, 1] == 0).all()  # a one-unit state has no second axis


def test_the_state_map_is_the_cloud_its_axes_and_the_ranking_of_one_sample():
    model = lstm_flipper()
    found = statemap.state_map(model)
    sample = states.collect(model)
    projection = statemap.fit(sample.features, sample.parity, dims=model.hidden_size)
    assert torch.equal(found.projection.axes, projection.axes)
    assert found.cloud.equals(statemap.cloud(sample, projection))
    assert found.ranking.equals(statemap.unit_ranking(model, sample))
