"""From-scratch recurrent cells: one explicit step each, on torch's own parameter layout.

Weights follow nn.RNN / nn.GRU / nn.LSTM: weight_ih (G*H, 1), weight_hh (G*H, H), bias_ih and
bias_hh (G*H,), gate blocks in torch's order (LSTM: i, f, g, o; GRU: r, z, n). The input has
one feature (the bit), so the input projection of a whole sequence is one broadcast multiply.

Two ways to run the steps, same numbers: stepwise_run lets autograd record every step (it can
record gates for inspection, and it is the oracle in the tests); scratch_run, unless asked to
record, runs the same steps inside backward.py's autograd Functions, whose backward is written by
hand: 1.2-1.8x more training steps per second (bench/README.md).
"""

from __future__ import annotations

import torch

from . import backward

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
# Per-step quantities a trace can show, in display order.
QUANTITIES = {
    "lstm": ("input gate", "forget gate", "output gate", "candidate", "cell", "hidden"),
    "gru": ("reset gate", "update gate", "candidate", "hidden"),
    "rnn": ("hidden",),
}


def _bias(arch: str, b_ih: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
    """The input projection's bias: b_ih + b_hh, but b_ih only in GRU's candidate block.

    (GRU's hidden bias of the candidate block sits inside r * (...).)
    """
    bias = b_ih + b_hh
    if arch == "gru":
        hidden = b_hh.shape[0] // 3
        bias = torch.cat([bias[: 2 * hidden], b_ih[2 * hidden :]])
    return bias


def input_projection(arch: str, bits: torch.Tensor, w_ih, b_ih, b_hh) -> torch.Tensor:
    """x_t * W_ih + biases for every step at once: (B, T) -> (B, T, G*H)."""
    return torch.addcmul(_bias(arch, b_ih, b_hh), bits.unsqueeze(-1), w_ih[:, 0])  # (B, T, G*H)


def step_inputs(arch: str, bits: torch.Tensor, w_ih, b_ih, b_hh) -> tuple[torch.Tensor, ...]:
    """input_projection feature-major, (B, T) -> (T, G*H, B), as bptt's Functions take it.

    GRU gets two: [xw_r; xw_z; b_hn] (T, 3H, B) and xw_n (T, H, B). (A multiply then an add:
    a broadcast addcmul is several times slower here.)
    """
    bits = bits.t().contiguous().unsqueeze(1)  # (B, T) -> (T, 1, B)
    if arch != "gru":
        return (bits * w_ih + _bias(arch, b_ih, b_hh)[:, None],)
    hidden = b_hh.shape[0] // 3
    w_base = torch.cat([w_ih[: 2 * hidden], w_ih.new_zeros(hidden, 1)])  # (3H, 1)
    b_base = torch.cat([b_ih[: 2 * hidden] + b_hh[: 2 * hidden], b_hh[2 * hidden :]])
    return (bits * w_base + b_base[:, None], bits * w_ih[2 * hidden :] + b_ih[2 * hidden :, None])


def rnn_step(xw, h, w_hh):
    """h' = tanh(x W_ih + b + h W_hh). Returns (h', {})."""
    h = torch.tanh(torch.addmm(xw, h, w_hh.t()))
    return h, {}


def lstm_step(xw, h, c, w_hh):
    """One LSTM step; returns (h', c', gates) with gates i, f, g, o each (B, H)."""
    gates = torch.addmm(xw, h, w_hh.t())  # (B, 4H)
    hidden = h.shape[1]
    act = torch.sigmoid(gates)
    i, f, o = act[:, :hidden], act[:, hidden : 2 * hidden], act[:, 3 * hidden :]
    g = torch.tanh(gates[:, 2 * hidden : 3 * hidden])
    c = torch.addcmul(f * c, i, g)
    h = o * torch.tanh(c)
    return h, c, {"input gate": i, "forget gate": f, "output gate": o, "candidate": g}


def gru_step(xw, h, w_hh, b_hh_n):
    """One GRU step (torch's formulation); returns (h', gates) with r, z, n each (B, H)."""
    hidden = h.shape[1]
    hw = torch.mm(h, w_hh.t())  # (B, 3H)
    rz = torch.sigmoid(xw[:, : 2 * hidden] + hw[:, : 2 * hidden])
    r, z = rz[:, :hidden], rz[:, hidden:]
    n = torch.tanh(torch.addcmul(xw[:, 2 * hidden :], r, hw[:, 2 * hidden :] + b_hh_n))
    h = torch.lerp(n, h, z)  # (1 - z) * n + z * h
    return h, {"reset gate": r, "update gate": z, "candidate": n}


def scratch_run(arch: str, params: dict, bits: torch.Tensor, state=None, record: bool = False):
    """Run a cell over (B, T) bits from `state`; returns (outputs (B, T, H), state, records).

    `params` holds weight_ih, weight_hh, bias_ih, bias_hh. `state` is h (B, H), or (h, c) for
    LSTM, as torch's modules return them without the leading layer axis. With record=True,
    `records` maps each quantity in QUANTITIES[arch] to a (B, T, H) tensor. Without, the same
    steps run inside one autograd Function per sequence with a hand-written backward (backward.py).
    """
    if record or bits.shape[1] == 0:
        return stepwise_run(arch, params, bits, state, record)
    w_ih, w_hh, b_ih, b_hh = (params[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    inputs = step_inputs(arch, bits, w_ih, b_ih, b_hh)  # (T, G*H, B)
    if state is None:
        zeros = inputs[0].new_zeros(bits.shape[0], w_hh.shape[1])
        state = (zeros, zeros) if arch == "lstm" else zeros
    if not torch.is_grad_enabled():  # the same steps, keeping only the hidden states
        forward = {
            "lstm": backward.lstm_forward,
            "gru": backward.gru_forward,
            "rnn": backward.rnn_forward,
        }
        *outputs, _ = forward[arch](*inputs, w_hh, *_states(arch, state), keep=False)
        return outputs[0], tuple(outputs[1:]) if arch == "lstm" else outputs[1], {}
    if arch == "lstm":
        outputs, h, c = backward.LSTMSequence.apply(*inputs, w_hh, *state)
        return outputs, (h, c), {}
    function = backward.GRUSequence if arch == "gru" else backward.RNNSequence
    outputs, h = function.apply(*inputs, w_hh, state)
    return outputs, h, {}


def _states(arch: str, state) -> tuple[torch.Tensor, ...]:
    """The starting state as a tuple: (h, c) for LSTM, (h,) otherwise."""
    return tuple(state) if arch == "lstm" else (state,)


def stepwise_run(arch: str, params: dict, bits: torch.Tensor, state=None, record: bool = False):
    """scratch_run with autograd through every step: the oracle, and the path that records."""
    w_ih, w_hh, b_ih, b_hh = (params[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    batch, steps = bits.shape
    hidden = w_hh.shape[1]
    xw = input_projection(arch, bits, w_ih, b_ih, b_hh)  # (B, T, G*H)
    zeros = xw.new_zeros(batch, hidden)
    if arch == "lstm":
        h, c = state if state is not None else (zeros, zeros)
    else:
        h = state if state is not None else zeros
    b_hh_n = b_hh[2 * hidden :] if arch == "gru" else None
    outputs, records = [], {q: [] for q in QUANTITIES[arch]} if record else {}
    for t in range(steps):
        if arch == "lstm":
            h, c, gates = lstm_step(xw[:, t], h, c, w_hh)
            gates = {**gates, "cell": c} if record else gates
        elif arch == "gru":
            h, gates = gru_step(xw[:, t], h, w_hh, b_hh_n)
        else:
            h, gates = rnn_step(xw[:, t], h, w_hh)
        outputs.append(h)
        if record:
            for name, value in {**gates, "hidden": h}.items():
                records[name].append(value)
    outputs = torch.stack(outputs, dim=1) if outputs else xw.new_zeros(batch, 0, hidden)
    records = {name: torch.stack(values, dim=1) for name, values in records.items()}
    final = (h, c) if arch == "lstm" else h
    return outputs, final, records
