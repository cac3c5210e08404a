"""Replaying a training run: the model as it was at each kept evaluation step.

TrainResult.snapshots holds (step, state_dict) pairs (parity.training.snapshots); model_at turns one
back into a model, so everything that reads a model (the automaton, the state map, a trace)
can be shown at any point of training.
"""

from __future__ import annotations

import torch

from ..core.config import Config
from ..nets.models import ParityModel
from .snapshots import Snapshot


def steps(snapshots: tuple[Snapshot, ...]) -> list[int]:
    """The training steps the snapshots were taken at, in order."""
    return [step for step, _ in snapshots]


def snapshot_at(snapshots: tuple[Snapshot, ...], step: int) -> Snapshot:
    """The snapshot taken at `step` (ValueError naming the steps there are if none)."""
    for snapshot in snapshots:
        if snapshot[0] == step:
            return snapshot
    raise ValueError(f"no snapshot at step {step}; there are {steps(snapshots)}")


@torch.no_grad()
def model_at(config: Config, snapshot: Snapshot) -> ParityModel:
    """The model with the snapshot's weights (fused torch path, evaluation mode)."""
    model = ParityModel(config.arch, config.hidden_size, "torch")
    model.load_state_dict(snapshot[1])
    return model.eval()


def snapshot_key(model_key: str, step: int) -> str:
    """The cache key of a replayed model: its run's key and the step."""
    return f"{model_key}@step{step}"
