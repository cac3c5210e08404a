"""The floor page with the lab's own sidebar (ui.sidebar): what those widgets cost by themselves.

bench/app_floor.py serves it beside the lab and the minimal page."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import altair as alt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from ui import sidebar  # noqa: E402

st.title("Floor with the lab's sidebar")
sidebar.render()
hidden = st.session_state.get("hidden_size", 8)
for column, name in zip(st.columns(4), ["Solved at step", "Time", "Test", "Train"], strict=True):
    column.metric(name, f"{hidden * 10}")
steps = np.arange(100)
frame = pd.DataFrame({"step": steps, "value": 1 - np.exp(-steps / (5 + hidden))})
left, right = st.columns(2)
left.altair_chart(alt.Chart(frame).mark_line().encode(x="step", y="value"), width="stretch")
right.altair_chart(alt.Chart(frame).mark_line().encode(x="step", y="value"), width="stretch")
