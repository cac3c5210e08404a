"""An experiment's run in the CLI: progress lines, rows kept in memory or in a results file,
and the table or JSON printed at the end (streamed from the file when there is one)."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing

from ..experiments.definitions import Experiment


def progress_line(done: int, total: int, row: dict) -> str:
    """One stderr line per finished run."""
    head = f"[{done}/{total}] {row['condition']} seed {row['seed']}: "
    if row["error"] is not None:
        return head + f"failed: {row['error']}"
    solved = f"solved at step {row['solved_at_step']}" if row["solved"] else "not solved"
    return head + (
        f"{row['status']} after {row['steps']} steps, {solved}, "
        f"test {100 * row['test_accuracy']:.1f}%, {row['train_seconds']:.2f} s"
    )


def duration(seconds: float) -> str:
    """'40 s', '12 min', '3.5 h'.

    >>> duration(40.2), duration(700), duration(12600)
    ('40 s', '12 min', '3.5 h')
    """
    if seconds < 100:
        return f"{seconds:.0f} s"
    if seconds < 6000:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """The progress line of each finished run: done of total, in flight, failed, time left."""

    def __init__(self, total: int, already: int = 0):
        self.total, self.done, self.already, self.failed = total, already, already, 0
        self.start = time.monotonic()

    def line(self, row: dict, in_flight: int, settled: int) -> str:
        """The line of the run `row`; `settled` runs (of finished tasks) set the pace."""
        self.done += 1
        self.failed += row["error"] is not None
        rate = settled / max(time.monotonic() - self.start, 1e-9)
        left = duration((self.total - self.already - settled) / rate)
        return progress_line(self.done, self.total, row) + (
            f"; {in_flight} in flight, {self.failed} failed, about {left} left"
        )


def train(
    experiment: Experiment,
    executor,
    todo: Sequence[int] | None,
    batch: bool | None,
    keep: Callable[[int, dict], None],
    progress: Progress,
) -> None:
    """Train the runs `todo` (None: all), keep(index, row) each and print its progress line.

    stdout holds the result alone: what an executor's library prints meanwhile (Ray's notes
    on dead workers) goes to stderr.
    """
    from ..experiments.runs import stream_rows

    with (
        contextlib.redirect_stdout(sys.stderr),
        closing(stream_rows(experiment, executor, todo, batch=batch)) as finished,
    ):
        for item in finished:
            keep(item.index, item.row)
            print(
                progress.line(item.row, item.in_flight, item.settled), file=sys.stderr, flush=True
            )


def run_in_memory(experiment: Experiment, executor, batch, as_json: bool) -> list[dict]:
    """Train every run, holding the rows, then print the table or JSON: the rows."""
    from ..experiments.runs import summarise
    from ..experiments.tables import render

    rows: list = [None] * len(experiment.runs)
    train(experiment, executor, None, batch, rows.__setitem__, Progress(len(rows)))
    result = {"experiment": experiment.name, "rows": rows}
    result["summary"] = summarise(rows, experiment.group_by)
    print(json.dumps(result) if as_json else render(experiment, result))
    return rows


def print_file_result(experiment: Experiment, results, as_json: bool) -> None:
    """What run_in_memory prints, streamed from a results file, line by line."""
    from ..experiments.runs import summarise
    from ..experiments.tables import render_lines

    summary = summarise(results.rows(), experiment.group_by)
    if not as_json:
        for line in render_lines(experiment, results.rows(), summary):
            print(line)
        return
    out = sys.stdout
    out.write(f'{{"experiment": {json.dumps(experiment.name)}, "rows": [')
    for at, line in enumerate(results.lines()):
        out.write((", " if at else "") + line)
    out.write(f'], "summary": {json.dumps(summary)}}}\n')


def run_to_file(experiment: Experiment, executor, args) -> tuple[int, int]:
    """Train what the results file --out lacks, then print it all: (failed, total)."""
    from ..experiments.results import ResultsFile

    total = len(experiment.runs)
    batch = experiment.batch if args.batch is None else args.batch
    with ResultsFile.open(args.out, experiment, batch, restart=args.restart, note=note) as results:
        todo = results.todo()
        if len(todo) < total:
            retried = f" ({results.failed()} failed: retried)" if results.failed() else ""
            note(f"resuming {args.out}: {results.done():,} of {total:,} runs in it{retried}")
        try:
            if todo:
                progress = Progress(total, total - len(todo))
                train(experiment, executor, todo, batch, results.add, progress)
        except KeyboardInterrupt:
            done = f"{results.done():,} of {total:,}"
            note(f"interrupted: {args.out} holds {done} runs; the same command resumes")
            raise
        print_file_result(experiment, results, args.json)
        return results.failed(), total


def note(text: str) -> None:
    """A note on stderr."""
    print(f"note: {text}", file=sys.stderr, flush=True)
