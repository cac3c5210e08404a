"""The weights, optimiser state and training step of K models of one shape, as one stack.

Model k's parameters are row k of one (K, P) buffer (P = its parameter count rounded up to
batched_cells.ROW_ALIGN), in torch's layout and order, and its ParityModel's parameters are
views of that row: evaluation, the stop rule's stress check, snapshots and restarts work on
the ParityModel exactly as in parity.training.train, and see (or write) the stacked weights
directly.
One step = the stacked forward and backward (batched_cells), each model's own loss (its own
mean), gradient clipping by each model's own norm and Adam with each model's own step count.
"""

from __future__ import annotations

import itertools
import math

import torch

from . import stacked_cells as bc
from .losses import BCE
from .models import ParityModel, build

BETAS, EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults, as parity.training.train uses them


class Stack:
    """K models' weights as rows of one buffer, with their Adam moments and step counts."""

    def __init__(self, configs):
        self.config = configs[0]
        self.models: list[ParityModel] = [build(c) for c in configs]
        named = list(self.models[0].named_parameters())
        self.names = [name for name, _ in named]
        self.shapes = [tuple(p.shape) for _, p in named]
        self.offsets = [0, *itertools.accumulate([p.numel() for _, p in named])]
        self.flat = torch.zeros(len(configs), bc.aligned(self.offsets[-1]))
        for k, model in enumerate(self.models):
            for (_, param), start, end in zip(
                named_of(model), self.offsets, self.offsets[1:], strict=False
            ):
                self.flat[k, start:end] = param.detach().reshape(-1)
        self.m, self.v = torch.zeros_like(self.flat), torch.zeros_like(self.flat)
        self.steps = [0] * len(configs)
        self._bind()

    def _bind(self) -> None:
        """Point every model's parameters at its row of the buffer."""
        for k, model in enumerate(self.models):
            for (_, param), start, end, shape in zip(
                named_of(model), self.offsets, self.offsets[1:], self.shapes, strict=False
            ):
                param.data = self.flat[k, start:end].view(shape)

    def keep(self, rows: list[int]) -> None:
        """Only these rows go on training; the others' models get weights of their own."""
        for k, model in enumerate(self.models):
            if k not in rows:
                for param in model.parameters():
                    param.data = param.data.clone()
        index = torch.tensor(rows, dtype=torch.long)
        self.flat, self.m, self.v = (x[index].clone() for x in (self.flat, self.m, self.v))
        self.models = [self.models[k] for k in rows]
        self.steps = [self.steps[k] for k in rows]
        self._bind()

    def reset_optimiser(self, k: int) -> None:
        """A fresh Adam for row k (after its model restarts from fresh weights)."""
        self.m[k], self.v[k], self.steps[k] = 0.0, 0.0, 0

    def weights(self, flat: torch.Tensor):
        """(w_ih, w_hh, b_ih, b_hh, head (K, 1, H + 1)) as views of `flat`."""
        k, (o, shapes) = flat.shape[0], (self.offsets, self.shapes)
        w_ih, w_hh, b_ih, b_hh = (
            flat[:, o[i] : o[i + 1]].view(k, *shapes[i]) for i in range(4)
        )  # torch's order: weight_ih, weight_hh, bias_ih, bias_hh, head.weight, head.bias
        head = flat[:, o[4] : o[6]].view(k, 1, o[6] - o[4])  # head weight then bias
        return w_ih, w_hh, b_ih, b_hh, head

    def losses(self, batch, grad: bool = True):
        """(each model's loss (K,), each model's count of right final answers (K,)).

        `batch`: a Padded batch (one row per model). With grad, the losses' gradient lands
        in the returned leaf's .grad: call backward on their sum.
        """
        leaf = self.flat.detach().requires_grad_(grad)
        w_ih, w_hh, b_ih, b_hh, head = self.weights(leaf)
        out = bc.StackedSequence.apply(self.config.arch, batch.bits_tm, w_ih, w_hh, b_ih, b_hh)
        k, steps, rows = batch.shape
        logits = (head.transpose(1, 2) * out).sum(1).view(k, steps, rows)
        last = logits.gather(1, (batch.lengths - 1).unsqueeze(1)).squeeze(1)  # (K, B)
        bce = BCE[self.config.impl]
        if self.config.target == "final":
            per = bce(last, batch.parity)  # (K, B)
        else:
            per = bce(logits, batch.running).view(k, steps * rows)
        losses = (per * batch.weights(self.config.target)).sum(1)
        with torch.no_grad():
            right = ((last > 0).float() == batch.parity) & batch.real
        return leaf, losses, right.sum(1)

    @torch.no_grad()
    def update(self, grad: torch.Tensor) -> None:
        """Clip each row's gradient to its own norm, then one Adam step per row."""
        config = self.config
        if config.clip > 0:
            norm = (grad * grad).sum(1, keepdim=True).sqrt()
            grad.mul_((config.clip / (norm + 1e-6)).clamp(max=1.0))
        self.steps = [s + 1 for s in self.steps]
        size = torch.tensor([[-config.lr / (1 - BETAS[0] ** s)] for s in self.steps])
        root = torch.tensor([[math.sqrt(1 - BETAS[1] ** s)] for s in self.steps])
        self.m.lerp_(grad, 1 - BETAS[0])
        self.v.mul_(BETAS[1]).addcmul_(grad, grad, value=1 - BETAS[1])
        denom = (self.v.sqrt() / root).add_(EPS)
        self.flat.addcmul_(self.m / denom, size)


def named_of(model: ParityModel):
    return list(model.named_parameters())
