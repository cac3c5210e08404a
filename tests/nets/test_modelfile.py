"""Model files: safetensors round trip; every kind of bad file refused, nothing unpickled."""

from __future__ import annotations

import io
import json
import pickle
import random

import pytest
import torch
from safetensors.torch import save as save_bytes

from parity.core import data
from parity.core.bounded_text import MAX_MESSAGE_CHARS
from parity.core.config import Config, fields
from parity.nets import modelfile
from parity.nets.modelfile import ModelFileError
from parity.nets.models import build

MAX_HIDDEN = next(f for f in fields() if f.name == "hidden_size").metadata["hi"]

ARCHS = ("rnn", "gru", "lstm")


def saved(config: Config | None = None) -> tuple[torch.nn.Module, Config, bytes]:
    config = config or Config(arch="gru", hidden_size=3, seed=5)
    model = build(config)
    return model, config, modelfile.to_bytes(model, config)


def tensors_of(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def ours(tensors: dict[str, torch.Tensor], config_json: str) -> bytes:
    """A safetensors file with Parity Lab's metadata around any tensors and config text."""
    return save_bytes(tensors, metadata={"format": modelfile.FORMAT, "config": config_json})


def with_header(blob: bytes, edit) -> bytes:
    """The same file with its JSON header changed by `edit(header)`, data bytes kept."""
    size = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + size])
    edit(header)
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + blob[8 + size :]


def raw_header(text: bytes) -> bytes:
    """A file that is only a safetensors length prefix and `text` as its header."""
    return len(text).to_bytes(8, "little") + text


def assert_same_model(a, b) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name in sa:
        assert torch.equal(sa[name], sb[name]), name


@pytest.mark.parametrize("arch", ARCHS)
def test_bytes_round_trip(arch):
    config = Config(arch=arch, impl="scratch", hidden_size=4, seed=9, lr=0.02, target="final")
    model, _, blob = saved(config)
    loaded, loaded_config = modelfile.from_bytes(blob)
    assert loaded_config == config and loaded.impl == "scratch" and not loaded.training
    assert_same_model(loaded, model)
    batch = data.fixed_dataset(50, 1, 30, seed=1)
    assert torch.equal(
        loaded.final_logits(batch.bits, batch.lengths),
        model.final_logits(batch.bits, batch.lengths),
    )


def test_save_and_load_the_trained_model(tmp_path, default_config, trained_model):
    path = modelfile.save(trained_model, default_config, tmp_path / "model.safetensors")
    assert path.is_file()
    loaded, config = modelfile.load(path)
    assert config == default_config
    assert_same_model(loaded, trained_model)
    test = data.test_set(default_config)
    assert torch.equal(
        loaded.predict(test.bits, test.lengths), trained_model.predict(test.bits, test.lengths)
    )
    assert modelfile.load(str(path))[1] == default_config


def test_the_file_is_plain_safetensors():
    model, config, blob = saved()
    size = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + size])
    assert header["__metadata__"] == {"format": modelfile.FORMAT, "config": config.to_json()}
    assert set(header) - {"__metadata__"} == set(model.state_dict())


def pickle_file() -> bytes:
    return pickle.dumps({"weights": [1.0, 2.0]})


def torch_save_file(legacy: bool = False) -> bytes:
    buffer = io.BytesIO()
    torch.save(saved()[0].state_dict(), buffer, _use_new_zipfile_serialization=not legacy)
    return buffer.getvalue()


def bad_files() -> dict[str, tuple[bytes, str]]:
    """Name -> (bytes, a word the refusal must contain)."""
    model, config, blob = saved()
    tensors = tensors_of(model)
    size = int.from_bytes(blob[:8], "little")
    wrong_shape = {**tensors, "head.weight": torch.zeros(1, 4)}
    missing = {k: v for k, v in tensors.items() if k != "head.bias"}
    extra = {**tensors, "rnn.weight_ih_l1": torch.zeros(9, 3)}
    nan = {**tensors, "rnn.weight_hh_l0": tensors["rnn.weight_hh_l0"].clone().fill_(torch.nan)}
    inf = {**tensors, "head.bias": torch.tensor([torch.inf])}
    doubles = {k: v.double() for k, v in tensors.items()}
    other_arch = Config(arch="lstm", hidden_size=3).to_json()
    files = {
        "empty": (b"", "empty"),
        "pickle": (pickle_file(), "pickle"),
        "pickle protocol 0": (pickle.dumps([1, 2], protocol=0), "safetensors"),
        "torch.save zip": (torch_save_file(), "pickle"),
        "torch.save legacy": (torch_save_file(legacy=True), "pickle"),
        "random bytes": (random.Random(0).randbytes(4096), "safetensors"),
        "text": (b"0110 1001\n", "safetensors"),
        "no metadata": (save_bytes(tensors), "not a Parity Lab model"),
        "foreign metadata": (save_bytes(tensors, metadata={"format": "pt"}), "not a Parity Lab"),
        "wrong shape": (ours(wrong_shape, config.to_json()), "shape"),
        "missing tensor": (ours(missing, config.to_json()), "missing"),
        "extra tensor": (ours(extra, config.to_json()), "unexpected"),
        "nan weight": (ours(nan, config.to_json()), "NaN"),
        "inf weight": (ours(inf, config.to_json()), "infinite"),
        "float64 weights": (ours(doubles, config.to_json()), "float32"),
        "config of another arch": (ours(tensors, other_arch), "shape"),
        "config not json": (ours(tensors, "{arch: lstm"), "config"),
        "config not an object": (ours(tensors, "[1, 2]"), "config"),
        "config out of range": (
            ours(tensors, config.to_json().replace('"hidden_size":3', '"hidden_size":0')),
            "hidden_size",
        ),
        "config unknown field": (ours(tensors, '{"colour": "red"}'), "colour"),
        "config huge number": (
            ours(tensors, config.to_json().replace('"lr":0.05', '"lr":1' + "0" * 400)),
            "config",
        ),
        "config deeply nested": (ours(tensors, "[" * 20_000 + "]" * 20_000), "config"),
        "metadata not strings": (
            with_header(blob, lambda h: h["__metadata__"].update(x=5)),
            "safetensors",
        ),
        "header not an object": (raw_header(b"[1, 2]"), "malformed"),
        "metadata not an object": (
            with_header(blob, lambda h: h.update(__metadata__=[1])),
            "malformed",
        ),
        "header not json": (raw_header(b"{nope"), "unreadable"),
        "header not utf-8": (raw_header(b'{"\xff": 1}'), "unreadable"),
        "header size zero": (raw_header(b""), "safetensors"),
        "header deeply nested": (
            (200_000).to_bytes(8, "little") + b"[" * 100_000 + b"]" * 100_000,
            "safetensors",
        ),
        "tensor offsets past the end": (blob[: 8 + size] + blob[8 + size :][:-4], "safetensors"),
    }
    return files


BAD = bad_files()


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_are_refused_with_a_clear_reason(name, tmp_path):
    blob, word = BAD[name]
    with pytest.raises(ModelFileError, match=word):
        modelfile.from_bytes(blob)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(blob)
    with pytest.raises(ModelFileError, match=word):
        modelfile.load(path)


def test_truncated_files_are_refused_at_every_kind_of_cut():
    blob = saved()[2]
    size = int.from_bytes(blob[:8], "little")
    cuts = [
        1,
        4,
        7,
        8,
        9,
        8 + size // 2,
        8 + size - 1,
        8 + size,
        8 + size + 1,
        (8 + size + len(blob)) // 2,
        len(blob) - 1,
    ]
    for cut in cuts:
        with pytest.raises(ModelFileError):
            modelfile.from_bytes(blob[:cut])


def test_missing_and_oversized_files(tmp_path, monkeypatch):
    with pytest.raises(ModelFileError, match="no such"):
        modelfile.load(tmp_path / "absent.safetensors")
    with pytest.raises(ModelFileError, match="not a model file"):
        modelfile.load(tmp_path)  # a directory
    model, config, blob = saved()
    path = modelfile.save(model, config, tmp_path / "m.safetensors")
    monkeypatch.setattr(modelfile, "MAX_BYTES", len(blob) - 1)
    with pytest.raises(ModelFileError, match="too large"):
        modelfile.from_bytes(blob)
    with pytest.raises(ModelFileError, match="too large"):
        modelfile.load(path)


def test_refusals_are_value_errors():
    assert issubclass(ModelFileError, ValueError)


def test_nothing_is_ever_unpickled(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    class NoUnpickler:
        def __init__(self, *args, **kwargs):
            forbidden()

    for name in ("load", "loads"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(pickle, "Unpickler", NoUnpickler)
    monkeypatch.setattr(torch, "load", forbidden)
    model, config, blob = saved()
    path = modelfile.save(model, config, tmp_path / "ok.safetensors")
    loaded, loaded_config = modelfile.load(path)
    assert loaded_config == config
    assert_same_model(loaded, model)
    for bad, _ in BAD.values():
        with pytest.raises(ModelFileError):
            modelfile.from_bytes(bad)


# --- the header is checked before any tensor is loaded -----------------------------------------


def crafted(entries: dict, config_json: str, data: bytes = b"") -> bytes:
    """A safetensors file built by hand: any header entries, Parity Lab metadata, `data`."""
    header = {"__metadata__": {"format": modelfile.FORMAT, "config": config_json}, **entries}
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


def header_of(blob: bytes) -> dict:
    size = int.from_bytes(blob[:8], "little")
    return json.loads(blob[8 : 8 + size])


def lying_headers() -> dict[str, tuple[bytes, str]]:
    """Files whose header claims what the config's model cannot have: (bytes, word)."""
    _, config, blob = saved()
    size = int.from_bytes(blob[:8], "little")
    data_part = blob[8 + size :]
    entries = {k: v for k, v in header_of(blob).items() if k != "__metadata__"}
    many = {
        f"w{i}": {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]}
        for i in range(500)
    }
    huge = {
        **entries,
        "head.weight": {"dtype": "F32", "shape": [1, 10**12], "data_offsets": [0, 4 * 10**12]},
    }
    f64 = {**entries, "head.bias": {**entries["head.bias"], "dtype": "F64"}}
    overlap = {**entries, "rnn.bias_hh_l0": entries["rnn.bias_ih_l0"]}  # same bytes twice
    not_ints = {**entries, "head.bias": {**entries["head.bias"], "data_offsets": [0.5, 4.5]}}
    return {
        "500 tensors": (crafted(many, config.to_json(), b"\0" * 2000), "500 tensors"),
        "50,000 tensors": (
            crafted({f"x{i}": {} for i in range(50_000)}, config.to_json()),
            "header too large",
        ),
        "830,000 tensors": (
            crafted({f"x{i}": {} for i in range(830_000)}, config.to_json()),
            "file too large",
        ),
        "huge shape": (crafted(huge, config.to_json(), data_part), "shape"),
        "float64 claimed": (crafted(f64, config.to_json(), data_part), "F64"),
        "overlapping data": (crafted(overlap, config.to_json(), data_part), "overlap"),
        "offsets not integers": (crafted(not_ints, config.to_json(), data_part), "offsets"),
        "data left over": (
            crafted(entries, config.to_json(), data_part + b"\0" * 64),
            "data bytes",
        ),
    }


LYING = lying_headers()


@pytest.mark.parametrize("name", list(LYING))
def test_lying_headers_are_refused_before_any_tensor_is_loaded(name, monkeypatch):
    def no_loading(blob):
        raise AssertionError("tensors were loaded before the header was checked")

    monkeypatch.setattr(modelfile, "load_bytes", no_loading)
    blob, word = LYING[name]
    with pytest.raises(ModelFileError, match=word):
        modelfile.from_bytes(blob)


@pytest.mark.parametrize("name", [*BAD, *LYING])
def test_refusals_are_short_single_lines(name):
    blob = {**BAD, **LYING}[name][0]
    with pytest.raises(ModelFileError) as refusal:
        modelfile.from_bytes(blob)
    message = str(refusal.value)
    assert 0 < len(message) <= MAX_MESSAGE_CHARS and "\n" not in message


def test_huge_names_and_metadata_are_not_echoed():
    model, config, _ = saved()
    tensors = tensors_of(model)
    long_name = {**tensors, "n" * 5000: torch.zeros(1)}
    blob = ours(long_name, config.to_json())
    with pytest.raises(ModelFileError, match="unexpected") as refusal:
        modelfile.from_bytes(blob)
    assert len(str(refusal.value)) <= MAX_MESSAGE_CHARS
    odd_format = save_bytes(tensors, metadata={"format": "\x00\x01" + "f" * 20_000})
    with pytest.raises(ModelFileError, match="not a Parity Lab model") as refusal:
        modelfile.from_bytes(odd_format)
    assert len(str(refusal.value)) <= MAX_MESSAGE_CHARS and "\x00" not in str(refusal.value)


# --- the config in the metadata must be complete ---------------------------------------------


def test_a_config_holding_only_the_arch_is_refused_naming_what_is_missing():
    model = build(Config(arch="lstm", hidden_size=8))
    blob = ours(tensors_of(model), '{"arch":"lstm"}')
    with pytest.raises(ModelFileError, match="missing field") as refusal:
        modelfile.from_bytes(blob)
    assert "batch_size" in str(refusal.value) and "clip" in str(refusal.value)


def test_fields_added_after_the_format_may_be_missing_and_get_defaults(monkeypatch):
    model, config, _ = saved(Config(arch="gru", hidden_size=3, clip=0.0))
    older = {k: v for k, v in config.to_dict().items() if k != "clip"}
    blob = ours(tensors_of(model), json.dumps(older))
    with pytest.raises(ModelFileError, match="clip"):
        modelfile.from_bytes(blob)
    monkeypatch.setattr(modelfile, "FORMAT_FIELDS", modelfile.FORMAT_FIELDS - {"clip"})
    _, loaded = modelfile.from_bytes(blob)  # as if clip were added to Config after the format
    assert loaded == config.replace(clip=Config().clip)


def test_format_fields_are_config_fields():
    assert modelfile.FORMAT_FIELDS <= {f.name for f in fields()}


def test_the_largest_model_fits_the_size_limit():
    blob = saved(Config(arch="lstm", hidden_size=MAX_HIDDEN))[2]
    assert len(blob) <= modelfile.MAX_BYTES
    assert int.from_bytes(blob[:8], "little") <= modelfile.MAX_HEADER_BYTES // 10


def test_load_reads_at_most_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "grows.safetensors"
    path.write_bytes(saved()[2])
    monkeypatch.setattr(modelfile, "MAX_BYTES", 100)  # the file is larger than the limit
    with pytest.raises(ModelFileError, match="too large"):
        modelfile.load(path)


def test_a_file_from_before_density_and_restarts_says_how_it_was_trained():
    """Files written before `density` and `restart_after` existed were trained on half-density
    strings without restarts: loading one must say so, not claim today's defaults."""
    model = build(Config(hidden_size=3))
    config = Config(hidden_size=3)
    old = {k: v for k, v in config.to_dict().items() if k in modelfile.FORMAT_FIELDS}
    blob = save_bytes(
        {k: v.detach().contiguous() for k, v in model.state_dict().items()},
        metadata={"format": modelfile.FORMAT, "config": json.dumps(old)},
    )
    _, loaded = modelfile.from_bytes(blob)
    assert set(modelfile.ADDED_FIELDS) == {f.name for f in fields()} - modelfile.FORMAT_FIELDS
    assert (loaded.density, loaded.restart_after) == ("half", 0)
    assert Config().density != "half"  # today's default differs: the file keeps its own
