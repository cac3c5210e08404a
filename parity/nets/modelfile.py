"""Model files: safetensors weights with the config in the metadata. Nothing is unpickled.

A file is refused by its size first, then by its JSON header (the tensors' names, dtypes,
shapes and data offsets must be exactly those the config's model has), and only then are
tensors loaded: a header claiming 830,000 tensors or huge shapes costs milliseconds, not GB.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes

from ..core.bounded_text import listing, preview, shorten
from ..core.config import Config, fields
from ..core.outfile import write_atomic
from .models import ParityModel

FORMAT = "parity-lab/1"
MAX_BYTES = 4 * 1024 * 1024  # a hidden-size-256 LSTM's file is 1.06 MB; anything larger is not ours
MAX_HEADER_BYTES = 64 * 1024  # ours is under 1 kB: six tensors and the config
DTYPE, DTYPE_BYTES = "F32", 4
# The config fields every "parity-lab/1" file carries. A field added to Config later may be
# missing from an older file; these may not.
FORMAT_FIELDS = frozenset(
    {
        "arch",
        "batch_size",
        "clip",
        "eval_every",
        "hidden_size",
        "impl",
        "lr",
        "max_len",
        "min_len",
        "seed",
        "steps",
        "stop",
        "target",
        "test_max_len",
        "test_min_len",
        "train_size",
    }
)


class ModelFileError(ValueError):
    """A file that is not a valid Parity Lab model; its message is short and plain."""

    def __init__(self, message: str):
        super().__init__(shorten(" ".join(str(message).split())))


def to_bytes(model: ParityModel, config: Config) -> bytes:
    """Serialise weights and config to safetensors bytes."""
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    return save_bytes(tensors, metadata={"format": FORMAT, "config": config.to_json()})


def save(model: ParityModel, config: Config, path) -> Path:
    """Write a model file atomically (an existing file is replaced whole or kept); its path."""
    return write_atomic(path, to_bytes(model, config))


def from_bytes(blob: bytes) -> tuple[ParityModel, Config]:
    """Parse and validate a model file's bytes; raises ModelFileError with a clear reason."""
    check_size(len(blob))
    if blob[:1] == b"\x80" or blob[:2] == b"PK":
        raise ModelFileError(
            "this looks like a pickle / torch.save file; Parity Lab only "
            "loads safetensors model files (they cannot run code)"
        )
    header, data_bytes = _read_header(blob)
    config = config_of(_metadata(header))
    model = ParityModel(config.arch, config.hidden_size, config.impl)
    expected = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    _check_entries(header, expected, data_bytes)
    try:
        tensors = load_bytes(blob)
    except (SafetensorError, ValueError, RuntimeError) as err:
        raise ModelFileError(f"corrupt safetensors data: {err}") from None
    for name, tensor in tensors.items():
        if not torch.isfinite(tensor).all():
            raise ModelFileError(f"weight {name} contains NaN or infinite values")
    model.load_state_dict(tensors)
    model.eval()
    return model, config


def load(path) -> tuple[ParityModel, Config]:
    """Read and validate a model file from disk (never more than MAX_BYTES + 1 bytes of it)."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"no such model file: {path}")
    if not path.is_file():
        raise ModelFileError(f"not a model file (a directory or a device): {path}")
    check_size(path.stat().st_size)
    with path.open("rb") as stream:
        return from_bytes(stream.read(MAX_BYTES + 1))


def check_size(size: int) -> None:
    """Refuse a file by its size alone (before reading it): empty, or over MAX_BYTES."""
    if size == 0:
        raise ModelFileError("empty file: not a model")
    if size > MAX_BYTES:
        raise ModelFileError(
            f"file too large for a model ({size:,} bytes; a model file is at most {MAX_BYTES:,})"
        )


def _read_header(blob: bytes) -> tuple[dict, int]:
    """The safetensors JSON header (size-checked before parsing) and the data section's size."""
    if len(blob) < 8:
        raise ModelFileError("file too short to be a safetensors model (truncated?)")
    size = int.from_bytes(blob[:8], "little")
    if size <= 0 or 8 + size > len(blob):
        raise ModelFileError("not a safetensors file, or truncated (header runs past the end)")
    if size > MAX_HEADER_BYTES:
        raise ModelFileError(
            f"safetensors header too large for a model ({size:,} bytes; "
            f"at most {MAX_HEADER_BYTES:,}): too many tensors or too much metadata"
        )
    try:
        header = json.loads(blob[8 : 8 + size])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError("not a safetensors file (unreadable header)") from None
    if not isinstance(header, dict):
        raise ModelFileError("not a safetensors file (malformed header)")
    return header, len(blob) - 8 - size


def _metadata(header: dict) -> dict[str, str]:
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict):
        raise ModelFileError("not a safetensors file (malformed header: metadata)")
    if not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError("not a safetensors file (metadata values must be text)")
    if metadata.get("format") != FORMAT:
        raise ModelFileError(
            f"not a Parity Lab model (format {preview(metadata.get('format'))}, "
            f"expected {FORMAT!r})"
        )
    return metadata


# Fields added to Config after the first files were written, with the value that describes how
# those older files were trained (not today's default): a file without `density` was trained on
# half-density strings and never restarted, and one without `gate_bias` was initialised
# without it.
ADDED_FIELDS = {"density": "half", "restart_after": 0, "gate_bias": 0.0}


def config_of(metadata: dict[str, str]) -> Config:
    """The config a file's metadata holds: complete (FORMAT_FIELDS at least) and valid."""
    try:
        values = json.loads(metadata.get("config", ""))
    except (json.JSONDecodeError, RecursionError):
        raise ModelFileError("invalid config in model file: not valid JSON") from None
    if not isinstance(values, dict):
        raise ModelFileError("invalid config in model file: config JSON must be an object")
    known = {f.name for f in fields()}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ModelFileError(f"invalid config in model file: unknown field(s) {listing(unknown)}")
    missing = sorted(FORMAT_FIELDS - set(values))
    if missing:
        raise ModelFileError(
            f"incomplete config in model file: missing field(s) {listing(missing, 8)}"
        )
    values = {**ADDED_FIELDS, **values}  # an older file keeps the training it really had
    try:
        return Config.from_dict(values)
    except (ValueError, OverflowError, RecursionError) as err:
        raise ModelFileError(f"invalid config in model file: {err}") from None


def _check_entries(header: dict, expected: dict[str, tuple[int, ...]], data_bytes: int) -> None:
    """Names, dtypes, shapes and offsets exactly as the config's model needs, data fully used."""
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    missing, extra = sorted(set(expected) - set(entries)), sorted(set(entries) - set(expected))
    if missing or extra:
        raise ModelFileError(
            f"weights do not match the config ({len(entries):,} tensors, expected "
            f"{len(expected)}): missing [{listing(missing)}], unexpected [{listing(extra)}]"
        )
    spans = []
    for name, shape in expected.items():
        entry = entries[name]
        if not isinstance(entry, dict):
            raise ModelFileError(f"not a safetensors file (malformed entry for {name})")
        if entry.get("dtype") != DTYPE:
            raise ModelFileError(
                f"weight {name} has dtype {preview(entry.get('dtype'))}, expected "
                f"{DTYPE} (torch.float32)"
            )
        if entry.get("shape") != list(shape):
            raise ModelFileError(
                f"weight {name} has shape {preview(entry.get('shape'))}, expected {list(shape)}"
            )
        span = entry.get("data_offsets")
        if not (isinstance(span, list) and len(span) == 2 and all(type(x) is int for x in span)):
            raise ModelFileError(f"corrupt safetensors data: bad data offsets for {name}")
        if span[1] - span[0] != DTYPE_BYTES * math.prod(shape):
            raise ModelFileError(f"corrupt safetensors data: wrong data size for {name}")
        spans.append(span)
    position = 0
    for begin, end in sorted(spans):
        if begin != position:
            raise ModelFileError("corrupt safetensors data: tensors overlap or leave gaps")
        position = end
    if position != data_bytes:
        raise ModelFileError(
            f"corrupt safetensors data: {data_bytes:,} data bytes, the tensors need {position:,} "
            "(truncated?)"
        )
