"""The floor: a minimal Streamlit page (title, sidebar slider, four metrics, two altair charts).

bench/app_floor.py serves it with the same Streamlit, beside the lab, as the baseline."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

st.title("Floor")
hidden = st.sidebar.slider("Hidden size", 1, 64, 8)
for column, name in zip(st.columns(4), ["Solved at step", "Time", "Test", "Train"], strict=True):
    column.metric(name, f"{hidden * 10}")
steps = np.arange(100)
frame = pd.DataFrame({"step": steps, "value": 1 - np.exp(-steps / (5 + hidden))})
left, right = st.columns(2)
left.altair_chart(alt.Chart(frame).mark_line().encode(x="step", y="value"), width="stretch")
right.altair_chart(alt.Chart(frame).mark_line().encode(x="step", y="value"), width="stretch")
