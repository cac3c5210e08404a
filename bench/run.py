"""Side-by-side benchmarks: the seed notebook's loop against the project's defaults, and the
from-scratch LSTM's training throughput against the built-in one. See bench/README.md.

    python bench/run.py [--seeds 0-4] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import report  # noqa: E402
import seed_port  # noqa: E402
import torch  # noqa: E402

from parity.core.config import Config  # noqa: E402
from parity.core.runtime import use_one_thread  # noqa: E402
from parity.evaluation.evaluate import accuracy_by_length  # noqa: E402
from parity.training.train import train  # noqa: E402

use_one_thread()

LONG_LENGTHS = (1000, 10_000)
THROUGHPUT = {"batch_size": 128, "min_len": 20, "max_len": 20}  # what (c) trains on
IMPLS = ("torch", "scratch")


def parse_seeds(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '0,3,7' -> [0, 3, 7]."""
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return seeds


def library_run(config: Config) -> dict:
    """parity.training.train.train(config): how it ended, its training seconds, long-string
    accuracy."""
    result = train(config)
    by_length = accuracy_by_length(result.model, LONG_LENGTHS, size=1000)
    return {
        "status": result.status,
        "steps": result.steps,
        "solved_at": result.solved_at_step,
        "seconds": result.train_seconds,
        "test_accuracy": result.final_test_accuracy,
        "long": dict(zip(by_length["length"], by_length["accuracy"], strict=True)),
    }


def time_to_solve(seeds: list[int], step_cap: int) -> list[dict]:
    """(a) and (b): per seed, the seed loop, then the defaults, then target='final'."""
    rows = []
    for seed in seeds:
        row = {
            "seed": seed,
            "seed_loop": seed_port.run(seed, step_cap),
            "every": library_run(Config(seed=seed)),
            "final": library_run(Config(seed=seed, target="final")),
        }
        rows.append(row)
        log(
            f"seed {seed}: seed loop {row['seed_loop']['train_seconds']:.2f} s, "
            f"defaults {row['every']['seconds']:.3f} s, final {row['final']['seconds']:.3f} s"
        )
    return rows


def steps_per_second(arch: str, target: str, impl: str, steps: int, seed: int) -> float:
    """Training steps per second of one budget run (parity.training.train's own clock)."""
    config = Config(
        arch=arch,
        impl=impl,
        target=target,
        steps=steps,
        stop="budget",
        eval_every=steps,
        seed=seed,
        **THROUGHPUT,
    )
    result = train(config)
    return result.steps / result.train_seconds


def throughput(archs: list[str], steps: int, repeats: int) -> list[dict]:
    """(c): built-in vs from-scratch steps/s, runs interleaved, median over `repeats`."""
    rows = []
    for arch in archs:
        for target in ("every", "final"):
            for impl in IMPLS:  # warm-up
                steps_per_second(arch, target, impl, 20, 0)
            rates = {impl: [] for impl in IMPLS}
            for rep in range(repeats):
                for impl in IMPLS:
                    rates[impl].append(steps_per_second(arch, target, impl, steps, rep))
            median = {impl: statistics.median(r) for impl, r in rates.items()}
            rows.append(
                {
                    "arch": arch,
                    "target": target,
                    **median,
                    "ratio": median["scratch"] / median["torch"],
                    "runs": rates,
                }
            )
            log(
                f"{arch} {target}: torch {median['torch']:.0f}/s, scratch {median['scratch']:.0f}/s"
            )
    return rows


def whole_commands(seeds: list[int]) -> list[dict]:
    """Wall time of `python -m parity train --seed S --json`, as a user would run it."""
    rows = []
    for seed in seeds:
        command = [sys.executable, "-m", "parity", "train", "--seed", str(seed), "--json"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
        summary = json.loads(done.stdout) if done.returncode == 0 else {}
        rows.append(
            {
                "command": " ".join(["python"] + command[1:]),
                "wall": wall,
                "returncode": done.returncode,
                "train_seconds": summary.get("train_seconds"),
                "status": summary.get("status"),
            }
        )
    return rows


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds",
        type=parse_seeds,
        default=parse_seeds("0-4"),
        help="seeds for (a) and (b), e.g. 0-4 or 0,3,7 [default 0-4]",
    )
    parser.add_argument("--out", help="also write the markdown here")
    parser.add_argument(
        "--step-cap",
        type=int,
        default=seed_port.STEP_CAP,
        help="the seed loop gives up after this many steps [default 5000]",
    )
    parser.add_argument("--steps", type=int, default=200, help="steps per throughput run")
    parser.add_argument("--repeats", type=int, default=7, help="throughput runs per side")
    parser.add_argument(
        "--archs",
        default="lstm,gru,rnn",
        help="cells for the throughput table (lstm is the one with a target)",
    )
    parser.add_argument(
        "--commands",
        type=int,
        default=2,
        help="seeds for which to time the whole CLI command (0 = skip)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    # A first, tiny run: warms up, and leaves torch with the threads train() sets, so the seed
    # loop runs with the very same setting as the library.
    train(Config(steps=1, stop="budget"))
    context = report.context(torch.get_num_threads())
    started = time.perf_counter()
    solve = time_to_solve(args.seeds, args.step_cap)
    rates = throughput(args.archs.split(","), args.steps, args.repeats)
    commands = whole_commands(args.seeds[: args.commands])
    context["bench wall seconds"] = f"{time.perf_counter() - started:.0f}"
    context["load average after"] = report.load()
    text = report.markdown(context, solve, rates, commands)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
