"""The from-scratch cells against torch's nn.RNN / nn.GRU / nn.LSTM (the oracle), and by hand."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from parity.nets import cells

ARCHS = ("rnn", "gru", "lstm")
MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
CELLS = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}
HIDDEN_SIZES = (1, 5, 16)
LENGTHS = (11, 1, 23, 8, 15, 4, 19)  # 7 sequences, 1..23, unsorted on purpose
TOL = dict(atol=1e-5, rtol=0)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def padded_batch(seed: int, lengths=LENGTHS) -> tuple[torch.Tensor, torch.Tensor]:
    """Random bits (B, T) zero-padded after each length, and the lengths (B,)."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    bits = torch.randint(0, 2, (len(lengths), int(lengths.max())), generator=gen).float()
    bits *= torch.arange(bits.shape[1]) < lengths[:, None]  # (B, T) zero the padding
    return bits, lengths


def module_for(arch: str, hidden: int, seed: int, randomize) -> nn.Module:
    """A torch module with seeded weights from U(-2.5/sqrt(H), 2.5/sqrt(H)), 2.5x torch's range.

    Much larger recurrent weights make a tanh RNN chaotic: float32 rounding then grows past
    1e-4 within 23 steps in torch itself (measured against float64), whatever the cell code.
    """
    module = MODULES[arch](input_size=1, hidden_size=hidden, batch_first=True)
    return randomize(module, seed, scale=2.5 / hidden**0.5)


def params_of(module) -> dict[str, torch.Tensor]:
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    suffix = "_l0" if isinstance(module, nn.RNNBase) else ""
    return {n: getattr(module, n + suffix) for n in names}


def initial_state(arch: str, batch: int, hidden: int, seed: int):
    """A non-zero starting state: h (B, H), or (h, c) for LSTM."""
    gen = torch.Generator().manual_seed(seed)
    h = torch.rand(batch, hidden, generator=gen) * 1.6 - 0.8
    return (h, torch.randn(batch, hidden, generator=gen)) if arch == "lstm" else h


def torch_reference(module, arch, bits, lengths, state):
    """torch's packed run: outputs (B, T, H) zero past each length, final state at each end."""
    if state is not None:
        state = tuple(s[None] for s in state) if arch == "lstm" else state[None]
    packed = pack_padded_sequence(
        bits.unsqueeze(-1), lengths, batch_first=True, enforce_sorted=False
    )
    outputs, final = module(packed, state)
    outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=bits.shape[1])
    final = tuple(s[0] for s in final) if arch == "lstm" else final[0]
    return outputs, final


@pytest.mark.parametrize("record", [False, True], ids=["run", "record"])
@pytest.mark.parametrize("start", ["zero", "given"])
@pytest.mark.parametrize("hidden", HIDDEN_SIZES)
@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_scratch_matches_torch_on_padded_batch(arch, hidden, start, record, randomize):
    seed = 10 * hidden + ARCHS.index(arch)
    module = module_for(arch, hidden, seed, randomize)
    bits, lengths = padded_batch(seed)
    state = initial_state(arch, len(lengths), hidden, seed) if start == "given" else None
    want_out, want_final = torch_reference(module, arch, bits, lengths, state)
    out, _, records = cells.scratch_run(arch, params_of(module), bits, state, record=record)
    assert out.shape == (len(lengths), int(lengths.max()), hidden)
    rows, last = torch.arange(len(lengths)), lengths - 1
    real = (torch.arange(bits.shape[1]) < lengths[:, None]).unsqueeze(-1)  # (B, T, 1)
    torch.testing.assert_close(out * real, want_out, **TOL)  # every real step
    want_h = want_final[0] if arch == "lstm" else want_final
    torch.testing.assert_close(out[rows, last], want_h, **TOL)  # at each true last step
    if arch == "lstm" and record:
        torch.testing.assert_close(records["cell"][rows, last], want_final[1], **TOL)


@pytest.mark.parametrize("hidden", HIDDEN_SIZES)
@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_scratch_final_state_of_each_unpadded_sequence_matches_torch(arch, hidden, randomize):
    module = module_for(arch, hidden, 7 + hidden, randomize)
    bits, lengths = padded_batch(hidden)
    state = initial_state(arch, len(lengths), hidden, hidden)
    _, want_final = torch_reference(module, arch, bits, lengths, state)
    for b, n in enumerate(lengths.tolist()):
        row_state = tuple(s[b : b + 1] for s in state) if arch == "lstm" else state[b : b + 1]
        _, final, _ = cells.scratch_run(arch, params_of(module), bits[b : b + 1, :n], row_state)
        if arch == "lstm":
            torch.testing.assert_close(final[0][0], want_final[0][b], **TOL)
            torch.testing.assert_close(final[1][0], want_final[1][b], **TOL)
        else:
            torch.testing.assert_close(final[0], want_final[b], **TOL)


@pytest.mark.parametrize("hidden", HIDDEN_SIZES)
@pytest.mark.parametrize("arch", ARCHS)
def test_scratch_gradients_match_torch(arch, hidden, randomize):
    """Backpropagation through the scratch run equals torch's, for weights and starting state.

    In float64: backpropagated through up to 23 steps of these chaotic weights, the float32
    gradients of the two codes differ by up to 6e-5 from the order of their sums alone (it
    depends on the matrix products' code path), which would hide a real error of that size."""
    module = module_for(arch, hidden, 3, randomize).double()
    bits, _ = padded_batch(4)
    bits = bits.double()
    gen = torch.Generator().manual_seed(0)
    weights = torch.randn(*bits.shape, hidden, generator=gen, dtype=torch.float64)  # (B, T, H)
    start = initial_state(arch, bits.shape[0], hidden, 1)
    start = tuple(s.double() for s in start) if arch == "lstm" else start.double()
    leaves = [s.requires_grad_(True) for s in (start if arch == "lstm" else [start])]

    def grads(run):
        module.zero_grad()
        for leaf in leaves:
            leaf.grad = None
        outputs, final = run()
        loss = (outputs * weights).sum()
        loss = loss + sum((f * f).sum() for f in (final if arch == "lstm" else [final]))
        loss.backward()
        return [p.grad.clone() for p in module.parameters()] + [s.grad.clone() for s in leaves]

    def torch_run():
        state = tuple(s[None] for s in start) if arch == "lstm" else start[None]
        outputs, final = module(bits.unsqueeze(-1), state)  # states with a layer axis
        return outputs, tuple(f[0] for f in final) if arch == "lstm" else final[0]

    def scratch_run():
        return cells.scratch_run(arch, params_of(module), bits, start)[:2]

    for got, want in zip(grads(scratch_run), grads(torch_run), strict=True):
        torch.testing.assert_close(got, want, atol=1e-10, rtol=1e-9)


@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_one_step_matches_torch_cell(arch, randomize):
    cell = randomize(CELLS[arch](input_size=1, hidden_size=6), 5)
    p = params_of(cell)
    x = torch.tensor([[0.0], [1.0], [1.0], [0.0]])  # (B, 1)
    h = torch.linspace(-0.9, 0.9, 24).reshape(4, 6)
    xw = cells.input_projection(arch, x, p["weight_ih"], p["bias_ih"], p["bias_hh"])[:, 0]
    if arch == "lstm":
        c = torch.linspace(-2, 2, 24).reshape(4, 6)
        got_h, got_c, _ = cells.lstm_step(xw, h, c, p["weight_hh"])
        want_h, want_c = cell(x, (h, c))
        torch.testing.assert_close(got_c, want_c, **TOL)
    elif arch == "gru":
        got_h, _ = cells.gru_step(xw, h, p["weight_hh"], p["bias_hh"][12:])
        want_h = cell(x, h)
    else:
        got_h, _ = cells.rnn_step(xw, h, p["weight_hh"])
        want_h = cell(x, h)
    torch.testing.assert_close(got_h, want_h, **TOL)


def one_unit_params(arch: str, w_ih, w_hh, b_ih, b_hh) -> dict[str, torch.Tensor]:
    """Gate blocks of a 1-unit cell, in torch's order, from plain lists."""

    def col(v):
        return torch.tensor(v, dtype=torch.float32)

    return {
        "weight_ih": col(w_ih)[:, None],
        "weight_hh": col(w_hh)[:, None],
        "bias_ih": col(b_ih),
        "bias_hh": col(b_hh),
    }


def test_known_answer_one_unit_rnn():
    # h_t = tanh(0.5 x_t + 0.1 - 0.8 h_{t-1} + 0.2), h_0 = 0, bits 1, 0, 1, worked by hand:
    # h1 = tanh(0.8) = 0.664037; h2 = tanh(0.3 - 0.8 h1) = -0.227195; h3 = tanh(0.8 - 0.8 h2).
    params = one_unit_params("rnn", [0.5], [-0.8], [0.1], [0.2])
    out, final, _ = cells.scratch_run("rnn", params, torch.tensor([[1.0, 0.0, 1.0]]))
    h1 = math.tanh(0.8)
    h2 = math.tanh(0.3 - 0.8 * h1)
    h3 = math.tanh(0.8 - 0.8 * h2)
    assert out[0, :, 0].tolist() == pytest.approx([h1, h2, h3], abs=1e-6)
    assert out[0, :, 0].tolist() == pytest.approx([0.664037, -0.227195, 0.753825], abs=1e-6)
    assert final.item() == pytest.approx(h3, abs=1e-6)


def test_known_answer_one_unit_gru():
    # Blocks r, z, n. The hidden bias of n sits inside r * (...), torch's formulation.
    w_ih, w_hh, b_ih, b_hh = [0.3, -0.4, 1.2], [0.7, 0.2, -0.9], [0.1, 0.0, -0.2], [0.05, 0.3, 0.4]
    params = one_unit_params("gru", w_ih, w_hh, b_ih, b_hh)
    bits = [1.0, 1.0, 0.0]
    h, want = 0.0, []
    for x in bits:
        r = sigmoid(w_ih[0] * x + b_ih[0] + w_hh[0] * h + b_hh[0])
        z = sigmoid(w_ih[1] * x + b_ih[1] + w_hh[1] * h + b_hh[1])
        n = math.tanh(w_ih[2] * x + b_ih[2] + r * (w_hh[2] * h + b_hh[2]))
        h = (1 - z) * n + z * h
        want.append(h)
    out, _, _ = cells.scratch_run("gru", params, torch.tensor([bits]))
    assert out[0, :, 0].tolist() == pytest.approx(want, abs=1e-6)


def test_known_answer_one_unit_lstm():
    # Blocks i, f, g, o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).
    w_ih, w_hh = [1.0, -0.5, 2.0, 0.3], [0.4, 0.9, -1.1, 0.6]
    b_ih, b_hh = [0.1, 1.0, 0.0, -0.2], [0.0, 0.2, 0.3, 0.1]
    params = one_unit_params("lstm", w_ih, w_hh, b_ih, b_hh)
    bits = [1.0, 0.0, 1.0, 1.0]
    h = c = 0.0
    want_h, want_c = [], []
    for x in bits:
        pre = [w_ih[k] * x + b_ih[k] + w_hh[k] * h + b_hh[k] for k in range(4)]
        i, f, g, o = sigmoid(pre[0]), sigmoid(pre[1]), math.tanh(pre[2]), sigmoid(pre[3])
        c = f * c + i * g
        h = o * math.tanh(c)
        want_h.append(h)
        want_c.append(c)
    out, (h_n, c_n), records = cells.scratch_run("lstm", params, torch.tensor([bits]), record=True)
    assert out[0, :, 0].tolist() == pytest.approx(want_h, abs=1e-6)
    assert records["cell"][0, :, 0].tolist() == pytest.approx(want_c, abs=1e-6)
    assert (h_n.item(), c_n.item()) == pytest.approx((want_h[-1], want_c[-1]), abs=1e-6)


@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_records_hold_each_quantity_consistently(arch, randomize):
    module = module_for(arch, 4, 1, randomize)
    bits, _ = padded_batch(2)
    out, _, records = cells.scratch_run(arch, params_of(module), bits, record=True)
    assert tuple(records) == cells.QUANTITIES[arch]
    assert all(v.shape == out.shape for v in records.values())
    torch.testing.assert_close(records["hidden"], out, atol=0, rtol=0)
    zeros = torch.zeros_like(out[:, :1])
    previous = torch.cat([zeros, out[:, :-1]], dim=1)  # h_{t-1}, (B, T, H)
    if arch == "lstm":  # the labels must be the right gates: the cell update only fits so
        c, i, f, g, o = (
            records[q] for q in ("cell", "input gate", "forget gate", "candidate", "output gate")
        )
        c_prev = torch.cat([zeros, c[:, :-1]], dim=1)
        torch.testing.assert_close(c, f * c_prev + i * g, **TOL)
        torch.testing.assert_close(out, o * torch.tanh(c), **TOL)
    if arch == "gru":
        z, n = records["update gate"], records["candidate"]
        torch.testing.assert_close(out, (1 - z) * n + z * previous, **TOL)
    assert not cells.scratch_run(arch, params_of(module), bits)[2]  # record=False: no records


@pytest.mark.parametrize("arch", ARCHS)
def test_zero_steps_returns_the_starting_state(arch, randomize):
    module = module_for(arch, 3, 0, randomize)
    state = initial_state(arch, 2, 3, 0)
    out, final, _ = cells.scratch_run(arch, params_of(module), torch.zeros(2, 0), state)
    assert out.shape == (2, 0, 3)
    for got, want in zip(
        final if arch == "lstm" else [final], state if arch == "lstm" else [state], strict=True
    ):
        assert torch.equal(got, want)
