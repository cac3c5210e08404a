"""An experiment's results file: JSON lines, a header then one row per finished run.

The first line is the header: the format and its version, the experiment's kind, its grid (the
builder's parameters), batch, group_by, the number of runs and the SHA-256 of its full
definition (Experiment.definition(), hashed run by run: definition_sha256). Each further line
is one finished run's row, exactly as `--json` prints it, appended and flushed as the run
finishes (and fsync'ed at most every FSYNC_SECONDS, and on close). A row names its run by its
identity fields (condition, method, config), so the rows may come in any order; a run that
failed may be followed by a later row of the same run (a retry), which supersedes it.

`ResultsFile.open` validates a file before anything is written to it: a foreign file, bad JSON
before the last line or a row of no run of the experiment is refused (ResultsError, one line)
and the file is left untouched; a half-written last line (power loss) is ignored with a note and
cut away before appending. The driver keeps only an offset per run (where its row starts), so it
holds the rows in flight, not the rows done.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from .definitions import Experiment

FORMAT = "parity-experiment-results"
VERSION = 1
FSYNC_SECONDS = 1.0
IDENTITY = ("condition", "method", "config")  # the row fields that say which run it is
MISSING = -1


class ResultsError(ValueError):
    """A results file that cannot be used for this experiment (one line)."""


def header(experiment: Experiment, batch: bool) -> dict[str, Any]:
    """The first line of the experiment's results file."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "experiment": experiment.name,
        "batch": batch,
        "grid": experiment.grid,
        "group_by": list(experiment.group_by),
        "runs": len(experiment.runs),
        "definition_sha256": definition_sha256(experiment, batch),
    }


def definition_sha256(experiment: Experiment, batch: bool) -> str:
    """The SHA-256 of Experiment.definition() (with `batch`), one run at a time: its name and
    batch as canonical JSON, then each run's definition as canonical JSON."""
    digest = hashlib.sha256(_canonical({"experiment": experiment.name, "batch": batch}))
    for run in experiment.runs:
        digest.update(_canonical(run.to_dict()))
    return digest.hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def first_difference(found: dict, wanted: dict) -> str | None:
    """'steps is 5 in the file, 10 in this command', for the first field that differs."""
    grid_found, grid_wanted = found.get("grid") or {}, wanted["grid"]
    grid_names = list(grid_wanted) + [k for k in grid_found if k not in grid_wanted]
    pairs = [("experiment", found.get("experiment"), wanted["experiment"])]
    pairs += [(name, grid_found.get(name), grid_wanted.get(name)) for name in grid_names]
    pairs += [(name, found.get(name), wanted[name]) for name in ("batch", "runs", "group_by")]
    for name, in_file, in_command in pairs:
        if in_file != in_command:
            return _differs(name, in_file, in_command)
    if found.get("definition_sha256") != wanted["definition_sha256"]:
        return "the runs' definitions differ (the same grid, other run settings)"
    return None


def _differs(name: str, found, wanted) -> str:
    def text(value) -> str:
        return "absent" if value is None else json.dumps(value).strip('"')

    return f"{name} is {text(found)} in the file, {text(wanted)} in this command"


def _key(condition, method, config: dict) -> bytes:
    return hashlib.blake2b(_canonical([condition, method, config]), digest_size=16).digest()


def _run_keys(experiment: Experiment) -> dict[bytes, list[int]]:
    """Each run's identity digest -> its indices (more than one only for repeated runs)."""
    keys: dict[bytes, list[int]] = {}
    for index, run in enumerate(experiment.runs):
        keys.setdefault(_key(run.condition, run.method, run.config.to_dict()), []).append(index)
    return keys


class ResultsFile:
    """An open, validated, locked results file: where each finished run's row starts."""

    def __init__(self, path: Path, handle: IO[bytes], experiment: Experiment, batch: bool):
        self.path, self.handle, self.experiment = path, handle, experiment
        self.header = header(experiment, batch)
        self.offsets = array("q", [MISSING]) * len(experiment.runs)
        self.ok = bytearray(len(experiment.runs))  # 1: its row has no error
        self.end = 0  # where the valid content ends
        self._synced = time.monotonic()

    @classmethod
    def open(
        cls,
        path: str | Path,
        experiment: Experiment,
        batch: bool,
        *,
        restart: bool = False,
        note: Callable[[str], None] = lambda text: None,
    ) -> ResultsFile:
        """The file at `path` for `experiment`, read for resume (or started: header written).

        With `restart`, an existing file is first moved aside (FILE.1, FILE.2, ...), said in
        a note. Raises ResultsError (the file untouched) when it cannot be resumed.
        """
        path = Path(path)
        if restart and path.exists():
            aside = _free_name(path)
            path.rename(aside)
            note(f"moved the old {path} aside to {aside}; starting afresh")
        handle = open(path, "a+b")  # creates it; touches nothing that is there
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ResultsError(f"{path} is being written by another experiment") from None
        results = cls(path, handle, experiment, batch)
        try:
            results._read(note)
        except BaseException:
            handle.close()
            raise
        return results

    def _read(self, note: Callable[[str], None]) -> None:
        """Validate the whole file, then cut a damaged last line and write a missing header."""
        self.handle.seek(0)
        size = os.fstat(self.handle.fileno()).st_size
        first = self.handle.readline()
        ours = (json.dumps(self.header) + "\n").encode()
        if not first or (not first.endswith(b"\n") and ours.startswith(first)):
            if first:
                note(f"{self.path}: its header was cut short; starting afresh")
            self._cut(0)
            self._append(ours)
            return
        self._check_header(first)
        keys = _run_keys(self.experiment)
        offset, number, damaged = len(first), 1, None
        for line in self.handle:
            number += 1
            last = offset + len(line) >= size
            row = _row(line)
            if row is None or not line.endswith(b"\n"):
                if not last:
                    raise ResultsError(f"{self.path}: line {number} is not a JSON row")
                damaged = number
                break
            self._place(row, keys, offset, number)
            offset += len(line)
        if damaged is not None:
            note(f"{self.path}: line {damaged} was cut short (an interrupted write); ignoring it")
        self._cut(offset)

    def _check_header(self, first: bytes) -> None:
        found = _row(first)
        if found is None or found.get("format") != FORMAT:
            raise ResultsError(
                f"{self.path} is not a results file of `python -m parity experiment` "
                "(its first line is not one's header); it is left as it is"
            )
        if found.get("version") != VERSION:
            raise ResultsError(
                f"{self.path} has results format version {found.get('version')}; "
                f"this version reads {VERSION}"
            )
        difference = first_difference(found, self.header)
        if difference is not None:
            raise ResultsError(
                f"{self.path} holds another experiment: {difference} "
                "(--restart moves it aside and starts afresh)"
            )

    def _place(self, row: dict, keys: dict[bytes, list[int]], offset: int, number: int) -> None:
        """Note where row (line `number`, at `offset`) is: its run's first free slot."""
        if not isinstance(row, dict) or not all(name in row for name in (*IDENTITY, "error")):
            raise ResultsError(f"{self.path}: line {number} is not a row of an experiment run")
        candidates = keys.get(_key(*(row[name] for name in IDENTITY)))
        if candidates is None:
            raise ResultsError(f"{self.path}: line {number} is a run of another experiment")
        free = [i for i in candidates if self.offsets[i] == MISSING]
        retried = [i for i in candidates if not self.ok[i]]
        if not free and not retried:
            raise ResultsError(f"{self.path}: line {number} repeats a run already in the file")
        index = (free or retried)[0]
        self.offsets[index] = offset
        self.ok[index] = row["error"] is None

    def _cut(self, offset: int) -> None:
        self.handle.truncate(offset)
        self.end = offset

    def _append(self, data: bytes) -> int:
        """Write `data` at the end, flushed (fsync'ed every FSYNC_SECONDS): its offset."""
        offset = self.end
        self.handle.seek(offset)
        self.handle.write(data)
        self.handle.flush()
        self.end += len(data)
        if time.monotonic() - self._synced >= FSYNC_SECONDS:
            self.sync()
        return offset

    def sync(self) -> None:
        os.fsync(self.handle.fileno())
        self._synced = time.monotonic()

    def add(self, index: int, row: dict) -> None:
        """Append the row of run `index` as it finishes."""
        self.offsets[index] = self._append((json.dumps(row) + "\n").encode())
        self.ok[index] = row["error"] is None

    def todo(self) -> list[int]:
        """The runs still to train, in run order: no row yet, or a failed one (retried)."""
        return [i for i in range(len(self.offsets)) if not self.ok[i]]

    def done(self) -> int:
        return sum(offset != MISSING for offset in self.offsets)

    def failed(self) -> int:
        return self.done() - sum(self.ok)

    def lines(self) -> Iterator[str]:
        """Each run's row as its JSON text, in run order (runs without a row are skipped)."""
        for offset in self.offsets:
            if offset != MISSING:
                self.handle.seek(offset)
                yield self.handle.readline().decode().rstrip("\n")

    def rows(self) -> Rows:
        return Rows(self)

    def close(self) -> None:
        if not self.handle.closed:
            self.sync()
            self.handle.close()

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Rows:
    """The rows of a results file in run order, read again from the file at each iteration."""

    def __init__(self, results: ResultsFile):
        self.results = results

    def __len__(self) -> int:
        return self.results.done()

    def __iter__(self) -> Iterator[dict]:
        return (json.loads(line) for line in self.results.lines())


def _row(line: bytes) -> Any:
    """The JSON value of a line, or None when it is not JSON."""
    try:
        return json.loads(line)
    except ValueError:  # UnicodeDecodeError included
        return None


def _free_name(path: Path) -> Path:
    """FILE.1, FILE.2, ...: the first that does not exist."""
    number = 1
    while path.with_name(f"{path.name}.{number}").exists():
        number += 1
    return path.with_name(f"{path.name}.{number}")
