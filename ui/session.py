"""Per-visitor state: an uploaded model that takes over, and random bit strings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from parity.core import data
from parity.core.config import Config
from parity.nets import modelfile
from parity.nets.models import ParityModel
from parity.training.train import TrainResult

from . import ranges, sidebar, training
from .messages import plain

UPLOAD = "uploaded_model"  # session_state key of the adopted upload
UPLOADER_ROUND = "uploader_round"  # bumped to give the file uploader a fresh, empty key
BITS = "bit_string"
RANDOM_LENGTH = "random_length"
RANDOM_DRAWS = "random_draws"
DEFAULT_BITS = "0110100110010110"
REASON_CHARS = 160  # with a 60-character name: under 300 characters shown in all


@dataclass(frozen=True)
class ActiveModel:
    """The model a page should show: the sidebar's trained one or this visitor's upload."""

    model: ParityModel
    config: Config
    key: str  # cache key: the config JSON, or the upload's sha256
    source: str  # 'sidebar' or 'upload'
    name: str = ""


def uploader_key() -> str:
    return f"model_file_{st.session_state.get(UPLOADER_ROUND, 0)}"


def accept_upload(name: str, blob: bytes) -> str | None:
    """Adopt an uploaded model file for this visitor; returns an error message or None.

    The size is checked before anything reads the bytes; the message quotes the file's name
    and the reason as short plain text (a crafted name or metadata renders no Markdown).
    """
    try:
        modelfile.check_size(len(blob))
    except modelfile.ModelFileError as err:
        return upload_refusal(name, err)
    digest = hashlib.sha256(blob).hexdigest()
    current = st.session_state.get(UPLOAD)
    if current is not None and current.key == f"upload:{digest}":
        return None
    try:
        model, config = modelfile.from_bytes(blob)
    except modelfile.ModelFileError as err:
        return upload_refusal(name, err)
    over = ranges.over_app_range(config)
    if over:  # memory is bounded whatever the size, but time is not: keep a core for others
        field, value, limit = over[0]
        return (
            f"This model has {field} {value:,}, above this app's limit of {limit:,}: "
            "measuring or tracing it here would hold a shared core for minutes. Use the "
            "command line instead: `python -m parity evaluate --model FILE --lengths 10,100,"
            "1000` or `python -m parity trace --model FILE BITS`."
        )
    st.session_state[UPLOAD] = ActiveModel(model, config, f"upload:{digest}", "upload", name)
    return None


def upload_refusal(name: str, reason: Exception) -> str:
    """Why an upload was refused: the name and reason as plain text, the whole kept short."""
    return (
        f"“{plain(name)}” is not a Parity Lab model: {plain(reason, REASON_CHARS)}. "
        "Upload a .safetensors file downloaded from this page."
    )


def forget_upload() -> None:
    """Back to the sidebar's model; also empties the file uploader."""
    st.session_state.pop(UPLOAD, None)
    st.session_state[UPLOADER_ROUND] = st.session_state.get(UPLOADER_ROUND, 0) + 1


def uploaded() -> ActiveModel | None:
    return st.session_state.get(UPLOAD)


def upload_notice(active: ActiveModel) -> None:
    """The visible notice that an uploaded model is in use, with the way back."""
    c = active.config
    st.info(
        f"Showing your uploaded model **{plain(active.name)}** ({c.arch.upper()}, hidden size "
        f"{c.hidden_size}, trained on lengths {c.min_len}–{c.max_len}). The sidebar's "
        "settings do not apply to it.",
        icon=":material/upload_file:",
    )
    st.button("Use the sidebar model again", on_click=forget_upload)


def active_model() -> ActiveModel:
    """The upload if there is one (with its notice), else the sidebar's model, trained."""
    upload = uploaded()
    if upload is not None:
        upload_notice(upload)
        return upload
    config = sidebar.require_config()
    result = training.require_trained(config)
    if result.status == "diverged":
        st.error(diverged_message(result), icon=":material/error:")
        st.stop()
    return ActiveModel(result.model, config, config.to_json(), "sidebar")


def diverged_message(result: TrainResult) -> str:
    return (
        f"Training diverged: the loss became NaN at step {result.steps:,}; lower the "
        "learning rate or turn on clipping (Advanced › Gradient clipping)."
    )


def draw_random_bits() -> None:
    """Button callback: a new random bit string of the chosen length (seeded by a counter)."""
    draws = st.session_state.get(RANDOM_DRAWS, 0) + 1
    length = int(st.session_state.get(RANDOM_LENGTH, len(DEFAULT_BITS)))
    batch = data.random_batch(data.generator(draws), 1, length, length)
    st.session_state[RANDOM_DRAWS] = draws
    st.session_state[BITS] = "".join(str(int(b)) for b in batch.bits[0].tolist())
