"""Search for robust defaults: train seeds in a loop, then test every family at long lengths.

    nice python bench/robust.py --seeds 0-19 --lengths 1000 [--set density=varied ...]
        [--size 1000]

Per seed it prints steps, training seconds, the stop status and the worst family at each
length; at the end, how many seeds were perfect on every family at every length.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from parity.core.config import Config, fields  # noqa: E402
from parity.core.runtime import use_one_thread  # noqa: E402
from parity.evaluation.families import ALL, family_accuracy  # noqa: E402
from parity.training import train as train_module  # noqa: E402

use_one_thread()


def parse_seeds(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '0,3,7' -> [0, 3, 7]."""
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    return seeds


def config_changes(pairs: list[str]) -> dict:
    """['density=varied', 'lr=0.03'] -> {'density': 'varied', 'lr': 0.03} (typed by Config)."""
    kinds = {f.name: type(f.default) for f in fields()}
    changes = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        changes[name] = kinds[name](value)
    return changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-19"))
    parser.add_argument("--lengths", default="1000")
    parser.add_argument("--size", type=int, default=1000, help="strings per random family")
    parser.add_argument("--set", nargs="*", default=[], help="config changes, name=value")
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    changes = config_changes(args.set)
    print(f"# {changes} lengths={lengths}", flush=True)
    perfect, seconds, steps = 0, [], []
    for seed in args.seeds:
        result = train_module.train(Config(seed=seed, **changes))
        started = time.perf_counter()
        table = family_accuracy(result.model, ALL, lengths, count=args.size)
        bad = table[table["accuracy"] < 1.0]
        perfect += bad.empty and result.final_test_accuracy == 1.0
        seconds.append(result.train_seconds)
        steps.append(result.steps)
        worst = ", ".join(f"{r.family}@{r.length}={r.accuracy:.3f}" for r in bad.itertuples())
        print(
            f"seed {seed:3d} {result.status:11s} steps {result.steps:5d} "
            f"restarts {result.restarts} "
            f"train {result.train_seconds:.3f}s eval {time.perf_counter() - started:.1f}s "
            f"{'OK' if bad.empty else 'FAIL ' + worst}",
            flush=True,
        )
    print(
        f"# perfect {perfect}/{len(args.seeds)}; median train {statistics.median(seconds):.3f}s, "
        f"median steps {statistics.median(steps)}, max steps {max(steps)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
