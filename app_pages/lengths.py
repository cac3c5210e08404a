"""Length generalization: accuracy on strings from 1 to 10,000 bits long."""

import streamlit as st

from parity import charts
from ui import cached, session

st.title(":material/straighten: Length generalization")
st.markdown(
    "A network that has really learned parity gets it right at any length; one that only "
    "memorised its training strings fails soon after them. Each point is the accuracy on "
    "fresh random strings of exactly that length; the shaded bands are the lengths it was "
    "trained and tested on, the dashed line is guessing (50%)."
)

active = session.active_model()
size = st.columns([1, 2])[0].select_slider(
    "Strings per length",
    options=[100, 200, 500, 1000],
    value=200,
    key="strings_per_length",
    persist_state="session",
    help="More strings give a finer accuracy estimate but take longer.",
)
lengths = cached.log_lengths()
table = cached.accuracy_by_length(active.key, active.model, lengths, size)

c = active.config
first = charts.first_length_below(table)
left, middle, right = st.columns(3)
left.metric("First length below 100%", f"{first:,}" if first else "none up to 10,000")
middle.metric("Accuracy at 10,000 bits", f"{table['accuracy'].iloc[-1]:.1%}")
right.metric("Trained on lengths", f"{c.min_len}–{c.max_len}")
if first is None:
    st.success(
        f"Perfect at every one of the {len(lengths)} lengths measured, up to 10,000 "
        f"bits: about {10_000 // c.max_len:,}× longer than anything seen in training."
    )
else:
    st.write(
        f"Accuracy first falls below 100% at length **{first:,}** (of the "
        f"{len(lengths)} lengths measured, {size} strings each)."
    )
chart = charts.length_chart(table, (c.min_len, c.max_len), (c.test_min_len, c.test_max_len))
st.altair_chart(chart, width="stretch")
