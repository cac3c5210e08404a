"""The command line against torch's floor, side by side: `python -c "import torch"` and the
commands, each a fresh process, interleaved round by round; writes CLI_FLOOR.md.

    nice python bench/cli_floor.py --out bench/CLI_FLOOR.md      # ~1-2 minutes on 2 cores
    python bench/cli_floor.py --repeats 3 --no-breakdown          # a quick look

1. Wall time of each command in a fresh interpreter (imports, work, printing, exit), the
   commands in a rotating order every round, so drift in the machine's load hits all of them:
   the medians, each command's median / the floor's median, and the median of the per-round
   ratios (command / the floor in the same round), which holds better on a busy machine; and
   the CPU time (user + system, all threads), which load hardly changes. `--before DIR` adds
   `train --seed 0 --json` run from another checkout (e.g. `git archive COMMIT | tar -x -C DIR`).
2. Where a `train --seed 0 --json` goes, in one fresh process: importing torch, importing the
   command line and its commands, the first train() and a second one of the same config; the
   evidence of a trained default model timed piece by piece (the test set, the stress suite's
   strings, its check, the automaton).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "import torch"
BREAKDOWN = r"""
import json, sys, time
marks = {}
started = time.perf_counter()
import torch
marks["import torch"] = time.perf_counter() - started
t = time.perf_counter()
from parity.cli import commands, main
from parity.core.config import Config
from parity.training.train import train
marks["import the command line (parity.cli, parity.training.train)"] = time.perf_counter() - t
from parity.core.runtime import use_one_thread
use_one_thread()
for name in ("first train() of the process", "second train(), same config"):
    t = time.perf_counter()
    result = train(Config(seed=0))
    marks[name] = time.perf_counter() - t
marks["  of which optimisation (train_seconds)"] = result.train_seconds
from parity.analysis.automaton import extract
from parity.core import data
from parity.evaluation.evaluate import accuracy
from parity.evaluation.stress import config_suite
model, config = result.model, result.config
test = data.test_set(config, 1000)
pieces = {
    "test set, 1,000 strings of 50-100 bits (each evaluation)": lambda: accuracy(model, test),
    "stress suite's strings drawn (2,044 of 1,000 bits)": lambda: config_suite(config),
    "stress check, every family at length 1,000 (passing)": lambda: suite.run(model),
    "automaton extracted (the verdict's last step)": lambda: extract(model),
}
suite = config_suite(config)
for name, fn in pieces.items():
    times = []
    for _ in range(3):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    marks[name] = min(times)
heavy = sorted(m for m in ("pandas", "sympy", "torch._dynamo", "altair") if m in sys.modules)
print(json.dumps({"marks": marks, "heavy": heavy, "status": result.status}))
"""


def commands(model: str, before: Path | None) -> dict[str, list[str]]:
    """Name -> argv (after the interpreter) of every command timed, the floor first."""
    extra = {}
    if before is not None:  # the same command from another checkout: a script that cds there
        code = (
            f"import os, runpy, sys; os.chdir({str(before)!r}); sys.path.insert(0, '.'); "
            "sys.argv = ['parity', 'train', '--seed', '0', '--json']; "
            "runpy.run_module('parity', run_name='__main__')"
        )
        extra = {f"before ({before.name}): parity train --seed 0 --json": ["-c", code]}
    return {
        'python -c "import torch"': ["-c", FLOOR],
        "parity train --help": ["-m", "parity", "train", "--help"],
        "parity train --seed 0 --json": ["-m", "parity", "train", "--seed", "0", "--json"],
        "parity predict --model M 0110 (3 strings)": [
            "-m",
            "parity",
            "predict",
            "--model",
            model,
            "0110",
            "1",
            "111",
        ],  # fmt: skip
        "parity evaluate --model M --lengths 100,1000": [
            "-m",
            "parity",
            "evaluate",
            "--model",
            model,
            "--lengths",
            "100,1000",
        ],  # fmt: skip
        **extra,
    }


def wall(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh `python ARGV` (output discarded); a failure stops the
    bench. CPU time (user + system, every thread) does not grow with the machine's load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def side_by_side(named: dict[str, list[str]], repeats: int) -> dict[str, list[tuple]]:
    """Every command once per round, in an order that rotates from round to round."""
    names, times = list(named), {name: [] for name in named}
    wall(named[names[0]])  # warm the file cache once
    for round_ in range(repeats):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            times[name].append(wall(named[name]))
        print(f"round {round_ + 1}/{repeats}", file=sys.stderr, flush=True)
    return times


def table(times: dict[str, list[tuple]]) -> list[str]:
    floor = next(iter(times.values()))
    lines = [
        "| command | wall, s (median) | range | / floor | / floor, per round | CPU, s "
        "| CPU / floor's |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    floor_wall = statistics.median(w for w, _ in floor)
    floor_cpu = statistics.median(c for _, c in floor)
    for name, values in times.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        per_round = statistics.median(w / f for (w, _), (f, _) in zip(values, floor, strict=True))
        med, cpu = statistics.median(walls), statistics.median(cpus)
        lines.append(
            f"| `{name}` | {med:.2f} | {min(walls):.2f}-{max(walls):.2f} | "
            f"{med / floor_wall:.2f}x | {per_round:.2f}x | {cpu:.2f} | {cpu / floor_cpu:.2f}x |"
        )
    return lines


def breakdown() -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", BREAKDOWN], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(times: dict, found: dict | None, repeats: int, load: tuple) -> str:
    end = os.getloadavg()
    lines = [
        "# The command line against torch's floor (bench/cli_floor.py)",
        "",
        f"Written by `python bench/cli_floor.py` on {platform.processor() or platform.machine()},"
        f" {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{load[0]:.1f} before, {end[0]:.1f} after (1 min). Each command is a fresh process; "
        f"{repeats} rounds, the commands in a rotating order each round. M is a model file "
        "trained by `parity train --seed 0 --out M` before the rounds.",
        "",
        *table(times),
    ]
    if found:
        lines += [
            "",
            "## Where `train --seed 0 --json` goes (one fresh process)",
            "",
            f"Status {found['status']}; heavy modules loaded by the end: "
            f"{', '.join(found['heavy']) or 'none'} (pandas, sympy, torch._dynamo, altair "
            "looked for). The evidence rows are the best of 3 on the trained model.",
            "",
            "| part | seconds |",
            "|---|---:|",
            *(f"| {name} | {seconds:.3f} |" for name, seconds in found["marks"].items()),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--out", type=Path, help="write the report here too")
    parser.add_argument("--no-breakdown", action="store_true", help="skip part 2")
    parser.add_argument("--before", type=Path, help="also time train from this checkout")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "m.safetensors")
        wall(["-m", "parity", "train", "--seed", "0", "--out", model])
        times = side_by_side(commands(model, args.before), args.repeats)
    found = None if args.no_breakdown else breakdown()
    text = report(times, found, args.repeats, load)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
