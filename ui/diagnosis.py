"""The diagnosis of a failed run on the Train page, with buttons that apply its suggestions."""

from __future__ import annotations

import streamlit as st

from parity.core import config as config_lib
from parity.training.diagnosis import diagnose

from .ranges import trainable

LABELS = {f.name: f.metadata["label"] for f in config_lib.fields()}


def apply_changes(changes: dict) -> None:
    """Button callback: set the named sidebar fields (and so the URL) before the next run."""
    for name, value in changes.items():
        st.session_state[name] = value


def change_text(changes: dict) -> str:
    """'Learning rate → 0.05, Training target → every'."""
    return ", ".join(
        f"{LABELS[k]} → {v:g}" if isinstance(v, float) else f"{LABELS[k]} → {v}"
        for k, v in changes.items()
    )


def show(result) -> None:
    """What probably went wrong and what to change; nothing for a run that worked."""
    found = diagnose(result, trainable)
    if found is None:
        return
    with st.container(border=True):
        st.markdown(f"**What probably went wrong: {found.title.lower()}.** {found.explanation}")
        for i, suggestion in enumerate(found.suggestions):
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(f"Try **{change_text(suggestion.changes)}**: {suggestion.reason}.")
            button.button(
                "Apply suggestion",
                key=f"suggestion_{i}",
                on_click=apply_changes,
                args=(suggestion.changes,),
                width="stretch",
            )
