"""The Experiments page's glue: widgets seeded from the URL, the pool job and its wait, Stop.

The page's choices live in the URL (ui.experiment_choices reads and writes it), so a link
reopens the same experiment. An experiment is one job of the server's work pool, keyed by its
definition: a finished one is cached for every visitor; while it runs, the page shows runs
done of total and the rows so far. Stop ends the wait (the pool then cancels the job, which
nobody else waits for); this visitor keeps the finished rows, marked as partial, until they
run it again or change it. A partial experiment is never cached.
"""

from __future__ import annotations

import hashlib
import time

import pandas as pd
import streamlit as st

from parity.charts import experiments as charts
from parity.experiments.definitions import Experiment
from parity.experiments.jobs import ExperimentProgress, cache_key, experiment_job
from parity.experiments.reading import read_results
from parity.experiments.results import ResultsError
from ui.experiment_choices import Choices

from . import experiment_choices as choices_lib
from . import slots
from .messages import plain
from .training import queue_text

KIND = "x_kind"
STOPPED = "x_stopped"  # session key: the cache key of the experiment this visitor stopped
PARTIAL = "x_partial"  # session key: (cache key, rows finished so far)
REASON_CHARS = 160  # of why a URL value was not used
TABLE_EVERY = 2.0  # seconds between redraws of the rows table while waiting
SHOWN_COLUMNS = {  # row field -> the table's column title
    "condition": "condition",
    "seed": "seed",
    "status": "how it ended",
    "steps": "steps",
    "solved_at_step": "solved at step",
    "test_accuracy": "test accuracy",
    "train_seconds": "seconds",
}


def widget_key(kind: str, name: str) -> str:
    return f"x_{kind}_{name}"


def url_choices() -> Choices:
    """The URL's choices; a warning for every value that could not be used."""
    chosen, unused = choices_lib.from_query(st.query_params.to_dict())
    for bad in unused:
        st.warning(
            f"The link's {bad.param}={plain(bad.text, choices_lib.MAX_TEXT)} was not used "
            f"({plain(bad.reason, REASON_CHARS)}); the default ({bad.default}) is used instead.",
            icon=":material/link_off:",
        )
    return chosen


def _widget_value(name: str, chosen: Choices):
    value = getattr(chosen, name)
    if name == "seeds":
        return choices_lib.seeds_text(value)
    if name == "steps":
        return chosen.budget
    return list(value) if isinstance(value, tuple) else value


def seed_widgets(from_url: Choices, kind: str) -> None:
    """Give this kind's widgets their first values: the URL's for its kind, else defaults."""
    source = from_url if from_url.kind == kind else Choices(kind=kind)
    for name in choices_lib.USED_BY[kind][1:]:
        key = widget_key(kind, name)
        if key not in st.session_state:
            st.session_state[key] = _widget_value(name, source)


def choose(from_url: Choices) -> Choices | None:
    """The experiment picker and its parameters (a form); None (after an error) if invalid."""
    if KIND not in st.session_state:
        st.session_state[KIND] = from_url.kind
    kind = st.radio(
        "Experiment",
        choices_lib.KINDS,
        format_func=choices_lib.KIND_LABELS.get,
        key=KIND,
        horizontal=True,
    )
    seed_widgets(from_url, kind)
    with st.form("experiment_form", border=True):
        values = parameter_widgets(kind)
        st.form_submit_button("Run experiment", type="primary")
    try:
        seeds = choices_lib.parse_seeds(values.pop("seeds"))
    except ValueError as err:
        st.error(f"“Seeds”: {err}. Write a count (2), a range (100..103) or a list (1,5,9).")
        return None
    tuples = {k: choices_lib.in_order(k, v) for k, v in values.items() if isinstance(v, list)}
    return Choices(kind=kind, seeds=seeds, **{**values, **tuples})


def parameter_widgets(kind: str) -> dict:
    """The widgets of one experiment kind, inside the form: field name -> value."""
    key = lambda name: widget_key(kind, name)  # noqa: E731
    first, second, third = st.columns(3)
    values = {
        "seeds": first.text_input(
            "Seeds",
            key=key("seeds"),
            help=f"A count (2: seeds 0 and 1), a range (100..103) or a list (1,5,9); at most "
            f"{choices_lib.MAX_SEEDS} here.",
        ),
        "steps": second.number_input(
            "Steps per run",
            min_value=1,
            max_value=choices_lib.MAX_STEPS,
            step=100,
            key=key("steps"),
            help="The step budget of every run; a run stops earlier once it has solved.",
        ),
    }
    if kind == "compare":
        values["archs"] = third.multiselect(
            "Architectures", choices_lib.ARCH_ORDER, key=key("archs")
        )
        values["impls"] = first.multiselect(
            "Implementations",
            choices_lib.IMPLS,
            key=key("impls"),
            help="torch: the fused built-in module; scratch: the cell written out by hand.",
        )
        values["target"] = second.selectbox(
            "Training target", choices_lib.TARGETS, key=key("target")
        )
    elif kind == "sweep":
        values["hidden_sizes"] = third.multiselect(
            "Hidden sizes", choices_lib.OPTIONS["hidden_sizes"], key=key("hidden_sizes")
        )
        values["max_lens"] = first.multiselect(
            "Longest training strings", choices_lib.MAX_LEN_OPTIONS, key=key("max_lens")
        )
        values["arch"] = second.selectbox("Architecture", choices_lib.ARCHS, key=key("arch"))
        values["target"] = third.selectbox(
            "Training target", choices_lib.TARGETS, key=key("target")
        )
    return values


def sync_url(chosen: Choices) -> None:
    """The URL says exactly `chosen` (its non-defaults); the sidebar's parameters stay."""
    wanted = choices_lib.to_query(chosen)
    for name in choices_lib.PARAMS.values():
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]


def _stop(key: str) -> None:
    st.session_state[STOPPED] = key


def _run_again() -> None:
    st.session_state.pop(STOPPED, None)


class ExperimentView:
    """While the pool runs an experiment: its place in line, runs done, the rows so far, Stop."""

    def __init__(self, experiment: Experiment, key: str):
        self.total, self.rows, self.seen, self.drawn = len(experiment.runs), [], 0, 0.0
        self.training: ExperimentProgress | None = None  # the last step report
        self.box = st.empty()
        with self.box.container():
            self.bar = slots.Bar(f"Experiment {experiment.name}: starting…")
            st.button(
                "Stop the experiment",
                key="x_stop",
                on_click=_stop,
                args=(key,),
                icon=":material/stop:",
            )
            self.table = st.empty()
        st.session_state[PARTIAL] = (key, self.rows)  # what Stop keeps: grows as rows come

    def show(self, job, place: int | None) -> None:
        if place is not None:
            self.bar.update(0.0, queue_text(place, slots.pool().workers))
            return
        new = False
        for p in job.progress[self.seen :]:
            if p.row is not None:
                self.rows.append(p.row)
                self.training, new = None, True
            elif p.step is not None:
                self.training = p
        self.seen = len(job.progress)
        self.bar.update(*progress(len(self.rows), self.total, self.training, self.rows))
        if new and time.monotonic() - self.drawn >= TABLE_EVERY:
            self.drawn = time.monotonic()
            show_rows(self.rows, self.table)

    def close(self) -> None:
        self.box.empty()


def progress(
    done: int, total: int, training: ExperimentProgress | None, rows: list[dict]
) -> tuple[float, str]:
    """The bar's fraction and text: runs done, where the runs in training are, the last row."""
    text, fraction = f"{done} of {total} runs done", done / total
    if training is not None:
        who = (
            "the next run is"
            if training.running == 1
            else (f"the next {training.running} runs (trained together) are")
        )
        text += f" · {who} at step {training.step:,} of at most {training.steps:,}"
        fraction += training.running * training.step / training.steps / total
    if rows:
        r = rows[-1]
        how = f"solved at step {r['solved_at_step']:,}" if r["solved"] else r["status"]
        text += f" · last finished: {r['condition']} seed {r['seed']}, {how}"
    return min(fraction, 1.0), text


def show_rows(rows: list[dict], where=st) -> None:
    """The runs as an interactive table; accuracies as percentages."""
    percent = st.column_config.NumberColumn(format="percent")
    where.dataframe(rows_table(rows), hide_index=True, column_config={"test accuracy": percent})


def rows_table(rows: list[dict]) -> pd.DataFrame:
    """The runs as a table for st.dataframe."""
    return charts.runs_frame(rows)[list(SHOWN_COLUMNS)].rename(columns=SHOWN_COLUMNS)


def result_or_partial(experiment: Experiment) -> tuple[dict | None, list[dict]]:
    """The finished result (cached, or run now with a live view); after Stop, (None, rows)."""
    key = cache_key(experiment)
    hit = slots.cached("experiment", key)
    if hit is not None:
        return hit, hit["rows"]
    if st.session_state.get(STOPPED) == key:
        stored_key, rows = st.session_state.get(PARTIAL, (None, []))
        return None, list(rows) if stored_key == key else []
    st.session_state.pop(STOPPED, None)
    view = ExperimentView(experiment, key)
    result = slots.fetch("experiment", key, experiment_job, (experiment,), view)
    return result, result["rows"]


def show_stopped(rows: list[dict], total: int) -> None:
    """The notice after Stop, with a way to start again."""
    st.info(
        f"Stopped after {len(rows)} of {total} runs. The finished runs are shown below; a "
        "stopped experiment is not kept (only complete ones are cached for every visitor), so "
        "running it again starts from the first run.",
        icon=":material/stop_circle:",
    )
    st.button("Run it again", on_click=_run_again, type="primary")


MAX_OPENED_RUNS = 5_000  # runs of a results file this page draws (the upload limit is 4 MB)
OPENED = "x_opened"  # session key: (sha256 of the upload, experiment, rows, notes)


def opened_results() -> tuple[Experiment, list[dict]] | None:
    """A results file this visitor opened (`--out FILE` of the command line): its experiment
    and rows, validated and never executed; an error shown, and None, when it is not one."""
    with st.expander("Open a results file (`--out FILE` of the command line)"):
        file = st.file_uploader(
            "Results file",
            type=["jsonl"],
            key="x_results_file",
            help="The JSON-lines file `python -m parity experiment ... --out FILE` writes: "
            "its summaries and charts are drawn here, as for an experiment run on this page.",
        )
    if file is None:
        st.session_state.pop(OPENED, None)
        return None
    blob = file.getvalue()
    digest = hashlib.sha256(blob).hexdigest()
    held = st.session_state.get(OPENED)
    if held is None or held[0] != digest:
        try:
            experiment, rows, notes = read_results(blob, MAX_OPENED_RUNS)
        except ResultsError as err:
            st.error(
                f"“{plain(file.name)}” cannot be shown: {plain(err, REASON_CHARS)}.",
                icon=":material/error:",
            )
            return None
        held = st.session_state[OPENED] = (digest, experiment, rows, notes)
    _, experiment, rows, notes = held
    for note in notes:
        st.caption(plain(note, REASON_CHARS))
    st.info(
        f"“{plain(file.name)}”: experiment {experiment.name}, {len(rows):,} of "
        f"{len(experiment.runs):,} runs in the file. Remove the file to choose an experiment.",
        icon=":material/folder_open:",
    )
    return (experiment, rows) if rows else None
