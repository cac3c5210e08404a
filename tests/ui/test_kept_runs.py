"""The run history in the address: exact round trips, ids and pins, a bounded length."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity.core.config import Config
from ui import kept_runs as kr
from ui.kept_runs import KeptRun
from ui.run_links import LinkError, clean_name

TINY = Config(steps=60, stop="budget", eval_every=20, max_len=8)


def test_known_answer_with_shared_settings_gaps_and_pins():
    runs = [
        KeptRun(1, TINY),
        KeptRun(2, TINY.replace(hidden_size=4), "small", True),
        KeptRun(5, TINY.replace(seed=3)),
    ]
    value = kr.encode_kept(runs)
    assert value == (
        "*steps:60,max_len:8,stop:budget,eval_every:20~default~hidden_size:4,name:small,pin:1"
        "~seed:3,id:5"
    )
    assert kr.decode_kept(value) == runs
    assert kr.encode_kept([]) == ""
    assert kr.encode_kept([KeptRun(1, Config(), None, True)]) == "pin:1"


def test_the_value_survives_the_address_as_streamlit_writes_it():
    runs = [KeptRun(3, Config(lr=1e-05), "a~b, c:d 100%", True), KeptRun(4, Config(arch="gru"))]
    query = urlencode({kr.PARAM: kr.encode_kept(runs)}, doseq=True)  # Streamlit's own call
    (text,) = parse_qs(query)[kr.PARAM]
    assert kr.decode_kept(text) == runs
    assert kr.address_chars(kr.encode_kept(runs)) == len(query) - len(kr.PARAM) - 1


configs = st.builds(
    Config,
    arch=st.sampled_from(["lstm", "gru", "rnn"]),
    hidden_size=st.integers(1, 64),
    lr=st.sampled_from([0.05, 0.01, 1e-05]),
    seed=st.integers(0, 2**31 - 1),
)
names = st.one_of(st.none(), st.text(min_size=1, max_size=40).map(str.strip).filter(bool))


@given(st.lists(st.tuples(st.integers(1, 5), configs, names, st.booleans()), max_size=12))
def test_round_trip(parts):
    runs, run_id = [], 0
    for gap, config, name, pinned in parts:
        run_id += gap
        runs.append(KeptRun(run_id, config, name, pinned))
    runs = [r._replace(name=clean_name(r.name)) for r in runs]
    if runs:
        assert kr.decode_kept(kr.encode_kept(runs)) == runs


@pytest.mark.parametrize(
    "text, words",
    [
        ("hidden_size:4~id:1", "id must be a whole number above 1"),
        ("id:0", "above 0"),
        ("id:x", "whole number"),
        (f"id:{kr.MAX_ID + 1}", "whole number"),
        ("pin:2", "pin is written pin:1"),
        ("pin:1,pin:1", "given twice"),
        ("colour:red", "unknown field"),
        ("*pin:1~default", "unknown field"),  # pins and ids belong to a run, not the shared part
        ("hidden_size:0", "hidden_size must be in"),
        ("~".join(["default"] * (kr.MAX_KEPT_RUNS + 1)), f"1 to {kr.MAX_KEPT_RUNS} runs"),
        ("seed:1," * 300, "characters, over"),
    ],
)
def test_bad_values_raise_saying_why(text, words):
    with pytest.raises(LinkError, match=words):
        kr.decode_kept(text)


def test_ids_must_increase_when_encoding():
    with pytest.raises(ValueError, match="increase"):
        kr.encode_kept([KeptRun(2, Config()), KeptRun(2, Config(seed=1))])


def test_fit_leaves_out_the_oldest_unpinned_runs_then_the_oldest_pinned():
    runs = tuple(KeptRun(i, Config(seed=1000 + i), pinned=i in (1, 3)) for i in range(1, 9))
    whole, left_out = kr.fit(runs)
    assert left_out == () and kr.decode_kept(whole) == list(runs)
    drop_order = (2, 4, 5, 6, 7, 8, 1, 3)  # unpinned oldest first, then pinned oldest first
    seen = set()
    for budget in range(kr.address_chars(whole), -1, -1):
        value, left_out = kr.fit(runs, budget=budget)
        seen.add(len(left_out))
        assert left_out == tuple(sorted(drop_order[: len(left_out)])), budget
        assert kr.address_chars(value) <= budget
        kept_ids = [r.id for r in kr.decode_kept(value)] if value else []
        assert kept_ids == [r.id for r in runs if r.id not in left_out]
        fewer = [r for r in runs if r.id not in drop_order[: len(left_out) - 1]]
        assert not left_out or kr.address_chars(kr.encode_kept(fewer)) > budget  # as many fit
    assert seen == set(range(9))  # every count was reached on the way down
    assert kr.fit(runs, budget=3) == ("", tuple(range(1, 9)))


def test_fit_keeps_at_most_max_kept_runs():
    runs = tuple(KeptRun(i, Config(seed=i)) for i in range(1, kr.MAX_KEPT_RUNS + 6))
    value, left_out = kr.fit(runs, budget=10**6)
    assert left_out == (1, 2, 3, 4, 5) and len(kr.decode_kept(value)) == kr.MAX_KEPT_RUNS


def test_twenty_default_size_runs_and_eight_pins_fit_the_address():
    """The bounded history (MAX_UNPINNED unpinned) of sidebar moves fits in KEPT_CHARS."""
    runs = tuple(
        KeptRun(i, Config(hidden_size=1 + i % 64, lr=0.01, seed=i), f"run {i}", pinned=i > 20)
        for i in range(1, 29)
    )
    value, left_out = kr.fit(runs)
    assert left_out == () and kr.address_chars(value) <= kr.KEPT_CHARS


def test_overlay_ids():
    assert kr.encode_overlay([3, 1]) == "3.1"
    assert kr.decode_overlay("3.1.3.9.x.-2", {1, 3}) == [3, 1]
    assert kr.decode_overlay(None, {1}) == [] and kr.decode_overlay("1" * 1000, {1}) == []
