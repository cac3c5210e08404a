"""The project's Adam: torch.optim.Adam's numbers, bitwise, without importing torch._dynamo."""

from __future__ import annotations

import pytest
import torch

from parity.core import data
from parity.core.config import Config
from parity.nets import losses
from parity.nets.models import build
from parity.training.optimiser import Adam


def weights_after(config: Config, steps: int, make_optimiser) -> list[torch.Tensor]:
    """The weights after `steps` clipped Adam steps on the config's batches."""
    model = build(config)
    optimiser = make_optimiser(model.parameters(), config.lr)
    batches = data.config_batches(config)
    for _ in range(steps):
        batch = next(batches)
        logits = model(batch.bits)
        loss = losses.parity_loss(logits, batch, config.target, losses.BCE[config.impl])
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimiser.step()
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize(
    "config",
    [
        Config(seed=0),
        Config(arch="gru", seed=1, lr=0.2),
        Config(arch="rnn", seed=2, target="final", hidden_size=5),
        Config(impl="scratch", seed=3, clip=0.1),
    ],
)
def test_adam_gives_torchs_weights_bitwise(config):
    def torch_adam(params, lr):
        return torch.optim.Adam(params, lr=lr)

    ours, theirs = weights_after(config, 25, Adam), weights_after(config, 25, torch_adam)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(ours, build(config).parameters(), strict=True))


def test_a_parameter_without_gradient_is_left_alone():
    used, unused = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(2))
    optimiser = Adam([used, unused], lr=0.1)
    (used * torch.tensor([1.0, -2.0, 0.0])).sum().backward()
    optimiser.step()
    assert torch.equal(unused, torch.ones(2))
    assert used.tolist()[:2] == pytest.approx([0.9, 1.1]) and used.tolist()[2] == 1.0
    optimiser.zero_grad()
    assert used.grad is None
