"""The share-link codec: readable, exact round trips, clear errors on anything else."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity.core.config import Config, fields
from ui.run_links import (
    MAX_LINK_CHARS,
    MAX_LINK_RUNS,
    MAX_NAME_CHARS,
    PARAM,
    LinkError,
    SharedRun,
    clean_name,
    decode_runs,
    encode_runs,
    sidebar_query,
)


def test_known_answer():
    # a GRU with the shared defaults, as links written before per-architecture defaults hold it
    old_gru = Config.from_dict({"hidden_size": 16, "arch": "gru"})
    runs = [SharedRun(Config(hidden_size=4)), SharedRun(old_gru)]
    assert encode_runs(runs) == "hidden_size:4~arch:gru,hidden_size:16"
    assert decode_runs("hidden_size:4~arch:gru,hidden_size:16")[1].config == old_gru
    # a GRU from its own defaults: the link names them, so it reads back the same
    own = encode_runs([SharedRun(Config(arch="gru"))])
    assert own == "arch:gru,steps:6000,gate_bias:-6,restart_after:250"
    assert decode_runs(own)[0].config == Config(arch="gru")
    assert decode_runs("hidden_size:4~arch:gru,hidden_size:16") == runs
    assert encode_runs([SharedRun(Config())]) == "default"
    assert decode_runs("default") == [SharedRun(Config())]


def test_shared_settings_are_written_once():
    runs = [SharedRun(Config(steps=60, max_len=8, hidden_size=h)) for h in (4, 8)]
    assert encode_runs(runs) == "*steps:60,max_len:8~hidden_size:4~default"
    assert decode_runs("*steps:60,max_len:8~hidden_size:4~default") == runs
    one = [SharedRun(Config(steps=60))]
    assert encode_runs(one) == "steps:60"  # a single run needs no shared part
    seven = "~".join(["*seed:1", *["default"] * MAX_LINK_RUNS])
    assert len(decode_runs(seven)) == MAX_LINK_RUNS  # the shared part is not a run


def test_names_with_separators_survive_a_real_url():
    runs = [SharedRun(Config(lr=1e-05), "a~b, c:d 100%"), SharedRun(Config(), "baseline")]
    value = encode_runs(runs)
    assert value == "lr:1e-05,name:a%7Eb%2C c%3Ad 100%25~name:baseline"
    url_query = urlencode({PARAM: value})
    assert decode_runs(parse_qs(url_query)[PARAM][0]) == runs


@pytest.mark.parametrize(
    "text, run, field, words",
    [
        ("hidden_size:4~colour:red", 2, "colour", "unknown field"),
        ("hidden_size:banana", 1, "hidden_size", "hidden_size must be int"),
        ("hidden_size:0", 1, "hidden_size", "hidden_size must be in"),
        ("arch:transformer", 1, "arch", "arch must be one of"),
        ("min_len:30,max_len:10", 1, "min_len", "min_len must be <= max_len"),
        ("seed:1,seed:2", 1, "seed", "given twice"),
        ("name:a,name:b", 1, "name", "given twice"),
        ("name:" + "x" * (MAX_NAME_CHARS + 1), 1, "name", "at most"),
        ("name:a%0Ab", 1, "name", "one line"),
        ("lr:1e400", 1, "lr", "finite"),
        ("default~", 2, None, "empty run"),
        ("*steps:60~steps:70", 1, "steps", "shared part too"),
        ("*name:x~default", None, "name", "unknown field"),
        ("*steps:0~default", 1, "steps", "steps must be in"),
        ("*colour:red~default", None, "colour", "unknown field"),
        ("*steps:60", None, None, "1 to"),
        ("hidden_size", 1, None, "field:value"),
        ("~".join(["default"] * (MAX_LINK_RUNS + 1)), None, None, "1 to"),
        ("seed:1," * MAX_LINK_CHARS, None, None, "characters"),
    ],
)
def test_bad_values_raise_a_link_error_with_its_data(text, run, field, words):
    with pytest.raises(LinkError) as caught:
        decode_runs(text)
    err = caught.value
    assert isinstance(err, ValueError)
    assert (err.run, err.field) == (run, field) and words in str(err)
    assert len(str(err)) < 200


def test_encode_refuses_too_many_or_no_runs():
    with pytest.raises(LinkError, match="1 to"):
        encode_runs([SharedRun(Config(seed=i)) for i in range(MAX_LINK_RUNS + 1)])
    with pytest.raises(LinkError):
        encode_runs([])


def test_clean_name():
    assert clean_name("  two\nlines\t here ") == "two lines here"
    assert clean_name("   ") is None and clean_name(None) is None
    assert len(clean_name("y" * 100)) == MAX_NAME_CHARS


def test_sidebar_query_lists_only_non_default_fields():
    assert sidebar_query(Config()) == {}
    assert sidebar_query(Config.from_dict({"arch": "gru", "lr": 0.02, "clip": 0.0})) == {
        "arch": "gru",
        "lr": "0.02",
        "clip": "0",
    }


def _value(f):
    """A strategy for one field's valid values (the engine's ranges, a bounded slice)."""
    m = f.metadata
    if m["choices"]:
        return st.sampled_from(m["choices"])
    if isinstance(f.default, float):
        return st.floats(m["lo"], m["hi"], allow_nan=False, allow_infinity=False)
    return st.integers(m["lo"], min(m["hi"], m["lo"] + 500))


@st.composite
def configs(draw):
    values = {f.name: draw(_value(f)) for f in fields() if draw(st.booleans())}
    values.setdefault("train_size", 0)
    for lo, hi in (("min_len", "max_len"), ("test_min_len", "test_max_len")):
        low, high = (values.get(name, getattr(Config(), name)) for name in (lo, hi))
        values[lo], values[hi] = min(low, high), max(low, high)
    return Config(**values)


names = st.none() | st.text(min_size=1, max_size=MAX_NAME_CHARS).map(clean_name)


@given(st.lists(st.builds(SharedRun, configs(), names), min_size=1, max_size=MAX_LINK_RUNS))
def test_round_trip(runs):
    value = encode_runs(runs)
    assert decode_runs(value) == runs
    assert decode_runs(parse_qs(urlencode({PARAM: value}))[PARAM][0]) == runs


@given(st.text(max_size=300))
def test_any_text_decodes_or_raises_a_link_error(text):
    try:
        runs = decode_runs(text)
    except LinkError:
        return
    assert 1 <= len(runs) <= MAX_LINK_RUNS
    assert all(isinstance(run.config, Config) for run in runs)
