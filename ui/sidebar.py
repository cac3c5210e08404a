"""The shared sidebar: one widget per Config field, derived from parity.config.fields().

Each widget has key=<field name> and bind="query-params", so the URL carries every
non-default choice and a copied link reopens the same setup (and, via the cache, the same
trained model). Adding a Config field adds a widget here with no other edit.
"""

from __future__ import annotations

import dataclasses
import math
import re

import streamlit as st

from parity import config as config_lib
from parity.config import Config

# Layout only: fields named here go in the "Advanced" expander; every other field, including
# any field added later, is shown directly.
ADVANCED = frozenset(
    {"impl", "batch_size", "train_size", "clip", "stop", "restart_after", "eval_every"}
)
# Optional widget-kind overrides by field name ("select", "slider", "number", "log").
KIND_OVERRIDES: dict[str, str] = {}
SLIDER_SPAN = 300  # integer fields with a range at most this wide get a slider


def widget_kind(f: dataclasses.Field) -> str:
    """Which widget a field gets: 'select', 'log' (select_slider), 'slider' or 'number'."""
    if f.name in KIND_OVERRIDES:
        return KIND_OVERRIDES[f.name]
    m = f.metadata
    if m["choices"]:
        return "select"
    if m["log"]:
        return "log"
    if isinstance(f.default, int) and m["hi"] - m["lo"] <= SLIDER_SPAN:
        return "slider"
    return "number"


def log_options(lo: float, hi: float, default: float) -> list[float]:
    """A 1-2-5 log grid from lo to hi, plus the default: 1e-4, 2e-4, 5e-4, 1e-3, ..."""
    grid = {
        float(f"{m * 10.0**e:.12g}")
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for m in (1, 2, 5)
    }
    return sorted({v for v in grid if lo <= v <= hi} | {float(default)})


def _format_number(value) -> str:
    return f"{value:g}"


def field_widget(f: dataclasses.Field, container) -> object:
    """Draw the widget for one Config field in `container` and return its value."""
    m, kind = f.metadata, widget_kind(f)
    common = {
        "label": m["label"],
        "help": f"{m['help']} ({config_lib.field_range(f)})",
        "key": f.name,
        "bind": "query-params",
    }
    if kind == "select":
        choices = list(m["choices"])
        return container.selectbox(options=choices, index=choices.index(f.default), **common)
    if kind == "log":
        return container.select_slider(
            options=log_options(m["lo"], m["hi"], f.default),
            value=float(f.default),
            format_func=_format_number,
            **common,
        )
    if isinstance(f.default, int):
        bounds = {"min_value": int(m["lo"]), "max_value": int(m["hi"]), "value": f.default}
        if kind == "slider":
            return container.slider(step=1, **bounds, **common)
        return container.number_input(step=1, **bounds, **common)
    return container.number_input(
        min_value=float(m["lo"]),
        max_value=float(m["hi"]),
        value=float(f.default),
        step=0.1,
        format="%.4g",
        **common,
    )


def reset_to_defaults() -> None:
    """Button callback: every field back to its default (which also clears the URL)."""
    for f in config_lib.fields():
        st.session_state[f.name] = f.default


def render() -> None:
    """The settings sidebar: main fields, then an 'Advanced' expander."""
    sidebar = st.sidebar
    sidebar.header("Settings")
    sidebar.caption(
        "Every setting is in the page address: copy the link to share this "
        "exact setup and its trained model."
    )
    for f in config_lib.fields():
        if f.name not in ADVANCED:
            field_widget(f, sidebar)
    advanced = sidebar.expander("Advanced")
    for f in config_lib.fields():
        if f.name in ADVANCED:
            field_widget(f, advanced)
    sidebar.button("Reset to defaults", on_click=reset_to_defaults, width="stretch")


def labels_in(message: str) -> list[str]:
    """Labels of the Config fields a validation message names, in field order."""
    words = set(re.findall(r"[a-z_]+", message))
    return [f.metadata["label"] for f in config_lib.fields() if f.name in words]


def current_config() -> tuple[Config | None, str | None]:
    """The sidebar's Config, or None and a message saying what to change."""
    values = {f.name: st.session_state.get(f.name, f.default) for f in config_lib.fields()}
    try:
        return Config.from_dict(values), None
    except ValueError as err:
        where = ", ".join(f"“{label}”" for label in labels_in(str(err)))
        fix = f"Change {where} in the sidebar" if where else "Change the settings in the sidebar"
        return (
            None,
            f"These settings cannot be trained: {err}. {fix}, or press “Reset to defaults”.",
        )


def require_config() -> Config:
    """The sidebar's Config; otherwise show what to fix and stop this page (no traceback)."""
    config, message = current_config()
    if config is None:
        st.error(message, icon=":material/error:")
        st.stop()
    return config
