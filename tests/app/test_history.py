"""Run history per visitor: overlays, metric changes, pin/rename/remove, share links."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

import ui.history
import ui.slots
from parity.core import config as config_lib
from parity.core.config import Config
from parity.training.train import train
from tests.app.helpers import ROOT, TIMEOUT, charts, metrics, no_crash, page_app
from ui import history, run_deltas
from ui.run_links import PARAM
from ui.share import LINK_LABEL

FAST = {"steps": "60", "stop": "budget", "eval_every": "20", "max_len": "8"}
FAST_CONFIG = Config(steps=60, stop="budget", eval_every=20, max_len=8)
SMALL = FAST_CONFIG.replace(hidden_size=4)


def runs_of(at: AppTest) -> list:
    return at.session_state[history.STATE].runs


def picker(at: AppTest):
    """The Runs to overlay multiselect."""
    (widget,) = [w for w in at.multiselect if w.label == "Runs to overlay"]
    return widget


def run_choice(at: AppTest):
    """The run list's Run selectbox."""
    (widget,) = [w for w in at.main.selectbox if w.label == "Run"]
    return widget


def overlay_labels(at: AppTest) -> list[list[str]]:
    """The run legends of the overlay charts (charts coloured by run)."""
    out = []
    for spec in charts(at):
        for part in [spec, *spec.get("layer", [])]:
            colour = part.get("encoding", {}).get("color", {})
            if colour.get("field") == "run":
                out.append(colour["scale"]["domain"])
    return out


def train_two(at: AppTest | None = None) -> AppTest:
    """FAST with hidden size 8, then 4, in one session."""
    at = (page_app("train", **FAST) if at is None else at).run()
    at.sidebar.slider(key="hidden_size").set_value(4).run()
    no_crash(at)
    return at


def test_two_runs_are_overlaid_labelled_by_what_differs():
    at = train_two()
    assert [r.config for r in runs_of(at)] == [FAST_CONFIG, SMALL]
    assert overlay_labels(at) == [["hidden 8", "hidden 4"], ["hidden 8", "hidden 4"]]
    assert "**hidden 8 vs 4**" in [m.value for m in at.markdown]
    assert picker(at).value == [1, 2]
    accuracy, loss = charts(at)[2:]
    (frame,) = accuracy["frames"].values()
    small = frame[(frame["run"] == "hidden 4") & (frame["series"] == "test")]
    assert list(small["accuracy"]) == pytest.approx(list(train(SMALL).history["test_accuracy"]))
    (frame,) = loss["frames"].values()
    assert len(frame) == len(train(SMALL).history) + len(train(FAST_CONFIG).history)


def test_metrics_show_the_change_against_the_previous_run():
    at = page_app("train", **FAST).run()
    assert all(m.delta == "" for m in at.metric)  # no previous run yet
    train_two(at)
    now, before = (run_deltas.run_numbers(train(c).summary()) for c in (SMALL, FAST_CONFIG))
    deltas = {m.label: m.delta for m in at.metric}
    expected = run_deltas.changes(now, before)
    assert deltas["Test accuracy"] == expected["final_test_accuracy"]
    assert deltas["Solved at step"] == expected["solved_at_step"]
    assert deltas["Training time"].endswith(" s")
    if now["verdict"] != before["verdict"]:
        assert deltas["Verdict"] == f"was: {before['verdict']}"
    assert "your previous run, #1 (hidden 8)" in " ".join(c.value for c in at.caption)
    (timing,) = [m.proto for m in at.metric if m.label == "Training time"]
    if timing.delta == "0.00 s":  # the two times (measured) agree to 0.01 s: grey, no arrow
        assert timing.color == Metric.MetricColor.GRAY
    else:
        assert timing.delta[0] in "+-"
        faster = timing.delta.startswith("-")  # less time is better: green
        assert timing.color == (Metric.MetricColor.GREEN if faster else Metric.MetricColor.RED)


def test_visitors_never_see_each_others_runs(train_calls):
    first = train_two()
    second = page_app("train", **FAST, seed="1").run()
    no_crash(second)
    assert [r.config for r in runs_of(second)] == [FAST_CONFIG.replace(seed=1)]
    assert picker(second).options == ["#1 · seed 1"]
    assert overlay_labels(second) == []
    assert [r.config for r in runs_of(first)] == [FAST_CONFIG, SMALL]
    third = page_app("train", **FAST).run()  # same config as the first visitor's: cached
    assert [r.config for r in runs_of(third)] == [FAST_CONFIG]
    assert train_calls.count(FAST_CONFIG) == 1


def test_rename_pin_and_remove():
    at = train_two()
    run_choice(at).set_value(1).run()
    at.text_input(key="run_name_1").input("baseline").run()
    at.button[[b.label for b in at.button].index("Rename")].click().run()
    no_crash(at)
    assert overlay_labels(at)[0] == ["baseline", "hidden 4"]
    assert picker(at).options[0] == "#1 · baseline"
    pin = next(b for b in at.button if b.label == "Pin")
    pin.click().run()
    assert runs_of(at)[0].pinned and "pinned" in picker(at).options[0]
    run_choice(at).set_value(2).run()
    next(b for b in at.button if b.label == "Remove").click().run()
    no_crash(at)
    assert [r.id for r in runs_of(at)] == [1]  # the current run stays removed on reruns
    assert overlay_labels(at) == []
    at.run()
    assert [r.id for r in runs_of(at)] == [1]
    at.sidebar.number_input(key="seed").set_value(1).run()
    assert [r.id for r in runs_of(at)] == [1, 3]
    next(b for b in at.button if b.label == "Clear unpinned").click().run()
    assert [r.name for r in runs_of(at)] == ["baseline"]  # pinned: kept


def test_the_history_is_bounded_and_keeps_pinned_runs(monkeypatch):
    monkeypatch.setattr(ui.history, "MAX_UNPINNED", 2)
    at = page_app("train", **FAST).run()
    at.sidebar.number_input(key="seed").set_value(1).run()
    run_choice(at).set_value(1).run()
    next(b for b in at.button if b.label == "Pin").click().run()
    for seed in (2, 3):
        at.sidebar.number_input(key="seed").set_value(seed).run()
    no_crash(at)
    assert [r.config.seed for r in runs_of(at)] == [0, 2, 3]
    assert runs_of(at)[0].pinned
    assert "At most 2 unpinned runs" in " ".join(c.value for c in at.caption)


def shared_query(at: AppTest) -> dict[str, str]:
    (link,) = [t.value for t in at.text_input if t.label == LINK_LABEL]
    assert not at.code  # a code box would load a syntax highlighter in the visitor's browser
    return dict(parse_qsl(urlsplit(link).query))


def test_a_share_link_reopens_the_same_set(train_calls):
    at = train_two()
    run_choice(at).set_value(2).run()
    at.text_input(key="run_name_2").input("small, 4~units").run()
    next(b for b in at.button if b.label == "Rename").click().run()
    query = shared_query(at)
    assert query[PARAM] == (
        "*steps:60,max_len:8,stop:budget,eval_every:20"
        "~default~hidden_size:4,name:small%2C 4%7Eunits"
    )
    assert query["hidden_size"] == "4"
    friend = page_app("train", **query).run()
    no_crash(friend)
    assert [(r.config, r.name) for r in runs_of(friend)] == [
        (SMALL, "small, 4~units"),
        (FAST_CONFIG, None),
    ]
    assert overlay_labels(friend) == overlay_labels(at) == [["hidden 8", "small, 4~units"]] * 2
    assert shared_query(friend) == query  # the same set, in the same order: the same link
    assert PARAM not in friend.query_params  # read once, then removed from the address
    assert train_calls == [FAST_CONFIG, SMALL]  # the friend's runs came from the cache
    assert any("Opened the link's 2 runs" in s.value for s in friend.success)
    friend.run()
    assert len(runs_of(friend)) == 2
    picker(at).set_value([1]).run()
    assert shared_query(at) == {**FAST, PARAM: "steps:60,max_len:8,stop:budget,eval_every:20"}


def test_a_bad_link_warns_and_the_page_still_works():
    at = page_app("train", **FAST, runs="hidden_size:4~colour:red").run()
    no_crash(at)
    (warning,) = [w.value for w in at.warning if "link" in w.value]
    assert "run 2" in warning and "colour" in warning
    assert metrics(at)["Test accuracy"] and len(runs_of(at)) == 1


def test_a_link_run_over_the_limits_is_refused_and_the_rest_opened():
    link = "hidden_size:256,steps:60,max_len:8,stop:budget,eval_every:20~hidden_size:4," + (
        "steps:60,max_len:8,stop:budget,eval_every:20"
    )
    at = page_app("train", **FAST, runs=link).run()
    no_crash(at)
    (warning,) = [w.value for w in at.warning if "link" in w.value]
    assert warning.startswith("Run 1 of the link was not opened") and "256" in warning
    assert [r.config for r in runs_of(at)] == [FAST_CONFIG, SMALL]


def _sidebar_and_chosen_page(root: str) -> None:
    """The sidebar, then the page named by session_state['test_page'] (one session, two pages)."""
    import runpy

    import streamlit as st

    from ui import sidebar

    sidebar.render()
    page = st.session_state.get("test_page", "train")
    runpy.run_path(f"{root}/app_pages/{page}.py", run_name="__main__")


def chosen_page_app(page: str, **query: str) -> AppTest:
    at = AppTest.from_function(_sidebar_and_chosen_page, args=(str(ROOT),), default_timeout=TIMEOUT)
    at.session_state["test_page"] = page
    for key, value in query.items():
        at.query_params[key] = value
    return at


def test_the_length_page_overlays_runs_the_server_cache_dropped(train_calls):
    at = train_two(chosen_page_app("train", **FAST))
    ui.slots.results("train").clear()  # as if evicted: the runs keep their own weights
    at.session_state["test_page"] = "lengths"
    at.run()
    no_crash(at)
    assert train_calls == [FAST_CONFIG, SMALL, SMALL]  # only the sidebar's run again
    assert overlay_labels(at) == [["hidden 8", "hidden 4"]]
    frame = next(f for spec in charts(at) for f in spec["frames"].values() if "run" in f)
    assert set(frame["run"]) == {"hidden 8", "hidden 4"}
    assert frame.groupby("run")["length"].max().tolist() == [10_000, 10_000]


def test_a_link_run_that_keeps_failing_is_given_up(monkeypatch):
    import ui.share
    import ui.training

    real = ui.training.train

    def failing_small(config, **callbacks):
        if config.hidden_size == 4:
            raise RuntimeError("worker lost")
        return real(config, **callbacks)

    monkeypatch.setattr(ui.training, "train", failing_small)
    at = page_app(
        "train", **FAST, runs="*steps:60,max_len:8,stop:budget,eval_every:20~hidden_size:4"
    )
    for _ in range(ui.share.MAX_ATTEMPTS):
        at.run()
        no_crash(at)
        assert any("worker lost" in e.value for e in at.error)
    at.run()
    no_crash(at)
    assert not at.error
    assert any("Gave up on a run of the link" in w.value for w in at.warning)
    assert not at.success or all("Opened" not in s.value for s in at.success)
    assert [r.config for r in runs_of(at)] == [FAST_CONFIG]


def test_pages_that_train_through_the_active_model_record_it_too():
    at = chosen_page_app("machine", **FAST).run()
    no_crash(at)
    assert [r.config for r in runs_of(at)] == [FAST_CONFIG]
    at.sidebar.slider(key="hidden_size").set_value(4).run()
    assert [r.config for r in runs_of(at)] == [FAST_CONFIG, SMALL]


def test_a_run_that_never_solved_shows_what_the_previous_one_did():
    at = page_app("train", **FAST).run()
    at.sidebar.selectbox(key="arch").set_value("rnn").run()
    no_crash(at)
    values = {f: getattr(FAST_CONFIG, f) for f in config_lib.arch_defaults("lstm")}
    moved = config_lib.arch_switch(values, "lstm", "rnn")  # the sidebar moves these with it
    assert moved == {"restart_after": 250}
    rnn_config = FAST_CONFIG.replace(arch="rnn", **moved)
    rnn, lstm = (train(c) for c in (rnn_config, FAST_CONFIG))
    assert rnn.solved_at_step is None and lstm.solved_at_step is not None  # the premise
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Solved at step"] == f"was: {lstm.solved_at_step:,}"
    assert (
        deltas["Test accuracy"]
        == run_deltas.changes(
            {"final_test_accuracy": rnn.final_test_accuracy},
            {"final_test_accuracy": lstm.final_test_accuracy},
        )["final_test_accuracy"]
    )
    assert overlay_labels(at)[0] == ["lstm, restart after 500", "rnn, restart after 250"]
