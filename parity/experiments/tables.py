"""Plain-text tables of an experiment's rows and summary, for a terminal."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

from .definitions import Experiment


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value, spec: str = "") -> str:
    """A number as text; a whole float (a median of two steps) without its '.0'."""
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer() and not spec:
        value = int(value)
    return format(value, spec)


def table(header: list[str], lines: list[list[str]]) -> str:
    """Columns padded to their widest cell; first column left-aligned, the rest right.

    >>> print(table(["a", "bb"], [["x", "1"], ["yyy", "22"]]))
    a    bb
    x     1
    yyy  22
    """
    return "\n".join(table_lines(header, lambda: lines))


def table_lines(header: list[str], lines: Callable[[], Iterable[list]]) -> Iterator[str]:
    """table()'s lines, from `lines()` called twice (widths, then text): nothing is held."""
    widths = [len(str(cell)) for cell in header]
    for cells in lines():
        widths = [max(w, len(str(cell))) for w, cell in zip(widths, cells, strict=True)]
    for cells in itertools.chain([header], lines()):
        first, *rest = (str(c) for c in cells)
        parts = [first.ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)
        ]
        yield "  ".join(parts).rstrip()


def rows_table(rows: Iterable[dict]) -> str:
    """One line per run."""
    return "\n".join(rows_table_lines(rows))


def rows_table_lines(rows: Iterable[dict]) -> Iterator[str]:
    """rows_table()'s lines; `rows` is iterated three times (a results file's rows stream)."""
    lengths = sorted({n for r in rows for n in r["accuracy_by_length"]}, key=int)
    header = ["condition", "seed", "target", "status", "steps", "solved at", "test"]
    header += [f"len {n}" for n in lengths] + ["seconds", "error"]

    def lines() -> Iterator[list]:
        for r in rows:
            yield (
                [r["condition"], r["seed"], r["target"], r["status"], _num(r["steps"])]
                + [_num(r["solved_at_step"]), _pct(r["test_accuracy"])]
                + [_pct(r["accuracy_by_length"].get(n)) for n in lengths]
                + [_num(r["train_seconds"], ".2f"), r["error"] or ""]
            )

    return table_lines(header, lines)


def summary_table(summary: list[dict], group_by: tuple[str, ...]) -> str:
    """One line per group: solved of runs, steps to solve, time, test accuracy range."""
    lengths = sorted({n for s in summary for n in s["median_accuracy_by_length"]}, key=int)
    header = [*group_by, "target", "solved", "median steps", "steps to solve", "median s"]
    header += ["test min..max"] + [f"len {n} median" for n in lengths]
    lines = []
    for s in summary:
        acc = s["test_accuracy"]
        spread = f"{_pct(acc[0])}..{_pct(acc[-1])}" if acc else "-"
        lines.append(
            [*(s[k] for k in group_by), s["target"], f"{s['solved']}/{s['runs'] - s['failed']}"]
            + [_num(s["median_steps_to_solve"]), ",".join(map(str, s["steps_to_solve"])) or "-"]
            + [_num(s["median_train_seconds"], ".2f"), spread]
            + [_pct(s["median_accuracy_by_length"].get(n)) for n in lengths]
        )
    return table(header, lines)


def render(experiment: Experiment, result: dict) -> str:
    """Runs, then the summary, then what each condition is."""
    return "\n".join(render_lines(experiment, result["rows"], result["summary"]))


def render_lines(experiment: Experiment, rows: Iterable[dict], summary: list) -> Iterator[str]:
    """render()'s lines, the rows streamed (see rows_table_lines)."""
    yield f"{experiment.name}: {len(rows)} runs"
    yield from rows_table_lines(rows)
    yield ""
    yield "summary (solved: the held-out test set once classified perfectly)"
    yield summary_table(summary, experiment.group_by)
    if experiment.notes:
        yield ""
        yield from (f"{name}: {text}" for name, text in experiment.notes.items())
