"""Replaying a training run: the model as it was at each kept evaluation step.

TrainResult.snapshots holds (step, state_dict) pairs (parity.training.snapshots); model_at turns one
back into a model (model_with any kept state_dict), so everything that reads a model (the
automaton, the state map, a trace) can be shown at any point of training.
"""

from __future__ import annotations

import torch

from ..core.config import Config
from ..nets.models import ParityModel, build
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


def model_at(config: Config, snapshot: Snapshot) -> ParityModel:
    """The model with the snapshot's weights (fused torch path, evaluation mode)."""
    return model_with(config, snapshot[1])


@torch.no_grad()
def model_with(config: Config, state: dict[str, torch.Tensor], impl: str = "torch") -> ParityModel:
    """A model of `config`'s shape with the weights `state` (evaluation mode), run by `impl`."""
    model = build(config.replace(impl=impl))  # build leaves the global RNG alone
    model.load_state_dict(state)
    return model.eval()
