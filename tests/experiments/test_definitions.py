"""Experiment definitions: the runs each experiment lists, and grids refused with a reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from parity.core import config as cfg
from parity.core import data
from parity.core.config import Config
from parity.core.data import RFR_LEN, RFR_SIZE
from parity.experiments import definitions as ex

ROOT = Path(__file__).resolve().parents[2]


def by_condition(experiment: ex.Experiment) -> dict[str, list[ex.Run]]:
    runs: dict[str, list[ex.Run]] = {}
    for run in experiment.runs:
        runs.setdefault(run.condition, []).append(run)
    return runs


def test_the_rfr_sizes_are_the_data_modules():
    assert (ex.RFR_SIZE, ex.RFR_LEN) == (data.RFR_SIZE, data.RFR_LEN)


def test_the_command_line_side_imports_no_torch():
    """Building and checking an experiment loads neither torch nor pandas: bad flags answer
    at once, and the driver of a local experiment never pays for them."""
    code = (
        "import sys; from parity.cli import main as cli; "
        "from parity.experiments import definitions as experiments; experiments.sweep(); "
        "experiments.rfr(); experiments.compare(); "
        "status = cli.main(['experiment', 'sweep', '--hidden-sizes', '0']); "
        "print(status, 'torch' in sys.modules, 'pandas' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip() == "2 False False", proc.stderr


def test_rfr_lists_each_condition_for_each_seed_as_posed():
    experiment = ex.rfr(seeds=(4, 9), steps=123)
    runs = by_condition(experiment)
    assert (
        list(runs)
        == list(ex.RFR_CONDITIONS)
        == [
            "fixed_50",
            "uniform_1_50",
            "fixed_50_every",
            "curriculum_50",
        ]
    )
    for condition, members in runs.items():
        assert [r.config.seed for r in members] == [4, 9]
        for run in members:
            c = run.config
            assert (c.train_size, c.max_len, c.test_max_len) == (RFR_SIZE, RFR_LEN, RFR_LEN)
            assert (c.lr, c.steps, c.stop, c.eval_every) == (ex.RFR_LR, 123, "solved", 50)
            assert run.eval_lengths == (RFR_LEN,)
            # the test set is drawn like the training set
            assert (c.test_min_len, c.test_max_len) == (c.min_len, c.max_len), condition
    first = {name: members[0] for name, members in runs.items()}
    assert first["fixed_50"].config.min_len == RFR_LEN
    assert first["uniform_1_50"].config.min_len == 1
    assert [first[n].config.target for n in first] == ["final", "final", "every", "final"]
    assert [first[n].method for n in first] == ["train", "train", "train", "curriculum"]
    # the contrasts change one thing each against fixed_50
    fixed = first["fixed_50"].config
    assert first["fixed_50_every"].config == fixed.replace(target="every")
    assert first["curriculum_50"].config == fixed


def test_compare_crosses_archs_impls_and_seeds_from_own_and_shared_defaults():
    experiment = ex.compare(seeds=(0, 1), archs=("rnn", "lstm"), impls=("scratch",), steps=50)
    assert [(r.condition, r.config.seed) for r in experiment.runs] == [
        ("rnn/scratch/own", 0),
        ("rnn/scratch/own", 1),
        ("rnn/scratch/shared", 0),
        ("rnn/scratch/shared", 1),
        ("lstm/scratch/own", 0),  # the LSTM's own defaults are the shared ones: run once
        ("lstm/scratch/own", 1),
    ]
    shared = Config(steps=50, impl="scratch")
    for run in experiment.runs:
        c = run.config
        if run.condition.endswith("/shared"):
            assert c == shared.replace(arch=c.arch, seed=c.seed)
        else:
            assert c == Config(arch=c.arch, impl="scratch", steps=50, seed=c.seed)
    assert experiment.runs[0].config.restart_after == cfg.default_of("restart_after", "rnn")
    assert experiment.group_by == ("condition",)
    assert "own defaults" in experiment.notes["rnn/scratch/own"]
    assert "shared defaults" in experiment.notes["rnn/scratch/shared"]
    only_shared = ex.compare(seeds=(0,), archs=("lstm",), impls=("torch",), defaults=("shared",))
    assert [r.condition for r in only_shared.runs] == ["lstm/torch/shared"]


def test_sweep_cells_and_their_configs():
    experiment = ex.sweep(seeds=(0, 1, 2), hidden_sizes=(2, 8), max_lens=(5, 40), arch="gru")
    cells = {(r.config.hidden_size, r.config.max_len) for r in experiment.runs}
    assert cells == {(2, 5), (2, 40), (8, 5), (8, 40)}
    assert len(experiment.runs) == 4 * 3
    assert {(r.config.arch, r.config.target, r.config.steps) for r in experiment.runs} == {
        ("gru", "every", ex.SWEEP_STEPS)
    }
    assert experiment.runs[0].condition == "h2/len5"


def test_duplicates_in_a_grid_count_once():
    experiment = ex.sweep(seeds=(0,), hidden_sizes=(4, 4, 8), max_lens=(5, 5))
    assert [r.config.hidden_size for r in experiment.runs] == [4, 8]


def test_definition_is_json_and_names_every_run():
    experiment = ex.sweep(seeds=(0,), hidden_sizes=(4,), max_lens=(5, 6), steps=7)
    definition = json.loads(json.dumps(experiment.definition()))
    assert definition["experiment"] == "sweep"
    assert [Config.from_dict(r["config"]) for r in definition["runs"]] == [
        r.config for r in experiment.runs
    ]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: ex.compare(archs=("lstm", "tcn")), "unknown arch 'tcn': choose from lstm, gru"),
        (lambda: ex.compare(impls=("cuda",)), "unknown impl 'cuda'"),
        (lambda: ex.compare(archs=()), "unknown arch nothing"),
        (lambda: ex.sweep(arch="xyz"), "unknown arch 'xyz'"),
        (lambda: ex.sweep(target="last"), "unknown target 'last': choose from every, final"),
        (lambda: ex.sweep(hidden_sizes=(8, 0)), r"hidden_size must be in 1\.\.256 \(got 0\)"),
        (lambda: ex.sweep(max_lens=(5000,)), r"max_len must be in 1\.\.1000 \(got 5000\)"),
        (lambda: ex.sweep(hidden_sizes=()), "give at least one hidden size"),
        (lambda: ex.rfr(steps=0), r"steps must be in 1\.\.100000 \(got 0\)"),
        (lambda: ex.rfr(seeds=()), "give at least one seed"),
        (lambda: ex.rfr(seeds=(1, 1)), "seeds must be distinct"),
        (lambda: ex.rfr(seeds=(-1,)), r"seed must be in 0\.\.2147483647 \(got -1\)"),
    ],
)
def test_bad_grids_name_the_problem(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_too_many_runs_are_refused_before_any_config_is_built():
    sizes = tuple(range(1, 101))  # 100 x 100 cells x 101 seeds = 1,010,000 > MAX_RUNS
    assert 100 * 100 * 101 > ex.MAX_RUNS
    with pytest.raises(
        ValueError, match=r"sweep has 1,010,000 runs \(100 x 100 x 101\); at most 1,000,000"
    ):
        ex.sweep(seeds=range(101), hidden_sizes=sizes, max_lens=sizes)
    many = ex.sweep(seeds=range(100), hidden_sizes=sizes[:20], max_lens=sizes[:5])
    assert len(many.runs) == 10_000  # past the old cap of 1,000


@pytest.mark.parametrize(
    "text, message",
    [
        ("999999999999999999999", r"seed must be in 0\.\.2147483647 \(got 999999999999999999998\)"),
        ("5..2147483648", r"seed must be in 0\.\.2147483647 \(got 2147483648\)"),
        ("1000001", "1,000,001 seeds; at most 1,000,000 are allowed"),
        ("1,,3", "seeds '1,,3': item 2 is empty"),
        (",1", "item 1 is empty"),
    ],
)
def test_seed_texts_too_many_or_with_an_empty_item_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        ex.seeds_from_text(text)


def test_a_grid_records_its_parameters_with_seeds_as_text():
    sweep = ex.sweep(seeds=range(3), hidden_sizes=(2, 4), max_lens=(5,), steps=7)
    assert sweep.grid == {
        "seeds": "0..2", "steps": 7, "hidden_sizes": [2, 4], "max_lens": [5], "arch": "lstm",
        "target": "every",
    }  # fmt: skip
    assert ex.rfr(seeds=(4, 1)).grid == {"seeds": "4,1", "steps": ex.RFR_STEPS}


@pytest.mark.parametrize(
    "text, seeds",
    [("3", (0, 1, 2)), ("100..103", (100, 101, 102, 103)), ("5,1", (5, 1)), ("7,", (7,))],
)
def test_seeds_from_text(text, seeds):
    assert ex.seeds_from_text(text) == seeds


@pytest.mark.parametrize(
    "text, message",
    [("x", "seeds must be a count"), ("0", "at least one seed"), ("3..1", "at least one")],
)
def test_bad_seeds_text(text, message):
    with pytest.raises(ValueError, match=message):
        ex.seeds_from_text(text)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of train, curriculum"):
        ex.Run("x", Config(), method="magic")
