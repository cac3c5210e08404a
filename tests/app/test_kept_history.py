"""The run history kept in the address: a new session (reload, new tab, restart) restores it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import ui.kept_runs
import ui.slots
from parity.training.train import train
from tests.app.helpers import metrics, no_crash, page_app
from tests.app.test_history import (
    FAST,
    FAST_CONFIG,
    SMALL,
    overlay_labels,
    picker,
    run_choice,
    runs_of,
    train_two,
)
from ui.kept_runs import OVERLAY, PARAM

SHARED = "*steps:60,max_len:8,stop:budget,eval_every:20"


def address(at: AppTest) -> dict[str, str]:
    """The page's query parameters as text (AppTest keeps a list for values set by the app)."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def reopen(at: AppTest, page: str = "train") -> AppTest:
    """A new session on the same address: a reload, a new tab or a lost session. The address
    holds the sidebar's last settings (the app writes them too: ui.sidebar.sync_url_with_widgets),
    so the sidebar opens where it was left: at SMALL after named_and_pinned."""
    return page_app(page, **address(at)).run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def named_and_pinned(at: AppTest) -> AppTest:
    """Two runs; the second renamed 'small', the first pinned."""
    at = train_two()
    run_choice(at).set_value(2).run()
    at.text_input(key="run_name_2").input("small").run()
    button(at, "Rename").click().run()
    run_choice(at).set_value(1).run()
    button(at, "Pin").click().run()
    no_crash(at)
    return at


def test_every_change_is_written_to_the_address():
    at = page_app("train", **FAST).run()
    assert address(at) == FAST  # one run of the sidebar's settings: they say it all
    at = named_and_pinned(at)
    assert address(at)[PARAM] == f"{SHARED}~pin:1~hidden_size:4,name:small"
    assert address(at)[OVERLAY] == "1.2"
    picker(at).set_value([2]).run()
    assert address(at)[OVERLAY] == "2"
    run_choice(at).set_value(2).run()
    button(at, "Remove").click().run()
    assert address(at)[PARAM] == "steps:60,max_len:8,stop:budget,eval_every:20,pin:1"
    assert OVERLAY not in address(at)


def test_a_new_session_restores_names_pins_numbers_and_overlay_from_the_cache(train_calls):
    at = named_and_pinned(page_app("train", **FAST))
    again = reopen(at)
    no_crash(again)
    assert [(r.id, r.config, r.name, r.pinned) for r in runs_of(again)] == [
        (1, FAST_CONFIG, None, True),
        (2, SMALL, "small", False),
    ]
    assert picker(again).value == [1, 2] and overlay_labels(again) == overlay_labels(at)
    # The sidebar opens at SMALL (see reopen): its run is #2, the previous one #1.
    assert "your previous run, #1 (hidden 8)" in " ".join(c.value for c in again.caption)
    assert train_calls == [FAST_CONFIG, SMALL]  # nothing trained again: the cache had both
    assert address(again) == address(at)  # and the address is the same
    assert "Kept in the page address" in " ".join(c.value for c in again.caption)


def test_after_a_server_restart_the_runs_are_trained_again_and_are_the_same_runs(train_calls):
    at = named_and_pinned(page_app("train", **FAST))
    before = {r.id: r.history for r in runs_of(at)}
    ui.slots.results("train").clear()  # a restarted server has an empty cache
    again = reopen(at)
    no_crash(again)
    assert [(r.id, r.name, r.pinned) for r in runs_of(again)] == [
        (1, None, True),
        (2, "small", False),
    ]
    assert train_calls == [FAST_CONFIG, SMALL, SMALL, FAST_CONFIG]  # the sidebar's run first
    for run in runs_of(again):  # seeded by their configs: the very same curves
        columns = [c for c in run.history if c != "elapsed"]
        assert run.history[columns].equals(before[run.id][columns])
    assert overlay_labels(again) == overlay_labels(at)
    assert any("trained them again" in c.value for c in again.caption)
    again.run()  # the next run's metrics compare with the previous run, as from the cache
    assert "your previous run, #1 (hidden 8)" in " ".join(c.value for c in again.caption)
    assert address(again) == address(at)


def test_numbers_with_gaps_and_a_removed_run_come_back_as_they_were():
    at = train_two()
    at.sidebar.number_input(key="seed").set_value(1).run()  # run 3
    run_choice(at).set_value(2).run()
    button(at, "Remove").click().run()
    assert address(at)[PARAM] == f"{SHARED}~default~hidden_size:4,seed:1,id:3"
    again = reopen(at)
    assert [r.id for r in runs_of(again)] == [1, 3]
    again.sidebar.slider(key="hidden_size").set_value(2).run()
    assert [r.id for r in runs_of(again)] == [1, 3, 4]  # numbering goes on


def test_the_other_pages_restore_it_too():
    at = named_and_pinned(page_app("train", **FAST))
    model_page = reopen(at, "model")
    no_crash(model_page)
    assert [(r.id, r.name) for r in runs_of(model_page)] == [(1, None), (2, "small")]
    assert address(model_page)[PARAM] == address(at)[PARAM]


def test_an_old_single_configuration_link_opens_as_before():
    at = page_app("train", **FAST, hidden_size="4").run()
    no_crash(at)
    assert at.sidebar.slider(key="hidden_size").value == 4 and not at.warning
    assert [r.config for r in runs_of(at)] == [SMALL]
    assert metrics(at)["Test accuracy"] == f"{train(SMALL).final_test_accuracy:.1%}"
    assert address(at) == {**FAST, "hidden_size": "4"}  # the link stays that link


def test_a_shared_link_opens_as_before_and_is_then_kept():
    link = {**FAST, "hidden_size": "4", "runs": f"{SHARED}~default~hidden_size:4,name:small"}
    at = page_app("train", **link).run()
    no_crash(at)
    assert [(r.config, r.name) for r in runs_of(at)] == [(SMALL, "small"), (FAST_CONFIG, None)]
    assert "runs" not in address(at)
    assert address(at)[PARAM] == f"{SHARED}~hidden_size:4,name:small~default"
    again = reopen(at)
    assert [(r.config, r.name) for r in runs_of(again)] == [(SMALL, "small"), (FAST_CONFIG, None)]
    assert not [s for s in again.success if "Opened the link" in s.value]  # restored, not reopened


def test_a_bad_address_value_warns_and_the_page_keeps_its_new_runs():
    at = page_app("train", **FAST, history="hidden_size:4~colour:red", overlay="1.2").run()
    no_crash(at)
    (warning,) = [w.value for w in at.warning if "restored" in w.value]
    assert "run 2" in warning and "colour" in warning
    assert [r.config for r in runs_of(at)] == [FAST_CONFIG] and metrics(at)["Test accuracy"]
    assert address(at) == FAST  # the bad value is gone: the sidebar's run is all there is
    at.sidebar.slider(key="hidden_size").set_value(4).run()
    assert address(at)[PARAM] == f"{SHARED}~default~hidden_size:4"


def test_a_run_over_the_limits_in_the_address_is_not_restored(train_calls):
    at = page_app("train", **FAST, history=f"{SHARED}~default~hidden_size:256").run()
    no_crash(at)
    assert any("not restored: over this app's limits" in w.value for w in at.warning)
    assert [r.config for r in runs_of(at)] == [FAST_CONFIG] and train_calls == [FAST_CONFIG]


def test_runs_beyond_the_addresses_room_are_kept_in_the_tab_and_said(monkeypatch):
    at = train_two()
    third = ui.kept_runs.KeptRun(3, SMALL.replace(seed=1))
    monkeypatch.setattr(
        ui.kept_runs, "KEPT_CHARS", ui.kept_runs.address_chars(ui.kept_runs.encode_kept([third]))
    )
    at.sidebar.number_input(key="seed").set_value(1).run()
    no_crash(at)
    kept = [r.id for r in ui.kept_runs.decode_kept(address(at)[PARAM])]
    assert len(runs_of(at)) == 3 and 3 in kept and 1 not in kept  # the oldest went first
    left_out = [i for i in (1, 2, 3) if i not in kept]
    caption = " ".join(c.value for c in at.caption)
    names = ", ".join(f"#{i}" for i in left_out)
    assert f"{'Runs' if len(left_out) > 1 else 'Run'} {names} " in caption
    assert "kept in this tab only" in caption
    assert [int(i) for i in address(at)[OVERLAY].split(".")] == [i for i in (2, 3) if i in kept]
