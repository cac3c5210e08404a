"""A large sweep that survives: short runs into a results file, killed halfway, resumed.

Measures (numbers to report, not assertions), for `python -m parity experiment sweep` with
hidden sizes 2..9, longest strings 5..29 and --seeds N (200 cells; N=100: 20,000 runs), --steps 5:
- an uninterrupted run with --out: wall time, runs per second, the driver's peak memory
  (its own ru_maxrss, not its workers');
- the same command killed (SIGKILL of the driver) once the file holds half the runs, then run
  again: how long the resumed command takes to read the file and train its first run, its total
  time, its peak memory; and whether its rows equal the uninterrupted run's (bar train_seconds)
  with no run trained twice (its progress lines count the runs it trained).

    nice -n 10 python bench/survive.py [--seeds 100] [--executor local|ray] [--out bench/SURVIVE.md]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = ",".join(map(str, range(2, 10)))
LENS = ",".join(map(str, range(5, 30)))
# The CLI in a process that reports its own peak memory (not its children's) when it ends.
DRIVER = (
    "import resource, sys; from parity.cli.main import main; status = main(sys.argv[1:]); "
    "print('driver-peak-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
    "file=sys.stderr); sys.exit(status)"
)


def command(seeds: int, executor: str, out: Path) -> list[str]:
    grid = ["--hidden-sizes", HIDDEN, "--max-lens", LENS, "--seeds", str(seeds), "--steps", "5"]
    where = ["--executor", executor, "--out", str(out), "--json"]
    return [sys.executable, "-c", DRIVER, "experiment", "sweep", *grid, *where]


def rows_in(path: Path) -> int:
    """Complete row lines in a results file (the header not counted)."""
    try:
        with open(path, "rb") as f:
            return max(0, f.read().count(b"\n") - 1)
    except FileNotFoundError:
        return 0


def start(cmd: list[str], stdout: Path, stderr: Path) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=open(stdout, "wb"), stderr=open(stderr, "wb"), start_new_session=True
    )


def finish(proc: subprocess.Popen, stderr: Path, started: float) -> dict:
    """Wait for a driver: its wall time, peak memory, runs trained, time to its first run."""
    first = noted = None
    while proc.poll() is None:
        text = stderr.read_bytes()
        if noted is None and b"note: resuming" in text:
            noted = time.perf_counter() - started
        if first is None and b"] " in text:
            first = time.perf_counter() - started
        time.sleep(0.05)
    wall = time.perf_counter() - started
    lines = stderr.read_text().splitlines()
    peak = [int(line.split()[1]) for line in lines if line.startswith("driver-peak-kb")]
    trained = sum(line.startswith("[") for line in lines)
    return {
        "status": proc.returncode,
        "wall": wall,
        "peak_mb": peak[0] / 1024 if peak else None,
        "trained": trained,
        "first_run": first,
        "noted": noted,
        "notes": [x for x in lines if x.startswith("note")],
    }


def untimed(path: Path) -> list[dict]:
    rows = json.loads(path.read_text())["rows"]
    return [{k: v for k, v in row.items() if k != "train_seconds"} for row in rows]


def measure(seeds: int, executor: str, folder: Path) -> dict:
    total = 200 * seeds
    full, killed = folder / "full.jsonl", folder / "killed.jsonl"
    started = time.perf_counter()
    proc = start(command(seeds, executor, full), folder / "full.json", folder / "full.err")
    whole = finish(proc, folder / "full.err", started)
    proc = start(command(seeds, executor, killed), folder / "k.json", folder / "k.err")
    while rows_in(killed) < total // 2 and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # the driver alone, as a lost laptop
    proc.wait()
    kept = rows_in(killed)
    started = time.perf_counter()
    proc = start(command(seeds, executor, killed), folder / "resumed.json", folder / "r.err")
    resumed = finish(proc, folder / "r.err", started)
    for name in ("full", "r"):
        if (folder / f"{name}.err").read_text().count("error"):
            print((folder / f"{name}.err").read_text()[-2000:], file=sys.stderr)
    same = untimed(folder / "full.json") == untimed(folder / "resumed.json")
    return {
        "total": total,
        "whole": whole,
        "kept": kept,
        "resumed": resumed,
        "same": same,
        "file_mb": full.stat().st_size / 2**20,
    }


def report(result: dict, executor: str, load: tuple, seeds: int) -> str:
    w, r, total = result["whole"], result["resumed"], result["total"]
    kept = f"{r['trained']:,} (the file kept {result['kept']:,})"
    rates = f"{w['trained'] / w['wall']:.1f} | {r['trained'] / r['wall']:.1f}"
    first = "-" if r["first_run"] is None else f"{r['first_run']:.1f} s"
    noted = "-" if r["noted"] is None else f"{r['noted']:.1f} s"
    return "\n".join(
        [
            f"## {total:,} runs on the {executor} executor ({os.cpu_count()} CPUs)",
            "",
            f"`sweep --hidden-sizes 2..9 --max-lens 5..29 --seeds {seeds} --steps 5 --executor "
            f"{executor} --out FILE --json`, niced; load average {load[0]:.2f} before, "
            f"{load[1]:.2f} after. Results file: {result['file_mb']:.1f} MB.",
            "",
            "| | uninterrupted | resumed after SIGKILL halfway |",
            "| --- | ---: | ---: |",
            f"| runs trained | {w['trained']:,} | {kept} |",
            f"| wall time | {w['wall']:.1f} s | {r['wall']:.1f} s |",
            f"| runs per second | {rates} |",
            f"| driver peak memory (ru_maxrss) | {w['peak_mb']:.0f} MB | {r['peak_mb']:.0f} MB |",
            f"| time to start and read the file (its resume note) | - | {noted} |",
            f"| time to a first newly trained run | - | {first} |",
            "",
            f"Exit status {w['status']} and {r['status']}. Resumed rows equal to the uninterrupted "
            f"run's (bar train_seconds, same order): **{result['same']}**; runs trained twice: "
            f"{result['kept'] + r['trained'] - total}. Resume notes: {'; '.join(r['notes'])}.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--executor", default="local", choices=("local", "ray"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "SURVIVE.md"))
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="survive-"))
    result = measure(args.seeds, args.executor, folder)
    print(f"files in {folder}", file=sys.stderr)
    text = report(result, args.executor, (load_before, os.getloadavg()[0]), args.seeds)
    out = Path(args.out)
    if not out.exists():
        out.write_text(
            "# Experiments that survive: a large sweep, killed and resumed\n\n"
            "`nice -n 10 python bench/survive.py [--seeds N] [--executor local|ray]`"
            " appends one section per measurement.\n\n"
        )
    with open(out, "a") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
