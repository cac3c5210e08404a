"""The Experiments page: tiny grids from the URL, cached results, bad links, the refusal, Stop."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

import ui.experiments
from parity.charts import experiments
from parity.experiments import summaries
from parity.experiments.jobs import cache_key, experiment_job
from parity.experiments.runs import TIMING_FIELDS
from tests.app.helpers import charts, no_crash, page_app
from ui import experiment_choices as xc

TINY_SWEEP = {"exp": "sweep", "exp_seeds": "1", "exp_hidden": "2,4", "exp_lens": "3"}
TINY_SWEEP_STEPS = {**TINY_SWEEP, "exp_steps": "20"}


@pytest.fixture
def job_calls(monkeypatch):
    """The experiments the pool really runs (the function it calls)."""
    calls = []

    def counting(experiment, **callbacks):
        calls.append(experiment)
        return experiment_job(experiment, **callbacks)

    monkeypatch.setattr(ui.experiments, "experiment_job", counting)
    return calls


def expected(query: dict) -> dict:
    """The experiment the URL describes, run directly (the page must show these numbers)."""
    chosen, warnings = xc.from_query(query)
    assert not warnings
    return experiment_job(xc.build(chosen))


def visible(markdown: str) -> str:
    """The text a visitor sees for a Markdown message."""
    return html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").render(markdown))).strip()


def url(at) -> dict[str, str]:
    """The page's query parameters as text (AppTest keeps a list for values set by the app)."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def shown_rows(at) -> list[dict]:
    return at.dataframe[-1].value.to_dict("records")


def same_runs(shown: list[dict], rows: list[dict]) -> None:
    """The page's table lists these runs with these outcomes (timings aside)."""
    titles = {f: t for f, t in ui.experiments.SHOWN_COLUMNS.items() if f not in TIMING_FIELDS}
    table = experiments.runs_frame(rows)[list(titles)].to_dict("records")
    assert [{f: r[t] for f, t in titles.items()} for r in shown] == table


def test_a_sweep_link_draws_its_heat_map_from_the_runs(job_calls):
    at = page_app("experiments", **TINY_SWEEP_STEPS).run()
    no_crash(at)
    assert not at.warning and not at.error
    (spec,) = charts(at)
    assert spec["title"].startswith("Success rate")
    (cells,) = spec["frames"].values()
    want = expected(TINY_SWEEP_STEPS)
    direct = experiments.sweep_cells(want["rows"])
    assert cells[["hidden_size", "max_len", "success_rate", "label"]].to_dict("records") == (
        direct[["hidden_size", "max_len", "success_rate", "label"]].to_dict("records")
    )
    same_runs(shown_rows(at), want["rows"])
    assert url(at) == TINY_SWEEP_STEPS
    command = xc.cli_command(xc.from_query(TINY_SWEEP_STEPS)[0])
    assert any(f"`{command}`" in c.value for c in at.caption)
    assert len(job_calls) == 1 and len(job_calls[0].runs) == 2


def test_a_finished_experiment_is_cached_for_every_visitor(job_calls):
    at = page_app("experiments", **TINY_SWEEP_STEPS).run()
    at.run()
    other = page_app("experiments", **TINY_SWEEP_STEPS).run()
    no_crash(other)
    assert len(job_calls) == 1
    assert shown_rows(other) == shown_rows(at)


def test_rfr_shows_curves_finals_and_only_what_it_measured():
    query = {"exp_seeds": "1", "exp_steps": "20"}  # rfr is the default experiment
    at = page_app("experiments", **query).run()
    no_crash(at)
    curves, finals = charts(at)
    assert curves["facet"]["sort"] == list(ui.experiments.choices_lib.ex.RFR_CONDITIONS.values())
    (curve_frame,) = curves["frames"].values()
    assert set(curve_frame["condition"]) == set(xc.ex.RFR_CONDITIONS)
    want = expected(query)
    (points,) = [f for f in finals["frames"].values() if "measure" in f]
    assert list(dict.fromkeys(points["condition"])) == list(summaries.SHORT_NAMES.values())
    by_label = points.set_index(["condition", "measure"])["accuracy"]
    fixed = next(r for r in want["rows"] if r["condition"] == "fixed_50")
    assert by_label[("length 50", "its own test set")] == fixed["test_accuracy"]
    paragraphs = summaries.rfr_explanation(want["rows"])
    shown = [m.value for m in at.markdown]
    for paragraph in paragraphs:
        assert paragraph in shown
    assert paragraphs[0].startswith("**This run did not show the contrast**")  # 20 steps
    assert summaries.WHY not in shown
    same_runs(shown_rows(at), want["rows"])


def test_compare_draws_success_steps_and_time():
    query = {"exp": "compare", "exp_seeds": "1", "exp_archs": "rnn,lstm", "exp_steps": "30"}
    at = page_app("experiments", **query).run()
    no_crash(at)
    success, steps, seconds = charts(at)
    (frame,) = success["frames"].values()
    # the RNN from its own defaults and from the shared ones; the LSTM's are the same: once
    assert frame["condition"].tolist() == ["rnn/torch/own", "rnn/torch/shared", "lstm/torch/own"]
    want = expected(query)
    assert frame["success_rate"].tolist() == [s["success_rate"] for s in want["summary"]]
    assert (
        steps["title"]["text"].startswith("Steps to solve")
        if isinstance(steps["title"], dict)
        else steps["title"].startswith("Steps to solve")
    )
    same_runs(shown_rows(at), want["rows"])


def test_bad_link_values_warn_and_fall_back_to_defaults(job_calls):
    query = {**TINY_SWEEP_STEPS, "exp_hidden": "3", "exp_seeds": "0..99999999"}
    at = page_app("experiments", **query).run()
    no_crash(at)
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2
    assert visible(warnings[0]) == (
        "The link's exp_seeds=0..99999999 was not used (100,000,000 seeds; the app runs at "
        "most 10 (the command line, any number)); the default (2) is used instead."
    )
    assert visible(warnings[1]).startswith("The link's exp_hidden=3 was not used (3: choose")
    assert "default (2,4,8)" in warnings[1]
    (experiment,) = job_calls
    assert [r.config.hidden_size for r in experiment.runs] == [2, 2, 4, 4, 8, 8]  # 2 seeds each
    assert url(at) == {"exp": "sweep", "exp_lens": "3", "exp_steps": "20"}


def test_a_bad_kind_warns_and_opens_rfr():
    at = page_app("experiments", exp="gpt", exp_seeds="1", exp_steps="10").run()
    no_crash(at)
    assert "exp=gpt was not used (choose from rfr, compare, sweep)" in visible(at.warning[0].value)
    assert at.radio(key=ui.experiments.KIND).value == "rfr"
    assert len(charts(at)) == 2


def test_a_grid_too_big_is_refused_with_what_to_lower_and_the_cli(job_calls):
    big = {
        "exp": "sweep",
        "exp_seeds": "10",
        "exp_hidden": ",".join(map(str, xc.HIDDEN_OPTIONS)),
        "exp_lens": ",".join(map(str, xc.MAX_LEN_OPTIONS)),
        "exp_steps": "2000",
    }
    at = page_app("experiments", **big).run()
    no_crash(at)
    (error,) = at.error
    chosen = xc.from_query(big)[0]
    assert error.value == xc.refusal(chosen, xc.build(chosen))
    assert "“Seeds”" in error.value and "python -m parity experiment sweep" in error.value
    assert not job_calls and not charts(at)


def test_the_form_runs_the_new_choices_and_puts_them_in_the_url(job_calls):
    at = page_app("experiments", **TINY_SWEEP_STEPS).run()
    at.number_input(key="x_sweep_steps").set_value(30)
    at.multiselect(key="x_sweep_hidden_sizes").set_value([4])
    at.button[0].click().run()  # the form's "Run experiment"
    no_crash(at)
    assert url(at) == {**TINY_SWEEP_STEPS, "exp_steps": "30", "exp_hidden": "4"}
    assert [len(e.runs) for e in job_calls] == [2, 1]
    assert job_calls[1].runs[0].config.steps == 30
    assert [r["condition"] for r in shown_rows(at)] == ["h4/len3"]


def test_seeds_that_cannot_be_read_give_an_error_not_a_run(job_calls):
    at = page_app("experiments", **TINY_SWEEP_STEPS).run()
    at.text_input(key="x_sweep_seeds").set_value("1,1")
    at.button[0].click().run()
    no_crash(at)
    assert "“Seeds”: seeds must be distinct" in at.error[0].value
    assert len(job_calls) == 1


def test_after_stop_the_finished_rows_stay_with_a_notice_until_run_again(job_calls):
    chosen = xc.from_query(TINY_SWEEP_STEPS)[0]
    experiment = xc.build(chosen)
    first = expected(TINY_SWEEP_STEPS)["rows"][:1]
    at = page_app("experiments", **TINY_SWEEP_STEPS)
    at.session_state[ui.experiments.STOPPED] = cache_key(experiment)
    at.session_state[ui.experiments.PARTIAL] = (cache_key(experiment), first)
    at.run()
    no_crash(at)
    assert at.info[0].value.startswith("Stopped after 1 of 2 runs")
    assert [r["condition"] for r in shown_rows(at)] == ["h2/len3"]
    assert not job_calls and len(charts(at)) == 1  # the heat map of what finished
    again = next(b for b in at.button if b.label == "Run it again")
    again.click().run()
    no_crash(at)
    assert len(job_calls) == 1 and len(shown_rows(at)) == 2 and not at.info


MARKUP = "**bold** [a link](https://example.org/x) ![img](https://example.org/pixel.png) <b>x</b>"


@pytest.mark.parametrize(
    "query",
    [
        {"exp": "sweep", "exp_seeds": MARKUP, "exp_hidden": MARKUP, "exp_arch": MARKUP},
        {"exp": MARKUP, "exp_seeds": "1" + "0" * 100_000, "exp_steps": "9" * 100_000},
        {"exp": "compare", "exp_archs": "rnn\x00\x1b[31m", "exp_target": "every\n\n# h"},
    ],
    ids=["markup", "100,000 characters", "control characters"],
)
def test_hostile_link_values_are_quoted_short_and_inert(query, job_calls, monkeypatch):
    monkeypatch.setitem(xc.DEFAULT_STEPS, "sweep", 5)  # whatever runs is small
    monkeypatch.setitem(xc.DEFAULT_STEPS, "compare", 5)
    monkeypatch.setitem(xc.DEFAULT_STEPS, "rfr", 5)
    at = page_app("experiments", **query).run()
    no_crash(at)
    assert at.warning
    for alert in at.warning:
        rendered = MarkdownIt("commonmark").render(alert.value)
        assert "<a " not in rendered and "<img" not in rendered and "<b>" not in rendered
        assert len(visible(alert.value)) < 300
    assert len(job_calls) == 1


def test_the_wait_says_runs_done_where_training_is_and_the_last_run():
    from parity.experiments.jobs import ExperimentProgress

    rows = expected(TINY_SWEEP_STEPS)["rows"]
    fraction, text = ui.experiments.progress(0, 8, None, [])
    assert (fraction, text) == (0.0, "0 of 8 runs done")
    training = ExperimentProgress(2, 8, None, step=250, steps=1000, running=2)
    fraction, text = ui.experiments.progress(2, 8, training, rows[:1])
    assert fraction == (2 + 2 * 250 / 1000) / 8
    assert text.startswith(
        "2 of 8 runs done · the next 2 runs (trained together) are at step 250 of at most 1,000"
    )
    assert not rows[0]["solved"]  # 20 steps
    assert text.endswith(f"last finished: h2/len3 seed 0, {rows[0]['status']}")


@pytest.fixture(scope="module")
def results_file(tmp_path_factory) -> tuple[bytes, list[dict]]:
    """A results file of a tiny sweep (as `--out FILE` writes it) and its rows in run order."""
    from parity.execution.executors import SerialExecutor
    from parity.experiments import definitions as ex
    from parity.experiments.results import ResultsFile
    from parity.experiments.runs import stream_rows

    experiment = ex.sweep(seeds=range(2), hidden_sizes=(2, 3), max_lens=(5,), steps=5)
    path = tmp_path_factory.mktemp("results") / "sweep.jsonl"
    with ResultsFile.open(path, experiment, True) as results:
        for item in stream_rows(experiment, SerialExecutor()):
            results.add(item.index, item.row)
        rows = list(results.rows())
    return path.read_bytes(), rows


def test_an_opened_results_file_draws_the_summaries_and_charts_of_its_runs(results_file, job_calls):
    blob, rows = results_file
    at = page_app("experiments", **TINY_SWEEP_STEPS).run()
    assert len(job_calls) == 1
    at.get("file_uploader")[0].upload("sweep.jsonl", blob).run()
    no_crash(at)
    assert not at.error
    assert "experiment sweep, 4 of 4 runs in the file" in at.info[0].value
    (spec,) = charts(at)
    (cells,) = spec["frames"].values()
    direct = experiments.sweep_cells(rows)
    assert cells[["hidden_size", "max_len", "success_rate"]].to_dict("records") == (
        direct[["hidden_size", "max_len", "success_rate"]].to_dict("records")
    )
    same_runs(shown_rows(at), rows)
    assert len(job_calls) == 1  # nothing trains for a file


@pytest.mark.parametrize(
    "blob, reason",
    [
        (b"name,seed\nx,1\n", "it is not a results file of `python -m parity experiment`"),
        (b'{"format": "parity-experiment-results", "version": 1, "experiment": "evil", '
         b'"grid": {"seeds": "1"}}\n', "its header names no experiment of this lab"),
        (None, "line 2 is not a JSON row"),
    ],
)  # fmt: skip
def test_a_foreign_or_damaged_results_file_is_refused_in_one_message(
    blob, reason, results_file, job_calls
):
    if blob is None:
        head, *rest = results_file[0].splitlines(keepends=True)
        blob = head + b"{oops\n" + b"".join(rest)
    at = page_app("experiments", **TINY_SWEEP_STEPS).run()
    at.get("file_uploader")[0].upload("bad.jsonl", blob).run()
    no_crash(at)
    assert len(at.error) == 1 and reason in visible(at.error[0].value), at.error[0].value
    assert visible(at.error[0].value).startswith("“bad.jsonl” cannot be shown: ")
