"""Hostile inputs for every surface: flags, bit strings, stdin, URL parameters, text boxes, files.

Each builder returns name -> case, so tests/test_hostile.py can parametrize over them and the
README can quote how many inputs were tried.
"""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import torch
from safetensors.torch import save as save_bytes

from parity.core.config import MAX_TEST_LEN, Config
from parity.core.data import max_text_chars
from parity.nets import modelfile
from parity.nets.models import build

MARKUP = "**bold** [a link](https://example.org/x) ![img](https://example.org/pixel.png) <b>x</b>"
SMALL = Config(arch="gru", hidden_size=3)


class RunsCode:
    """Unpickling this writes `marker`: proof that a file's code ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('code ran')",))


def code_running_pickles(marker: Path) -> dict[str, bytes]:
    """Pickles and torch.save files that would create `marker` if anything unpickled them."""
    files = {f"pickle protocol {p}": pickle.dumps(RunsCode(marker), protocol=p) for p in (0, 2, 5)}
    for legacy in (False, True):
        buffer = io.BytesIO()
        torch.save(RunsCode(marker), buffer, _use_new_zipfile_serialization=not legacy)
        files[f"torch.save {'legacy' if legacy else 'zip'}"] = buffer.getvalue()
    return files


def _file(entries: dict, metadata: dict, data: bytes = b"") -> bytes:
    """A safetensors file by hand: any header entries and metadata, then `data`."""
    text = json.dumps({"__metadata__": metadata, **entries}).encode()
    return len(text).to_bytes(8, "little") + text + data


def _ours(tensors: dict, config_json: str) -> bytes:
    return save_bytes(tensors, metadata={"format": modelfile.FORMAT, "config": config_json})


def _many_tensors(count: int) -> bytes:
    """A ~50 MB file whose header lists `count` one-element tensors (built as text: cheap)."""
    meta = json.dumps({"format": modelfile.FORMAT, "config": SMALL.to_json()})
    entries = ",".join(
        f'"t{i}":{{"dtype":"F32","shape":[1],"data_offsets":[{4 * i},{4 * i + 4}]}}'
        for i in range(count)
    )
    text = f'{{"__metadata__":{meta},{entries}}}'.encode()
    return len(text).to_bytes(8, "little") + text + b"\0" * (4 * count)


def model_files(marker: Path) -> dict[str, bytes]:
    """Every kind of bad model file, code-running pickles included."""
    good = modelfile.to_bytes(build(SMALL), SMALL)
    tensors = {k: v.clone() for k, v in build(SMALL).state_dict().items()}
    size = int.from_bytes(good[:8], "little")
    meta = {"format": modelfile.FORMAT, "config": SMALL.to_json()}
    one = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
    config = SMALL.to_dict()
    return {
        **code_running_pickles(marker),
        "empty": b"",
        "truncated in the header": good[: size // 2],
        "truncated in the data": good[:-7],
        "oversized (5 MB of zeros after a model)": good + b"\0" * (5 * 1024 * 1024),
        "header size of 2**63": (2**63).to_bytes(8, "little") + good[8:],
        "header claiming 830,000 tensors": _many_tensors(830_000),
        "header claiming 3,000 tiny tensors": _file(
            {f"t{i}": one for i in range(3000)}, meta, b"\0" * 4
        ),
        "header claiming a 10**12-element tensor": _file(
            {"head.weight": {"dtype": "F32", "shape": [10**6, 10**6], "data_offsets": [0, 4]}},
            meta,
        ),
        "wrong shapes": _ours({**tensors, "head.weight": torch.zeros(1, 7)}, SMALL.to_json()),
        "float64 weights": _ours({k: v.double() for k, v in tensors.items()}, SMALL.to_json()),
        "int8 weights": _ours({k: v.to(torch.int8) for k, v in tensors.items()}, SMALL.to_json()),
        "NaN weights": _ours({**tensors, "head.bias": torch.tensor([torch.nan])}, SMALL.to_json()),
        "config with only the arch": _ours(tensors, '{"arch":"gru"}'),
        "config out of range": _ours(tensors, json.dumps({**config, "hidden_size": 10**9})),
        "config JSON nested 20,000 deep": _ours(tensors, "[" * 20_000 + "]" * 20_000),
        "markup in the format": save_bytes(tensors, metadata={"format": MARKUP}),
        "markup in the config": _ours(tensors, json.dumps({**config, "arch": MARKUP})),
        "markup in a tensor name": _ours({**tensors, MARKUP: torch.zeros(1)}, SMALL.to_json()),
        "a 5,000-character tensor name": _ours(
            {**tensors, "n" * 5000: torch.zeros(1)}, SMALL.to_json()
        ),
        "binary metadata": save_bytes(tensors, metadata={"format": "\x00\x1b[31m\x07" * 100}),
        "random bytes": bytes(range(256)) * 16,
    }


# Flags: (argv, a word the one-line error must contain). Long values test the message bound.
CLI_FLAGS: dict[str, tuple[list[str], str]] = {
    "hidden size 10**30": (["train", "--hidden-size", "1" + "0" * 30], "hidden_size"),
    "hidden size 100,000 digits": (["train", "--hidden-size", "9" * 100_000], "hidden_size"),
    "lr nan": (["train", "--lr", "nan"], "lr"),
    "lr 1e400": (["train", "--lr", "1e400"], "lr"),
    "steps negative": (["train", "--steps", "-5"], "steps"),
    "arch with markup": (["train", "--arch", MARKUP], "arch"),
    "arch of 100,000 characters": (["train", "--arch", "x" * 100_000], "arch"),
    "seed in superscript digits": (["train", "--seed", "¹²"], "seed"),
    "unknown flag": (["train", "--" + "z" * 50_000], "unrecognized"),
    "out empty": (["train", "--out", ""], "empty file name"),
    "out a directory": (["train", "--out", "/tmp"], "directory"),
    "out /dev/full": (["train", "--out", "/dev/full"], "not a regular file"),
    "out in a missing directory": (["train", "--out", "/no/such/dir/m.safetensors"], "exist"),
    "lengths 10**20": (["evaluate", "--model", "m", "--lengths", "1" + "0" * 20], "lengths"),
    "lengths of 100,000 commas": (
        ["evaluate", "--model", "m", "--lengths", "," * 100_000],
        "integers",
    ),
    "size 0": (["evaluate", "--model", "m", "--lengths", "5", "--size", "0"], "--size"),
    "trace format html": (["trace", "--model", "m", "--format", "<html>", "1"], "format"),
}

# Bit strings given as arguments (predict and trace): (text, a word the error must contain).
BIT_STRINGS: dict[str, tuple[str, str]] = {
    "letters": ("01a1", "invalid character"),
    "markup": (MARKUP, "invalid character"),
    "full-width digits": ("０１", "invalid character"),
    "NUL-free control characters": ("01\x1b[31m", "invalid character"),
    "only spaces": ("   ", "empty bit string"),
    "one bit too many": ("1" * (MAX_TEST_LEN + 1), "too long"),
    "100,000 characters": ("1" * 100_000, "too long"),
    "spaced past the text limit": ("1 " * (max_text_chars(MAX_TEST_LEN) // 2 + 1), "too long"),
}

# stdin for predict: name -> (how to make it, a word the error must contain).
# "zeros": endless NUL bytes; "ones": endless "1\n" lines; "line": one 200 MB line of 1s.
STDIN_STREAMS: dict[str, tuple[str, str]] = {
    "endless NUL bytes (/dev/zero)": ("zeros", "too long"),
    "endless lines of 1": ("ones", "too much input"),
    "one 200 MB line of 1s": ("line", "too long"),
}

# URL query parameters (every page): invalid values are ignored, unknown keys too.
URL_QUERIES: dict[str, dict[str, str]] = {
    "numbers out of every range": {
        "hidden_size": "1" + "0" * 40,
        "lr": "nan",
        "steps": "-1",
        "seed": "1e400",
        "batch_size": "0",
    },
    "markup in every kind of field": {"arch": MARKUP, "stop": MARKUP, "lr": MARKUP},
    "100,000-character values": {"arch": "x" * 100_000, "max_len": "9" * 100_000},
    "unknown keys with markup": {MARKUP[:40]: MARKUP, "__proto__": "1", "": "x"},
    "control characters": {"arch": "lstm\x00\x1b[31m", "impl": "torch\n\ntorch"},
}

# The Look inside page's bit-string box: (text, a word the error must contain).
TEXT_BOX: dict[str, tuple[str, str]] = {
    "markup": (MARKUP, "invalid character"),
    "a 1 MB paste": ("1" * 1_000_000, "too long"),
    "a 10,001-bit string": ("1" * (MAX_TEST_LEN + 1), "too long"),
    "control characters": ("01\x00\x1b]8;;https://example.org\x07", "invalid character"),
    "backticks": ("`01`", "invalid character"),
}

# Upload names (with a good file they are shown; with a bad one, quoted in the refusal).
UPLOAD_NAMES: dict[str, str] = {
    "markup": MARKUP + ".safetensors",
    "10,000 characters": "m" * 10_000 + ".safetensors",
    "newlines and headings": "a\n# heading\n- item.safetensors",
    "a streamlit directive": ":red[red] :material/warning: $x^2$.safetensors",
}
