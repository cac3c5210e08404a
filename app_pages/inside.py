"""Look inside: what every gate and unit does, step by step, while the model reads a string."""

import streamlit as st

from parity.charts import machine as machine_charts
from parity.charts import states as charts
from parity.core import data
from parity.core.config import MAX_TEST_LEN as MAX_BITS
from ui import cached, inside, replay, session
from ui.messages import plain

st.title(":material/biotech: Look inside")
st.markdown(
    "Type a bit string and watch the trained network read it, one bit per column. Each heat "
    "map is one quantity inside the cell, one row per unit. **Gates** (0 to 1) decide how "
    "much passes: the *forget* gate keeps the old state, the *input* / *update* gate lets "
    "the new bit in. A unit that flips sign at every 1 is counting parity."
)

active = session.active_model()
st.session_state.setdefault(session.BITS, session.DEFAULT_BITS)
text_col, length_col, button_col = st.columns([6, 2, 2], vertical_alignment="bottom")
text = text_col.text_input(
    "Bit string",
    key=session.BITS,
    persist_state="session",
    help=f"0s and 1s, spaces ignored, up to {MAX_BITS:,} bits.",
)
length_col.number_input(
    "Random length",
    min_value=1,
    max_value=MAX_BITS,
    value=64,
    step=1,
    key=session.RANDOM_LENGTH,
    persist_state="session",
)
button_col.button("Random string", on_click=session.draw_random_bits, width="stretch")

try:
    bits = data.parse_bits(text, max_len=MAX_BITS)
except ValueError as err:
    st.error(
        f"Cannot read this bit string: {plain(err, 160)}. Type only 0s and 1s (at most "
        f"{MAX_BITS:,}), or press “Random string”.",
        icon=":material/error:",
    )
    st.stop()
limit = inside.max_bits(active.config.hidden_size)
if len(bits) > limit:
    st.warning(
        f"Showing the first {limit:,} of {len(bits):,} bits: with "
        f"{active.config.hidden_size} hidden units a longer trace would not fit in "
        "memory. Use a shorter string or a smaller hidden size to see it all.",
        icon=":material/content_cut:",
    )
    bits = bits[:limit]

bits = tuple(bits)
order = st.radio(
    "Unit order",
    inside.UNIT_ORDERS,
    horizontal=True,
    key="unit_order",
    help=f"★ marks units that alone tell the running parity on at least {inside.TRACKS:.0%} "
    "of many sampled steps (What it computes ranks them all).",
)


def draw(model, key: str, step: int | None) -> None:
    """Metrics, heat maps and the running prediction of `model` over the bit string."""
    rec = cached.recording(key, model, bits)
    shown = inside.string_metrics(rec)
    for column, (label, value) in zip(st.columns(len(shown)), shown.items(), strict=True):
        column.metric(label, value)
    first, last = inside.window_controls(rec, key)
    view = inside.window_view(rec, first, last)
    if view.caption:
        st.caption(view.caption)
    ranking = cached.state_map(key, model).ranking
    unit_order, unit_names = inside.unit_labels(ranking, order)
    for quantity in view.quantities:
        chart = charts.state_heatmap(
            view.binned,
            quantity,
            show_digits=last - first < 48,
            unit_order=unit_order,
            unit_names=unit_names,
        )
        st.altair_chart(chart, width="stretch")
    st.caption(inside.COLOURS)
    st.altair_chart(charts.prediction_chart(view.prediction), width="stretch")
    with st.expander("Which units track the parity?"):
        st.altair_chart(machine_charts.unit_chart(ranking), width="stretch")


replay.show(active, draw)
