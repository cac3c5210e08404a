"""The extracted automaton: how long extraction takes, and whether it agrees with long strings.

    nice python bench/automaton.py [--seeds 100-119] [--repeats 3] > bench/AUTOMATON.md

Part 1 times parity.analysis.automaton.extract (median of --repeats runs, one intra-op thread) for
every architecture at hidden sizes 8, 64 and 256, on untrained models and, at hidden 8, on a
trained default model. Part 2 trains one model per seed (seeds never used while building the
extractor) in two setups: the old one (bit density half, stop at the first perfect test
score, where many models forget their odd state) and the current defaults. For each it
compares the automaton's verdict (is_parity and stable) with the plain test: right on every
stress family (parity.evaluation.families) at length 1,000.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from parity.analysis.automaton import extract  # noqa: E402
from parity.core.config import Config  # noqa: E402
from parity.core.runtime import use_one_thread  # noqa: E402
from parity.evaluation.families import family_accuracy  # noqa: E402
from parity.nets.models import build  # noqa: E402
from parity.training.train import train  # noqa: E402

use_one_thread()
SETUPS = {
    "old (density half, stop solved)": {"density": "half", "stop": "solved"},
    "defaults": {},
}
CHECK_LENGTH = 1000


def seconds(model, repeats: int) -> float:
    """Median wall time of extract(model)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        extract(model)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timing(repeats: int) -> None:
    print("## Extraction time (median of", repeats, "runs, 1 thread)\n")
    print("| arch | hidden | untrained model s | states | trained default s | states |")
    print("|---|---|---|---|---|---|")
    for arch in ("lstm", "gru", "rnn"):
        for size in (8, 64, 256):
            untrained = build(Config(arch=arch, hidden_size=size, seed=1))
            cells = [f"{seconds(untrained, repeats):.3f}", str(extract(untrained).states)]
            if size == 8:
                model = train(Config(arch=arch, hidden_size=size, seed=1)).model
                cells += [f"{seconds(model, repeats):.3f}", str(extract(model).states)]
            else:
                cells += ["", ""]
            print(f"| {arch} | {size} | " + " | ".join(cells) + " |", flush=True)


def agreement(seeds: list[int]) -> None:
    for name, changes in SETUPS.items():
        print(f"\n## {name}: automaton against every family at length {CHECK_LENGTH:,}\n")
        print("| seed | states | is_parity | stable | first drift | families all right |")
        print("|---|---|---|---|---|---|")
        agree = 0
        for seed in seeds:
            model = train(Config(seed=seed, **changes)).model
            a = extract(model)
            table = family_accuracy(model, lengths=(CHECK_LENGTH,), count=100)
            right = bool((table["accuracy"] == 1.0).all())
            drift = next((d for d in a.drift if d.left_at is not None), None)
            where = f"state {drift.state}, bit {drift.bit}, step {drift.left_at}" if drift else ""
            agree += (a.is_parity and a.stable) == right
            print(
                f"| {seed} | {a.states} | {a.is_parity} | {a.stable} | {where} | {right} |",
                flush=True,
            )
        print(
            f"\nAutomaton verdict (parity and stable) agrees with the families: "
            f"{agree} of {len(seeds)} seeds."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="100-119")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    lo, _, hi = args.seeds.partition("-")
    timing(args.repeats)
    agreement(list(range(int(lo), int(hi or lo) + 1)))


if __name__ == "__main__":
    main()
