"""The proof on the pages: What it computes shows the certificate or a wrong string; the Length
page charts the margin against length out to a million bits."""

from __future__ import annotations

import pytest

import ui.proof
from parity.core.config import Config
from tests.app.helpers import charts, no_crash, page_app
from tests.handbuilt import lstm_flipper, minsky_lstm
from ui import inside, session


def with_model(page: str, model, name: str):
    """An AppTest of `page` whose visitor has adopted `model` (as an upload would)."""
    at = page_app(page)
    config = Config(arch=model.arch, hidden_size=model.hidden_size)
    at.session_state[session.UPLOAD] = session.ActiveModel(
        model, config, f"upload:{name}", "upload", name
    )
    return at


def chart_titled(at, title: str) -> dict:
    return next(c for c in charts(at) if c.get("title") == title)


@pytest.fixture(autouse=True)
def short_budget(monkeypatch):
    monkeypatch.setattr(ui.proof, "PROOF_SECONDS", 3.0)


def test_a_proven_network_shows_its_regions_and_transitions():
    at = with_model("machine", minsky_lstm(), "minsky").run()
    no_crash(at)
    proven = [s.value for s in at.success if "Proven for every length" in s.value]
    assert len(proven) == 1 and "regions of states are closed" in proven[0]
    table = at.dataframe[-1].value
    assert list(table.columns[:3]) == ["Region", "Parity", "Last bit"]
    assert set(table["Parity"]) == {"even", "odd"} and len(table) >= 2
    spec = chart_titled(at, "The certificate's regions (projected)")
    frames = list(spec["frames"].values())
    boxes = next(f for f in frames if "x1" in f.columns)
    assert len(boxes) == len(table) and (boxes["x2"] >= boxes["x1"]).all()


def test_a_network_proven_by_cells_says_so_and_outlines_at_most_the_cap(monkeypatch):
    """A trained default RNN (seed 300) is proven by a cover of cells; the chart outlines at
    most MAX_DRAWN of them and says so, the table lists every cell."""
    monkeypatch.setattr(ui.proof, "PROOF_SECONDS", 10.0)
    monkeypatch.setattr(ui.proof, "MAX_DRAWN", 50)
    from parity.training.train import train

    model = train(Config(arch="rnn", seed=300)).model
    at = with_model("machine", model, "rnn300").run(timeout=120)
    no_crash(at)
    proven = [s.value for s in at.success if "Proven for every length" in s.value]
    assert len(proven) == 1 and "cells of half-width" in proven[0]
    table = at.dataframe[-1].value
    spec = chart_titled(at, "The certificate's regions (projected)")
    boxes = next(f for f in spec["frames"].values() if "x1" in f.columns)
    assert len(table) > 50 and len(boxes) == 50
    assert any(f"first 50 of the {len(table):,} cells" in c.value for c in at.caption)


def test_a_drifting_network_is_not_proven_and_its_wrong_string_opens_inside():
    at = with_model("machine", lstm_flipper(4.0), "leaky").run()
    no_crash(at)
    assert any("Not proven for every length" in w.value for w in at.warning)
    (wrong,) = [e.value for e in at.error if "A wrong string" in e.value]
    (button,) = [b for b in at.main.button if b.label == "Look inside at that step"]
    caption = next(c.value for c in at.caption if "leaves the region" in c.value)
    assert "the answer is wrong at step" in caption
    button.click().run()
    bits = at.session_state[session.BITS]
    assert set(bits) <= {"0", "1"} and len(bits) >= 15  # every string up to 14 bits is right
    first, last = at.session_state[inside.WINDOW_KEY]
    assert 1 <= first <= last <= len(bits)


def test_the_length_page_charts_margins_out_to_a_million_bits():
    at = with_model("lengths", minsky_lstm(), "minsky").run()
    no_crash(at)
    spec = chart_titled(at, "Distance to the decision boundary, by length")
    frame = next(f for f in spec["frames"].values() if "margin" in f.columns and len(f) > 1)
    assert frame["length"].max() == ui.proof.APP_MARGIN_LENGTH == 1_000_000
    assert frame.groupby("stream")["length"].min().eq(1).all()
    assert (frame["margin"] > 0).all()
    assert any("Right on every long string up to 1,000,000 bits" in s.value for s in at.success)


def test_a_drifting_network_is_wrong_on_long_strings_on_the_length_page():
    at = with_model("lengths", lstm_flipper(4.0), "leaky").run()
    no_crash(at)
    warning = next(w.value for w in at.warning if w.value.startswith("Wrong on:"))
    assert "a 1, then zeros from length 20" in warning


def test_a_wide_network_is_followed_to_a_shorter_length_with_a_note():
    assert ui.proof.margin_length(64) == ui.proof.SHORT_MARGIN_LENGTH < 1_000_000
    assert ui.proof.margin_length(32) == 1_000_000
