"""Batched multi-seed training against one seed after another, side by side; writes BATCHED.md.

    python bench/batched.py            # the full run (a few minutes on 2 quiet cores)
    python bench/batched.py --quick    # fewer repetitions and seeds: a smoke run

1. 10 seeds of the default Config: parity.training.batched.train_many (one process) against
   parity.training.train.train per seed (one process), alternating, a few repetitions: medians of
   the
   wall time and of the optimisation time alone (the sum of train_seconds), and the ratios.
2. K = 1, 2, 5, 10, 20 seeds: the same comparison for each K.
3. Agreement with train() on seeds never tuned on (300..319): status, verdict, solved step.
4. `python -m parity experiment rfr --seeds 2` and `experiment sweep --seeds 3` (the 4 x 4
   default grid), wall time with --batch and with --no-batch, on every core.
5. The whole of "many seeds at once": the same 10 default seeds as the experiment runner does
   them (batched, the stacks spread over one worker process per core, worker start-up
   included) against one after another in one process; and the same comparison for a
   training-dominated setup (the defaults with stop=budget: every model runs all its steps).
6. One stack in this process with its evidence (stress checks, verdicts) spread over the cores
   (parity.core.runtime.set_evidence_threads) against one after another on one thread, and
   whether every verdict is the same.

    python bench/batched.py --parts main,cores    # only parts 1 and 6 (a few seconds each)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parity.core import runtime  # noqa: E402
from parity.core.config import Config  # noqa: E402
from parity.core.runtime import use_one_thread  # noqa: E402
from parity.execution.executors import LocalExecutor  # noqa: E402
from parity.experiments.definitions import Experiment, Run  # noqa: E402
from parity.experiments.runs import execute  # noqa: E402
from parity.training.batched import train_many  # noqa: E402
from parity.training.train import train  # noqa: E402

OUT = ROOT / "bench" / "BATCHED.md"
SCALING = (1, 2, 5, 10, 20)
UNSEEN = range(300, 320)
EXPERIMENTS = {
    "rfr --seeds 2": ["rfr", "--seeds", "2"],
    "sweep --seeds 3 (4 x 4 grid)": ["sweep", "--seeds", "3"],
}


def timed(fn) -> tuple[float, list]:
    started = time.perf_counter()
    results = fn()
    return time.perf_counter() - started, results


def with_threads(threads: int, fn):
    """fn() with the evidence spread over `threads` threads, then back to one."""
    runtime.set_evidence_threads(threads)
    try:
        return fn()
    finally:
        runtime.set_evidence_threads(1)


def side_by_side(seeds, repeats: int, threads: int = 1, **changes) -> dict:
    """Wall and optimisation seconds of both ways over `seeds`, alternating which goes first;
    the batched way's evidence over `threads` threads; whether every verdict was the same."""
    configs = [Config(seed=s, **changes) for s in seeds]
    walls = {"batched": [], "alone": []}
    optim = {"batched": [], "alone": []}
    ways = {
        "batched": lambda: with_threads(threads, lambda: train_many(configs)),
        "alone": lambda: [train(c) for c in configs],
    }
    verdicts = {"batched": set(), "alone": set()}
    for rep in range(repeats):
        for name in sorted(ways, reverse=bool(rep % 2)):
            wall, results = timed(ways[name])
            walls[name].append(wall)
            optim[name].append(sum(r.train_seconds for r in results))
            verdicts[name].add(tuple(r.verdict.status for r in results))
    med = {
        f"{k}_{name}": statistics.median(v[name])
        for k, v in (("wall", walls), ("optim", optim))
        for name in v
    }
    med["wall_ratio"] = med["wall_alone"] / med["wall_batched"]
    med["optim_ratio"] = med["optim_alone"] / med["optim_batched"]
    med["same_verdicts"] = len(verdicts["batched"] | verdicts["alone"]) == 1
    med["verdicts"] = sorted(verdicts["batched"] | verdicts["alone"])
    return med


def spread(seeds, repeats: int, **changes) -> dict:
    """One after another in this process against batched stacks on one worker per core."""
    configs = [Config(seed=s, **changes) for s in seeds]
    experiment = Experiment("seeds", tuple(Run("seeds", c) for c in configs), ("condition",))
    ways = {
        "alone": lambda: [train(c) for c in configs],
        "spread": lambda: execute(experiment, LocalExecutor(), batch=True),
    }
    walls = {name: [] for name in ways}
    for rep in range(repeats):
        for name in sorted(ways, reverse=bool(rep % 2)):
            walls[name].append(timed(ways[name])[0])
    alone, together = (statistics.median(walls[n]) for n in ("alone", "spread"))
    return {"alone": alone, "spread": together, "ratio": alone / together}


def agreement(seeds) -> dict:
    """How often train_many's status, verdict and solved step equal train()'s."""
    configs = [Config(seed=s) for s in seeds]
    together, alone = train_many(configs), [train(c) for c in configs]
    same = {"status": 0, "verdict": 0, "solved_at_step": 0, "steps": 0}
    differ = []
    for a, b in zip(together, alone, strict=True):
        checks = {
            "status": a.status == b.status,
            "verdict": a.verdict.status == b.verdict.status,
            "solved_at_step": a.solved_at_step == b.solved_at_step,
            "steps": a.steps == b.steps,
        }
        for key, ok in checks.items():
            same[key] += ok
        if not all(checks.values()):
            differ.append(
                f"seed {a.config.seed}: batched {a.status} at {a.steps} (solved "
                f"{a.solved_at_step}, {a.verdict.status}); alone {b.status} at {b.steps} "
                f"(solved {b.solved_at_step}, {b.verdict.status})"
            )
    return {"n": len(configs), "same": same, "differ": differ}


def experiment_time(args: list[str], batch: bool) -> float:
    flag = "--batch" if batch else "--no-batch"
    command = [sys.executable, "-m", "parity", "experiment", *args, flag, "--json"]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr[-2000:])
    return time.perf_counter() - started


def spread_lines(spreads: dict, seeds: int) -> list[str]:
    lines = [
        "",
        f"## Batched and spread over the {os.cpu_count()} cores, as the experiment runner does it",
        "",
        "One after another in one process, against `execute(..., LocalExecutor(), batch=True)`: "
        "the seeds cut into one stack per worker process (one per core), worker start-up and "
        "torch import included. Medians of the repetitions, alternating.",
        "",
        f"| {seeds} seeds of | one after another, s | batched and spread, s | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, m in spreads.items():
        lines.append(f"| {name} | {m['alone']:.2f} | {m['spread']:.2f} | {m['ratio']:.2f}x |")
    return lines


def main_lines(main: dict, args) -> list[str]:
    return [
        f"## {args.seeds} seeds of the default Config, {args.repeats} repetitions (medians)",
        "",
        "| | one after another | batched | ratio |",
        "|---|---:|---:|---:|",
        f"| wall time, s | {main['wall_alone']:.2f} | {main['wall_batched']:.2f} | "
        f"{main['wall_ratio']:.2f}x |",
        f"| optimisation only (sum of train_seconds), s | {main['optim_alone']:.2f} | "
        f"{main['optim_batched']:.2f} | {main['optim_ratio']:.2f}x |",
        "",
        "Wall time includes what batching does not change: every model's evaluations on its "
        "1,000 test strings, its stress check (1,000 random strings and every family at length "
        "1,000 once it solves the test set) and its verdict's automaton, the same work in both "
        "columns.",
    ]


def cores_lines(cores: dict, args) -> list[str]:
    threads = runtime.available_cores()
    same = "the same" if cores["same_verdicts"] else "NOT the same"
    return [
        f"## {args.seeds} default seeds as one stack, the evidence over {threads} cores, in "
        f"one process ({args.repeats} repetitions, medians)",
        "",
        "The stack's stress checks and verdicts spread over one thread per core "
        "(`parity.core.runtime.set_evidence_threads`), against one after another on one "
        "thread; no worker processes to start.",
        "",
        "| | one after another | batched, evidence over the cores | ratio |",
        "|---|---:|---:|---:|",
        f"| wall time, s | {cores['wall_alone']:.2f} | {cores['wall_batched']:.2f} | "
        f"{cores['wall_ratio']:.2f}x |",
        f"| optimisation only, s | {cores['optim_alone']:.2f} | {cores['optim_batched']:.2f} | "
        f"{cores['optim_ratio']:.2f}x |",
        "",
        f"Verdicts: {same} in every repetition ({', '.join(cores['verdicts'][0])}).",
    ]


def scaling_lines(scaling: dict, args) -> list[str]:
    lines = [
        f"## Scaling with K (default Config, seeds 0..K-1, medians of "
        f"{1 if args.quick else 2} repetitions)",
        "",
        "| K | wall alone, s | wall batched, s | ratio | optimisation alone, s | batched, s "
        "| ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k, m in scaling.items():
        lines.append(
            f"| {k} | {m['wall_alone']:.2f} | {m['wall_batched']:.2f} | {m['wall_ratio']:.2f}x | "
            f"{m['optim_alone']:.2f} | {m['optim_batched']:.2f} | {m['optim_ratio']:.2f}x |"
        )
    return lines


def budget_lines(budget: dict, args) -> list[str]:
    return [
        f"## {args.seeds} seeds of the defaults with stop=budget (every model runs all "
        f"2,000 steps), {args.repeats} repetitions (medians)",
        "",
        "| | one after another | batched | ratio |",
        "|---|---:|---:|---:|",
        f"| wall time, s | {budget['wall_alone']:.2f} | {budget['wall_batched']:.2f} | "
        f"{budget['wall_ratio']:.2f}x |",
        f"| optimisation only, s | {budget['optim_alone']:.2f} | "
        f"{budget['optim_batched']:.2f} | {budget['optim_ratio']:.2f}x |",
    ]


def agree_lines(agree: dict, args) -> list[str]:
    same, n = agree["same"], agree["n"]
    return [
        f"## Agreement with train() alone, unseen seeds {UNSEEN.start}..{UNSEEN.stop - 1}",
        "",
        f"Same status {same['status']}/{n}, same verdict {same['verdict']}/{n}, same solved "
        f"step {same['solved_at_step']}/{n}, same steps run {same['steps']}/{n}.",
        *(f"- {line}" for line in agree["differ"]),
    ]


def experiment_lines(experiments: dict, args) -> list[str]:
    lines = [
        f"## Experiments on all {os.cpu_count()} cores (`python -m parity experiment ...`)",
        "",
        "| experiment | --no-batch, s | --batch, s | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, (off, on) in experiments.items():
        lines.append(f"| {name} | {off:.1f} | {on:.1f} | {off / on:.2f}x |")
    return lines


def report(found: dict, args) -> str:
    load = os.getloadavg()
    parts = "" if set(args.parts) == set(PARTS) else f" --parts {','.join(args.parts)}"
    lines = [
        "# Batched multi-seed training (bench/batched.py)",
        "",
        f"Written by `python bench/batched.py{' --quick' if args.quick else ''}{parts}` on "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, one torch thread "
        f"per process; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(1 / 5 / 15 min). Both ways run in the same process, alternating, so a busy machine "
        "slows both: quote the ratios.",
    ]
    for name in PARTS:
        if found.get(name):
            lines += ["", *WRITERS[name](found[name], args)]
    return "\n".join(lines) + "\n"


def run_part(name: str, args):
    seeds, repeats = range(args.seeds), args.repeats
    if name == "main":
        return side_by_side(seeds, repeats)
    if name == "cores":
        return side_by_side(seeds, repeats, threads=runtime.available_cores())
    if name == "scaling":
        ks = SCALING[:3] if args.quick else SCALING
        return {k: side_by_side(range(k), 1 if args.quick else 2) for k in ks}
    if name == "budget":
        return side_by_side(seeds, repeats, stop="budget")
    if name == "spread":
        return {
            "the default Config": spread(seeds, repeats),
            "the defaults with stop=budget (2,000 steps each)": spread(
                seeds, repeats, stop="budget"
            ),
        }
    if name == "agree":
        return {} if args.quick else agreement(UNSEEN)
    return {
        label: (experiment_time(command, False), experiment_time(command, True))
        for label, command in ({} if args.quick else EXPERIMENTS).items()
    }


PARTS = ("main", "cores", "scaling", "budget", "spread", "agree", "experiments")
WRITERS = {
    "main": main_lines,
    "cores": cores_lines,
    "scaling": scaling_lines,
    "budget": budget_lines,
    "spread": lambda spreads, args: spread_lines(spreads, args.seeds)[1:],
    "agree": agree_lines,
    "experiments": experiment_lines,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and repetitions")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}"
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"the report (default {OUT})")
    args = parser.parse_args()
    args.parts = [p for p in args.parts.split(",") if p]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {', '.join(sorted(unknown))}")
    use_one_thread()
    args.seeds, args.repeats = (5, 1) if args.quick else (10, 3)
    found = {}
    for name in PARTS:
        if name in args.parts:
            found[name] = run_part(name, args)
            print(name, found[name], flush=True)
    args.out.write_text(report(found, args))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
