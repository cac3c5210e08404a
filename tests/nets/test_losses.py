"""The hand-written BCE against torch's, and the masked parity loss against the seed's loop."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from parity.core import data
from parity.core.config import IMPLS, Config
from parity.nets import losses
from parity.nets.models import build

ARCHS = ("rnn", "gru", "lstm")
TARGETS = ("final", "every")
EXTREME = [-1000.0, -100.0, -30.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 5.0, 30.0, 100.0, 1000.0]


def softplus(x: float) -> float:
    """log(1 + e^x) by hand: the BCE of logit -x against target 1."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def grid() -> tuple[torch.Tensor, torch.Tensor]:
    """Every extreme logit against every target 0, 0.5 and 1."""
    logits = torch.tensor(EXTREME).repeat(3)
    targets = torch.tensor([0.0, 0.5, 1.0]).repeat_interleave(len(EXTREME))
    return logits, targets


def test_stable_bce_equals_torch_elementwise_even_at_extreme_logits():
    logits, targets = grid()
    got = losses.stable_bce_with_logits(logits, targets)
    want = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-6)
    assert got[EXTREME.index(1000.0)].item() == 1000.0  # logit +1000, target 0
    assert got[-1].item() == 0.0  # logit +1000, target 1


def test_stable_bce_gradients_equal_torch():
    logits, targets = grid()
    grads = []
    for bce in (losses.stable_bce_with_logits, F.binary_cross_entropy_with_logits):
        x = logits.clone().requires_grad_(True)
        kwargs = {"reduction": "none"} if bce is F.binary_cross_entropy_with_logits else {}
        bce(x, targets, **kwargs).sum().backward()
        grads.append(x.grad)
    assert torch.isfinite(grads[0]).all()
    torch.testing.assert_close(grads[0], grads[1], atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(grads[1], torch.sigmoid(logits) - targets)  # d/dx = sigma(x) - t


@pytest.mark.parametrize("bce", [losses.stable_bce_with_logits, losses.torch_bce_with_logits])
def test_bce_known_answers(bce):
    x = torch.tensor([0.0, 0.0, 2.0, 2.0, -3.0])
    t = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.5])
    want = [
        math.log(2),
        math.log(2),
        softplus(-2.0),
        softplus(2.0),
        0.5 * softplus(3.0) + 0.5 * softplus(-3.0),
    ]
    assert bce(x, t).tolist() == pytest.approx(want, abs=1e-6)


def test_each_impl_has_its_bce():
    assert set(losses.BCE) == set(IMPLS)
    assert losses.BCE["scratch"] is losses.stable_bce_with_logits
    assert losses.BCE["torch"] is losses.torch_bce_with_logits


@pytest.mark.parametrize("impl", IMPLS)
def test_parity_loss_known_answer(impl):
    # Sequences 101 (parity 0, prefixes 1 1 0) and 1 (parity 1); the second row's 9s are padding.
    batch = data.from_bits([[1, 0, 1], [1]])
    logits = torch.tensor([[0.5, -1.0, 2.0], [-0.3, 9.0, 9.0]])
    final = (softplus(2.0) + softplus(0.3)) / 2
    first = (softplus(-0.5) + softplus(1.0) + softplus(2.0)) / 3
    every = (first + softplus(0.3)) / 2
    bce = losses.BCE[impl]
    assert losses.parity_loss(logits, batch, "final", bce).item() == pytest.approx(final, abs=1e-6)
    assert losses.parity_loss(logits, batch, "every", bce).item() == pytest.approx(every, abs=1e-6)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("impl", IMPLS)
def test_padding_logits_never_reach_the_loss_or_its_gradient(impl, target):
    batch = data.fixed_dataset(8, 1, 12, seed=5)
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(batch.bits.shape, generator=gen)
    garbage = torch.where(batch.mask, logits, torch.full_like(logits, 1e4)).requires_grad_(True)
    loss = losses.parity_loss(garbage, batch, target, losses.BCE[impl])
    loss.backward()
    clean = losses.parity_loss(logits, batch, target, losses.BCE[impl])
    assert loss.item() == pytest.approx(clean.item(), abs=1e-6)
    assert (garbage.grad[~batch.mask] == 0).all()
    assert (garbage.grad[torch.arange(len(batch)), batch.lengths - 1] != 0).all()


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("arch", ARCHS)
def test_batch_gradient_is_the_mean_of_one_sequence_at_a_time(arch, impl, target):
    """The seed notebook fed one unpadded sequence at a time; the padded batch must agree."""
    model = build(Config(arch=arch, impl=impl, hidden_size=5, seed=3))
    bce = losses.BCE[impl]
    batch = data.fixed_dataset(6, 1, 13, seed=4)

    def grads(b: data.Batch) -> list[torch.Tensor]:
        model.zero_grad()
        losses.parity_loss(model(b.bits), b, target, bce).backward()
        return [p.grad.clone() for p in model.parameters()]

    together = grads(batch)
    alone = [
        grads(data.from_bits([batch.bits[i, :n]])) for i, n in enumerate(batch.lengths.tolist())
    ]
    for k, got in enumerate(together):
        want = torch.stack([g[k] for g in alone]).mean(dim=0)
        torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-5)
    assert any(g.abs().max() > 1e-3 for g in together)  # a real gradient, not all zeros
