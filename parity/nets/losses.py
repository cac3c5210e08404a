"""Losses: the seed notebook's hand-written stable BCE, and the masked training objectives."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def stable_bce_with_logits(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Elementwise binary cross-entropy on logits, written out as in the seed notebook.

    -log sigmoid(x) = log(1 + e^-x) is computed as m + log(e^-m + e^(-x-m)) with m = max(-x, 0),
    so no exponent ever overflows; likewise -log(1 - sigmoid(x)) with m = max(x, 0).

    >>> round(stable_bce_with_logits(torch.tensor([100.0]), torch.tensor([0.0])).item(), 3)
    100.0
    """
    zero = torch.zeros_like(logits)
    max_t = torch.maximum(-logits, zero)
    max_f = torch.maximum(logits, zero)
    loss_t = max_t + torch.log(torch.exp(-max_t) + torch.exp(-logits - max_t))
    loss_f = max_f + torch.log(torch.exp(-max_f) + torch.exp(logits - max_f))
    return targets * loss_t + (1 - targets) * loss_f


def torch_bce_with_logits(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Elementwise BCE from torch's fused kernel."""
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="none")


def parity_loss(logits, batch, target: str, bce=torch_bce_with_logits) -> torch.Tensor:
    """Mean over sequences of each sequence's loss; padding never contributes.

    logits (B, T) are the output layer at every step. target 'final' scores the answer at
    each sequence's last real step; 'every' averages over the running parity of each prefix.
    Either way the batch loss is the mean of per-sequence losses, so its gradient is the mean
    of per-sequence gradients (as when the seed notebook fed one sequence at a time).
    """
    if target == "final":
        last = logits.gather(1, (batch.lengths - 1).unsqueeze(1)).squeeze(1)  # (B,)
        return bce(last, batch.parity).mean()
    mask = batch.mask.to(logits.dtype)  # (B, T)
    per_step = bce(logits, batch.running_parity) * mask
    return (per_step.sum(dim=1) / batch.lengths.to(logits.dtype)).mean()


# Each execution path's BCE: the fused kernel, or the seed's hand-written one.
BCE = {"torch": torch_bce_with_logits, "scratch": stable_bce_with_logits}
