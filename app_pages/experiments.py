"""Experiments: many seeded training runs at once, summarised; the page's choices in its URL."""

import json

import streamlit as st

from parity.charts import experiments as charts
from parity.experiments.definitions import RFR_CONDITIONS, RFR_LEN
from parity.experiments.runs import summarise
from parity.experiments.summaries import SHORT_NAMES, rfr_explanation
from ui import experiment_choices as choices_lib
from ui import experiments as page

st.title(":material/science: Experiments")
st.markdown(
    "One training run shows little; a lab compares. An experiment trains many networks, each "
    "with its own seed, and shows them together. Its settings are below, not in the sidebar "
    "(the sidebar is for single runs), and in the page address: copy the link to share it. "
    "Grids here are kept small for this shared server; the command line runs any size."
)


def show_charts(kind: str, rows: list[dict], group_by: tuple[str, ...]) -> None:
    """The experiment's charts, as for its kind."""
    summary = summarise(rows, group_by)
    if kind == "rfr":
        st.altair_chart(charts.rfr_curves(rows, RFR_CONDITIONS), width="content")
        numbers, words = st.columns([1, 1])
        numbers.altair_chart(charts.rfr_finals(rows, RFR_LEN, SHORT_NAMES), width="stretch")
        with words:
            for paragraph in rfr_explanation(rows):
                st.markdown(paragraph)
    elif kind == "compare":
        st.altair_chart(charts.success_chart(summary, group_by), width="stretch")
        left, right = st.columns(2)
        left.altair_chart(charts.steps_chart(rows), width="stretch")
        right.altair_chart(charts.time_chart(rows), width="stretch")
    else:
        st.altair_chart(charts.sweep_heatmap(rows), width="stretch")
        st.caption(
            "Solved: the held-out test set (lengths 50..100) was once classified perfectly within "
            "the step budget. Hover a cell for its median steps to solve and which seeds solved."
        )


opened = page.opened_results()
if opened is not None:
    opened_experiment, opened_rows = opened
    show_charts(opened_experiment.name, opened_rows, opened_experiment.group_by)
    st.subheader("Every run")
    page.show_rows(opened_rows)
    st.stop()

chosen = page.choose(page.url_choices())
if chosen is None:
    st.stop()
page.sync_url(chosen)
try:
    experiment = choices_lib.build(chosen)
except ValueError as err:
    st.error(f"This experiment cannot run: {err}.", icon=":material/error:")
    st.stop()
refused = choices_lib.refusal(chosen, experiment)
if refused:
    st.error(refused, icon=":material/block:")
    st.stop()
st.caption(
    f"{len(experiment.runs)} runs, one after another in one worker. The same on the command "
    f"line, over every core: `{choices_lib.cli_command(chosen)}`"
)

result, rows = page.result_or_partial(experiment)
if result is None:
    page.show_stopped(rows, len(experiment.runs))
    if not rows:
        st.stop()
show_charts(chosen.kind, rows, experiment.group_by)

st.subheader("Every run")
page.show_rows(rows)
if result is not None:
    st.download_button(
        "Download the results (JSON)",
        json.dumps(result),
        file_name=f"experiment-{experiment.name}.json",
        mime="application/json",
    )
