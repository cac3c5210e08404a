"""Whole `python -m parity train ... --json` commands of another checkout against this one.

    python bench/train_ab.py --before ../old-checkout --archs gru,rnn,lstm --seeds 0-3

For each architecture and seed, the before command and this checkout's run in turn (before,
after, before, after, ...), each a fresh process from its own checkout with this interpreter,
so a drift in the machine's load hits both sides alike. Per run: wall seconds of each side and
their ratio (after / before), steps and status; per architecture the medians. The two JSON
summaries must be identical but for the timing field (`train_seconds`): a change that only
makes the evidence cheaper trains the same runs to the same verdicts, and any difference is
printed and makes the exit status 1. Progress goes to stderr, the markdown table to stdout.
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
sys.path.insert(0, str(ROOT))

from bench.evidence_equal import TIMING_FIELDS, differences  # noqa: E402
from bench.robust import parse_seeds  # noqa: E402


def run(root: Path, arch: str, seed: int, extra: list[str]) -> tuple[float, dict]:
    """One train command in `root`: (wall seconds, its JSON summary without timing fields)."""
    command = [sys.executable, "-m", "parity", "train", "--arch", arch, "--seed", str(seed)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *extra, "--json"], cwd=root, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{root}: {' '.join(command)} failed: {done.stderr.strip()[-300:]}")
    summary = json.loads(done.stdout)
    for name in TIMING_FIELDS:
        summary.pop(name, None)
    return wall, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--archs", default="gru,rnn,lstm")
    parser.add_argument("--seeds", default="0-3")
    parser.add_argument("--extra", default="", help="more train flags, e.g. '--impl scratch'")
    args = parser.parse_args()
    extra = args.extra.split()
    rows, ratios, failures = [], {}, 0
    for arch in args.archs.split(","):
        for seed in parse_seeds(args.seeds):
            before_s, before = run(args.before, arch, seed, extra)
            after_s, after = run(ROOT, arch, seed, extra)
            diff = differences(before, after)
            failures += bool(diff)
            for line in diff[:10]:
                print(f"DIFFERS {arch} {seed}: {line}", file=sys.stderr)
            ratio = after_s / before_s
            ratios.setdefault(arch, []).append(ratio)
            rows.append(
                f"| {arch} | {seed} | {after['steps']:,} | {after['status']} | "
                f"{before_s:.1f} | {after_s:.1f} | {ratio:.2f} | {'yes' if not diff else 'NO'} |"
            )
            print(rows[-1], file=sys.stderr)
    print("| arch | seed | steps | status | before s | after s | after / before | identical |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print()
    for arch, values in ratios.items():
        print(f"- {arch}: median after / before {statistics.median(values):.2f} over {len(values)}")
    print(f"- {len(rows) - failures} of {len(rows)} runs identical (timing aside)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
