"""What many test modules share: the repository root, the command line run in a subprocess or
in this process, and the check that a refusal is one clear line on stderr."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m parity ARGS` from the repo root; text in and out, \r kept as is."""
    proc = subprocess.run(
        [sys.executable, "-m", "parity", *args],
        cwd=ROOT,
        input=None if stdin is None else stdin.encode(),
        capture_output=True,
        timeout=timeout,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def run_inprocess(args: list[str], capsys, stdin: str = "") -> tuple[int, str, str]:
    """The CLI's main() in this process (same code path minus interpreter start), reading
    `stdin`: (status, out, err). sys.stdin is restored afterwards."""
    from parity.cli.main import main

    sys.stdin = io.StringIO(stdin)
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's --help and usage errors
        status = exit_.code
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(status: int, err: str, *names: str, max_chars: int | None = None) -> None:
    """Exit 2, exactly one stderr line `error: ...` mentioning one of `names` (and at most
    `max_chars` long, when given), no traceback."""
    assert status == 2, err[:500]
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err[:500]
    if max_chars is not None:
        assert len(lines[0]) <= max_chars, len(lines[0])
    assert any(name in lines[0] for name in names), lines[0]
