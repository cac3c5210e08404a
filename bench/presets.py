"""Every preset trained on the seeds it was chosen on and on seeds never looked at.

For each preset in parity.training.presets.PRESETS and each seed in TUNED_SEEDS and UNSEEN_SEEDS:
train(preset.config with that seed), then count the verdict statuses, whether the preset's
Expectation held, the diagnosis kind, the solved steps and the training seconds. Writes
bench/PRESETS.md and prints the MEASURED counts that parity/training/presets.py quotes; --check
exits 1
when those differ from parity.training.presets.MEASURED.

    nice -n 10 python bench/presets.py [--presets notebook,smallest] [--unseen 100-109]
        [--out bench/PRESETS.md] [--check]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parity.training import presets  # noqa: E402
from parity.training.diagnosis import diagnose  # noqa: E402
from parity.training.train import train  # noqa: E402
from ui.ranges import trainable  # noqa: E402


def seed_range(text: str) -> range:
    """'100-109' -> range(100, 110)."""
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def run_one(name: str, seed: int) -> dict:
    """Train one preset with one seed; the numbers the report needs."""
    preset = presets.PRESETS[name]
    started = time.perf_counter()
    result = train(preset.config.replace(seed=seed))
    diagnosis = diagnose(result, trainable)
    return {
        "preset": name,
        "seed": seed,
        "status": result.status,
        "verdict": result.verdict.status if result.verdict else "diverged",
        "holds": preset.expectation.holds(result),
        "kind": diagnosis.kind if diagnosis else "none",
        "steps": result.steps,
        "solved_at": result.solved_at_step,
        "test": result.final_test_accuracy,
        "seconds": result.train_seconds,
        "wall": time.perf_counter() - started,
    }


def counts(rows: list[dict], key: str) -> str:
    """'test set unsolved 4, parity machine 1'."""
    found = collections.Counter(r[key] for r in rows)
    return ", ".join(f"{k} {n}" for k, n in found.most_common())


def median_or_dash(values: list[float], fmt: str) -> str:
    return format(statistics.median(values), fmt) if values else "—"


def summary_line(name: str, tuned: list[dict], unseen: list[dict]) -> str:
    rows = tuned + unseen
    solved = [r["solved_at"] for r in rows if r["solved_at"] is not None]
    return (
        f"| {name} | {sum(r['holds'] for r in tuned)} of {len(tuned)} | "
        f"{sum(r['holds'] for r in unseen)} of {len(unseen)} | {counts(rows, 'verdict')} | "
        f"{counts(rows, 'kind')} | {median_or_dash(solved, 'g')} ({len(solved)} solved) | "
        f"{median_or_dash([r['seconds'] for r in rows], '.2f')} |"
    )


def run_line(r: dict) -> str:
    solved = r["solved_at"] if r["solved_at"] is not None else "—"
    return (
        f"| {r['preset']} | {r['seed']} | {r['status']} | {r['verdict']} | {r['kind']} | "
        f"{'yes' if r['holds'] else 'no'} | {r['steps']} | {solved} | {r['test']:.1%} | "
        f"{r['seconds']:.2f} |"
    )


def report(measured: dict[str, tuple[list[dict], list[dict]]], unseen: range) -> list[str]:
    lines = [
        "# Presets: the expected result, measured",
        "",
        "Each preset of parity/training/presets.py trained with seeds "
        f"{presets.TUNED_SEEDS.start}.."
        f"{presets.TUNED_SEEDS.stop - 1} (the presets were chosen on these) and unseen seeds "
        f"{unseen.start}..{unseen.stop - 1}; `python bench/presets.py` (one process, nice 10, "
        "on 2 CPU cores shared with other work: seconds are indicative). 'Expected' counts the "
        "runs whose result matched the preset's Expectation (its verdict statuses, and test "
        f"accuracy at most {presets.CHANCE:.0%} where it expects chance).",
        "",
        "| preset | expected, tuned seeds | expected, unseen seeds | verdicts (all runs) | "
        "diagnosis (all runs) | solved step, median | train seconds, median |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [summary_line(n, t, u) for n, (t, u) in measured.items()]
    lines += [
        "",
        "## Every run",
        "",
        "| preset | seed | stopped | verdict | diagnosis | expected | steps | solved at | "
        "test accuracy | train seconds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [run_line(r) for t, u in measured.values() for r in t + u]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default=",".join(presets.PRESETS))
    parser.add_argument("--unseen", type=seed_range, default=presets.UNSEEN_SEEDS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "PRESETS.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if MEASURED differs")
    args = parser.parse_args()
    measured, counted = {}, {}
    for name in args.presets.split(","):
        tuned = [run_one(name, s) for s in presets.TUNED_SEEDS]
        unseen = [run_one(name, s) for s in args.unseen]
        measured[name] = (tuned, unseen)
        counted[name] = (
            sum(r["holds"] for r in tuned),
            len(tuned),
            sum(r["holds"] for r in unseen),
            len(unseen),
        )
        print(summary_line(name, tuned, unseen), flush=True)
    args.out.write_text("\n".join(report(measured, args.unseen)) + "\n")
    print(f"MEASURED = {counted}")
    stale = {n: c for n, c in counted.items() if presets.MEASURED.get(n) != c}
    if args.check and stale:
        sys.exit(f"parity.training.presets.MEASURED differs from this measurement: {stale}")


if __name__ == "__main__":
    main()
