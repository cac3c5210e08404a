"""certify: exact hand-built networks are proven, wrong or drifting ones never are."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from parity.analysis.certify import certify, shortest_wrong
from tests.handbuilt import lstm_flipper, minsky_lstm, minsky_rnn

BUILDERS = {"minsky rnn": minsky_rnn, "minsky lstm": minsky_lstm}


@pytest.fixture(scope="module")
def proven():
    """Certificates of the exact Minsky networks, with their models."""
    return {name: (build(), certify(build())) for name, build in BUILDERS.items()}


@pytest.mark.parametrize("name", BUILDERS)
def test_exact_minsky_networks_are_proven(proven, name):
    _, cert = proven[name]
    assert cert.proven is True and cert.reason is None and cert.counterexample is None
    assert cert.enumerated_length >= 12 and cert.block >= 1
    assert cert.region_margin > 0 and cert.decision_margin > 1
    labels = {r["label"] for r in cert.to_dict()["regions"]}
    assert labels == {"even", "odd"}


def test_the_leaky_lstm_is_not_proven():
    model = lstm_flipper(4.0)
    cert = certify(model)
    assert cert.proven is False and cert.reason
    assert cert.enumerated_length >= 10
    if cert.counterexample is not None:  # a counterexample must really be answered wrong
        bits = torch.tensor([[float(b) for b in cert.counterexample]])
        assert int((model(bits)[0, -1] > 0).long()) != cert.counterexample.count("1") % 2


def test_a_wrong_network_gets_its_shortest_wrong_string():
    model = minsky_rnn()
    with torch.no_grad():
        model.head.weight.neg_()
        model.head.bias.neg_()
    cert = certify(model)
    assert cert.proven is False and cert.counterexample == "0"
    assert cert.enumerated_length == 0 and "0" in cert.reason


def test_shortest_wrong_finds_a_late_error():
    model = minsky_rnn()
    assert shortest_wrong(model, 8) is None


def test_the_exact_flipper_is_refused_not_miscounted():
    """Its cell is neutral under 0 (forget gate 1 - 2e-9 in real arithmetic): the float32
    error bound per step exceeds that pull, so no closure exists in this arithmetic; the
    certifier refuses with a reason and finds no wrong string (there is none)."""
    cert = certify(lstm_flipper())
    assert cert.proven is False and cert.reason.startswith("no closed set of regions")
    assert cert.counterexample is None and cert.enumerated_length >= 12


def _inside(region, state: np.ndarray) -> bool:
    return bool(np.all(state >= region.lo) and np.all(state <= region.hi))


def _step(model, state: np.ndarray, bit: int, dtype) -> np.ndarray:
    """One step of the real model code from a state (h, or h and c), in `dtype`."""
    hidden = model.hidden_size
    s = torch.tensor(state, dtype=dtype)
    start = (s[:, :hidden], s[:, hidden:]) if model.arch == "lstm" else s
    bits = torch.full((len(state), 1), float(bit), dtype=dtype)
    with torch.no_grad():
        _, final = model.run(bits, start)
    return torch.cat(final, 1).numpy() if model.arch == "lstm" else final.numpy()


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("impl", ["torch", "scratch"])
def test_sampled_states_land_where_the_certificate_says(proven, name, dtype, impl):
    """An independent check of the checker: states drawn in each region, stepped by the real
    model code through every block, land in a claimed target region with the right answer."""
    model, cert = proven[name]
    model = model.to(dtype)
    model.impl = impl
    by_name = {r.name: r for r in cert.regions}
    gen = np.random.default_rng(0)
    for region in cert.regions:
        states = gen.uniform(region.lo, region.hi, size=(200, len(region.lo)))
        for words in range(2**cert.block):
            bits = [(words >> k) & 1 for k in range(cert.block)]
            now, parity = states, region.parity
            for bit in bits:
                now, parity = _step(model, now, bit, dtype), parity ^ bit
                h = torch.tensor(now[:, : model.hidden_size], dtype=dtype)
                with torch.no_grad():
                    odd = (model.head(h)[:, 0] > 0).numpy()
                assert np.all(odd == bool(parity))
            targets = [by_name[t] for t in region.targets[str(bits[0])]]
            assert all(any(_inside(t, s) for t in targets) for s in now)
