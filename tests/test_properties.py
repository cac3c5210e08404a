"""Property-based tests (hypothesis): the parsers of untrusted input fail only as documented.

The bit-string parser and the config validation raise ValueError and nothing else; the
model-file reader raises ModelFileError and nothing else, whatever bytes it is given.
"""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parity.core import data
from parity.core.bounded_text import MAX_MESSAGE_CHARS
from parity.core.config import Config, fields
from parity.nets import modelfile
from parity.nets.modelfile import ModelFileError
from parity.nets.models import build

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = [f.name for f in fields()]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # nan and inf included
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
# Values as a URL or a flag would bring them: numbers written in many ways, or anything.
field_values = json_values | st.sampled_from(["1", " 8 ", "1e3", "0x10", "nan", "-inf", "1" * 5000])


# --- bit strings -------------------------------------------------------------------------------


@SETTINGS
@given(st.text(max_size=200), st.integers(1, 100))
@example("0 1\t1\n", 3)
@example("１０", 5)  # full-width digits are not bits
def test_parse_bits_returns_the_bits_or_a_short_value_error(text, max_len):
    try:
        bits = data.parse_bits(text, max_len=max_len)
    except ValueError as err:
        assert 0 < len(str(err)) <= MAX_MESSAGE_CHARS
        return
    assert bits == [int(c) for c in text if c in "01"]
    assert 1 <= len(bits) <= max_len
    assert all(c in "01" or c.isspace() for c in text)


@SETTINGS
@given(st.text(alphabet="01 \t", min_size=1, max_size=300))
def test_strings_of_bits_and_spaces_parse_unless_blank_or_too_long(text):
    count = sum(c in "01" for c in text)
    try:
        bits = data.parse_bits(text, max_len=100)
    except ValueError as err:
        assert count == 0 or count > 100 or len(text) > data.max_text_chars(100), err
        return
    assert len(bits) == count and data.parity_of(bits) == text.count("1") % 2


# --- the config ------------------------------------------------------------------------------


@SETTINGS
@given(st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=10), field_values, max_size=6))
@example({"lr": math.nan})
@example({"hidden_size": 10**400})
@example({1: 2, "a": 3})
def test_config_from_dict_builds_a_valid_config_or_raises_value_error(values):
    try:
        config = Config.from_dict(values)
    except ValueError:
        return
    assert Config.from_json(config.to_json()) == config  # valid: it round-trips


@SETTINGS
@given(st.text(max_size=200) | json_values.map(json.dumps))
def test_config_from_json_raises_only_value_error(text):
    try:
        Config.from_json(text)
    except ValueError:
        pass


# --- the model-file reader ---------------------------------------------------------------------

CONFIG = Config(arch="gru", hidden_size=2)
GOOD = modelfile.to_bytes(build(CONFIG), CONFIG)
HEADER_END = 8 + int.from_bytes(GOOD[:8], "little")


def read(blob: bytes) -> None:
    """from_bytes: a model of the file's config, or a short ModelFileError; nothing else."""
    try:
        model, config = modelfile.from_bytes(blob)
    except ModelFileError as err:
        assert 0 < len(str(err)) <= MAX_MESSAGE_CHARS
        return
    assert model.hidden_size == config.hidden_size


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_are_refused_with_model_file_error(blob):
    read(blob)


@SETTINGS
@given(st.data())
def test_mutated_model_files_are_read_or_refused(draw):
    blob = bytearray(GOOD)
    for _ in range(draw.draw(st.integers(1, 4))):
        kind = draw.draw(st.sampled_from(["flip", "header byte", "cut", "insert"]))
        place = draw.draw(st.integers(0, len(blob) - 1))
        if kind == "flip":
            blob[place] ^= 1 << draw.draw(st.integers(0, 7))
        elif kind == "header byte" and len(blob) > 8:  # the JSON header: where structure lives
            end = min(HEADER_END, len(blob)) - 1
            blob[draw.draw(st.integers(8, end))] = draw.draw(st.integers(0, 255))
        elif kind == "cut":
            del blob[place:]
            if not blob:
                blob = bytearray(b"\0")
        else:
            blob[place:place] = draw.draw(st.binary(min_size=1, max_size=8))
    read(bytes(blob))


@SETTINGS
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=8), st.binary(max_size=64))
def test_arbitrary_headers_are_refused_with_model_file_error(header, payload):
    text = json.dumps({"__metadata__": {"format": modelfile.FORMAT}, **header}).encode()
    read(len(text).to_bytes(8, "little") + text + payload)
