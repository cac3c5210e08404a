"""ParityModel: two execution paths over one set of weights; build() is seeded and private."""

from __future__ import annotations

import pytest
import torch

from parity.core import data
from parity.core.config import Config
from parity.nets.models import ParityModel, build

ARCHS = ("rnn", "gru", "lstm")
IMPLS = ("torch", "scratch")
TOL = dict(atol=1e-5, rtol=0)


def model_for(arch: str, randomize, hidden: int = 6, seed: int = 0) -> ParityModel:
    """A model with seeded weights at twice torch's default range."""
    return randomize(ParityModel(arch, hidden), seed, scale=2.0 / hidden**0.5)


def batch(seed: int = 0, size: int = 9, min_len: int = 1, max_len: int = 30) -> data.Batch:
    return data.fixed_dataset(size, min_len, max_len, seed)


@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_torch_and_scratch_paths_agree_and_share_weights(arch, randomize):
    model, b = model_for(arch, randomize), batch()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    logits = {}
    for impl in IMPLS:
        model.impl = impl
        logits[impl] = model(b.bits)
        assert logits[impl].shape == b.bits.shape
    torch.testing.assert_close(logits["scratch"], logits["torch"], **TOL)
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_forward_is_causal(arch, impl, randomize):
    model = model_for(arch, randomize)
    model.impl = impl
    bits = batch(1, 4, 12, 12).bits
    flipped = bits.clone()
    flipped[:, 7:] = 1 - flipped[:, 7:]
    a, b = model(bits), model(flipped)
    torch.testing.assert_close(a[:, :7], b[:, :7], atol=0, rtol=0)
    assert not torch.allclose(a[:, 7:], b[:, 7:])


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_running_in_two_parts_with_the_state_equals_one_run(arch, impl, randomize):
    model = model_for(arch, randomize)
    model.impl = impl
    bits = batch(2, 5, 17, 17).bits
    whole, final = model.run(bits)
    first, state = model.run(bits[:, :6])
    second, final_2 = model.run(bits[:, 6:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole, **TOL)
    for got, want in zip(
        final_2 if arch == "lstm" else [final_2], final if arch == "lstm" else [final], strict=True
    ):
        torch.testing.assert_close(got, want, **TOL)


@pytest.mark.parametrize("chunk", [1, 4, 512])
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("arch", ARCHS)
def test_final_logits_are_the_logits_at_each_last_real_step(arch, impl, chunk, randomize):
    model = model_for(arch, randomize)
    model.impl = impl
    b = batch(3, 11, 1, 25)
    with torch.no_grad():
        want = model(b.bits)[torch.arange(len(b)), b.lengths - 1]
    got = model.final_logits(b.bits, b.lengths, chunk=chunk)
    assert got.shape == (len(b),) and not got.requires_grad
    torch.testing.assert_close(got, want, **TOL)
    assert torch.equal(model.predict(b.bits, b.lengths), (got > 0).long())
    assert model.predict(b.bits, b.lengths).dtype == torch.int64


def test_invalid_arch_and_impl_are_refused():
    with pytest.raises(ValueError, match="arch"):
        ParityModel("transformer", 4)
    with pytest.raises(ValueError, match="impl"):
        ParityModel("lstm", 4, impl="cuda")
    model = ParityModel("lstm", 4)
    with pytest.raises(ValueError, match="impl"):
        model.impl = "fast"
    assert model.impl == "torch"


@pytest.mark.parametrize("arch", ARCHS)
def test_build_is_seeded_and_follows_the_config(arch):
    config = Config(arch=arch, hidden_size=7, impl="scratch", seed=11, gate_bias=0.0)
    a, b, other = build(config), build(config), build(config.replace(seed=12))
    assert (a.arch, a.hidden_size, a.impl) == (arch, 7, "scratch")
    assert isinstance(
        a.rnn, {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[arch]
    )
    for name, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[name])
        assert value.abs().max() <= 7**-0.5  # torch's default range U(-1/sqrt(H), 1/sqrt(H))
    assert not all(torch.equal(v, other.state_dict()[k]) for k, v in a.state_dict().items())


@pytest.mark.parametrize("arch", ARCHS)
def test_gate_bias_moves_only_the_keep_gates_hidden_bias(arch):
    """GRU: the update gate z; LSTM: the forget gate f (torch's second block); RNN: nothing."""
    plain = build(Config(arch=arch, hidden_size=5, seed=3, gate_bias=0.0)).state_dict()
    biased = build(Config(arch=arch, hidden_size=5, seed=3, gate_bias=-6.0)).state_dict()
    for name, value in plain.items():
        moved = biased[name] - value
        if name == "rnn.bias_hh_l0" and arch != "rnn":
            assert torch.allclose(moved[5:10], torch.full((5,), -6.0))
            assert torch.equal(moved[:5], torch.zeros(5)) and not moved[10:].any()
        else:
            assert not moved.any(), name


def test_build_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build(Config(hidden_size=16))
    assert torch.equal(torch.rand(3), expected)
