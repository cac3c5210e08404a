"""Hand-written backpropagation through time for the from-scratch cells.

Each cell's recurrence over a whole sequence is one torch.autograd.Function. The forward runs
the same explicit step as cells.py (one addmm, the gate nonlinearities, the state update)
without building a graph; the backward walks the steps in reverse by the chain rule written
out below. The gates' local derivatives do not depend on the incoming gradient, so they are
computed for all steps at once and each backward step is two or three tensor ops.

Inside, everything is feature-major, (features, B) per step: each gate block is then a
contiguous row slice of the (G*H, B) pre-activation, and a step is `addmm(x_t, W_hh, h)`.
Inputs: the input projection xs (T, G*H, B) (cells.step_inputs), the recurrent weights
and the starting state (B, H); outputs: every hidden state (B, T, H) and the final state.
tests/nets/test_backward.py checks the gradients with gradcheck and against torch's modules.
"""

from __future__ import annotations

import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable


def _outputs(hs: list[torch.Tensor]):
    """States h_0..h_T, each (H, B) -> (outputs (B, T, H), h_T (B, H), all (H, T+1, B))."""
    every = torch.stack(hs, 1)  # (H, T+1, B)
    outputs = every[:, 1:].permute(2, 1, 0).contiguous()  # (H, T, B) -> (B, T, H)
    return outputs, hs[-1].t().contiguous(), every


def _lean_outputs(hs: list[torch.Tensor]) -> torch.Tensor:
    """States h_0..h_T, each (H, B) -> outputs (B, T, H) only: what a no-gradient run keeps."""
    return torch.stack([h.t() for h in hs[1:]], 1)  # T x (B, H) -> (B, T, H)


def _weight_grad(every: torch.Tensor, dpre: torch.Tensor) -> torch.Tensor:
    """dW_hh = sum over steps and rows of dpre_t h_{t-1}^T: (G*H, H) from dpre (T, G*H, B)."""
    prev = every[:, :-1].reshape(every.shape[0], -1)  # (H, T, B) -> (H, T*B)
    by_row = dpre.transpose(1, 2).reshape(-1, dpre.shape[1])  # (T, B, G*H) -> (T*B, G*H)
    return prev.mm(by_row).t()


def _douts(dout: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The outputs' gradient (B, T, H) as T feature-major steps (H, B)."""
    return dout.permute(1, 2, 0).contiguous().unbind(0)  # (B, T, H) -> (T, H, B)


def _backwards(*per_step: torch.Tensor):
    """(t, (a_t, b_t, ...)) for t = T-1 down to 0, from tensors (T, ...)."""
    return reversed(list(enumerate(zip(*(x.unbind(0) for x in per_step), strict=True))))


def _back(douts, t: int, w: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """dh_{t-1} = dout_{t-1} + w @ grad: the gradient reaching the previous hidden state."""
    return torch.addmm(douts[t - 1], w, grad) if t else w.mm(grad)


def rnn_forward(xs, w_hh, h0, keep: bool = True):
    """RNNSequence's forward: (outputs, h_T, saved); saved is None unless `keep`."""
    hs = [h0.t()]
    for x in xs.unbind(0):
        hs.append(torch.tanh(torch.addmm(x, w_hh, hs[-1])))
    if not keep:
        return _lean_outputs(hs), hs[-1].t().contiguous(), None
    outputs, h_last, every = _outputs(hs)
    return outputs, h_last, (w_hh, every)


class RNNSequence(Function):
    """h_t = tanh(xs_t + W_hh h_{t-1}) over all steps."""

    @staticmethod
    def forward(ctx, xs, w_hh, h0):
        outputs, h_last, saved = rnn_forward(xs, w_hh, h0)
        ctx.save_for_backward(*saved)
        return outputs, h_last

    @staticmethod
    @once_differentiable
    def backward(ctx, dout, dh_last):
        w_hh, every = ctx.saved_tensors
        after = every[:, 1:]  # (H, T, B)
        local = (1 - after * after).transpose(0, 1)  # (T, H, B): tanh' per step
        grads, douts, w_t = torch.empty_like(local), _douts(dout), w_hh.t()
        dh = douts[-1] + dh_last.t()
        for t, (grad, slope) in _backwards(grads, local):
            torch.mul(slope, dh, out=grad)  # d pre_t
            dh = _back(douts, t, w_t, grad)
        return grads, _weight_grad(every, grads), dh.t()


def gru_forward(base, xn, w_hh, h0, keep: bool = True):
    """GRUSequence's forward: (outputs, h_T, saved); saved is None unless `keep`."""
    hidden = h0.shape[1]
    hs, pres, rzs, ns = [h0.t()], [], [], []
    for b, x in zip(base.unbind(0), xn.unbind(0), strict=True):
        pre = torch.addmm(b, w_hh, hs[-1])  # (3H, B): pre_r, pre_z, W_hn h + b_hn
        rz = torch.sigmoid(pre[: 2 * hidden])
        n = torch.tanh(torch.addcmul(x, rz[:hidden], pre[2 * hidden :]))
        hs.append(torch.lerp(n, hs[-1], rz[hidden:]))
        if keep:
            pres.append(pre), rzs.append(rz), ns.append(n)
    if not keep:
        return _lean_outputs(hs), hs[-1].t().contiguous(), None
    outputs, h_last, every = _outputs(hs)
    return outputs, h_last, (w_hh, every, *(torch.stack(a) for a in (pres, rzs, ns)))


class GRUSequence(Function):
    """torch's GRU; base_t = [xw_r; xw_z; b_hn] and xn_t = xw_n (without b_hn), feature-major.

    r, z = sigmoid(base + W_h{r,z} h), n = tanh(xn + r * (W_hn h + b_hn)), h = lerp(n, h, z).
    """

    @staticmethod
    def forward(ctx, base, xn, w_hh, h0):
        outputs, h_last, saved = gru_forward(base, xn, w_hh, h0)
        ctx.save_for_backward(*saved)
        return outputs, h_last

    @staticmethod
    @once_differentiable
    def backward(ctx, dout, dh_last):
        w_hh, every, pre, rz, n = ctx.saved_tensors  # pre (T, 3H, B), rz (T, 2H, B), n (T, H, B)
        hidden = n.shape[1]
        r, z = rz[:, :hidden], rz[:, hidden:]
        dn = (1 - z) * (1 - n * n)  # d n_pre / d h_t
        before = every[:, :-1].transpose(0, 1)  # (T, H, B)
        # Per unit of dh_t: d pre_r, d pre_z, d (W_hn h + b_hn), d h_{t-1} directly, d xn.
        local = torch.stack(
            [dn * pre[:, 2 * hidden :] * r * (1 - r), (before - n) * z * (1 - z), dn * r, z, dn], 1
        )  # (T, 5, H, B)
        grads, douts = torch.empty_like(local), _douts(dout)
        eye, zero = torch.eye(hidden, dtype=n.dtype), n.new_zeros(hidden, hidden)
        w_back = torch.cat([w_hh.t(), eye, zero], 1)  # (H, 5H): the first three through W_hh
        dh = douts[-1] + dh_last.t()
        for t, (grad, slope) in _backwards(grads, local):
            torch.mul(slope, dh, out=grad)  # (5, H, B)
            dh = _back(douts, t, w_back, grad.flatten(0, 1))
        dpre = grads[:, :3].flatten(1, 2)  # (T, 3H, B)
        return dpre, grads[:, 4], _weight_grad(every, dpre), dh.t()


def lstm_forward(xs, w_hh, h0, c0, keep: bool = True):
    """LSTMSequence's forward: (outputs, h_T, c_T, saved); saved is None unless `keep`."""
    hidden = h0.shape[1]
    hs, cs, acts, gs, tcs = [h0.t()], [c0.t()], [], [], []
    for x in xs.unbind(0):
        pre = torch.addmm(x, w_hh, hs[-1])  # (4H, B)
        a = torch.sigmoid(pre)
        g = torch.tanh(pre[2 * hidden : 3 * hidden])
        c = torch.addcmul(a[hidden : 2 * hidden] * cs[-1], a[:hidden], g)
        tc = torch.tanh(c)
        hs.append(a[3 * hidden :] * tc)
        if keep:
            cs.append(c), acts.append(a), gs.append(g), tcs.append(tc)
        else:
            cs[-1] = c
    c_last = cs[-1].t().contiguous()
    if not keep:
        return _lean_outputs(hs), hs[-1].t().contiguous(), c_last, None
    outputs, h_last, every = _outputs(hs)
    return outputs, h_last, c_last, (w_hh, every, *(torch.stack(x) for x in (cs, acts, gs, tcs)))


class LSTMSequence(Function):
    """torch's LSTM: gates i, f, g, o; c = f * c + i * g; h = o * tanh(c)."""

    @staticmethod
    def forward(ctx, xs, w_hh, h0, c0):
        outputs, h_last, c_last, saved = lstm_forward(xs, w_hh, h0, c0)
        ctx.save_for_backward(*saved)
        return outputs, h_last, c_last

    @staticmethod
    @once_differentiable
    def backward(ctx, dout, dh_last, dc_last):
        w_hh, every, cs, acts, g, tc = ctx.saved_tensors  # (T+1 | T, H or 4H, B)
        hidden = g.shape[1]
        i, f, _, o = acts.unflatten(1, (4, hidden)).unbind(1)  # (T, H, B) each
        to_cell = o * (1 - tc * tc)  # d c_t / d h_t
        # Per unit of dc_t: d pre_i, pre_f, pre_g, pre_o (none), d c_{t-1}; then per unit of
        # dh_t, which also reaches c_t: dc_t = (dc_{t+1} f_{t+1}) + dh_t * to_cell.
        by_c = torch.stack(
            [g * i * (1 - i), cs[:-1] * f * (1 - f), i * (1 - g * g), torch.zeros_like(f), f], 1
        )  # (T, 5, H, B)
        by_h = by_c * to_cell[:, None]
        by_h[:, 3] = tc * o * (1 - o)
        grads, douts = torch.empty_like(by_c), _douts(dout)
        w_back = torch.cat([w_hh.t(), w_hh.new_zeros(hidden, hidden)], 1)  # (H, 5H)
        dh, dc = douts[-1] + dh_last.t(), dc_last.t()
        for t, (grad, slope_c, slope_h) in _backwards(grads, by_c, by_h):
            torch.mul(slope_c, dc, out=grad)  # (5, H, B)
            grad.addcmul_(slope_h, dh)
            dc = grad[4]
            dh = _back(douts, t, w_back, grad.flatten(0, 1))
        dpre = grads[:, :4].flatten(1, 2)  # (T, 4H, B)
        return dpre, _weight_grad(every, dpre), dh.t(), dc.t()
