"""Results files: rows written as they finish, resumed after an interruption at any point,
damaged, foreign and mismatched files refused, and the driver's memory flat over many runs."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from parity.execution.executors import Outcome
from parity.experiments import definitions as ex
from parity.experiments import results as rf
from parity.experiments.results import ResultsError, ResultsFile
from parity.experiments.runs import CURVE_COLUMNS, _identity, stream_rows, summarise

CURVE_POINTS = 1000  # a fat row: holding rows would show in the memory test


def fake_row(run: ex.Run, points: int = 5) -> dict:
    """A row as run_one would give it, made up from the run alone (no training)."""
    seed = run.config.seed
    steps = [10 * (i + 1) for i in range(points)]
    solved = (seed + run.config.hidden_size) % 3 != 0
    return {
        **_identity(run),
        "status": "solved" if solved else "budget",
        "steps": steps[-1],
        "solved_at_step": steps[seed % points] if solved else None,
        "solved": solved,
        "test_accuracy": 0.5 + (seed % 7) / 14,
        "train_seconds": 0.01,
        "accuracy_by_length": {"5": (seed % 4) / 4},
        "curve": {c: [float(s + at) for s in steps] for at, c in enumerate(CURVE_COLUMNS)},
        "config": run.config.to_dict(),
        "error": None,
    }


class FakeExecutor:
    """Rows made up at once, tasks finishing in reverse order; counts the runs it trains and
    raises KeyboardInterrupt (^C) after `stop_after` tasks when given."""

    name, in_process = "fake", False

    def __init__(self, workers=2, stop_after=None, points=5, fail=()):
        self.workers, self.stop_after, self.points, self.trained = workers, stop_after, points, []
        self.fail = set(fail)  # (condition, seed): a task holding one of these fails

    def map_unordered(self, fn, items):
        items = list(items)
        for done, index in enumerate(reversed(range(len(items)))):
            if done == self.stop_after:
                raise KeyboardInterrupt
            names = [(run.condition, run.config.seed) for run in items[index]]
            self.trained += names
            if self.fail & set(names):
                yield Outcome(index, error="RuntimeError: a lost worker")
            else:
                yield Outcome(index, [fake_row(run, self.points) for run in items[index]])


def sweep(seeds: int = 4, steps: int = 5, **grid) -> ex.Experiment:
    grid = {"hidden_sizes": (2, 3), "max_lens": (5, 6), **grid}
    return ex.sweep(seeds=range(seeds), steps=steps, **grid)


def fill(path, experiment, executor, batch: bool = True) -> list[dict]:
    """Train what the file lacks into it; its rows then, in run order."""
    with ResultsFile.open(path, experiment, batch) as results:
        for item in stream_rows(experiment, executor, results.todo(), batch=batch):
            results.add(item.index, item.row)
        return list(results.rows())


def untimed(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "train_seconds"} for row in rows]


def in_memory(experiment) -> list[dict]:
    rows = [None] * len(experiment.runs)
    for item in stream_rows(experiment, FakeExecutor(workers=1)):
        rows[item.index] = item.row
    return rows


@pytest.mark.parametrize(
    "batch, stop_after", [(True, 0), (True, 1), (True, 3), (False, 7), (False, 15)]
)
@pytest.mark.parametrize("workers", [1, 3])
def test_interrupted_after_k_tasks_and_resumed_gives_the_same_rows(
    tmp_path, batch, stop_after, workers
):
    experiment, path = sweep(), tmp_path / "sweep.jsonl"
    first = FakeExecutor(workers, stop_after=stop_after)
    with pytest.raises(KeyboardInterrupt):
        fill(path, experiment, first, batch)
    kept = path.read_text().count("\n") - 1
    assert kept == len(first.trained)  # every row that finished is in the file
    second = FakeExecutor(workers)
    rows = fill(path, experiment, second, batch)
    assert rows == in_memory(experiment)
    assert not set(first.trained) & set(second.trained)
    assert len(first.trained) + len(second.trained) == len(experiment.runs)


LOST = {("h3/len5", 1)}


def test_a_failed_run_is_retried_on_resume_and_its_new_row_wins(tmp_path):
    experiment, path = sweep(), tmp_path / "sweep.jsonl"
    fill(path, experiment, FakeExecutor(fail=LOST), batch=False)
    with ResultsFile.open(path, experiment, False) as results:
        assert results.failed() == 1 and len(results.todo()) == 1
        index = results.todo()[0]
        results.add(index, fake_row(experiment.runs[index]))
    with ResultsFile.open(path, experiment, False) as results:
        assert results.failed() == 0 and results.todo() == []
        assert list(results.rows())[index] == fake_row(experiment.runs[index])


def test_the_header_holds_the_definition_and_rows_are_json_lines(tmp_path):
    experiment, path = sweep(seeds=3), tmp_path / "sweep.jsonl"
    rows = fill(path, experiment, FakeExecutor())
    lines = path.read_text().splitlines()
    head = json.loads(lines[0])
    assert head["format"] == rf.FORMAT and head["version"] == rf.VERSION
    assert head["experiment"] == "sweep" and head["batch"] is True and head["runs"] == 12
    assert head["grid"] == experiment.grid and head["grid"]["seeds"] == "0..2"
    assert sorted(json.dumps(row) for row in rows) == sorted(lines[1:])


def test_a_half_written_last_line_is_ignored_with_a_note_and_cut_away(tmp_path):
    experiment, path = sweep(), tmp_path / "sweep.jsonl"
    with pytest.raises(KeyboardInterrupt):
        fill(path, experiment, FakeExecutor(stop_after=2))
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"condition": "h2/len5", "seed": 0, "ar')
    notes, lines = [], whole.count(b"\n")
    with ResultsFile.open(path, experiment, True, note=notes.append) as results:
        assert results.done() == lines - 1
    assert notes == [f"{path}: line {lines + 1} was cut short (an interrupted write); ignoring it"]
    assert path.read_bytes() == whole
    assert fill(path, experiment, FakeExecutor()) == in_memory(experiment)


def test_a_header_cut_short_starts_afresh(tmp_path):
    experiment, path = sweep(), tmp_path / "sweep.jsonl"
    path.write_text(json.dumps(rf.header(experiment, True))[:30])
    notes = []
    ResultsFile.open(path, experiment, True, note=notes.append).close()
    assert notes == [f"{path}: its header was cut short; starting afresh"]
    assert json.loads(path.read_text()) == rf.header(experiment, True)


def _with_header(experiment, *lines: str) -> str:
    return "\n".join([json.dumps(rf.header(experiment, True)), *lines]) + "\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("condition,seed\nh2,0\n", "is not a results file of `python -m parity experiment`"),
        ('{"format": "something else"}\n', "is not a results file"),
        ("\x00\x01binary\n", "is not a results file"),
        (None, "line 2 is not a JSON row"),
        (None, "line 2 is not a row of an experiment run"),
        (None, "line 2 is a run of another experiment"),
        (None, "line 3 repeats a run already in the file"),
        (None, "has results format version 2; this version reads 1"),
    ],
)
def test_a_foreign_or_damaged_file_is_refused_and_left_untouched(tmp_path, text, message):
    experiment, path = sweep(), tmp_path / "sweep.jsonl"
    row = json.dumps(fake_row(experiment.runs[0]))
    other = json.dumps(fake_row(sweep(hidden_sizes=(7,)).runs[0]))
    made = {
        "line 2 is not a JSON row": _with_header(experiment, "{not json", row),
        "line 2 is not a row of an experiment run": _with_header(experiment, '{"a": 1}'),
        "line 2 is a run of another experiment": _with_header(experiment, other),
        "line 3 repeats a run already in the file": _with_header(experiment, row, row),
        "has results format version 2; this version reads 1": json.dumps(
            {**rf.header(experiment, True), "version": 2}
        )
        + "\n",
    }
    path.write_bytes((text if text is not None else made[message]).encode())
    before = path.read_bytes()
    with pytest.raises(ResultsError, match=message) as raised:
        ResultsFile.open(path, experiment, True)
    assert "\n" not in str(raised.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "other, batch, difference",
    [
        (sweep(steps=6), True, "steps is 5 in the file, 6 in this command"),
        (sweep(seeds=3), True, "seeds is 0..3 in the file, 0..2 in this command"),
        (sweep(max_lens=(5, 7)), True, "max_lens is [5, 6] in the file, [5, 7] in this command"),
        (ex.rfr(seeds=range(4)), True, "experiment is sweep in the file, rfr in this command"),
        (sweep(), False, "batch is true in the file, false in this command"),
    ],
)
def test_a_file_of_another_definition_is_refused_naming_the_first_difference(
    tmp_path, other, batch, difference
):
    path = tmp_path / "sweep.jsonl"
    fill(path, sweep(), FakeExecutor())
    before = path.read_bytes()
    with pytest.raises(ResultsError) as raised:
        ResultsFile.open(path, other, batch)
    assert str(raised.value) == (
        f"{path} holds another experiment: {difference} (--restart moves it aside and starts "
        "afresh)"
    )
    assert path.read_bytes() == before


def test_restart_moves_the_old_file_aside_and_starts_afresh(tmp_path):
    path = tmp_path / "sweep.jsonl"
    fill(path, sweep(), FakeExecutor())
    (tmp_path / "sweep.jsonl.1").write_text("an older one")
    old = path.read_bytes()
    notes = []
    with ResultsFile.open(path, sweep(steps=9), True, restart=True, note=notes.append) as results:
        assert results.todo() == list(range(16))
    assert notes == [f"moved the old {path} aside to {path}.2; starting afresh"]
    assert (tmp_path / "sweep.jsonl.2").read_bytes() == old
    assert json.loads(path.read_text()) == rf.header(sweep(steps=9), True)


def test_a_file_in_use_by_another_driver_is_refused(tmp_path):
    path = tmp_path / "sweep.jsonl"
    with ResultsFile.open(path, sweep(), True):
        with pytest.raises(ResultsError, match="is being written by another experiment"):
            ResultsFile.open(path, sweep(), True)


def test_the_summary_streamed_from_the_file_equals_summarise_of_the_rows(tmp_path):
    experiment, path = sweep(seeds=5), tmp_path / "sweep.jsonl"
    rows = fill(path, experiment, FakeExecutor(fail=LOST), batch=False)
    with ResultsFile.open(path, experiment, False) as results:
        streamed = summarise(results.rows(), experiment.group_by)
    assert streamed == summarise(list(rows), experiment.group_by)
    assert [s["failed"] for s in streamed] == [0, 0, 1, 0]


def _peak_bytes(tmp_path, seeds: int) -> tuple[int, int]:
    """The peak memory traced while training `seeds` x 4 fake fat runs into a file, and the
    size of one row as Python objects (roughly)."""
    experiment = sweep(seeds=seeds)
    path = tmp_path / f"{seeds}.jsonl"
    executor = FakeExecutor(workers=2, points=CURVE_POINTS)
    tracemalloc.start()
    try:
        with ResultsFile.open(path, experiment, True) as results:
            for item in stream_rows(experiment, executor, results.todo(), batch=False):
                results.add(item.index, item.row)
            peak_training = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak_training, len(path.read_bytes()) // len(experiment.runs)


def test_the_drivers_memory_stays_flat_over_a_long_sweep(tmp_path):
    """Held rows would cost a row (here about 25 kB as text) per run; the driver holds an
    offset and a plan entry per run instead."""
    small, row_bytes = _peak_bytes(tmp_path, 50)  # 200 runs
    large, _ = _peak_bytes(tmp_path, 500)  # 2,000 runs
    assert row_bytes > 20_000
    per_run = (large - small) / 1800
    assert per_run < 1_000, (small, large)  # under 5% of a row


def test_a_file_given_as_bytes_is_rebuilt_from_its_header_and_checked(tmp_path):
    from parity.experiments.reading import read_results

    experiment, path = sweep(), tmp_path / "sweep.jsonl"
    rows = fill(path, experiment, FakeExecutor())
    data = path.read_bytes()
    rebuilt, read, notes = read_results(data + b'{"cut', max_runs=100)
    assert rebuilt.definition() == experiment.definition() and read == rows
    assert notes == ["line 18 was cut short (an interrupted write); ignoring it"]
    with pytest.raises(ResultsError, match="it holds 16 runs; this app shows at most 10"):
        read_results(data, max_runs=10)
    forged = json.dumps({**rf.header(experiment, True), "grid": {**experiment.grid, "steps": 0}})
    with pytest.raises(ResultsError, match=r"grid is not one this lab builds \(steps must be"):
        read_results(forged.encode() + b"\n", max_runs=100)
    other = json.dumps({**rf.header(experiment, True), "definition_sha256": "0" * 64})
    with pytest.raises(ResultsError, match="it holds another experiment: the runs' definitions"):
        read_results(other.encode() + b"\n", max_runs=100)
