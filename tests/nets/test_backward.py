"""The hand-written backward (parity/nets/backward.py) against autograd and torch's modules.

gradcheck (float64, finite differences) checks each cell's backward; then scratch_run's fast
path is compared with autograd through the explicit steps (cells.stepwise_run, the oracle)
and with nn.RNN / nn.GRU / nn.LSTM given the same weights.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.autograd import gradcheck
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from parity.nets import backward, cells

ARCHS = ("rnn", "gru", "lstm")
FUNCTIONS = {
    "rnn": backward.RNNSequence,
    "gru": backward.GRUSequence,
    "lstm": backward.LSTMSequence,
}
MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
LENGTHS = (9, 1, 14, 5, 12, 3)  # unsorted on purpose
TOL = dict(atol=1e-5, rtol=0)


def make_params(arch: str, hidden: int, seed: int, dtype=torch.float32, scale: float = 1.0):
    """Seeded weights U(-scale, scale) in torch's layout, requiring grad."""
    gen = torch.Generator().manual_seed(seed)
    size = cells.GATES[arch] * hidden
    shapes = {
        "weight_ih": (size, 1),
        "weight_hh": (size, hidden),
        "bias_ih": (size,),
        "bias_hh": (size,),
    }
    return {
        name: ((torch.rand(shape, generator=gen, dtype=dtype) * 2 - 1) * scale).requires_grad_()
        for name, shape in shapes.items()
    }


def padded_bits(seed: int, lengths=LENGTHS, dtype=torch.float32):
    """Random bits (B, T) zero-padded after each length, and the lengths (B,)."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    bits = torch.randint(0, 2, (len(lengths), int(lengths.max())), generator=gen).to(dtype)
    return bits * (torch.arange(bits.shape[1]) < lengths[:, None]), lengths  # (B, T)


def start_state(arch: str, batch: int, hidden: int, seed: int, dtype=torch.float32):
    """A non-zero starting state requiring grad: h (B, H), or (h, c) for LSTM."""
    gen = torch.Generator().manual_seed(seed)
    parts = [
        torch.randn(batch, hidden, generator=gen, dtype=dtype).requires_grad_()
        for _ in range(2 if arch == "lstm" else 1)
    ]
    return tuple(parts) if arch == "lstm" else parts[0]


def flat_state(state) -> list[torch.Tensor]:
    """h, or (h, c) -> a list of tensors."""
    return list(state) if isinstance(state, (tuple, list)) else [state]


def weighted_loss(outputs, final, seed: int) -> torch.Tensor:
    """A loss reading every output and the final state with seeded random weights."""
    gen = torch.Generator().manual_seed(seed)
    loss = (outputs * torch.randn(outputs.shape, generator=gen, dtype=outputs.dtype)).mean()
    for part in flat_state(final):
        loss = loss + (part * torch.randn(part.shape, generator=gen, dtype=part.dtype)).mean()
    return loss


@pytest.mark.parametrize("arch", ARCHS)
def test_each_backward_passes_gradcheck(arch):
    params = make_params(arch, 3, seed=1, dtype=torch.float64, scale=1.5)
    bits, _ = padded_bits(2, lengths=(4, 6, 1), dtype=torch.float64)
    inputs = [
        x.detach().requires_grad_()
        for x in cells.step_inputs(
            arch, bits, *(params[n] for n in ("weight_ih", "bias_ih", "bias_hh"))
        )
    ]
    state = flat_state(start_state(arch, 3, 3, seed=3, dtype=torch.float64))
    assert gradcheck(FUNCTIONS[arch].apply, (*inputs, params["weight_hh"], *state))


@pytest.mark.parametrize("arch", ARCHS)
def test_scratch_run_passes_gradcheck_for_every_parameter(arch):
    params = make_params(arch, 2, seed=4, dtype=torch.float64, scale=1.5)
    bits, _ = padded_bits(5, lengths=(5, 2), dtype=torch.float64)
    state = start_state(arch, 2, 2, seed=6, dtype=torch.float64)

    def run(*tensors):
        given = dict(zip(NAMES, tensors[:4], strict=True))
        rest = tuple(tensors[4:]) if arch == "lstm" else tensors[4]
        outputs, final, _ = cells.scratch_run(arch, given, bits, rest)
        return (outputs, *flat_state(final))

    assert gradcheck(run, (*(params[n] for n in NAMES), *flat_state(state)))


@pytest.mark.parametrize("given_state", [False, True])
@pytest.mark.parametrize("hidden", (1, 5, 16))
@pytest.mark.parametrize("arch", ARCHS)
def test_fast_path_matches_autograd_through_the_steps(arch, hidden, given_state):
    seed = 10 * hidden + ARCHS.index(arch)
    # Weights well beyond torch's U(-1/sqrt(H), 1/sqrt(H)), yet not so large that a tanh RNN
    # turns chaotic and float32 rounding alone grows past the tolerance (see test_cells.py).
    params = make_params(arch, hidden, seed, scale=2 / hidden**0.5)
    bits, _ = padded_bits(seed)
    state = start_state(arch, len(bits), hidden, seed) if given_state else None
    leaves = list(params.values()) + (flat_state(state) if given_state else [])
    results = []
    for run in (cells.scratch_run, cells.stepwise_run):
        outputs, final, records = run(arch, params, bits, state)
        grads = torch.autograd.grad(weighted_loss(outputs, final, seed), leaves)
        results.append((outputs, flat_state(final), grads, records))
    (out, final, grads, records), (want_out, want_final, want_grads, _) = results
    assert records == {}
    torch.testing.assert_close(out, want_out, **TOL)
    for got, want in zip(final + list(grads), want_final + list(want_grads), strict=True):
        torch.testing.assert_close(got, want, **TOL)


def torch_packed(module, arch, bits, lengths):
    """torch's packed run: outputs (B, T, H) zero past each length, final state at each end."""
    packed = pack_padded_sequence(
        bits.unsqueeze(-1), lengths, batch_first=True, enforce_sorted=False
    )
    outputs, final = module(packed)
    outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=bits.shape[1])
    return outputs, final


@pytest.mark.parametrize("arch", ARCHS)
def test_gradients_of_both_targets_match_torchs_packed_module(arch):
    """The two training losses' shapes: every real step, and each sequence's last step."""
    module = MODULES[arch](input_size=1, hidden_size=8, batch_first=True)
    bits, lengths = padded_bits(7)
    mask = torch.arange(bits.shape[1]) < lengths[:, None]  # (B, T)
    head = torch.randn(8, generator=torch.Generator().manual_seed(8))
    params = {n: getattr(module, n + "_l0") for n in NAMES}

    def losses(outputs):
        logits = outputs @ head  # (B, T)
        last = logits.gather(1, (lengths - 1)[:, None])  # (B, 1)
        return (torch.tanh(logits) * mask).sum() / mask.sum(), torch.sigmoid(last).mean()

    want_out, _ = torch_packed(module, arch, bits, lengths)
    out, _, _ = cells.scratch_run(arch, params, bits)
    torch.testing.assert_close(out * mask[..., None], want_out, **TOL)
    for got_loss, want_loss in zip(losses(out), losses(want_out), strict=True):
        got = torch.autograd.grad(got_loss, list(params.values()), retain_graph=True)
        want = torch.autograd.grad(want_loss, list(params.values()), retain_graph=True)
        for g, w in zip(got, want, strict=True):
            torch.testing.assert_close(g, w, **TOL)


@pytest.mark.parametrize("arch", ARCHS)
def test_final_state_and_initial_state_gradient_match_torchs_module(arch):
    module = MODULES[arch](input_size=1, hidden_size=4, batch_first=True)
    bits, _ = padded_bits(9)
    state = start_state(arch, len(bits), 4, seed=9)
    layered = tuple(s[None] for s in flat_state(state))  # torch wants a layer axis
    want_out, want_final = module(bits.unsqueeze(-1), layered if arch == "lstm" else layered[0])
    want_final = [s[0] for s in flat_state(want_final)]
    out, final, _ = cells.scratch_run(
        arch, {n: getattr(module, n + "_l0") for n in NAMES}, bits, state
    )
    torch.testing.assert_close(out, want_out, **TOL)
    for got, want in zip(flat_state(final), want_final, strict=True):
        torch.testing.assert_close(got, want, **TOL)
    got = torch.autograd.grad(weighted_loss(out, final, 1), flat_state(state))
    want = torch.autograd.grad(weighted_loss(want_out, want_final, 1), flat_state(state))
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, **TOL)


@pytest.mark.parametrize("arch", ARCHS)
def test_one_step_one_row_and_no_grad_runs_agree_with_the_oracle(arch):
    params = make_params(arch, 3, seed=11)
    for bits in (torch.tensor([[1.0]]), torch.tensor([[1.0, 0.0, 1.0, 1.0]]), padded_bits(12)[0]):
        with torch.no_grad():
            out, final, _ = cells.scratch_run(arch, params, bits)
        want_out, want_final, _ = cells.stepwise_run(arch, params, bits)
        assert not out.requires_grad
        torch.testing.assert_close(out, want_out.detach(), **TOL)
        for got, want in zip(flat_state(final), flat_state(want_final), strict=True):
            torch.testing.assert_close(got, want.detach(), **TOL)


@pytest.mark.parametrize("arch", ARCHS)
def test_recording_uses_the_oracle_and_gives_the_same_hidden_states(arch):
    params = make_params(arch, 4, seed=13)
    bits, _ = padded_bits(13)
    fast, _, _ = cells.scratch_run(arch, params, bits)
    recorded, _, records = cells.scratch_run(arch, params, bits, record=True)
    assert tuple(records) == cells.QUANTITIES[arch]
    torch.testing.assert_close(records["hidden"], fast, **TOL)
    torch.testing.assert_close(recorded, fast, **TOL)


@pytest.mark.parametrize("arch", ARCHS)
def test_training_through_the_fast_path_follows_the_oracle(arch):
    """Twenty Adam steps on the same batches end at the same weights either way."""
    finals = []
    for run in (cells.scratch_run, cells.stepwise_run):
        params = make_params(arch, 6, seed=14)
        optimiser = torch.optim.Adam(params.values(), lr=0.01)
        gen = torch.Generator().manual_seed(15)
        for _ in range(20):
            bits = torch.randint(0, 2, (16, 12), generator=gen).float()
            outputs, _, _ = run(arch, params, bits)
            target = bits.cumsum(1).remainder(2)  # (B, T) running parity
            loss = nn.functional.binary_cross_entropy_with_logits(outputs.sum(-1), target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        finals.append([p.detach() for p in params.values()])
    for got, want in zip(*finals, strict=True):
        torch.testing.assert_close(got, want, atol=1e-4, rtol=0)


def test_second_derivatives_are_refused_not_silently_wrong():
    params = make_params("lstm", 3, seed=16)
    bits, _ = padded_bits(16)
    outputs, _, _ = cells.scratch_run("lstm", params, bits)
    (grad,) = torch.autograd.grad(outputs.square().sum(), params["weight_hh"], create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        grad.sum().backward()


@pytest.mark.parametrize("arch", ARCHS)
def test_without_gradients_the_same_steps_give_identical_numbers(arch):
    """Under no_grad scratch_run keeps only the hidden states (evaluation memory), and its
    outputs and final state are bit for bit those of the Function that keeps everything."""
    params = make_params(arch, 7, seed=17)
    bits, _ = padded_bits(17)
    state = start_state(arch, len(LENGTHS), 7, seed=17)
    with_graph, final, _ = cells.scratch_run(arch, params, bits, state)
    with torch.no_grad():
        lean, lean_final, _ = cells.scratch_run(arch, params, bits, state)
    assert with_graph.requires_grad and not lean.requires_grad
    assert torch.equal(lean, with_graph.detach())
    for got, want in zip(flat_state(lean_final), flat_state(final), strict=True):
        assert torch.equal(got, want.detach())
