"""Presets in the app: a picker at the top of the sidebar, and the expected result on the page.

Applying a preset sets every sidebar widget (so every Config field, and the URL) from the
preset's full configuration. When the sidebar's config is a preset's (any seed), the Train page
shows that preset's expected result next to what this run measured.
"""

from __future__ import annotations

import streamlit as st

from parity.core import config as config_lib
from parity.core.config import Config
from parity.training import presets

PICK = "preset_choice"  # the picker's session key (not a Config field, not in the URL)
APPLY = "preset_apply"


def apply(name: str) -> None:
    """Button callback: every Config field from preset `name` (before the widgets are drawn)."""
    preset = presets.PRESETS[name]
    for f in config_lib.fields():
        st.session_state[f.name] = getattr(preset.config, f.name)


def render_picker(container) -> None:
    """A preset selectbox, the chosen preset's expected result, and an Apply button."""
    name = container.selectbox(
        "What to try",
        options=list(presets.PRESETS),
        index=None,
        format_func=lambda n: presets.PRESETS[n].title,
        placeholder="Choose a preset…",
        key=PICK,
        help="Each preset is a full configuration with the result it is expected to show.",
    )
    if name is not None:
        container.caption(f"Expected: {presets.PRESETS[name].expected}")
    container.button(
        "Apply preset",
        key=APPLY,
        on_click=apply,
        args=(name,),
        disabled=name is None,
        width="stretch",
        icon=":material/playlist_play:",
    )


def this_run(result) -> str:
    """What a run measured, in the words the expectation is written in."""
    status = result.verdict.status if result.verdict else result.status
    accuracy = result.final_test_accuracy
    shown = "—" if accuracy != accuracy else f"{accuracy:.1%}"  # NaN after divergence
    return f"verdict “{status}”, test accuracy {shown}"


def show_expected(config: Config, result) -> None:
    """When `config` is a preset's: its title, expected result and this run's result."""
    name = presets.find(config)
    if name is None:
        return
    preset = presets.PRESETS[name]
    held = preset.expectation.holds(result)
    st.info(
        f"**Preset: {preset.title}** (seed {config.seed}). Expected: {preset.expected}\n\n"
        f"This run: {this_run(result)}: "
        + ("as expected." if held else "not the expected result (it varies with the seed)."),
        icon=":material/science:",
    )
