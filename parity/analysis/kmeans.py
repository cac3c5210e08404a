"""A small seeded k-means (k-means++ start, Lloyd steps) on torch tensors.

>>> x = torch.tensor([[0.0], [0.1], [5.0], [5.1]])
>>> centres, assign = kmeans(x, 2, seed=0)
>>> assign.tolist() in ([0, 0, 1, 1], [1, 1, 0, 0])
True
"""

from __future__ import annotations

import torch

ITERATIONS = 40
RESTARTS = 3


def nearest(x: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Index of the nearest centre (k, D) for each row of x (N, D): (N,) int64."""
    return torch.cdist(x, centres).argmin(dim=1)


def _plusplus(x: torch.Tensor, k: int, gen: torch.Generator) -> torch.Tensor:
    """k-means++ seeding: each new centre drawn with probability ~ squared distance."""
    first = torch.randint(len(x), (1,), generator=gen)
    centres = [x[first[0]]]
    dist = (x - centres[0]).pow(2).sum(1)  # (N,)
    for _ in range(1, k):
        total = dist.sum()
        if total <= 0:  # fewer distinct points than k: the rest would duplicate a centre
            break
        pick = torch.multinomial(dist / total, 1, generator=gen)[0]
        centres.append(x[pick])
        dist = torch.minimum(dist, (x - x[pick]).pow(2).sum(1))
    return torch.stack(centres)


def _lloyd(x: torch.Tensor, centres: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Lloyd iterations from `centres`; returns (centres, assignment, inertia)."""
    k = len(centres)
    for _ in range(ITERATIONS):
        assign = nearest(x, centres)
        counts = torch.bincount(assign, minlength=k).to(x.dtype)  # (k,)
        sums = x.new_zeros(k, x.shape[1]).index_add_(0, assign, x)  # (k, D)
        moved = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], centres)
        if torch.equal(moved, centres):
            break
        centres = moved
    assign = nearest(x, centres)
    inertia = float((x - centres[assign]).pow(2).sum())
    return centres, assign, inertia


def kmeans(
    x: torch.Tensor, k: int, seed: int = 0, restarts: int = RESTARTS
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cluster rows of x (N, D) into at most k groups; returns (centres (k', D), assign (N,)).

    The best of `restarts` seeded runs (lowest inertia). Empty clusters are dropped and the
    labels renumbered 0..k'-1, so k' < k when x has fewer than k distinct rows.
    """
    if len(x) == 0:
        raise ValueError("k-means needs at least one point")
    gen = torch.Generator().manual_seed(int(seed))
    best = None
    for _ in range(restarts):
        result = _lloyd(x, _plusplus(x, min(k, len(x)), gen))
        if best is None or result[2] < best[2]:
            best = result
    centres, assign, _ = best
    used = torch.bincount(assign, minlength=len(centres)) > 0
    relabel = torch.cumsum(used.long(), 0) - 1
    return centres[used], relabel[assign]
