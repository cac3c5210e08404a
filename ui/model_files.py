"""The Model page's pieces: downloadable files and a readable config table."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from parity.core import config as config_lib
from parity.core.config import Config
from parity.nets import modelfile
from parity.training.train import TrainResult


def file_stem(config: Config) -> str:
    """A file name from the config: arch, hidden size, seed and a short hash of the rest."""
    digest = hashlib.sha256(config.to_json().encode()).hexdigest()[:8]
    return f"parity-{config.arch}-h{config.hidden_size}-seed{config.seed}-{digest}"


def weights_file(result: TrainResult) -> tuple[str, bytes]:
    """(file name, safetensors bytes with the config in the metadata)."""
    return (
        f"{file_stem(result.config)}.safetensors",
        modelfile.to_bytes(result.model, result.config),
    )


def history_file(result: TrainResult) -> tuple[str, bytes]:
    """(file name, the training history as CSV bytes)."""
    return (f"{file_stem(result.config)}-history.csv", result.history.to_csv(index=False).encode())


def download_buttons(result: TrainResult) -> None:
    """Weights (.safetensors) and history (.csv) download buttons; no weights if diverged."""
    if result.status != "diverged":
        name, blob = weights_file(result)
        st.download_button(
            "Download weights (.safetensors)",
            data=blob,
            file_name=name,
            mime="application/octet-stream",
            on_click="ignore",
            type="primary",
            icon=":material/download:",
        )
    name, blob = history_file(result)
    st.download_button(
        "Download training history (.csv)",
        data=blob,
        file_name=name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/table:",
    )


def summary_line(result: TrainResult) -> str:
    """One sentence on how the model trained."""
    return (
        f"{result.config.arch.upper()}, hidden size {result.config.hidden_size}: "
        f"{result.status} after {result.steps:,} steps, test accuracy "
        f"{result.final_test_accuracy:.1%}."
    )


def config_table(config: Config) -> pd.DataFrame:
    """One row per setting: its label and value."""
    values = config.to_dict()
    return pd.DataFrame(
        {
            "setting": [f.metadata["label"] for f in config_lib.fields()],
            "value": [str(values[f.name]) for f in config_lib.fields()],
        }
    )
