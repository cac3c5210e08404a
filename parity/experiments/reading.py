"""A results file given as bytes (the app's upload): its experiment rebuilt from its header and
its rows checked, as a resumed command checks them; nothing in it is executed.

The header names the experiment's kind and grid; the experiment is built from them by its own
builder (which validates every value), and the whole file is then read exactly as
ResultsFile.open reads it (same refusals, a half-written last line ignored).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from .definitions import EXPERIMENTS, Experiment, seeds_from_text
from .results import FORMAT, VERSION, ResultsError, ResultsFile

LIST_PARAMETERS = ("hidden_sizes", "max_lens", "archs", "impls")


def experiment_of(head: dict) -> Experiment:
    """The experiment a results file's header names; ResultsError when it names none."""
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise ResultsError("it is not a results file of `python -m parity experiment`")
    if head.get("version") != VERSION:
        raise ResultsError(f"it has results format version {head.get('version')!r}, not {VERSION}")
    build, grid = EXPERIMENTS.get(head.get("experiment")), head.get("grid")
    if build is None or not isinstance(grid, dict) or not isinstance(grid.get("seeds"), str):
        raise ResultsError("its header names no experiment of this lab")
    values = {k: tuple(v) if k in LIST_PARAMETERS and isinstance(v, list) else v
              for k, v in grid.items()}  # fmt: skip
    values["seeds"] = seeds_from_text(values["seeds"])
    try:
        return build(**values)
    except (TypeError, ValueError) as err:
        raise ResultsError(f"its header's grid is not one this lab builds ({err})") from None


def read_results(data: bytes, max_runs: int) -> tuple[Experiment, list[dict], list[str]]:
    """The experiment, its rows in run order (runs without a row left out) and the notes."""
    first = data.split(b"\n", 1)[0]
    try:
        head = json.loads(first)
    except ValueError:
        raise ResultsError("it is not a results file of `python -m parity experiment`") from None
    if isinstance(head, dict) and isinstance(head.get("runs"), int) and head["runs"] > max_runs:
        raise ResultsError(f"it holds {head['runs']:,} runs; this app shows at most {max_runs:,}")
    experiment = experiment_of(head)
    if len(experiment.runs) > max_runs:
        raise ResultsError(f"it holds {len(experiment.runs):,} runs; at most {max_runs:,} here")
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.jsonl"
        path.write_bytes(data)
        try:
            batch = head.get("batch") is True
            with ResultsFile.open(path, experiment, batch, note=notes.append) as results:
                rows = list(results.rows())
        except ResultsError as err:
            raise ResultsError(str(err).replace(f"{path}: ", "").replace(str(path), "it")) from None
    return experiment, rows, [note.replace(f"{path}: ", "") for note in notes]
