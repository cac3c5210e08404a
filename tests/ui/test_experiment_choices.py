"""The Experiments page's choices: URL in and out, bad values named, limits, the CLI twin."""

from __future__ import annotations

import dataclasses
import shlex
import time

import pytest

from parity.cli import args as cli_args
from parity.cli.experiment import build_experiment
from parity.core.config import Config
from parity.experiments import definitions as ex
from ui import experiment_choices as xc


def test_url_parameters_are_distinct_and_not_the_sidebars():
    names = set(xc.PARAMS.values())
    assert len(names) == len(xc.PARAMS)
    assert not names & {f.name for f in dataclasses.fields(Config)}
    assert set(xc.PARAMS) == {f.name for f in dataclasses.fields(xc.Choices)}


def test_defaults_leave_the_url_empty_and_build_the_light_grids():
    assert xc.to_query(xc.Choices()) == {}
    assert xc.from_query({}) == (xc.Choices(), [])
    sizes = {kind: len(xc.build(xc.Choices(kind=kind)).runs) for kind in xc.KINDS}
    # compare: rnn and gru from their own and the shared defaults, the lstm once (own = shared)
    assert sizes == {"rfr": 4 * 2, "compare": 5 * 2, "sweep": 3 * 3 * 2}
    for kind in xc.KINDS:
        assert xc.refusal(xc.Choices(kind=kind), xc.build(xc.Choices(kind=kind))) is None


@pytest.mark.parametrize(
    "chosen",
    [
        xc.Choices(kind="rfr", seeds=(100, 101, 102), steps=500),
        xc.Choices(kind="compare", seeds=(4, 1), archs=("gru",), impls=("torch", "scratch")),
        xc.Choices(kind="sweep", hidden_sizes=(1, 32), max_lens=(40,), arch="rnn", target="final"),
    ],
)
def test_the_url_round_trips_and_the_cli_command_runs_the_same_experiment(chosen):
    query = xc.to_query(chosen)
    assert xc.from_query(query) == (chosen, [])
    words = shlex.split(xc.cli_command(chosen))
    assert words[:4] == ["python", "-m", "parity", "experiment"]
    args = cli_args.build_parser().parse_args(words[3:])
    assert build_experiment(args).definition() == xc.build(chosen).definition()


def test_only_the_fields_an_experiment_reads_go_in_its_url():
    chosen = xc.Choices(kind="rfr", arch="gru", hidden_sizes=(1,), seeds=(0, 1, 2))
    assert xc.to_query(chosen) == {"exp_seeds": "3"}
    assert xc.to_query(xc.Choices(kind="sweep", steps=xc.DEFAULT_STEPS["sweep"])) == {
        "exp": "sweep"
    }


@pytest.mark.parametrize(
    ("param", "value", "reason"),
    [
        ("exp", "bogus", "choose from rfr, compare, sweep"),
        ("exp_seeds", "0..99999999999", "100,000,000,000 seeds; the app runs at most 10"),
        ("exp_seeds", "1,1", "seeds must be distinct"),
        ("exp_seeds", "x" * 500, "at most 40 characters"),
        ("exp_steps", "1e9", "not a whole number"),
        ("exp_steps", "0", "steps must be in 1..5,000 here"),
        ("exp_hidden", "3,8", "3: choose from 1, 2, 4, 8, 16, 32"),
        ("exp_lens", "", "nothing: choose from"),
        ("exp_arch", "transformer", "choose from lstm, gru, rnn"),
    ],
)
def test_a_bad_value_is_named_and_its_default_used(param, value, reason):
    query = {"exp": "sweep", param: value} if param != "exp" else {param: value}
    started = time.perf_counter()
    chosen, warnings = xc.from_query(query)
    assert time.perf_counter() - started < 1  # a huge seed range is never listed
    (bad,) = warnings
    assert bad.param == param and bad.text == value[: xc.MAX_TEXT] and reason in bad.reason
    name = next(n for n, p in xc.PARAMS.items() if p == param)
    assert getattr(chosen, name) == getattr(xc.Choices(), name)


def test_good_values_survive_beside_a_bad_one():
    chosen, warnings = xc.from_query({"exp": "compare", "exp_archs": "gru,rnn", "exp_impls": "x"})
    assert chosen.kind == "compare" and chosen.archs == ("rnn", "gru")  # in the canonical order
    assert chosen.impls == ("torch",) and len(warnings) == 1


def test_a_big_grid_is_refused_naming_what_to_lower_and_the_cli():
    chosen = xc.Choices(kind="sweep", seeds=tuple(range(10)), hidden_sizes=xc.HIDDEN_OPTIONS,
                        max_lens=xc.MAX_LEN_OPTIONS, steps=2000)  # fmt: skip
    experiment = xc.build(chosen)
    message = xc.refusal(chosen, experiment)
    assert xc.estimated_seconds(experiment) > xc.APP_EXPERIMENT_SECONDS
    assert message.startswith("This experiment has 300 runs")
    for label in xc.LOWER["sweep"]:
        assert f"“{label}”" in message
    assert f"`{xc.cli_command(chosen)}`" in message


def test_the_refusal_is_the_sum_of_the_per_run_estimates():
    chosen = xc.Choices(kind="rfr", seeds=tuple(range(6)))  # 6 seeds at the full epoch
    experiment = xc.build(chosen)
    per_seed = xc.estimated_seconds(xc.build(xc.Choices(kind="rfr", seeds=(0,))))
    assert xc.estimated_seconds(experiment) == pytest.approx(6 * per_seed)
    expected = 6 * per_seed > xc.APP_EXPERIMENT_SECONDS
    assert (xc.refusal(chosen, experiment) is not None) == expected


def test_seeds_text_round_trips():
    for seeds in [(0,), (0, 1, 2), (100, 101, 102, 103), (5, 6), (9, 2, 4)]:
        assert ex.seeds_from_text(xc.seeds_text(seeds)) == seeds
