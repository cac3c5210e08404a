"""Adam, as torch.optim.Adam computes it on the CPU with its defaults, op for op.

torch.optim.Adam imports torch._dynamo on its first use (0.6 s, a third of a first run's
wall time on the command line) for a compiler this project never uses. This is its
single-tensor step (what it runs for CPU tensors: no foreach or fused kernels there) with the
same operations in the same order, so the weights are bitwise the same
(tests/training/test_optimiser.py trains with both and compares).
"""

from __future__ import annotations

import torch

BETAS, EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults


class Adam:
    """Adam over `params` at learning rate `lr` (betas, eps, no weight decay: the defaults)."""

    def __init__(self, params, lr: float):
        self.params, self.lr = list(params), lr
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.step_count = [torch.tensor(0.0) for _ in self.params]  # float32, as torch keeps it

    def zero_grad(self) -> None:
        """Drop every gradient (torch's set_to_none=True)."""
        for param in self.params:
            param.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        beta1, beta2 = BETAS
        for param, m, v, count in zip(
            self.params, self.exp_avg, self.exp_avg_sq, self.step_count, strict=True
        ):
            grad = param.grad
            if grad is None:
                continue
            count += 1
            m.lerp_(grad, 1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            step = count.item()
            step_size = self.lr / (1 - beta1**step)
            denom = (v.sqrt() / (1 - beta2**step) ** 0.5).add_(EPS)
            param.addcdiv_(m, denom, value=-step_size)
