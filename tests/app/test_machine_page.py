"""The "What it computes" page: automaton graph, stability, state map; training replay."""

from __future__ import annotations

import torch
from streamlit.testing.v1 import AppTest

from parity.analysis import statemap
from parity.core.config import Config
from parity.training.train import train
from tests.app.helpers import charts, no_crash, page_app
from ui import replay, session

PARITY_EDGES = ('s0 -> s0 [label="0"]', 's0 -> s1 [label="1"]', 's1 -> s0 [label="1"]')


def graph(at: AppTest) -> str:
    (chart,) = at.get("graphviz_chart")
    return chart.proto.spec


def state_map(at: AppTest) -> dict:
    return next(c for c in charts(at) if c.get("title", "").startswith("Hidden-state map"))


def test_a_trained_default_model_is_drawn_as_the_parity_automaton():
    at = page_app("machine").run()
    no_crash(at)
    assert len(at.success) == 1 and "two-state parity automaton" in at.success[0].value
    dot = graph(at)
    assert all(edge in dot for edge in PARITY_EDGES)
    assert "s1 [shape=doublecircle" in dot and "start -> s0" in dot
    (table,) = at.dataframe
    assert list(table.value["result"]) == ["stays on its path"] * 4
    spec = state_map(at)
    cloud, path = (spec["frames"][layer["data"]["name"]] for layer in spec["layer"][:2])
    assert set(cloud["parity"]) == {"even", "odd"}
    # Two clouds: one cut across the first axis tells the parities apart.
    pc1 = torch.tensor(cloud[["pc1"]].to_numpy())
    odd = torch.tensor((cloud["parity"] == "odd").to_numpy()).long()
    assert statemap.best_threshold_accuracy(pc1, odd).item() > 0.95
    assert len(path) == len(session.DEFAULT_BITS) + 1  # the start and every bit
    units = next(c for c in charts(at) if c.get("title") == "Units that track the running parity")
    (frame,) = units["frames"].values()
    assert len(frame) == 2 * Config().hidden_size  # hidden and cell units of the LSTM


def test_scrubbing_back_to_the_first_snapshot_shows_an_unfinished_model():
    at = page_app("machine").run()
    steps = [int(s) for s in at.select_slider(key=replay.STEP).options[:1]]
    at.select_slider(key=replay.STEP).set_value(steps[0]).run()
    no_crash(at)
    assert not at.success  # not yet the stable parity automaton
    assert state_map(at)["title"] == f"Hidden-state map at training step {steps[0]}"


def test_play_steps_through_training_and_pause_stops():
    result = train(Config())
    steps = [s for s, _ in result.snapshots]
    assert len(steps) >= 3
    at = page_app("machine").run()
    assert at.select_slider(key=replay.STEP).value == steps[-1]
    at.button[0].click().run()  # Play, from the end: starts again at the first snapshot
    no_crash(at)
    assert at.session_state[replay.PLAYING] is True
    assert at.select_slider(key=replay.STEP).value == steps[1]  # one frame already shown
    assert at.button[0].label == "Pause"
    at.button[0].click().run()
    assert at.session_state[replay.PLAYING] is False
    assert at.button[0].label == "Play training"


def test_a_bad_string_keeps_the_automaton():
    at = page_app("machine").run()
    at.text_input(key=session.BITS).set_value("01x").run()
    no_crash(at)
    assert len(at.error) == 1 and "'x'" in at.error[0].value
    assert graph(at) and len(state_map(at)["layer"]) == 1  # no path, the cloud stays
