"""Models whose weights are set by hand: exact parity machines, and one that forgets.

lstm_flipper(sharpness): one LSTM unit whose cell holds +-1 for odd/even. On a 1 the forget
gate shuts and the candidate, read from h, writes the opposite sign; on a 0 the forget gate
stays open. With sharpness 20 the gates are 0 and 1 to float32 precision: exact parity. With
sharpness 4 the forget gate leaks (0.98 a step) and the candidate pulls the cell to ~0.17,
which the head reads as even: the odd state decays after a run of zeros.

minsky_rnn(): Minsky's construction on a tanh RNN, one saturated unit per (state, last bit)
(even-0, even-1, odd-0, odd-1), exactly one unit on at a time: four clusters that minimise
to the two parity states.

wandering_rnn(): the Minsky RNN and a turning pair of units the head never reads: right on
every string, its state never settles.

minsky_lstm(): the same four units in an LSTM whose forget gate is shut, input and output gates
open: the cell is the Minsky unit's value and h = tanh(cell) ~ +-0.76 (weights scaled to match).
"""

from __future__ import annotations

import torch

from parity.nets.models import ParityModel


@torch.no_grad()
def lstm_flipper(sharpness: float = 20.0) -> ParityModel:
    """A one-unit LSTM computing parity; exact at sharpness 20, decaying at 4."""
    model = ParityModel("lstm", hidden_size=1)
    a, b, shift, threshold = sharpness, 5.0, 0.2, 0.3
    r = model.rnn  # gate rows: input, forget, candidate, output
    r.weight_ih_l0.copy_(torch.tensor([[2 * a], [-2 * a], [0.0], [0.0]]))
    r.weight_hh_l0.copy_(torch.tensor([[0.0], [0.0], [-b], [0.0]]))
    r.bias_ih_l0.copy_(torch.tensor([-a, a, b * shift, 20.0]))
    r.bias_hh_l0.zero_()
    model.head.weight.fill_(10.0)
    model.head.bias.fill_(-10.0 * threshold)
    return model


@torch.no_grad()
def minsky_rnn(scale: float = 10.0) -> ParityModel:
    """A four-unit tanh RNN: unit (q, x) is +1 when the state is q and the last bit x."""
    model = ParityModel("rnn", hidden_size=4)
    r = model.rnn
    r.weight_ih_l0.copy_(scale * torch.tensor([[-2.0], [2.0], [-2.0], [2.0]]))
    prev_even = torch.tensor([1.0, 1.0, 0.0, 0.0])  # u_E0 + u_E1 (+1) is +1 iff even
    r.weight_hh_l0.copy_(scale * torch.stack([prev_even, -prev_even, -prev_even, prev_even]))
    r.bias_ih_l0.copy_(scale * torch.tensor([1.0, -3.0, -1.0, -1.0]))
    r.bias_hh_l0.zero_()
    model.head.weight.copy_(10.0 * torch.tensor([[0.0, 0.0, 1.0, 1.0]]))
    model.head.bias.fill_(10.0)
    return model


@torch.no_grad()
def minsky_lstm(scale: float = 10.0) -> ParityModel:
    """A four-unit LSTM running Minsky's construction in its candidate (forget gate shut)."""
    rnn = minsky_rnn(scale)
    model = ParityModel("lstm", hidden_size=4)
    r, on = model.rnn, float(torch.tanh(torch.tensor(1.0)))
    gate = torch.full((4,), 20.0)  # input, forget, candidate, output blocks of 4 rows each
    r.weight_ih_l0.copy_(
        torch.cat([torch.zeros(4, 1), torch.zeros(4, 1), rnn.rnn.weight_ih_l0, torch.zeros(4, 1)])
    )
    w_g = rnn.rnn.weight_hh_l0 / on
    r.weight_hh_l0.copy_(torch.cat([torch.zeros(4, 4), torch.zeros(4, 4), w_g, torch.zeros(4, 4)]))
    r.bias_ih_l0.copy_(torch.cat([gate, -gate, rnn.rnn.bias_ih_l0, gate]))
    r.bias_hh_l0.zero_()
    model.head.weight.copy_(rnn.head.weight / on)
    model.head.bias.copy_(rnn.head.bias)
    return model


@torch.no_grad()
def wandering_rnn(scale: float = 10.0, gain: float = 1.05, turn: float = 1.0) -> ParityModel:
    """The Minsky RNN and two more units the head never reads, that turn by `turn` radians a
    step at `gain` (a limit cycle of radius ~0.3; a 1 kicks them off 0): exact parity, yet the
    state never settles into a fixed point or a short cycle (the turn is no rational part of
    a full one)."""
    minsky = minsky_rnn(scale)
    model = ParityModel("rnn", hidden_size=6)
    r, m = model.rnn, minsky.rnn
    r.weight_ih_l0.zero_()
    r.weight_ih_l0[:4] = m.weight_ih_l0
    r.weight_ih_l0[4, 0] = 0.1
    r.weight_hh_l0.zero_()
    r.weight_hh_l0[:4, :4] = m.weight_hh_l0
    c, s = gain * torch.cos(torch.tensor(turn)), gain * torch.sin(torch.tensor(turn))
    r.weight_hh_l0[4:, 4:] = torch.tensor([[c, -s], [s, c]])
    r.bias_ih_l0.zero_()
    r.bias_ih_l0[:4] = m.bias_ih_l0
    r.bias_hh_l0.zero_()
    model.head.weight.zero_()
    model.head.weight[0, :4] = minsky.head.weight[0]
    model.head.bias.copy_(minsky.head.bias)
    return model
