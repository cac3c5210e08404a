"""Property test (hypothesis): a certificate never comes with a wrong answer.

Networks: small random ones of every architecture (hidden 1-4, weights at torch's scale times
a drawn factor); the exact Minsky networks with random noise on every weight, which are
sometimes still parity machines and sometimes not; Minsky RNNs of weak saturation and LSTM
flippers of any sharpness, some of which drift only on long strings.
"""

from __future__ import annotations

import itertools

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parity.analysis.certify import certify
from parity.core.config import Config
from parity.nets.models import build
from tests.handbuilt import lstm_flipper, minsky_lstm, minsky_rnn

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@torch.no_grad()
def random_network(arch: str, hidden: int, seed: int, gain: float):
    model = build(Config(arch=arch, hidden_size=hidden, seed=seed))
    for param in model.parameters():
        param.mul_(gain)
    return model


@torch.no_grad()
def noisy_minsky(lstm: bool, seed: int, noise: float):
    model = minsky_lstm() if lstm else minsky_rnn()
    gen = torch.Generator().manual_seed(seed)
    for param in model.parameters():
        param.add_(noise * torch.randn(param.shape, generator=gen))
    return model


@torch.no_grad()
def right_everywhere_we_look(model, seed: int) -> bool:
    """Right on every string up to 14 bits and on random strings of 200-2000 bits."""
    words = torch.tensor(list(itertools.product((0.0, 1.0), repeat=14)))
    if not torch.equal((model(words) > 0).long(), words.long().cumsum(1) % 2):
        return False
    gen = torch.Generator().manual_seed(seed)
    for length in (200, 777, 2000):
        bits = torch.randint(0, 2, (64, length), generator=gen).float()
        truth = bits.long().sum(1) % 2
        if not torch.equal((model(bits)[:, -1] > 0).long(), truth):
            return False
    return True


networks = st.one_of(
    st.builds(
        random_network,
        st.sampled_from(["rnn", "gru", "lstm"]),
        st.integers(1, 4),
        st.integers(0, 10**6),
        st.floats(0.5, 30.0),
    ),
    st.builds(noisy_minsky, st.booleans(), st.integers(0, 10**6), st.floats(0.0, 4.0)),
    st.builds(minsky_rnn, st.floats(0.3, 10.0)),  # weakly saturated: may drift on long strings
    st.builds(lstm_flipper, st.floats(2.0, 25.0)),
)


@SETTINGS
@given(model=networks, seed=st.integers(0, 1000))
def test_a_certificate_never_comes_with_a_wrong_answer(model, seed):
    cert = certify(model, enumerated_length=10, budget=3.0)
    if cert.proven:
        assert right_everywhere_we_look(model, seed)
    if cert.counterexample is not None:
        assert not cert.proven and len(cert.counterexample) == cert.enumerated_length + 1
