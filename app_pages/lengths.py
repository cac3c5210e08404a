"""Length generalization: accuracy on strings from 1 to 10,000 bits long."""

import streamlit as st

from parity.charts import lengths as charts
from parity.charts import stress
from parity.evaluation import families
from ui import cached, compare, proof, session, verdict

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
compare.show_length_overlay(lengths, size)

st.subheader("Stress families")
st.markdown(
    "Random strings almost never contain a long run of 0s, so a network whose *odd* state "
    "slowly fades back to *even* can be perfect on them and still answer a single 1 followed "
    "by 200 zeros wrongly. Each row below is a family of structured strings; green cells "
    f"are perfect, red ones near guessing. Random families use {cached.FAMILY_SIZE} strings "
    "each."
)
grid = cached.family_accuracy(active.key, active.model, cached.FAMILY_LENGTHS, cached.FAMILY_SIZE)
st.altair_chart(stress.family_heatmap(grid), width="stretch")
failing = grid[grid["accuracy"] < 1.0]
if failing.empty:
    st.success(
        f"Every family is perfect at every length up to {cached.FAMILY_LENGTHS[-1]:,} bits.",
        icon=":material/verified:",
    )
else:
    cells = {
        f"{families.FAMILIES[r.family].label}, length {r.length:,} ({r.accuracy:.1%} right)": (
            r.family,
            r.length,
        )
        for r in failing.itertuples()
    }
    chosen = st.selectbox("Strings it gets wrong", list(cells), key="failing_cell")
    family, length = cells[chosen]
    for i, bits in enumerate(
        cached.failing_examples(active.key, active.model, family, length, cached.FAMILY_SIZE)
    ):
        text_col, button_col = st.columns([5, 1], vertical_alignment="center")
        text_col.markdown(verdict.bits_caption(bits))
        with button_col:
            verdict.look_inside_button(bits, key=f"failing_{i}")

proof.show_margins(active.key, active.model, c.hidden_size)
