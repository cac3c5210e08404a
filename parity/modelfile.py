"""Model files: safetensors weights with the config in the metadata. Nothing is unpickled."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes

from .config import Config
from .models import ParityModel

FORMAT = "parity-lab/1"
MAX_BYTES = 64 * 1024 * 1024  # a hidden-size-256 LSTM is ~1 MB; anything far larger is not ours


class ModelFileError(ValueError):
    """A file that is not a valid Parity Lab model."""


def to_bytes(model: ParityModel, config: Config) -> bytes:
    """Serialise weights and config to safetensors bytes."""
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    return save_bytes(tensors, metadata={"format": FORMAT, "config": config.to_json()})


def save(model: ParityModel, config: Config, path) -> Path:
    """Write a model file; returns its path."""
    path = Path(path)
    path.write_bytes(to_bytes(model, config))
    return path


def from_bytes(blob: bytes) -> tuple[ParityModel, Config]:
    """Parse and validate a model file's bytes; raises ModelFileError with a clear reason."""
    if not blob:
        raise ModelFileError("empty file: not a model")
    if len(blob) > MAX_BYTES:
        raise ModelFileError(f"file too large for a model ({len(blob)} bytes)")
    if blob[:1] == b"\x80" or blob[:2] == b"PK":
        raise ModelFileError(
            "this looks like a pickle / torch.save file; Parity Lab only "
            "loads safetensors model files (they cannot run code)"
        )
    metadata = _header_metadata(blob)
    if metadata.get("format") != FORMAT:
        raise ModelFileError(
            f"not a Parity Lab model (format {metadata.get('format')!r}, expected {FORMAT!r})"
        )
    try:
        config = Config.from_json(metadata.get("config", ""))
    except (ValueError, OverflowError, RecursionError) as err:  # any JSON a file can carry
        raise ModelFileError(f"invalid config in model file: {err}") from None
    try:
        tensors = load_bytes(blob)
    except (SafetensorError, ValueError, RuntimeError) as err:
        raise ModelFileError(f"corrupt safetensors data: {err}") from None
    model = ParityModel(config.arch, config.hidden_size, config.impl)
    _check_tensors(model, tensors)
    model.load_state_dict(tensors)
    model.eval()
    return model, config


def load(path) -> tuple[ParityModel, Config]:
    """Read and validate a model file from disk."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"no such model file: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise ModelFileError(f"file too large for a model: {path}")
    return from_bytes(path.read_bytes())


def _header_metadata(blob: bytes) -> dict:
    """The safetensors header's __metadata__, read by hand so a bad header gets a clear error."""
    if len(blob) < 8:
        raise ModelFileError("file too short to be a safetensors model (truncated?)")
    size = int.from_bytes(blob[:8], "little")
    if size <= 0 or 8 + size > len(blob):
        raise ModelFileError("not a safetensors file, or truncated (header runs past the end)")
    try:
        header = json.loads(blob[8 : 8 + size])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError("not a safetensors file (unreadable header)") from None
    if not isinstance(header, dict) or not isinstance(header.get("__metadata__", {}), dict):
        raise ModelFileError("not a safetensors file (malformed header)")
    return header.get("__metadata__", {})


def _check_tensors(model: ParityModel, tensors: dict[str, torch.Tensor]) -> None:
    expected = model.state_dict()
    missing, extra = set(expected) - set(tensors), set(tensors) - set(expected)
    if missing or extra:
        raise ModelFileError(
            f"weights do not match the config: missing {sorted(missing)}, "
            f"unexpected {sorted(extra)}"
        )
    for name, tensor in tensors.items():
        if tensor.shape != expected[name].shape or tensor.dtype != torch.float32:
            raise ModelFileError(
                f"weight {name} has shape {tuple(tensor.shape)} "
                f"{tensor.dtype}, expected {tuple(expected[name].shape)} "
                "torch.float32"
            )
        if not torch.isfinite(tensor).all():
            raise ModelFileError(f"weight {name} contains NaN or infinite values")
