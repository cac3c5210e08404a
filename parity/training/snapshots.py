"""Copies of a model's weights during training, bounded, for replaying how it learned.

A Recorder takes a snapshot at every evaluation and keeps at most MAX_SNAPSHOTS of them, and at
most MAX_SNAPSHOT_FLOATS floats in all (hidden 8 is ~360 floats a copy, hidden 256 ~265,000),
by thinning evenly: when full, it keeps every other snapshot and records half as often. The
first evaluation and the final model are always kept.
"""

from __future__ import annotations

import torch

MAX_SNAPSHOTS = 200
MAX_SNAPSHOT_FLOATS = 4_000_000  # 16 MB of float32 per training run, whatever the model size

Snapshot = tuple[int, dict[str, torch.Tensor]]  # (step, state_dict copy)


def state_copy(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached, cloned state_dict: later training steps do not change it."""
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def capacity(model: torch.nn.Module) -> int:
    """How many snapshots of `model` fit both bounds (never fewer than 2: first and last)."""
    floats = sum(v.numel() for v in model.state_dict().values())
    return max(2, min(MAX_SNAPSHOTS, MAX_SNAPSHOT_FLOATS // max(floats, 1)))


class Recorder:
    """Collects (step, weights) at evaluations, thinned evenly to fit `capacity(model)`.

    >>> import torch; r = Recorder(torch.nn.Linear(1, 1), limit=3)
    >>> for step in range(1, 9): r.add(step)
    >>> [step for step, _ in r.finish(8)]
    [1, 5, 8]
    """

    def __init__(self, model: torch.nn.Module, limit: int | None = None):
        self.model = model
        self.limit = limit if limit is not None else capacity(model)
        self.stride, self.count = 1, 0  # record every `stride`-th evaluation
        self.kept: list[tuple[int, int, dict[str, torch.Tensor]]] = []  # (index, step, state)

    def add(self, step: int) -> None:
        """Called at every evaluation; copies the weights when this one is due."""
        index, self.count = self.count, self.count + 1
        if index % self.stride:
            return
        self.kept.append((index, step, state_copy(self.model)))
        while len(self.kept) > self.limit - 1:  # one place stays free for the final model
            self.stride *= 2
            self.kept = [k for k in self.kept if k[0] % self.stride == 0]

    def finish(self, step: int) -> tuple[Snapshot, ...]:
        """The snapshots, ending with the model as it is now (at `step`)."""
        snaps = [(s, state) for _, s, state in self.kept if s != step]
        return (*snaps, (step, state_copy(self.model)))
