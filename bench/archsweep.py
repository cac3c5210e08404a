"""The tuning loop behind the per-architecture defaults: seeds of one config as one stack.

    nice python bench/archsweep.py --arch gru --seeds 0-15 --set gate_bias=-6 steps=6000

Prints each seed that did not end a parity machine (all of them without --quiet), then the
share of parity machines and the steps. Tune on seeds 0..49 only; bench/architectures.py
measures the chosen defaults on unseen seeds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.robust import config_changes, parse_seeds  # noqa: E402
from parity.core.config import Config  # noqa: E402
from parity.training.batched import train_many  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="gru")
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-9"))
    parser.add_argument("--set", nargs="*", default=[], help="config changes, name=value")
    parser.add_argument("--quiet", action="store_true", help="list only the failed seeds")
    args = parser.parse_args()
    changes = config_changes(args.set)
    started = time.perf_counter()
    results = train_many([Config(arch=args.arch, seed=s, **changes) for s in args.seeds])
    wall = time.perf_counter() - started
    for r in results:
        if not args.quiet or not r.verdict.is_parity_machine:
            print(
                f"  seed {r.config.seed:3d} {r.verdict.status:16s} steps {r.steps:5d} "
                f"restarts {r.restarts} {r.verdict.headline[:90]}"
            )
    good = sum(r.verdict.is_parity_machine for r in results)
    steps = [r.steps for r in results]
    print(
        f"{args.arch} {changes}: {good}/{len(results)} parity machines; steps median "
        f"{statistics.median(steps)} max {max(steps)}; wall {wall:.0f}s",
        flush=True,
    )


if __name__ == "__main__":
    main()
