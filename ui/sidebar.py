"""The shared sidebar: one widget per Config field, derived from parity.core.config.fields().

Each widget has key=<field name> and bind="query-params", so the URL carries every
non-default choice and a copied link reopens the same setup (and, via the cache, the same
trained model). Adding a Config field adds a widget here with no other edit.
"""

from __future__ import annotations

import dataclasses
import math
import re

import streamlit as st

from parity.core import config as config_lib
from parity.core.config import Config
from parity.training import costs

from . import history, presets, ranges, url_values
from .messages import plain
from .url_values import log_options

# Layout only: fields named here go in the "Advanced" expander; every other field, including
# any field added later, is shown directly.
ADVANCED = frozenset(
    {
        "impl",
        "batch_size",
        "train_size",
        "clip",
        "gate_bias",
        "stop",
        "restart_after",
        "eval_every",
    }  # fmt: skip
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


def _format_number(value) -> str:
    return f"{value:g}"


def field_widget(f: dataclasses.Field, container) -> object:
    """Draw the widget for one Config field in `container` and return its value."""
    m, kind = f.metadata, widget_kind(f)
    common = {
        "label": m["label"],
        "help": f"{m['help']} ({range_help(f)})",
        "key": f.name,
        "bind": "query-params",
    }
    if kind == "select":
        choices = list(m["choices"])
        if f.name == "arch":
            common["on_change"] = switch_arch_defaults
        return container.selectbox(options=choices, index=choices.index(f.default), **common)
    if kind == "log":
        return container.select_slider(
            options=log_options(m["lo"], m["hi"], f.default),
            value=float(f.default),
            format_func=_format_number,
            **common,
        )
    lo, hi = ranges.app_range(f)
    if isinstance(f.default, int):
        bounds = {"min_value": int(lo), "max_value": int(hi), "value": f.default}
        if kind == "slider":
            return container.slider(step=1, **bounds, **common)
        return container.number_input(step=1, **bounds, **common)
    return container.number_input(
        min_value=float(lo),
        max_value=float(hi),
        value=float(f.default),
        step=0.1,
        format="%.4g",
        **common,
    )


def range_help(f: dataclasses.Field) -> str:
    """'1..64 here; the command line allows up to 256', or just the range."""
    here = ranges.field_range(f)
    if ranges.app_hi(f) is None:
        return here
    return f"{here} here; the command line allows up to {f.metadata['hi']:,}"


OTHER_PARAMS = ("runs", "history", "overlay", "embed", "embed_options")  # not settings


def url_warnings() -> list[str]:
    """A warning for every address value the sidebar's widgets will not use, saying why.

    Read before the widgets are drawn (they drop such values from the address), and only for
    widgets not drawn yet in this session: the ones that take their first value from it.
    """
    warnings, fresh = [], [f for f in config_lib.fields() if f.name not in st.session_state]
    for f in fresh:
        text = st.query_params.get(f.name)
        if text is None:
            continue
        if url_values.above_app_limit(f, text):
            warnings.append(over_limit_message(f, config_lib.coerce(f, text)))
        elif (why := url_values.reason(f, text)) is not None:
            default = f.default if isinstance(f.default, str) else f"{f.default:g}"
            warnings.append(
                f"The link's {f.name}={plain(text, 24)} (“{f.metadata['label']}”) was not "
                f"used: {why}; the setting was left at its default ({default})."
            )
    if len(fresh) < len(config_lib.fields()):
        return warnings  # not the session's first run: misspelt names were named then
    for param in st.query_params:
        meant = None if param in OTHER_PARAMS else url_values.misspelt(param)
        if meant is not None:
            warnings.append(
                f"The link's {plain(param, 24)} is not a setting of this app, so it was not "
                f"used; did you mean {meant}?"
            )
    return warnings


def over_limit_message(f: dataclasses.Field, value) -> str:
    limit = ranges.app_hi(f)
    return (
        f"The link asks for {f.name}={plain(value, 24)} (“{f.metadata['label']}”), "
        f"above this app's limit of {limit:,}; the setting was left at its default. "
        "The limits keep a shared server within its memory and time; the command line "
        f"allows up to {f.metadata['hi']:,} (see python -m parity train --help)."
    )


ARCH_NOTE_KEY = "arch_defaults_note"  # session key: what the last architecture switch changed
ARCH_SHOWN_KEY = "arch_defaults_of"  # session key: the architecture whose defaults are shown


def arch_switch_changes(values: dict, old: str, new: str) -> dict[str, tuple]:
    """{field: (value now, new value)} for config_lib.arch_switch's fields."""
    moved = config_lib.arch_switch(values, old, new)
    return {name: (values[name], value) for name, value in moved.items()}


def arch_note(new: str, changes: dict[str, tuple]) -> str | None:
    """'GRU defaults: Learning rate 0.05 → 0.02, ... (why)', or None when nothing changed."""
    if not changes:
        return None
    labels = {f.name: f.metadata["label"] for f in config_lib.fields()}
    moved = ", ".join(
        f"{labels[n]} {a:g} → {b:g}" if isinstance(a, float) else f"{labels[n]} {a} → {b}"
        for n, (a, b) in changes.items()
    )
    return f"{new.upper()} defaults: {moved}. {config_lib.WHY[new]}".strip()


def switch_arch_defaults() -> None:
    """Architecture callback: move the fields still at the old architecture's defaults to the
    new one's, and keep a note of what moved for the sidebar to show."""
    state = st.session_state
    new = state["arch"]
    old = state.get(ARCH_SHOWN_KEY, "lstm")
    values = {f.name: state.get(f.name, f.default) for f in config_lib.fields()}
    changes = arch_switch_changes(values, old, new)
    for name, (_, value) in changes.items():
        state[name] = value
    state[ARCH_NOTE_KEY] = arch_note(new, changes)


def reset_to_defaults() -> None:
    """Button callback: every field back to its default (which also clears the URL)."""
    for f in config_lib.fields():
        st.session_state[f.name] = f.default
    st.session_state[ARCH_NOTE_KEY] = None


def _unreadable(text: str | None) -> bool:
    """True for a URL number Streamlit 1.67 cannot turn into an int: 1e400, -inf."""
    try:
        return text is not None and not math.isfinite(float(text))
    except ValueError:
        return False  # not a number at all: Streamlit ignores it itself


def drop_unreadable_numbers() -> None:
    """Remove URL numbers no widget can read: seeding a number_input from seed=1e400 raises
    OverflowError inside Streamlit 1.67, which seeds from its copy of the first URL (internal
    API, hence the import here), so the copy is refreshed too. Other invalid values Streamlit
    ignores by itself."""
    bad = [
        f.name
        for f in config_lib.fields()
        if not f.metadata["choices"] and _unreadable(st.query_params.get(f.name))
    ]
    if not bad:
        return
    from streamlit.runtime.state.session_state_proxy import get_session_state

    with get_session_state().query_params() as params:
        for name in bad:
            del params[name]
        params.set_initial_query_params_from_current()


def _url_value(f: dataclasses.Field, text: str | None):
    """What the address's `text` means for field `f` (None: absent or unreadable)."""
    if text is None:
        return None
    return text if f.metadata["choices"] else url_values.number(f, text)


def sync_url_with_widgets() -> None:
    """Write into the address any setting whose value there differs from its widget's.

    The widgets write the address themselves (bind="query-params"), but a page switch right
    after a slider's last step can carry the address of the step before to the server (seen:
    a slider moved 8 -> 9 -> 10, then Look inside clicked: the widget showed 10, the address
    said 9 from then on, and the next address write sent 9 back to the browser). A link copied
    then would open another setup than the one shown. Streamlit's own correction call is used
    (the one it makes after clamping a value), since a bound parameter refuses st.query_params
    (internal API, hence the import here); a value equal in meaning is left as written."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    state = st.session_state
    with get_session_state().query_params() as params:
        for f in config_lib.fields():
            if f.name not in state:
                continue
            value = state[f.name]
            text = params.get(f.name)
            if value == f.default:
                if text is not None:
                    params.remove_param(f.name)
            elif _url_value(f, text) != value:
                params.set_corrected_value(f.name, _address_text(value), "string_value")


def _address_text(value) -> str:
    """A value as the address holds it, exactly (as Streamlit writes numbers: 2.0 as "2";
    never rounded, so a seed of 1,234,567 stays whole)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render() -> None:
    """The settings sidebar: main fields, then an 'Advanced' expander."""
    unusable = url_warnings()  # read before the widgets drop the values from the URL
    drop_unreadable_numbers()
    sidebar = st.sidebar
    presets.render_picker(sidebar)
    sidebar.header("Settings")
    sidebar.caption(
        "Every setting is in the page address: copy the link to share this "
        "exact setup and its trained model."
    )
    for f in config_lib.fields():
        if f.name not in ADVANCED:
            value = field_widget(f, sidebar)
            if f.name == "arch":
                st.session_state[ARCH_SHOWN_KEY] = value
            if f.name == "arch" and st.session_state.get(ARCH_NOTE_KEY):
                sidebar.info(st.session_state[ARCH_NOTE_KEY], icon=":material/tune:")
    advanced = sidebar.expander("Advanced")
    for f in config_lib.fields():
        if f.name in ADVANCED:
            field_widget(f, advanced)
    sidebar.button("Reset to defaults", on_click=reset_to_defaults, width="stretch")
    for message in unusable:
        st.warning(message, icon=":material/block:")
    sync_url_with_widgets()  # before the history writes the address
    history.keep()  # the visitor's runs, restored from the address and kept in it


def labels_in(message: str) -> list[str]:
    """Labels of the Config fields a validation message names, in field order."""
    words = set(re.findall(r"[a-z_]+", message))
    return [f.metadata["label"] for f in config_lib.fields() if f.name in words]


def current_config() -> tuple[Config | None, str | None]:
    """The sidebar's Config, or None and a message saying what to change.

    A valid Config is also refused when the app's server could not train it with margin:
    a field above the app's range, or an estimated peak memory or time over the app's budget
    (ui.ranges, from parity.training.costs' estimates).
    """
    values = {f.name: st.session_state.get(f.name, f.default) for f in config_lib.fields()}
    try:
        config = Config.from_dict(values)
    except ValueError as err:
        where = ", ".join(f"“{label}”" for label in labels_in(str(err)))
        fix = f"Change {where} in the sidebar" if where else "Change the settings in the sidebar"
        return (
            None,
            f"These settings cannot be trained: {err}. {fix}, or press “Reset to defaults”.",
        )
    refused = budget_message(config)
    return (None, refused) if refused else (config, None)


def budget_message(config: Config) -> str | None:
    """Why this app will not train `config`, naming what to lower, or None if it fits."""
    over = ranges.over_app_range(config)
    if over:
        name, value, limit = over[0]
        return (
            f"{_label(name)} is {value:,}, above this app's limit of {limit:,}. Lower it, "
            f"or train this setup with the command line: `{cli_command(config)}`."
        )
    refusal = ranges.app_refusal(config)
    if refusal is None:
        return None
    if refusal.what == "memory":
        need = (
            f"about {refusal.needed / costs.MB:,.0f} MB of memory to train (a pessimistic "
            f"estimate), more than the {refusal.allowed / costs.MB:,.0f} MB"
        )
    else:
        need = (
            f"up to about {refusal.needed / 60:,.0f} minutes to train (a pessimistic estimate "
            f"for the whole step budget), more than the {refusal.allowed / 60:,.0f} minutes"
        )
    lower = " or ".join(_label(name) for name in refusal.lower)
    also = "".join(f", or raise {_label(name)}" for name in refusal.raise_)
    return (
        f"These settings would need {need} this shared app allows one run. Lower {lower}"
        f"{also}; or train it with the command line: `{cli_command(config)}`."
    )


def _label(name: str) -> str:
    field = next(f for f in config_lib.fields() if f.name == name)
    return f"“{field.metadata['label']}”"


def cli_command(config: Config) -> str:
    """The command line that trains `config`: the fields that differ from its architecture's
    defaults (the command line's) as flags."""
    defaults = config_lib.arch_defaults(config.arch)
    flags = [
        f"--{f.name.replace('_', '-')} {getattr(config, f.name):g}"
        if isinstance(f.default, float)
        else f"--{f.name.replace('_', '-')} {getattr(config, f.name)}"
        for f in config_lib.fields()
        if getattr(config, f.name) != defaults[f.name]
        or (f.name == "arch" and config.arch != "lstm")
    ]
    return " ".join(["python -m parity train", *flags])


def require_config() -> Config:
    """The sidebar's Config; otherwise show what to fix and stop this page (no traceback)."""
    config, message = current_config()
    if config is None:
        st.error(message, icon=":material/error:")
        st.stop()
    return config
