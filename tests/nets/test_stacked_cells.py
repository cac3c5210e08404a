"""The stacked cells: gradients by hand equal autograd's, states equal the from-scratch cells."""

from __future__ import annotations

import pytest
import torch

from parity.nets import cells
from parity.nets.stacked_cells import ROW_ALIGN, StackedSequence, aligned, weight_grad

GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def stacked(arch: str, k: int, hidden: int, rows: int, steps: int, dtype=torch.float64):
    gen = torch.Generator().manual_seed(GATES[arch] * 100 + hidden)
    g = GATES[arch] * hidden
    weights = [
        torch.randn(k, g, 1, generator=gen, dtype=dtype),
        torch.randn(k, g, hidden, generator=gen, dtype=dtype),
        torch.randn(k, g, generator=gen, dtype=dtype),
        torch.randn(k, g, generator=gen, dtype=dtype),
    ]
    bits = torch.randint(0, 2, (k, rows, steps), generator=gen).to(dtype)
    return bits, [w.requires_grad_() for w in weights]


def time_major(bits: torch.Tensor) -> torch.Tensor:
    return bits.permute(2, 0, 1).unsqueeze(2).contiguous()  # (K, B, T) -> (T, K, 1, B)


@pytest.mark.parametrize("arch", ["rnn", "gru", "lstm"])
def test_the_hand_written_backward_is_the_gradient(arch):
    bits, (w_ih, w_hh, b_ih, b_hh) = stacked(arch, k=3, hidden=4, rows=32, steps=6)

    def run(w_ih, w_hh, b_ih, b_hh):
        return StackedSequence.apply(arch, time_major(bits), w_ih, w_hh, b_ih, b_hh)

    assert torch.autograd.gradcheck(run, (w_ih, w_hh, b_ih, b_hh))


@pytest.mark.parametrize("arch", ["rnn", "gru", "lstm"])
def test_every_model_of_the_stack_runs_the_from_scratch_cell(arch):
    bits, (w_ih, w_hh, b_ih, b_hh) = stacked(arch, k=3, hidden=5, rows=32, steps=7)
    out = StackedSequence.apply(arch, time_major(bits), w_ih, w_hh, b_ih, b_hh)
    assert out.shape == (3, 6, 7 * 32) and (out[:, -1] == 1).all()  # the head's row of ones
    for k in range(3):
        params = {
            "weight_ih": w_ih[k],
            "weight_hh": w_hh[k],
            "bias_ih": b_ih[k],
            "bias_hh": b_hh[k],
        }
        want, _, _ = cells.stepwise_run(arch, params, bits[k])  # (B, T, H)
        mine = out[k, :5].reshape(5, 7, 32).permute(2, 1, 0)
        torch.testing.assert_close(mine, want)


def test_rows_and_weights_are_padded_to_whole_vector_loops():
    assert [aligned(n) for n in (1, 32, 33, 361)] == [32, 32, 64, 384]
    assert ROW_ALIGN % 16 == 0  # a multiple of the widest float vector (AVX-512)


@pytest.mark.parametrize("hidden", [1, 2, 3, 5, 8, 16, 32, 64])
def test_a_models_numbers_do_not_depend_on_the_stack(hidden):
    """The two products of a step, and the weight gradient, slice by slice, float32."""
    gen = torch.Generator().manual_seed(hidden)
    for gates in (1, 3, 4):
        w = torch.randn(5, gates * hidden, hidden, generator=gen)
        h = torch.randn(5, hidden, 64, generator=gen)
        x = torch.randn(5, gates * hidden, 64, generator=gen)
        dpre = torch.randn(5, gates * hidden, 640, generator=gen)
        prev = torch.randn(5, hidden, 640, generator=gen)
        full, grad = torch.baddbmm(x, w, h), weight_grad(dpre, prev)
        for k in (0, 4):
            one = slice(k, k + 1)
            assert torch.equal(full[k], torch.baddbmm(x[one], w[one], h[one])[0])
            assert torch.equal(grad[k], weight_grad(dpre[one], prev[one])[0])
