"""Markdown tables for bench/run.py's measurements."""

from __future__ import annotations

import os
import platform
import statistics
import time

import torch

from parity.core.config import Config

TARGETS = {"every": 10.0, "final": 3.0}  # how many times faster than the seed loop
SCRATCH_TARGET, SCRATCH_AIM = 1 / 3, 1 / 2  # from-scratch / built-in LSTM steps per second


def load() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def context(threads: int) -> dict[str, str]:
    """What the numbers were measured on."""
    defaults = {k: v for k, v in Config().to_dict().items() if k != "seed"}
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python / torch": f"{platform.python_version()} / {torch.__version__}",
        "torch threads": str(threads),
        "defaults (Config())": ", ".join(f"{k}={v}" for k, v in defaults.items()),
        "load average before": load(),
    }


def table(header: list[str], rows: list[list]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, target: float) -> str:
    return "PASS" if value >= target else "FAIL"


def summary_rows(solve: list[dict]) -> list[list]:
    """(a) and (b): medians over seeds, and the ratios against the seed loop."""
    loop = statistics.median(r["seed_loop"]["train_seconds"] for r in solve)
    solved = sum(r["seed_loop"]["solved"] for r in solve)
    rows = [
        [
            "seed loop (nn.LSTM, packed, batch 10, lr 1e-2), to first 100%",
            f"{loop:.2f}",
            "1x",
            "",
            f"{solved}/{len(solve)} solved",
        ]
    ]
    names = {
        "every": "defaults, Config(seed=s): the whole run",
        "final": "Config(seed=s, target='final'): the whole run",
    }
    for key, name in names.items():
        seconds = statistics.median(r[key]["seconds"] for r in solve)
        ratio = loop / seconds
        solved = sum(r[key]["solved_at"] is not None for r in solve)
        rows.append(
            [
                name,
                f"{seconds:.3f}",
                f"{ratio:.1f}x",
                f">= {TARGETS[key]:.0f}x: {verdict(ratio, TARGETS[key])}",
                f"{solved}/{len(solve)} reached 100%",
            ]
        )
    return rows


def per_seed_rows(solve: list[dict]) -> list[list]:
    """One row per seed and run: steps, seconds, how it ended, long-string accuracy."""
    rows = []
    for r in solve:
        loop = r["seed_loop"]
        ended = "solved" if loop["solved"] else f"NOT solved ({100 * loop['test_accuracy']:.1f}%)"
        rows.append(
            [
                r["seed"],
                "seed loop",
                loop["steps"],
                loop["steps"] if loop["solved"] else "-",
                f"{loop['train_seconds']:.2f}",
                ended,
                "",
                "",
            ]
        )
        for key in ("every", "final"):
            run = r[key]
            rows.append(
                [
                    r["seed"],
                    f"target={key}",
                    run["steps"],
                    run["solved_at"] or "-",
                    f"{run['seconds']:.3f}",
                    run["status"],
                    *(f"{100 * run['long'][n]:.1f}%" for n in sorted(run["long"])),
                ]
            )
    return rows


def throughput_rows(rates: list[dict]) -> list[list]:
    """(c): built-in vs from-scratch training steps per second."""
    rows = []
    for r in rates:
        judged = r["arch"] == "lstm"
        goal = (
            f"{verdict(r['ratio'], SCRATCH_TARGET)} (>= 1/3; aim 1/2: "
            f"{'met' if r['ratio'] >= SCRATCH_AIM else 'not met'})"
            if judged
            else ""
        )
        spread = {
            impl: f"{min(r['runs'][impl]):.0f}-{max(r['runs'][impl]):.0f}"
            for impl in ("torch", "scratch")
        }
        rows.append(
            [
                r["arch"],
                r["target"],
                f"{r['torch']:.0f} ({spread['torch']})",
                f"{r['scratch']:.0f} ({spread['scratch']})",
                f"{r['ratio']:.2f}",
                goal,
            ]
        )
    return rows


def command_rows(commands: list[dict]) -> list[list]:
    rows = []
    for c in commands:
        seconds = "-" if c["train_seconds"] is None else f"{c['train_seconds']:.3f}"
        rows.append(
            [
                f"`{c['command']}`",
                f"{c['wall']:.2f}",
                seconds,
                c["status"] or f"exit {c['returncode']}",
            ]
        )
    return rows


def markdown(info: dict, solve: list[dict], rates: list[dict], commands: list[dict]) -> str:
    """The whole report."""
    lengths = sorted(solve[0]["every"]["long"]) if solve else []
    parts = [
        "# Parity Lab benchmarks",
        "",
        "Produced by `python bench/run.py`; see bench/README.md.",
        "",
        table(["", ""], list(info.items())),
        "",
        "## (a), (b) Time to a trained model (median over seeds)",
        "",
        table(["run", "training seconds", "speed-up", "target", "solved"], summary_rows(solve)),
        "",
        "Per seed (steps, seconds; long-string accuracy on 1000 strings of each length):",
        "",
        table(
            [
                "seed",
                "run",
                "steps",
                "first 100% at",
                "seconds",
                "ended",
                *(f"acc @ {n}" for n in lengths),
            ],
            per_seed_rows(solve),
        ),
        "",
        "## (c) Training throughput, batch 128, length 20 (steps per second, median (range))",
        "",
        table(
            [
                "cell",
                "target",
                "built-in (impl=torch)",
                "from scratch (impl=scratch)",
                "scratch / built-in",
                "LSTM target",
            ],
            throughput_rows(rates),
        ),
        "",
    ]
    if commands:
        parts += [
            "## Whole commands (wall clock of a fresh process, imports to exit)",
            "",
            table(["command", "wall seconds", "train_seconds", "status"], command_rows(commands)),
            "",
        ]
    return "\n".join(parts)
