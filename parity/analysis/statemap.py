"""The hidden-state map: states over many strings projected to 2-D, and the units that count.

fit() finds the two principal axes (SVD of the centred states), cloud() gives the sampled
states on them as a tidy frame coloured by running parity, and trajectory() puts one
string's states on the same axes. A parity machine shows two clouds, one per parity. The
map uses the hidden vector h (what the head reads): an LSTM's cell often carries a slowly
growing count that would take the first axis (measured on default models, seeds 0-3 and
100-101: the first axis of h alone splits the parities in 5 of 6, of h and c in 1 of 6).
unit_ranking() scores every unit, hidden and cell, by how well it alone tracks the parity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..nets.models import ParityModel
from . import states

MAX_CLOUD_POINTS = 3_000  # points drawn in the cloud (the browser draws each one)
PARITY_NAMES = np.array(["even", "odd"])


@dataclass(frozen=True)
class Projection:
    """A fitted 2-D PCA of states: x -> (x - mean) @ axes.T."""

    mean: torch.Tensor  # (d,)
    axes: torch.Tensor  # (2, d)
    explained: tuple[float, float]  # share of the variance along each axis

    def __call__(self, x: torch.Tensor) -> np.ndarray:
        """States (N, D >= d) -> (N, 2) coordinates, from their first d columns."""
        return ((x[:, : len(self.mean)] - self.mean) @ self.axes.T).numpy()


def fit(x: torch.Tensor, parity: np.ndarray | None = None, dims: int | None = None) -> Projection:
    """The two principal axes of x's first `dims` columns (all by default), signs fixed.

    Axis 1 points from the even states' mean to the odd states' (when `parity` is given and
    both occur); otherwise each axis points along its largest loading.
    """
    x = x[:, :dims] if dims is not None else x
    mean = x.mean(0)
    centred = x - mean
    _, s, vh = torch.linalg.svd(centred.double(), full_matrices=False)
    axes = vh[:2].float()
    if axes.shape[0] < 2:  # a one-dimensional state: the second axis is zero
        axes = torch.cat([axes, axes.new_zeros(2 - axes.shape[0], axes.shape[1])])
    signs = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True))).squeeze(1)
    if parity is not None and 0 < parity.sum() < len(parity):
        odd = torch.from_numpy(parity == 1)
        gap = float((centred[odd].mean(0) - centred[~odd].mean(0)) @ axes[0])
        signs[0] = 1.0 if gap >= 0 else -1.0
    axes = axes * torch.where(signs == 0, 1.0, signs)[:, None]
    var = s.pow(2)
    share = (var / var.sum()).tolist() if float(var.sum()) > 0 else [0.0]
    share = (share + [0.0, 0.0])[:2]
    return Projection(mean, axes, (float(share[0]), float(share[1])))


def cloud(sample: states.Sample, projection: Projection, max_points: int = MAX_CLOUD_POINTS):
    """The sampled states on the map: pc1, pc2, parity, answer, right, string, step.

    A seeded subset of at most max_points rows (the same rows every time).
    """
    rows = np.arange(len(sample))
    if len(rows) > max_points:
        rows = np.sort(np.random.default_rng(0).choice(rows, max_points, replace=False))
    xy = projection(sample.features[torch.from_numpy(rows)])
    return pd.DataFrame(
        {
            "pc1": xy[:, 0],
            "pc2": xy[:, 1],
            "parity": PARITY_NAMES[sample.parity[rows]],
            "answer": PARITY_NAMES[sample.answer[rows]],
            "right": sample.answer[rows] == sample.parity[rows],
            "string": sample.string[rows],
            "step": sample.step[rows],
        }
    )


@torch.no_grad()
def trajectory(model: ParityModel, bits, projection: Projection) -> pd.DataFrame:
    """One string's states on the map, from the start (step 0): step, bit, pc1, pc2, parity."""
    x = torch.as_tensor(list(bits), dtype=torch.float32)[None]  # (1, T)
    start = torch.zeros(1, states.width(model))
    feats = torch.cat([start, states.run_features(model, x, start)[0]])  # (T + 1, D)
    xy = projection(feats)
    bit = np.concatenate([[-1], np.asarray(list(bits), dtype=np.int64)])
    parity = np.concatenate([[0], np.cumsum(bit[1:]) % 2])
    return pd.DataFrame(
        {
            "step": np.arange(len(bit)),
            "bit": bit,
            "pc1": xy[:, 0],
            "pc2": xy[:, 1],
            "parity": PARITY_NAMES[parity],
        }
    )


def best_threshold_accuracy(values: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per column of values (N, U): the accuracy of the best rule `v > t` or `v <= t`.

    >>> v = torch.tensor([[0.1, 5.0], [0.2, -1.0], [0.9, 3.0], [0.8, 0.0]])
    >>> best_threshold_accuracy(v, torch.tensor([0, 0, 1, 1])).tolist()
    [1.0, 0.75]
    """
    n = len(target)
    order = values.argsort(dim=0)  # (N, U)
    sorted_target = target[order].double()  # (N, U)
    ones_below = torch.cat([sorted_target.new_zeros(1, values.shape[1]), sorted_target.cumsum(0)])
    below = torch.arange(n + 1, dtype=torch.float64)[:, None]  # states at or under threshold
    total_ones = sorted_target.sum(0)
    # Rule "v > t is odd": right are the zeros below plus the ones above.
    right = (below - ones_below) + (total_ones - ones_below)  # (N + 1, U)
    # Only cut between distinct values: ties cannot be split by a threshold.
    sorted_values = values.gather(0, order)
    distinct = torch.ones(n + 1, values.shape[1], dtype=torch.bool)
    distinct[1:n] = sorted_values[1:] != sorted_values[:-1]
    right = torch.where(distinct, right, torch.full_like(right, float("nan")))
    best = torch.maximum(right, n - right).nan_to_num(-1.0).max(0).values
    return (best / n).float()


def unit_ranking(model: ParityModel, sample: states.Sample) -> pd.DataFrame:
    """How well each unit alone tracks the running parity, best first.

    Columns: quantity ('hidden' or 'cell'), unit, accuracy (best single threshold on the
    unit), correlation (with the running parity, signed), rank (1 = best).
    """
    target = torch.from_numpy(sample.parity)
    x = sample.features
    accuracy = best_threshold_accuracy(x, target).numpy()
    centred = x - x.mean(0)
    t = target.float() - target.float().mean()
    denom = centred.norm(dim=0) * t.norm()
    corr = torch.where(denom > 0, (centred * t[:, None]).sum(0) / denom.clamp(min=1e-12), 0.0)
    h = model.hidden_size
    quantity = ["hidden"] * h + ["cell"] * (x.shape[1] - h)
    frame = pd.DataFrame(
        {
            "quantity": quantity,
            "unit": np.arange(x.shape[1]) % h,
            "accuracy": accuracy.astype(np.float64),
            "correlation": corr.numpy().astype(np.float64),
        }
    )
    frame = frame.sort_values(
        ["accuracy", "correlation"], ascending=False, key=lambda c: c.abs(), kind="stable"
    ).reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


@dataclass(frozen=True)
class StateMap:
    """A model's state map: the sampled states on their PCA axes, the axes, the unit ranking."""

    cloud: pd.DataFrame
    projection: Projection
    ranking: pd.DataFrame


def state_map(model: ParityModel) -> StateMap:
    """Sample states, fit the map of h, rank the units (one pass over the sample)."""
    sample = states.collect(model)
    projection = fit(sample.features, sample.parity, dims=model.hidden_size)
    return StateMap(cloud(sample, projection), projection, unit_ranking(model, sample))
