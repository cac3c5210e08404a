"""K recurrent models of one shape as one stacked computation, with a hand-written backward.

The same recurrences as bptt.py (torch's gate order and formulation), with a leading model
axis: per time step everything is (K, features, rows) and a step is one `baddbmm` over the
K models.

Model k's numbers never depend on which other models share its stack, because on one
intra-op thread (measured, tests/training/test_batched.py):
- a step's baddbmm (G*H x H times H x rows) gives slice k bitwise what it gives alone
  (checked for hidden sizes 1..16 and 32, 64); products whose inner dimension is long (the
  weight gradient, the head, the losses) are not, for some shapes, so they are written as
  one mm per model, or a product and a sum;
- an elementwise op, or a sum over the last axis, on slice k is bitwise what it is alone as
  long as the slice's length is a multiple of the vector loop's width: ATen runs a loop's
  last few elements through a scalar path, which rounds sigmoid and log1p differently. So
  rows are padded to a multiple of ROW_ALIGN, and a model's weights are one row of a
  (K, param_floats) buffer padded to ROW_ALIGN too.

Layout: bits_tm (T, K, 1, B) time-major; weights in torch's per-model layout with a leading
K (weight_ih (K, G*H, 1), weight_hh (K, G*H, H), bias_ih and bias_hh (K, G*H)).
"""

from __future__ import annotations

import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable

ROW_ALIGN = 32  # floats: twice the AVX-512 vector, the unit of ATen's vectorised loops


def aligned(n: int) -> int:
    """n rounded up to a multiple of ROW_ALIGN.

    >>> aligned(1), aligned(32), aligned(361)
    (32, 32, 384)
    """
    return -(-n // ROW_ALIGN) * ROW_ALIGN


def step_inputs(arch: str, bits_tm, w_ih, b_ih, b_hh) -> tuple[torch.Tensor, ...]:
    """The input projection per step, (T, K, G*H, B), as cells.step_inputs but stacked.

    GRU gets two: [xw_r + b_r; xw_z + b_z; b_hn] (T, K, 3H, B) and xw_n + b_in (T, K, H, B).
    """
    if arch != "gru":
        return (bits_tm * w_ih + (b_ih + b_hh)[..., None],)
    hidden = b_hh.shape[1] // 3
    w_base = torch.cat([w_ih[:, : 2 * hidden], torch.zeros_like(w_ih[:, :hidden])], 1)
    b_base = torch.cat([b_ih[:, : 2 * hidden] + b_hh[:, : 2 * hidden], b_hh[:, 2 * hidden :]], 1)
    base = bits_tm * w_base + b_base[..., None]
    return (base, bits_tm * w_ih[:, 2 * hidden :] + b_ih[:, 2 * hidden :, None])


def run(arch: str, inputs, w_hh, keep: bool):
    """The recurrence from zero state: (every state (T+1, K, H, B), saved for backward)."""
    steps, k, _, rows = inputs[0].shape
    hidden = w_hh.shape[2]
    h = inputs[0].new_zeros(k, hidden, rows)
    hs, saved = [h], []
    if arch == "rnn":
        for x in inputs[0].unbind(0):
            hs.append(torch.tanh(torch.baddbmm(x, w_hh, hs[-1])))
        return torch.stack(hs), ()
    if arch == "gru":
        for base, xn in zip(inputs[0].unbind(0), inputs[1].unbind(0), strict=True):
            pre = torch.baddbmm(base, w_hh, hs[-1])
            rz = torch.sigmoid(pre[:, : 2 * hidden])
            n = torch.tanh(torch.addcmul(xn, rz[:, :hidden], pre[:, 2 * hidden :]))
            hs.append(torch.lerp(n, hs[-1], rz[:, hidden:]))
            if keep:
                saved.append((pre, rz, n))
        return torch.stack(hs), tuple(torch.stack(a) for a in zip(*saved, strict=True))
    c = h
    cs = [c]
    for x in inputs[0].unbind(0):
        pre = torch.baddbmm(x, w_hh, hs[-1])
        a = torch.sigmoid(pre)
        g = torch.tanh(pre[:, 2 * hidden : 3 * hidden])
        c = torch.addcmul(a[:, hidden : 2 * hidden] * c, a[:, :hidden], g)
        tc = torch.tanh(c)
        hs.append(a[:, 3 * hidden :] * tc)
        if keep:
            cs.append(c), saved.append((a, g, tc))
    if not keep:
        return torch.stack(hs), ()
    return torch.stack(hs), (torch.stack(cs), *(torch.stack(x) for x in zip(*saved, strict=True)))


def _walk_back(douts, slopes, w_back, lstm: bool):
    """dpre per step (T, K, P, H, B), walking the steps in reverse (bptt's loops, stacked)."""
    grads = torch.empty_like(slopes[0])
    dh, dc = douts[-1], torch.zeros_like(douts[-1])
    for t in range(len(douts) - 1, -1, -1):
        grad = grads[t]
        if lstm:
            torch.mul(slopes[0][t], dc.unsqueeze(1), out=grad)
            grad.addcmul_(slopes[1][t], dh.unsqueeze(1))
            dc = grad[:, 4]
        else:
            torch.mul(slopes[0][t], dh.unsqueeze(1), out=grad)
        if t:
            dh = torch.baddbmm(douts[t - 1], w_back, grad.flatten(1, 2))
    return grads


def backward_steps(arch: str, every, saved, w_hh, douts):
    """(d pre (T, K, G*H, B), d input projection or None when it is d pre) from douts."""
    hidden = w_hh.shape[2]
    w_t = w_hh.transpose(1, 2)
    after, before = every[1:], every[:-1]
    if arch == "rnn":
        grads = _walk_back(douts, ((1 - after * after)[:, :, None],), w_t.contiguous(), False)
        return grads[:, :, 0], None
    if arch == "gru":
        pre, rz, n = saved
        r, z = rz[:, :, :hidden], rz[:, :, hidden:]
        dn = (1 - z) * (1 - n * n)
        local = torch.stack(
            [dn * pre[:, :, 2 * hidden :] * r * (1 - r), (before - n) * z * (1 - z), dn * r, z, dn],
            2,
        )  # (T, K, 5, H, B)
        eye = torch.eye(hidden, dtype=n.dtype).expand(w_t.shape[0], hidden, hidden)
        w_back = torch.cat([w_t, eye, torch.zeros_like(eye)], 2)  # (K, H, 5H)
        grads = _walk_back(douts, (local,), w_back, False)
        dpre = grads[:, :, :3].flatten(2, 3)
        return dpre, torch.cat([dpre[:, :, : 2 * hidden], grads[:, :, 4]], 2)
    cs, acts, g, tc = saved
    i, f, _, o = acts.unflatten(2, (4, hidden)).unbind(2)
    to_cell = o * (1 - tc * tc)
    by_c = torch.stack(
        [g * i * (1 - i), cs[:-1] * f * (1 - f), i * (1 - g * g), torch.zeros_like(f), f], 2
    )  # (T, K, 5, H, B)
    by_h = by_c * to_cell[:, :, None]
    by_h[:, :, 3] = tc * o * (1 - o)
    w_back = torch.cat([w_t, torch.zeros_like(w_t[:, :, :hidden])], 2)  # (K, H, 5H)
    grads = _walk_back(douts, (by_c, by_h), w_back, True)
    return grads[:, :, :4].flatten(2, 3), None


def _by_model(x: torch.Tensor) -> torch.Tensor:
    """(T, K, F, B) -> (K, F, T*B): each model's steps and rows as one reduction axis."""
    steps, k, feats, rows = x.shape
    return x.permute(1, 2, 0, 3).reshape(k, feats, steps * rows)


class StackedSequence(Function):
    """Hidden states of K models over T steps, with a row of ones for the head's bias.

    apply(arch, bits_tm (T, K, 1, B), w_ih, w_hh, b_ih, b_hh) -> (K, H + 1, T * B).
    """

    @staticmethod
    def forward(ctx, arch, bits_tm, w_ih, w_hh, b_ih, b_hh):
        inputs = step_inputs(arch, bits_tm, w_ih, b_ih, b_hh)
        every, saved = run(arch, inputs, w_hh, keep=True)
        ctx.arch = arch
        ctx.save_for_backward(bits_tm, w_hh, every, *saved)
        states = _by_model(every[1:])  # (K, H, T*B)
        return torch.cat([states, torch.ones_like(states[:, :1])], 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, dout):
        bits_tm, w_hh, every, *saved = ctx.saved_tensors
        steps, k, _, rows = bits_tm.shape
        hidden = w_hh.shape[2]
        douts = dout[:, :hidden].reshape(k, hidden, steps, rows).permute(2, 0, 1, 3).contiguous()
        dpre, dx = backward_steps(ctx.arch, every, saved, w_hh, douts)
        dpre = _by_model(dpre)  # (K, G*H, T*B)
        bits = bits_tm.permute(1, 2, 0, 3).reshape(k, 1, steps * rows)
        prev = every[:-1].permute(1, 2, 0, 3).reshape(k, hidden, steps * rows)
        d_b_hh = dpre.sum(2)
        if dx is None:  # rnn, lstm: the input projection is part of pre
            dx, d_b_ih = dpre, d_b_hh
        else:
            dx = _by_model(dx)
            d_b_ih = dx.sum(2)
        return None, None, (dx * bits).sum(2, keepdim=True), weight_grad(dpre, prev), d_b_ih, d_b_hh


def weight_grad(dpre: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
    """dW_hh (K, G*H, H) = dpre (K, G*H, N) x prev (K, H, N)^T, one mm per model.

    Not a bmm: with N = steps x rows, MKL's batched product sums slice k in an order that
    depends on K for some shapes (measured: hidden 1 and odd hidden sizes from 5).
    """
    return torch.stack([torch.mm(d, p.t()) for d, p in zip(dpre, prev, strict=True)])
