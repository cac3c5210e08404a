"""Compare runs: the metric changes, the overlays and the run list of the Train and Length pages.

The runs come from this visitor's history (ui.history); the labels say what differs between
the runs shown (ui.run_labels); the charts are parity.charts.overlay.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from parity.charts import overlay
from parity.core.config import Config
from parity.training.train import TrainResult
from ui.run_labels import comparison_title, run_labels
from ui.run_links import MAX_NAME_CHARS

from . import cached, history, run_deltas, share
from .messages import plain

METRIC_KEYS = {  # Train page metric label -> ui.run_deltas key
    "Solved at step": "solved_at_step",
    "Training time": "train_seconds",
    "Test accuracy": "final_test_accuracy",
    "Train accuracy": "final_train_accuracy",
}
MANAGED = "manage_run"  # session_state key of the run the management row acts on
RUN_LIST = "run_list_open"  # session_state key: whether the run list is expanded


def previous_label(config: Config, previous: history.Run) -> str:
    """How the previous run reads next to this one: 'hidden 4', or its name."""
    return run_labels([config, previous.config], [None, previous.name])[1]


def metric_deltas(result: TrainResult) -> dict[str, dict]:
    """st.metric keyword arguments (delta, colours) per metric label, against the previous run."""
    previous = history.previous_run(result.config)
    if previous is None:
        return {}
    now = run_deltas.run_numbers(result.summary())
    texts = run_deltas.changes(now, previous.numbers)
    moved = run_deltas.differences(now, previous.numbers)
    out = {
        label: {
            "delta": texts[key],
            "delta_color": "inverse" if run_deltas.BETTER[key] == "lower" else "normal",
        }
        if moved[key]  # no change (as shown) reads grey, without an arrow
        else _grey(texts[key])
        for label, key in METRIC_KEYS.items()
        if key in texts
    }
    solved, before = now["solved_at_step"], previous.numbers.get("solved_at_step")
    if (solved is None) != (before is None):  # one of the two never solved
        out["Solved at step"] = _was("never" if before is None else f"{before:,}")
    if previous.numbers.get("verdict") != now["verdict"]:
        out["Verdict"] = _was(previous.numbers.get("verdict"))
    return out


def _grey(text: str) -> dict:
    """A change shown grey, without an arrow."""
    return {"delta": text, "delta_color": "off", "delta_arrow": "off"}


def _was(text: str) -> dict:
    """What the previous run showed, where no difference can be computed."""
    return _grey(f"was: {text}")


def deltas_caption(result: TrainResult) -> None:
    """Which run the metrics' changes are against."""
    previous = history.previous_run(result.config)
    if previous is not None:
        st.caption(
            f"Changes are against your previous run, #{previous.id} "
            f"({plain(previous_label(result.config, previous))})."
        )


def option_labels() -> dict[int, str]:
    """Run id -> '#3 · hidden 4 · pinned', labelled by what differs across the whole history."""
    runs = history.runs()
    labels = history.labels(runs) if runs else {}
    return {r.id: f"#{r.id} · {labels[r.id]}" + (" · pinned" if r.pinned else "") for r in runs}


def pick_runs(page: str) -> list[history.Run]:
    """The multiselect of runs to overlay (the same choice on every page); the chosen runs."""
    options = option_labels()
    key = f"{history.SELECTED}_{page}"
    st.session_state[key] = history.selected_ids()  # set every run: see manage_runs
    st.multiselect(
        "Runs to overlay",
        list(options),
        format_func=lambda run_id: options.get(run_id, f"#{run_id}"),
        key=key,
        on_change=lambda: history.select(st.session_state[key]),
        placeholder="Choose runs from your history",
        help="A new run is overlaid with your pinned runs and the run before it; "
        "pin a run to keep it in every comparison.",
    )
    return history.selected()


def show_compare(result: TrainResult) -> None:
    """The Train page's Compare runs section: overlays, the run list, the share link."""
    st.subheader("Compare runs")
    share.receive()
    if len(history.runs()) < 2:
        st.caption(
            "Every configuration you train joins your run history. Change a setting in the "
            "sidebar to train another; its curves are then drawn over this one's."
        )
    chosen = pick_runs("train")
    if len(chosen) >= 2:
        labels = history.labels(chosen)
        pairs = [(labels[r.id], r.history) for r in chosen]
        st.markdown(f"**{plain(comparison_title([r.config for r in chosen]))}**")
        left, right = st.columns(2)
        left.altair_chart(overlay.accuracy_overlay(pairs), width="stretch")
        right.altair_chart(overlay.loss_overlay(pairs), width="stretch")
        st.caption("Solid lines: test accuracy; dashed: accuracy on the training batches.")
    elif history.runs():
        st.caption("Choose two or more runs to draw their curves together.")
    manage_runs()
    share.link_box(result.config, chosen)


def runs_table() -> pd.DataFrame:
    """The history as the page lists it."""
    labels = option_labels()
    return pd.DataFrame(
        {
            "Run": [labels[r.id] for r in history.runs()],
            "Name": [r.name or "" for r in history.runs()],
            "Test accuracy": [_percent(r.numbers["final_test_accuracy"]) for r in history.runs()],
            "Solved at step": [r.numbers["solved_at_step"] for r in history.runs()],
            "Verdict": [r.numbers["verdict"] for r in history.runs()],
        }
    )


def manage_runs() -> None:
    """The run list with rename, pin, remove and clear (from the second run on)."""
    runs = history.runs()
    if len(runs) < 2:
        return
    pinned = sum(r.pinned for r in runs)
    # Keyed and tracked: it stays open across the reruns its own buttons cause.
    with st.expander(f"Your runs ({len(runs)})", key=RUN_LIST, on_change="rerun"):
        st.caption(
            "Kept in the page address: a reload, a new tab of this address or a restart of "
            "the server brings them back (trained again if the server forgot them). At most "
            f"{history.MAX_UNPINNED} unpinned runs are kept, the oldest going first; pinned "
            f"runs ({pinned} now) are never dropped.{history.left_out_text()}"
        )
        st.dataframe(runs_table(), hide_index=True)
        options = option_labels()
        if st.session_state.get(MANAGED) not in options:
            st.session_state[MANAGED] = runs[-1].id
        # The widget's value is set on every run from MANAGED: a widget whose option labels
        # changed (a rename) otherwise kept showing the old label in the browser.
        key = f"{MANAGED}_choice"
        st.session_state[key] = st.session_state[MANAGED]
        run_id = st.selectbox(
            "Run",
            list(options),
            format_func=options.get,
            key=key,
            on_change=lambda: st.session_state.update({MANAGED: st.session_state[key]}),
        )
        run = history.find(run_id)
        name_key = f"run_name_{run.id}"
        st.text_input("Name", value=run.name or "", key=name_key, max_chars=MAX_NAME_CHARS)
        rename, pin, remove, clear = st.columns(4)
        rename.button("Rename", on_click=lambda: history.rename(run.id, st.session_state[name_key]))
        pin.button("Unpin" if run.pinned else "Pin", on_click=history.toggle_pin, args=(run.id,))
        remove.button("Remove", on_click=history.remove, args=(run.id,))
        clear.button("Clear unpinned", on_click=history.clear_unpinned)


def show_length_overlay(lengths: tuple[int, ...], size: int) -> None:
    """The Length page's Compare runs section: the chosen runs' accuracy by length."""
    st.subheader("Compare runs")
    share.receive()
    chosen = pick_runs("lengths")
    if len(chosen) < 2:
        st.caption(
            "Choose two or more runs of your history (train them on the Train page) to draw "
            "their accuracy by length together."
        )
        return
    labels = history.labels(chosen)
    tables = [
        (labels[r.id], cached.accuracy_by_length(r.config.to_json(), r.model(), lengths, size))
        for r in chosen
    ]
    st.altair_chart(overlay.length_overlay(tables), width="stretch")


def _percent(value) -> str:
    return "—" if value is None or value != value else f"{value:.1%}"
