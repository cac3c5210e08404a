"""trace(): per-step gates and states as tidy frames, consistent with the model and torch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from parity.analysis.traces import record_string, trace
from parity.nets import cells
from parity.nets.models import ParityModel

ARCHS = ("rnn", "gru", "lstm")
BITS = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1]
GATES = ("input gate", "forget gate", "output gate", "reset gate", "update gate")


def model_for(arch: str, randomize, hidden: int = 5) -> ParityModel:
    return randomize(ParityModel(arch, hidden), 3, scale=1.0)


def grid(tr, name: str) -> np.ndarray:
    """One quantity as a (T, H) array, whatever the row order."""
    return tr.quantity(name).pivot(index="step", columns="unit", values="value").to_numpy()


@pytest.mark.parametrize("impl", ["torch", "scratch"])
@pytest.mark.parametrize("arch", ARCHS)
def test_trace_agrees_with_the_models_own_answer(arch, impl, randomize):
    model = model_for(arch, randomize)
    model.impl = impl
    tr = trace(model, BITS)
    bits = torch.tensor([BITS], dtype=torch.float32)
    lengths = torch.tensor([len(BITS)])
    last = tr.prediction.iloc[-1]
    logit = model.final_logits(bits, lengths)
    assert last["probability"] == pytest.approx(torch.sigmoid(logit).item(), abs=1e-6)
    assert last["predicted"] == model.predict(bits, lengths).item()
    with torch.no_grad():
        every = torch.sigmoid(model(bits))[0].numpy()
    np.testing.assert_allclose(tr.prediction["probability"], every, atol=1e-6)


@pytest.mark.parametrize("arch", ARCHS)
@torch.no_grad()
def test_hidden_state_at_each_step_is_the_torch_modules_output(arch, randomize):
    model = model_for(arch, randomize)
    tr = trace(model, BITS)
    outputs, final = model.rnn(torch.tensor(BITS, dtype=torch.float32)[None, :, None])
    np.testing.assert_allclose(grid(tr, "hidden"), outputs[0].numpy(), atol=1e-5)
    if arch == "lstm":
        np.testing.assert_allclose(grid(tr, "cell")[-1], final[1][0, 0].numpy(), atol=1e-5)


@torch.no_grad()
def test_lstm_gates_follow_torchs_equations(randomize):
    model, hidden = model_for("lstm", randomize), 5
    tr = trace(model, BITS)
    h = np.vstack([np.zeros(hidden), grid(tr, "hidden")[:-1]])  # h_{t-1}, (T, H)
    r = model.rnn
    x = np.asarray(BITS, dtype=np.float64)[:, None]
    pre = (
        x @ r.weight_ih_l0.numpy().T
        + r.bias_ih_l0.numpy()
        + h @ r.weight_hh_l0.numpy().T
        + r.bias_hh_l0.numpy()
    )  # (T, 4H), blocks i, f, g, o

    def block(k):
        return pre[:, k * hidden : (k + 1) * hidden]

    def sig(v):
        return 1 / (1 + np.exp(-v))

    np.testing.assert_allclose(grid(tr, "input gate"), sig(block(0)), atol=1e-5)
    np.testing.assert_allclose(grid(tr, "forget gate"), sig(block(1)), atol=1e-5)
    np.testing.assert_allclose(grid(tr, "candidate"), np.tanh(block(2)), atol=1e-5)
    np.testing.assert_allclose(grid(tr, "output gate"), sig(block(3)), atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
def test_torch_and_scratch_models_give_the_same_trace(arch, randomize):
    model = model_for(arch, randomize)
    model.impl = "torch"
    a = trace(model, BITS)
    model.impl = "scratch"
    b = trace(model, BITS)
    pd.testing.assert_frame_equal(a.states, b.states)
    pd.testing.assert_frame_equal(a.prediction, b.prediction)


@pytest.mark.parametrize("arch, count", [("lstm", 6), ("gru", 4), ("rnn", 1)])
def test_frames_have_every_quantity_step_and_unit(arch, count, randomize):
    hidden = 3
    tr = trace(model_for(arch, randomize, hidden), BITS)
    steps = len(BITS)
    assert tr.arch == arch and tr.bits == tuple(BITS)
    assert tr.quantities == cells.QUANTITIES[arch] and len(tr.quantities) == count
    assert list(tr.states.columns) == ["quantity", "step", "bit", "unit", "value"]
    assert list(tr.states["quantity"].cat.categories) == list(cells.QUANTITIES[arch])
    assert len(tr.states) == count * steps * hidden
    for name in tr.quantities:
        rows = tr.quantity(name)
        assert len(rows) == steps * hidden
        assert sorted(set(rows["step"])) == list(range(1, steps + 1))
        assert sorted(set(rows["unit"])) == list(range(hidden))
        bit_at = dict(zip(range(1, steps + 1), BITS, strict=True))
        assert (rows["bit"] == rows["step"].map(bit_at)).all()
        values = rows["value"]
        if name in GATES:
            assert values.between(0, 1).all(), name
        if name in ("candidate", "hidden"):
            assert values.between(-1, 1).all(), name
    assert tr.quantity("no such thing").empty


def test_prediction_frame_running_parity_is_the_cumulative_xor(randomize):
    tr = trace(model_for("gru", randomize), BITS)
    p = tr.prediction
    xor, running = 0, []
    for bit in BITS:
        xor ^= bit
        running.append(xor)
    assert p["running_parity"].tolist() == running
    assert p["step"].tolist() == list(range(1, len(BITS) + 1)) and p["bit"].tolist() == BITS
    assert p["probability"].between(0, 1).all()
    assert (p["predicted"] == (p["probability"] > 0.5)).all()
    assert (p["correct"] == (p["predicted"] == p["running_parity"])).all()


def test_the_trained_model_is_right_at_every_step_of_a_long_string(trained_model):
    bits = [int(b) for b in np.random.default_rng(0).integers(0, 2, 300)]
    tr = trace(trained_model, bits)
    assert tr.prediction["correct"].all()


@pytest.mark.parametrize("bits", [[], "", [0, 2], [1, -1]])
def test_bad_bits_are_refused(bits, randomize):
    with pytest.raises(ValueError):
        trace(model_for("rnn", randomize), bits)


@pytest.mark.parametrize("arch", ARCHS)
def test_a_window_of_a_recording_is_that_part_of_the_whole_trace(arch, randomize):
    model = model_for(arch, randomize)
    whole, rec = trace(model, BITS), record_string(model, tuple(BITS))
    assert rec.steps == len(BITS) and rec.arch == arch
    pd.testing.assert_frame_equal(rec.prediction(), whole.prediction)
    states, prediction = rec.window(4, 9)
    expected = whole.prediction[whole.prediction["step"].between(4, 9)].reset_index(drop=True)
    pd.testing.assert_frame_equal(prediction, expected)
    rows = whole.states[whole.states["step"].between(4, 9)].reset_index(drop=True)
    pd.testing.assert_frame_equal(states, rows)


def test_a_recording_knows_the_parity_the_answer_and_the_running_share_right(randomize):
    rec = record_string(model_for("gru", randomize), tuple(BITS))
    p = trace(model_for("gru", randomize), BITS).prediction
    assert rec.parity == sum(BITS) % 2 == p["running_parity"].iloc[-1]
    assert rec.answer == p["predicted"].iloc[-1]
    assert rec.running_accuracy == pytest.approx(p["correct"].mean())
