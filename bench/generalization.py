"""The defaults' claim, checked through the command line exactly as a user would run it.

For each seed: `python -m parity train --seed S --json --out F`, then
`python -m parity evaluate --model F --lengths 1000,10000 --json`. Prints a markdown table.

    python bench/generalization.py [--seeds 0-9] [--size 1000] [--out bench/GENERALIZATION.md]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parity_cli(*args: str) -> dict | list:
    """Run `python -m parity ARGS` from the repo root; return its JSON output."""
    done = subprocess.run(
        [sys.executable, "-m", "parity", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def seed_range(text: str) -> range:
    """'0-9' -> range(0, 10)."""
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=seed_range("0-9"))
    parser.add_argument("--size", type=int, default=1000, help="strings per length")
    parser.add_argument("--out", type=Path, help="also write the table here")
    args = parser.parse_args()
    lines = [
        "| seed | status | steps | first 100% at step | train s | test 50..100 "
        "| length 1,000 | length 10,000 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            model = str(Path(tmp) / f"seed{seed}.safetensors")
            run = parity_cli("train", "--seed", str(seed), "--json", "--out", model)
            acc = {
                row["length"]: row["accuracy"]
                for row in parity_cli(
                    "evaluate",
                    "--model",
                    model,
                    "--lengths",
                    "1000,10000",
                    "--size",
                    str(args.size),
                    "--json",
                )
            }
            lines.append(
                f"| {seed} | {run['status']} | {run['steps']} | {run['solved_at_step']} "
                f"| {run['train_seconds']:.2f} | {run['final_test_accuracy']:.1%} "
                f"| {acc[1000]:.1%} | {acc[10000]:.1%} |"
            )
            print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
