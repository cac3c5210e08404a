"""The cover of cells: a trained RNN is proven by it, and the claim holds when checked apart."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity.analysis import cellcover
from parity.analysis.certificate import CELL_METHOD
from parity.analysis.certify import certify
from parity.analysis.zonotopes import Zonotopes
from parity.core.config import Config
from parity.training.train import train

RNN_SEED = 300  # a default RNN whose states spread too widely for the regions (343 cells)


@pytest.fixture(scope="module")
def trained_rnn():
    result = train(Config(arch="rnn", seed=RNN_SEED))
    assert result.verdict.is_parity_machine
    return result.model, certify(result.model)


def test_a_trained_rnn_is_proven_by_a_cover_of_cells(trained_rnn):
    _, cert = trained_rnn
    assert cert.proven is True and cert.reason is None
    assert cert.method == CELL_METHOD and cert.cell_size in cellcover.SIZES
    assert len(cert.regions) > 8 and 1 <= cert.longest_branch <= cellcover.MAX_DEPTH
    assert cert.region_margin > 0 and cert.decision_margin > 0
    size = cert.cell_size
    for region in cert.regions:  # every cell is a box of the cover's half-width
        assert np.allclose(region.hi - region.lo, 2 * size)
    assert {r.parity for r in cert.regions} == {0, 1}
    found = cert.to_dict()
    assert found["cell_size"] == size and found["longest_branch"] == cert.longest_branch
    assert found["closure"].startswith(f"{len(cert.regions):,} cells of half-width")


def _step(model, state: np.ndarray, bits: np.ndarray, dtype) -> np.ndarray:
    """One step of the real model code from each state, each row with its own bit."""
    s = torch.tensor(state, dtype=dtype)
    with torch.no_grad():
        _, final = model.run(torch.tensor(bits, dtype=dtype)[:, None], s)
    return final.numpy()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("impl", ["torch", "scratch"])
def test_states_in_every_cell_reach_a_claimed_cell_with_right_answers(trained_rnn, dtype, impl):
    """Apart from the checker: states drawn in each cell, run by the real model code on random
    strings, answer the parity at every step and, within the longest branch, lie in one of
    the cells the certificate names for that first bit, of the right parity and last bit."""
    model, cert = trained_rnn
    model = type(model)(model.arch, model.hidden_size, impl)
    model.load_state_dict(trained_rnn[0].state_dict())
    model = model.to(dtype)
    by_name = {r.name: r for r in cert.regions}
    gen = np.random.default_rng(1)
    for region in cert.regions[:150]:
        states = gen.uniform(region.lo, region.hi, size=(16, len(region.lo)))
        bits = gen.integers(0, 2, size=(16, cert.longest_branch))
        parity, reached = np.full(16, region.parity), np.zeros(16, bool)
        now = states
        for t in range(cert.longest_branch):
            step_bits = bits[:, t]
            now = _step(model, now, step_bits, dtype)
            parity = parity ^ step_bits
            with torch.no_grad():
                odd = (model.head(torch.tensor(now, dtype=dtype))[:, 0] > 0).numpy()
            assert np.all(odd == (parity == 1))
            for k in range(16):
                targets = [by_name[n] for n in region.targets[str(bits[k, 0])]]
                reached[k] |= any(
                    np.all(now[k] >= c.lo)
                    and np.all(now[k] <= c.hi)
                    and c.parity == parity[k]
                    and c.last_bit == step_bits[k]
                    for c in targets
                )
        assert reached.all()


@settings(max_examples=60, deadline=None)
@given(
    centre=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
    half=st.lists(st.floats(0, 0.5), min_size=3, max_size=3),
    size=st.sampled_from(cellcover.SIZES),
)
def test_a_set_of_half_the_cell_width_always_fits_its_nearest_cell(centre, half, size):
    """The geometry the cover rests on: a box of half-width <= size / 2 lies in the cell of the
    grid point nearest its centre, and whatever is said to fit really lies in that cell."""
    centre = np.array([centre])
    generators = np.diag(np.array(half) * size)[None]
    index, inside = cellcover._nearest(Zonotopes(centre, generators), size)
    if max(half) < 0.499:
        assert inside[0] > 0
    if inside[0] > 0:
        lo, hi = centre - np.array(half) * size, centre + np.array(half) * size
        grid = index[0] * size
        assert np.all(lo >= grid - size) and np.all(hi <= grid + size)


def test_the_cover_stops_at_its_deadline_inside_a_branch(trained_rnn, monkeypatch):
    """The clock is read at every bit of a branch, not only between batches of cells: with a
    clock that passes the deadline after the first reads, the try ends 'out of time'."""
    from parity.analysis import cellbounds
    from parity.analysis.certify import _base

    model, _ = trained_rnn
    params = cellbounds.weights(model)
    zones, parity, last, _ = _base(model, params, 8)
    reads = iter(range(10**6))
    monkeypatch.setattr(cellcover.time, "monotonic", lambda: 100.0 + 50 * next(reads))
    closed, cells, *_, reason, _ = cellcover.close(
        "rnn", params, model.hidden_size, zones, parity, last, 0.005, deadline=200.0
    )
    assert closed is False and cells is None and reason == "out of time"
    assert next(reads) <= 4  # it stopped at the first reads past the deadline
