"""The proof and the falsifier on trained models: proven shares, times, wrong strings found.

    nice python bench/proof.py [--seeds 100-119] [--archs lstm,gru,rnn] [--arch-seeds 20]
        [--hidden 2,4,16,32,64] [--hidden-seeds 3] [--falsify-seconds 10] [--no-old]
        > bench/PROOF.md

For each setup and seed: train (parity.training.train.train), the verdict of today's checks,
parity.analysis.certify.certify (one intra-op thread; its time), and
parity.evaluation.falsify.falsify with the given budget. Setups: the defaults of each
architecture at hidden 8; the LSTM at the other hidden sizes (fewer seeds: --hidden-seeds);
and the old setup (bit density half, stop at the first perfect test score), whose models
often forget their odd state. Hand-built networks (tests/handbuilt.py) are certified too.
The report: per setup, models proven, median and worst certificate time, models the current
checks pass that the falsifier breaks, models the checks fail that it breaks, and its hit
rate on models known to be wrong (a failing check or a wrong string found by any search).
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

from parity.analysis.certify import certify  # noqa: E402
from parity.core.config import Config  # noqa: E402
from parity.core.runtime import use_one_thread  # noqa: E402
from parity.evaluation.falsify import falsify  # noqa: E402
from parity.training.train import train  # noqa: E402
from tests.handbuilt import lstm_flipper, minsky_lstm, minsky_rnn  # noqa: E402

use_one_thread()


def seed_list(text: str) -> list[int]:
    """'100-119' or '3,7,9' -> seeds."""
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-"))
        return list(range(lo, hi + 1))
    return [int(x) for x in text.split(",")]


def one(config: Config, falsify_seconds: float) -> dict:
    """Train, certify and falsify one configuration."""
    result = train(config)
    verdict = result.verdict
    t0 = time.monotonic()
    cert = certify(result.model)
    cert_seconds = time.monotonic() - t0
    hunt = falsify(result.model, seconds=falsify_seconds)
    return {
        "seed": config.seed,
        "status": verdict.status if verdict else "none",
        "checks_pass": bool(verdict and verdict.failure is None and verdict.is_parity_machine),
        "check_failure": verdict.failure if verdict else None,
        "proven": cert.proven,
        "how": "cells" if cert.cell_size else "regions",
        "reason": cert.reason,
        "cert_seconds": cert_seconds,
        "found": hunt.string,
        "found_by": hunt.found_by,
        "hunt_seconds": hunt.seconds,
    }


def setups(args) -> list[tuple[str, dict, list[int]]]:
    """(name, config changes, seeds) of every setup measured."""
    seeds = seed_list(args.seeds)
    few, others = seeds[: args.hidden_seeds], seeds[: args.arch_seeds]
    made = [
        (f"{arch} defaults, hidden 8", {"arch": arch}, seeds if arch == "lstm" else others)
        for arch in args.archs
    ]
    made += [(f"lstm defaults, hidden {h}", {"hidden_size": h}, few) for h in args.hidden]
    if not args.no_old:
        made.append(("lstm, old setup (density half, stop solved)", OLD, seeds))
    return made


OLD = {"density": "half", "stop": "solved"}


def summary_row(name: str, runs: list[dict]) -> str:
    """One markdown row of the summary table."""
    times = [r["cert_seconds"] for r in runs]
    passing = [r for r in runs if r["checks_pass"]]
    broken_passing = [r for r in passing if r["found"]]
    failing = [r for r in runs if not r["checks_pass"] and r["check_failure"]]
    known_wrong = [r for r in runs if r["check_failure"] or r["found"]]
    hits = [r for r in known_wrong if r["found"]]
    shorter = [r for r in failing if r["found"] and len(r["found"]) < len(r["check_failure"] or "")]
    return (
        f"| {name} | {len(runs)} | {sum(r['proven'] for r in runs)} | "
        f"{statistics.median(times):.2f} / {max(times):.2f} | {len(passing)} | "
        f"{len(broken_passing)} | {len(failing)} | {len(hits)} of {len(known_wrong)} | "
        f"{len(shorter)} |"
    )


def handbuilt_rows() -> list[str]:
    """Certificates of the hand-built networks."""
    rows = []
    for name, model in (
        ("Minsky RNN (exact)", minsky_rnn()),
        ("Minsky LSTM (exact)", minsky_lstm()),
        ("leaky LSTM flipper", lstm_flipper(4.0)),
    ):
        cert = certify(model)
        hunt = falsify(model, seconds=5)
        found = f"{hunt.described()} ({hunt.found_by})" if hunt.found else "none"
        rows.append(f"| {name} | {'yes' if cert.proven else 'no'} | {cert.seconds:.2f} | {found} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="100-119")
    parser.add_argument("--archs", type=lambda t: t.split(","), default=["lstm", "gru", "rnn"])
    parser.add_argument(
        "--hidden", type=lambda t: [int(x) for x in t.split(",") if x], default=[2, 4, 16, 32, 64]
    )
    parser.add_argument("--no-old", action="store_true", help="leave the old setup out")
    parser.add_argument("--hidden-seeds", type=int, default=3, help="seeds per hidden size")
    parser.add_argument("--arch-seeds", type=int, default=20, help="seeds for gru and rnn")
    parser.add_argument("--falsify-seconds", type=float, default=10.0)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print("# The proof and the falsifier on trained models\n")
    print(
        f"Generated by `python bench/proof.py {' '.join(sys.argv[1:])}` "
        f"(load average {load:.1f}).\n"
    )
    print(
        "| setup | models | proven | certificate s (median / worst) | pass every check | "
        "of those, broken by the falsifier | fail a check | falsifier hits on known-wrong "
        "models | falsifier shorter than the check's string |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    details = []
    for name, changes, seeds in setups(args):
        runs = []
        for seed in seeds:
            run = one(Config(seed=seed, **changes), args.falsify_seconds)
            runs.append(run)
            print(f"{name} seed {seed}: {run}", file=sys.stderr, flush=True)
        print(summary_row(name, runs), flush=True)
        details.append((name, runs))
    print("\n## Hand-built networks\n")
    print("| network | proven | seconds | falsifier's wrong string |")
    print("| --- | --- | ---: | --- |")
    print("\n".join(handbuilt_rows()))
    print("\n## Per model\n")
    print("| setup | seed | verdict | proven (or why not) | falsifier |")
    print("| --- | ---: | --- | --- | --- |")
    for name, runs in details:
        for r in runs:
            why = f"yes ({r['how']})" if r["proven"] else (r["reason"] or "")[:70]
            found = f"{len(r['found'])} bits ({r['found_by']})" if r["found"] else "none"
            print(f"| {name} | {r['seed']} | {r['status']} | {why} | {found} |")


if __name__ == "__main__":
    main()
