"""Training in the server's work pool, with a live view: a configuration trains once, for all.

A cached configuration comes back at once. A new one is trained by a worker process
(ui.slots, parity.execution.workpool), never on the script thread: the page shows its place in the
queue, then a progress bar and live curves streamed from the worker, removed at the end.
Visitors asking for the same configuration share one run; leaving it cancels it.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from parity.charts import training as charts
from parity.core.config import Config
from parity.execution.workpool import Job
from parity.training.train import CHECK_FACTOR, HISTORY_COLUMNS, Progress, TrainResult, train

from . import history, slots

DRAW_EVERY = 5.0  # seconds between live redraws (each: ~40 ms of server CPU, more in a browser)
CONFIRM_SECONDS = 120  # budgets estimated above this wait for a click


def cached_result(config: Config) -> TrainResult | None:
    """The trained result if this configuration is in the cache, else None (never trains)."""
    return slots.cached("train", config)


class LiveView:
    """Place in the queue, then progress bar and live curves; removed when the wait ends."""

    def __init__(self, config: Config):
        self.config, self.rows, self.drawn = config, [], 0.0
        self.box = st.empty()
        with self.box.container():
            self.bar = slots.Bar(f"Training {config.arch.upper()}: starting…")
            self.curves = st.empty()

    def show(self, job: Job, place: int | None) -> None:
        """Called at every poll of the wait; the bar's updates are where a stop lands."""
        if place is not None:
            self.bar.update(0.0, queue_text(place, slots.pool().workers))
            return
        new = job.progress[len(self.rows) :]
        self.rows.extend(
            [p.step, p.loss, p.train_accuracy, p.test_accuracy, p.elapsed] for p in new
        )
        if not self.rows:
            self.bar.update(0.0, f"Training {self.config.arch.upper()}: starting…")
            return
        p: Progress = job.progress[len(self.rows) - 1]
        shared = " · shared with another visitor" if job.waiters > 1 else ""
        self.bar.update(
            p.step / p.total,
            f"Training {self.config.arch.upper()}: step {p.step:,} of at most "
            f"{p.total:,} · test accuracy {p.test_accuracy:.1%}{shared}",
        )
        now = time.perf_counter()
        keep = slots.MAX_SENDS_PER_SECOND / 2  # curves only while progress has room to spare
        if new and now - self.drawn >= DRAW_EVERY and slots.BUDGET.take(keep):
            self.drawn = now
            self.draw()

    def draw(self) -> None:
        """The curves of the rows received so far."""
        with self.curves.container():
            frame = pd.DataFrame(self.rows, columns=HISTORY_COLUMNS)
            draw_curves(frame, self.config, finished=False)

    def close(self) -> None:
        self.box.empty()


def queue_text(place: int, workers: int) -> str:
    """What a queued visitor reads."""
    ahead = "next in line" if place == 1 else f"number {place} in the queue"
    return (
        f"Waiting for a free trainer: {workers} configurations train at once and yours is "
        f"{ahead}. It starts by itself."
    )


def trained(config: Config) -> TrainResult:
    """The result for `config`: from the cache at once, or trained now in the pool, live."""
    hit = cached_result(config)
    if hit is not None:
        return hit
    return slots.fetch("train", config, train, (config,), LiveView(config))


def require_trained(config: Config) -> TrainResult:
    """trained(config), after the large-budget warning; stops the page while it awaits a click.

    The run joins this visitor's run history."""
    if not budget_notice(config):
        st.stop()
    result = trained(config)
    history.record_sidebar_run(result)  # this visitor's run history (ui.history)
    return result


def range_labels(config: Config) -> tuple[str, str]:
    """Legend labels for the accuracy curves."""
    return (
        f"training lengths {config.min_len}–{config.max_len}",
        f"test lengths {config.test_min_len}–{config.test_max_len}",
    )


def curve_specs(history: pd.DataFrame, config: Config) -> tuple[dict, dict]:
    """The accuracy and loss charts as the vega-lite specs Streamlit sends (data as Arrow)."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as to_spec

    train_label, test_label = range_labels(config)
    accuracy = charts.accuracy_chart(history, train_label, test_label)
    return to_spec(accuracy), to_spec(charts.loss_chart(history))


@st.cache_resource(max_entries=64, show_spinner=False)
def finished_curve_specs(config: Config, rows: int, _history: pd.DataFrame) -> tuple[dict, dict]:
    """curve_specs of a finished run, built once per (configuration, rows): building and
    validating the altair charts was most of a cached page's script run."""
    return curve_specs(_history, config)


def draw_curves(history: pd.DataFrame, config: Config, finished: bool = True) -> None:
    """Accuracy and loss side by side; a finished run's specs come from the cache."""
    if finished:
        specs = finished_curve_specs(config, len(history), history)
    else:
        specs = curve_specs(history, config)
    for column, spec in zip(st.columns(2), specs, strict=True):
        column.vega_lite_chart(spec=dict(spec), width="stretch")  # Streamlit pops "datasets"


def estimate_seconds(config: Config) -> float:
    """A rough, pessimistic training time for warnings only (fitted on 2 busy CPU cores).

    Each step runs max_len time steps forward and back; each evaluation runs test_max_len
    time steps over the 1,000 test strings; the scratch cells are ~3.5x slower.
    """
    work = config.batch_size * config.hidden_size**2
    per_step = config.max_len * (1.5e-4 + 5e-10 * work)
    per_eval = config.test_max_len * (1.5e-4 + 1.5e-7 * config.hidden_size**2)
    seconds = config.steps * per_step + config.steps / config.eval_every * per_eval
    return seconds * (3.5 if config.impl == "scratch" else 1.0)


def budget_notice(config: Config) -> bool:
    """Warn about large budgets; returns False while a very large one awaits confirmation."""
    seconds = estimate_seconds(config)
    if seconds < 20 or cached_result(config) is not None:
        return True
    st.warning(
        f"Large training budget: this run could take up to about {duration(seconds)} "
        "(it stops early once solved, unless “When to stop” is budget). Changing any "
        "setting or page stops it; fewer steps, a smaller hidden size or shorter "
        "strings make it faster.",
        icon=":material/hourglass_top:",
    )
    if seconds < CONFIRM_SECONDS:
        return True
    return st.button("Train anyway", type="primary")


def duration(seconds: float) -> str:
    """'40 seconds', '12 minutes', '3 hours', '155 days'."""
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= 1.5 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.0f} seconds"


def metric_values(result: TrainResult) -> dict[str, str]:
    """The Train page's metrics, formatted: label -> value."""
    summary = result.summary()
    solved = result.solved_at_step
    return {
        "Solved at step": f"{solved:,}" if solved is not None else "never",
        "Training time": f"{result.train_seconds:.2f} s",
        "Test accuracy": _percent(summary["final_test_accuracy"]),
        "Train accuracy": _percent(summary["final_train_accuracy"]),
        "Verdict": result.verdict.status if result.verdict else result.status,
    }


STATUS_TEXT = {  # how training ended (TrainResult.status); the verdict says what it learned
    "generalized": "Stopped once the test set was perfect and so were random strings and "
    f"every stress family {CHECK_FACTOR}× longer than the longest test string.",
    "solved": "Stopped at the first perfect score on the test set.",
    "budget": "Ran its whole step budget.",
}


def _percent(value: float) -> str:
    return "—" if value != value else f"{value:.1%}"  # NaN for a diverged run
