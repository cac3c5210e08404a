"""The Ray executor against local worker processes, side by side in one run.

Measures (numbers to report, not assertions), medians over repetitions, the executors
alternating within each repetition so a busy machine disturbs them alike:
- tasks per second: trivial tasks (`abs` of an int) through RayExecutor (connected to a Ray
  instance started once), LocalExecutor and SerialExecutor;
- a small sweep of ~0.1 s runs, one run per task and batched by shape (experiment_runs.plan):
  wall time on LocalExecutor, on RayExecutor connected once ("warm": the cluster's workers are
  up) and on a fresh RayExecutor that starts and stops its own Ray ("cold": what one
  `--executor ray` command pays), with the ratios to local;
- per-task overhead: (Ray wall - serial compute / CPUs) / tasks, from the sweep.

    nice python bench/ray_bench.py [--quick] [--repeats 5] [--out bench/RAY.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import ray  # noqa: E402

from parity.execution.executors import LocalExecutor, SerialExecutor  # noqa: E402
from parity.execution.ray_executor import RayExecutor, init_options  # noqa: E402
from parity.experiments import definitions as ex  # noqa: E402
from parity.experiments.runs import execute, plan  # noqa: E402

CPUS = os.cpu_count() or 1
SWEEP = {"hidden_sizes": (4, 8), "max_lens": (5, 10, 20)}  # 6 shapes


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def drain(executor, items) -> None:
    outcomes = list(executor.map_unordered(abs, items))
    assert len(outcomes) == len(items) and all(o.ok for o in outcomes)


def tasks_per_second(count: int, repeats: int) -> dict[str, float]:
    """Trivial tasks per second on each executor (median over `repeats`)."""
    items = list(range(-count, 0))
    executors = {
        "ray": RayExecutor(),
        "local": LocalExecutor(CPUS),
        "serial": SerialExecutor(),
    }
    for executor in (executors["ray"], executors["serial"]):  # workers up, torch imported
        drain(executor, items[: CPUS * 4])
    walls = {name: [] for name in executors}
    for _ in range(repeats):
        for name, executor in executors.items():
            walls[name].append(timed(lambda e=executor: drain(e, items)))
    return {name: count / statistics.median(w) for name, w in walls.items()}


def sweep_once(name: str, experiment, batch: bool) -> float:
    """Wall seconds of one execution; 'ray cold' starts and stops its own Ray instance."""
    if name == "local":
        return timed(lambda: execute(experiment, LocalExecutor(CPUS), batch=batch))
    if name == "ray warm":
        return timed(lambda: execute(experiment, RayExecutor(), batch=batch))
    ray.shutdown()
    wall = timed(lambda: execute(experiment, RayExecutor(num_cpus=CPUS), batch=batch))
    ray.init(**init_options(num_cpus=CPUS))
    drain(RayExecutor(), list(range(-4 * CPUS, 0)))  # the warm one finds its workers up
    return wall


def sweep_walls(seeds: int, steps: int, repeats: int) -> dict:
    """Wall seconds of the sweep per executor and batching (medians), and what it holds."""
    experiment = ex.sweep(seeds=range(seeds), steps=steps, **SWEEP)
    runs = len(experiment.runs)
    serial = [timed(lambda: execute(experiment, SerialExecutor(), batch=False))]
    result = {"runs": runs, "tasks": {}, "walls": {}}
    for batch in (False, True):
        result["tasks"][batch] = len(plan(experiment.runs, CPUS, batch))
        walls = {"local": [], "ray warm": [], "ray cold": []}
        for _ in range(repeats):
            for name in walls:
                walls[name].append(sweep_once(name, experiment, batch))
        result["walls"][batch] = {name: statistics.median(w) for name, w in walls.items()}
    serial.append(timed(lambda: execute(experiment, SerialExecutor(), batch=False)))
    result["serial"] = statistics.median(serial)
    return result


def report(args, rates: dict, sweep: dict, load: tuple, seconds: float) -> str:
    per_run = sweep["serial"] / sweep["runs"]
    lines = [
        "# Ray executor against local worker processes",
        "",
        f"`python bench/ray_bench.py{' --quick' if args.quick else ''}`: {CPUS} CPUs, "
        f"Ray {ray.__version__}, load average {load[0]:.1f} before / {load[1]:.1f} after, "
        f"{seconds:.0f} s in all. Medians over {args.repeats} repetitions, executors "
        "alternating. On a busy machine read the ratios, not the seconds.",
        "",
        f"## Trivial tasks ({args.tasks:,} x `abs`)",
        "",
        "| executor | tasks per second |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {rate:,.0f} |" for name, rate in rates.items()]
    lines += [
        "",
        f"Ray (connected, workers up): {1000 / rates['ray']:.2f} ms of driver time per task, "
        f"{100 / rates['ray'] / 0.1:.1f}% of a 0.1 s run. local's figure includes spawning its "
        f"{CPUS} worker processes (each imports torch) on every call; serial runs them inline.",
        "",
        f"## Sweep: {sweep['runs']} runs of about {per_run:.2f} s "
        f"({len(SWEEP['hidden_sizes'])} x {len(SWEEP['max_lens'])} shapes x {args.seeds} seeds, "
        f"{args.steps} steps each)",
        "",
        f"Serial, one run after another in one process: {sweep['serial']:.1f} s "
        f"({per_run:.3f} s per run).",
        "",
        "| tasks | local | ray warm | ray cold | warm / local | cold / local |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for batch, walls in sweep["walls"].items():
        kind = "batched by shape" if batch else "one run per task"
        tasks = sweep["tasks"][batch]
        lines.append(
            f"| {kind}: {tasks} | {walls['local']:.1f} s | {walls['ray warm']:.1f} s | "
            f"{walls['ray cold']:.1f} s | {walls['ray warm'] / walls['local']:.2f} | "
            f"{walls['ray cold'] / walls['local']:.2f} |"
        )
    ideal = sweep["serial"] / CPUS
    lines += [
        "",
        f"Beyond serial / {CPUS} CPUs = {ideal:.1f} s (worker starts, scheduling and the "
        "machine's other load all count; batched groups also train faster, stacked): "
        + "; ".join(
            f"{'batched' if batch else 'one run per task'}: "
            + ", ".join(f"{name} +{wall - ideal:.1f} s" for name, wall in walls.items())
            for batch, walls in sweep["walls"].items()
        )
        + ".",
        "",
        "local spawns its worker processes (and they import torch) for every experiment; "
        "ray warm reuses the cluster's workers; ray cold starts a Ray instance and its workers "
        "as one `--executor ray` command without --address does.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer tasks, seeds and repetitions")
    p.add_argument("--repeats", type=int, default=None, help="[default 5; --quick 2]")
    p.add_argument("--tasks", type=int, default=None, help="trivial tasks [default 2000; 300]")
    p.add_argument("--seeds", type=int, default=None, help="sweep seeds [default 6; 2]")
    p.add_argument("--steps", type=int, default=40, help="steps per run (~0.1 s) [default 40]")
    p.add_argument("--out", default=str(ROOT / "bench" / "RAY.md"), help="the report")
    args = p.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.tasks = args.tasks or (300 if args.quick else 2000)
    args.seeds = args.seeds or (2 if args.quick else 6)
    started, load = time.perf_counter(), os.getloadavg()[0]
    ray.init(**init_options(num_cpus=CPUS))
    rates = tasks_per_second(args.tasks, args.repeats)
    sweep = sweep_walls(args.seeds, args.steps, args.repeats)
    ray.shutdown()
    text = report(args, rates, sweep, (load, os.getloadavg()[0]), time.perf_counter() - started)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
