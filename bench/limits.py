"""Peak memory and time of the largest configurations the app allows, each in its own process.

    python bench/limits.py --out bench/LIMITS.md     # ~15-30 minutes on 2 busy cores
    python bench/limits.py --only train              # one part: train, lengths, inside, cli

For every architecture and implementation it finds the largest configuration the app accepts
(hidden size and training length at the app's limits, then the largest batch that
ui.ranges.app_refusal still accepts), trains it for a few steps (memory does not grow with
steps) and compares the measured peak with parity.training.costs' estimate. It also runs the Length
page's whole measurement (1,000 strings at every length up to 10,000) and Look inside's
trace of the longest string the page allows, at the app's largest hidden size, and the CLI's
trace at hidden 256. Every job runs in a fresh process (bench/memory_probe.py), niced.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parity.core.config import MAX_TEST_LEN, Config  # noqa: E402
from parity.training import costs as limits  # noqa: E402
from ui import ranges  # noqa: E402
from ui.inside import MAX_TRACE_CELLS  # noqa: E402
from ui.ranges import APP_MAX_HIDDEN, APP_MAX_TRAIN_LEN  # noqa: E402

PROBE = ROOT / "bench" / "memory_probe.py"
ARCHS, IMPLS = ("lstm", "gru", "rnn"), ("torch", "scratch")
MEASURE_STEPS = 3  # memory peaks in the first step; the estimate covers the whole budget
LENGTH_PAGE_SIZE = 1000  # the Length page's largest "strings per length"
SERVER_IDLE_MB = 650  # the app server at rest (issue 9)
SERVER_MB = 2.7 * 1024  # Community Cloud


def probe(job: dict) -> dict:
    """Run one job in a fresh, niced process; its {base_mb, peak_mb, extra_mb, seconds}."""
    done = subprocess.run(
        ["nice", sys.executable, str(PROBE), json.dumps(job)], capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"{job}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)


def largest_batch(config: Config) -> Config:
    """`config` with the largest batch size the app accepts (binary search)."""
    lo, hi = 1, ranges.APP_HI["batch_size"]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ranges.app_refusal(config.replace(batch_size=mid)) is None:
            lo = mid
        else:
            hi = mid - 1
    return config.replace(batch_size=lo)


def largest_configs() -> list[tuple[str, Config]]:
    """Per arch and impl: the largest accepted training shape, and the largest fixed set."""
    out = []
    for arch in ARCHS:
        for impl in IMPLS:
            base = Config(arch=arch, impl=impl, hidden_size=APP_MAX_HIDDEN, stop="budget")
            base = base.replace(min_len=APP_MAX_TRAIN_LEN, max_len=APP_MAX_TRAIN_LEN)
            out.append(("widest", largest_batch(base)))
    rfr = Config(train_size=100_000, max_len=100, min_len=1, hidden_size=APP_MAX_HIDDEN)
    out.append(("largest fixed set", largest_batch(rfr.replace(stop="budget"))))
    return out


def train_rows() -> list[str]:
    rows = []
    for kind, config in largest_configs():
        short = config.replace(steps=MEASURE_STEPS, eval_every=MEASURE_STEPS)
        r = probe({"kind": "train", "config": short.to_dict()})
        guess = limits.estimate(config)
        print(kind, config.arch, config.impl, r, file=sys.stderr, flush=True)
        rows.append(
            f"| {kind} | {config.arch} | {config.impl} | {config.batch_size} x "
            f"{config.max_len} x {config.hidden_size} | {config.train_size:,} | "
            f"{r['extra_mb']:.0f} | {guess.megabytes:.0f} | {r['seconds']:.1f} "
            f"({MEASURE_STEPS} steps) | {guess.seconds / 60:.1f} |"
        )
    return rows


FIT_SHAPES = ((256, 100, 64), (64, 200, 128), (1024, 50, 32))  # 1.6M (row, step, unit) each


def fit_rows() -> list[str]:
    """The data behind limits.TRAIN_FLOATS: each shape's peak less a tiny run's, per float."""
    rows = []
    for arch in ARCHS:
        for impl in IMPLS:
            quiet = {"arch": arch, "impl": impl, "steps": 2, "stop": "budget", "eval_every": 2}
            quiet |= {"test_min_len": 1, "test_max_len": 10}
            tiny = probe({"kind": "train", "config": {**quiet, "hidden_size": 8}})["extra_mb"]
            widths = []
            for batch, length, hidden in FIT_SHAPES:
                shape = {"batch_size": batch, "min_len": length, "max_len": length}
                r = probe({"kind": "train", "config": {**quiet, **shape, "hidden_size": hidden}})
                cells = batch * length * hidden
                widths.append((r["extra_mb"] - tiny) * limits.MB / (limits.FLOAT * cells))
            print("fit", arch, impl, tiny, widths, file=sys.stderr, flush=True)
            rows.append(
                f"| {arch} | {impl} | {tiny:.0f} | {' / '.join(f'{w:.1f}' for w in widths)} | "
                f"{limits.TRAIN_FLOATS[arch, impl]} |"
            )
    return rows


def timed_rows() -> list[str]:
    """Whole runs, timed against the estimate (is it pessimistic?)."""
    rows = []
    for arch in ARCHS:
        for impl in IMPLS:
            config = Config(arch=arch, impl=impl, hidden_size=64, steps=200, stop="budget")
            r = probe({"kind": "train", "config": config.to_dict()})
            guess = limits.estimate(config)
            print("timed", arch, impl, r, file=sys.stderr, flush=True)
            rows.append(
                f"| {arch} | {impl} | {config.steps} steps, hidden 64, budget | "
                f"{r['cpu_seconds']:.1f} | {guess.seconds:.1f} | {r['extra_mb']:.0f} | "
                f"{guess.megabytes:.0f} |"
            )
    return rows


def page_rows() -> list[str]:
    """The Length page's longest length and Look inside at the app's largest hidden size.

    The Length page measures every length one at a time, so its peak is the peak of its
    longest length (10,000 bits), which is also about a third of its work (the log-spaced
    lengths sum to ~3x the longest): that length alone is measured here.
    """
    rows, bits = [], MAX_TRACE_CELLS // APP_MAX_HIDDEN
    for arch in ARCHS:
        for impl in IMPLS:
            config = {"arch": arch, "impl": impl, "hidden_size": APP_MAX_HIDDEN}
            job = {"kind": "lengths", "config": config, "size": LENGTH_PAGE_SIZE}
            r = probe({**job, "lengths": [MAX_TEST_LEN]})
            print("lengths", arch, impl, r, file=sys.stderr, flush=True)
            rows.append(
                f"| Length page's longest length: {LENGTH_PAGE_SIZE:,} strings of "
                f"{MAX_TEST_LEN:,} bits | {arch} | {impl} | {r['extra_mb']:.0f} | "
                f"{r['cpu_seconds']:.0f} |"
            )
        r = probe({"kind": "trace", "config": config, "bits": bits})
        print("inside", arch, r, file=sys.stderr, flush=True)
        rows.append(
            f"| Look inside, {bits:,} bits (the page's limit at hidden {APP_MAX_HIDDEN}) | "
            f"{arch} | either | {r['extra_mb']:.0f} | {r['cpu_seconds']:.1f} |"
        )
    return rows


def cli_rows() -> list[str]:
    """`trace` of 10,000 bits and `evaluate` at hidden 256: the engine's largest model."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for arch in ARCHS:
            path = str(Path(tmp) / f"{arch}.safetensors")
            subprocess.run(
                [sys.executable, "-m", "parity", "train", "--arch", arch, "--hidden-size", "256"]
                + ["--steps", "1", "--out", path, "--json"],
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
            r = probe({"kind": "cli_trace", "model": path, "bits": MAX_TEST_LEN})
            print("cli trace", arch, r, file=sys.stderr, flush=True)
            rows.append(f"| trace {MAX_TEST_LEN:,} bits, CSV | {arch} | {r['extra_mb']:.0f} | "
                        f"{r['seconds']:.0f} |")  # fmt: skip
            config = {"arch": arch, "hidden_size": 256}
            r = probe({"kind": "accuracy", "config": config, "length": 1000, "size": 1000})
            print("cli evaluate", arch, r, file=sys.stderr, flush=True)
            rows.append(f"| evaluate 1,000 strings of 1,000 bits | {arch} | "
                        f"{r['extra_mb']:.0f} | {r['seconds']:.0f} |")  # fmt: skip
    return rows


PARTS = {
    "fit": fit_rows,
    "train": train_rows,
    "timed": timed_rows,
    "pages": page_rows,
    "cli": cli_rows,
}
HEADERS = {
    "fit": (
        "Fitting the memory model: floats per (row, step, unit) a training step holds",
        "| arch | impl | tiny run MB | floats per cell at the three shapes | TRAIN_FLOATS |\n"
        "|---|---|---|---|---|",
    ),
    "train": (
        "Training: the largest configurations the app accepts, peak memory the run adds to "
        "its process (measured) against parity.training.costs' estimate",
        "| what | arch | impl | batch x length x hidden | fixed set | peak MB | estimate MB "
        "| wall seconds measured (loaded) | estimate for the whole budget, minutes |\n"
        "|---|---|---|---|---|---|---|---|---|",
    ),
    "timed": (
        "Whole runs timed against the estimate (the estimate must not be below)",
        "| arch | impl | run | CPU seconds | estimate s | peak MB | estimate MB |\n"
        "|---|---|---|---|---|---|---|",
    ),
    "pages": (
        f"The app's other work at hidden {APP_MAX_HIDDEN} (its largest): what it adds to the "
        "server process",
        "| what | arch | impl | peak MB | CPU seconds |\n|---|---|---|---|---|",
    ),
    "cli": (
        "The command line at hidden 256 (the engine's largest), after the unit-aware chunking",
        "| command | arch | peak MB | seconds |\n|---|---|---|---|",
    ),
}


def report(parts: list[str]) -> str:
    base = probe({"kind": "idle"})
    lines = [
        "# Limits: the largest configurations, measured",
        "",
        "`python bench/limits.py` (each job in a fresh process, niced, on this project's 2 "
        "shared cores; other jobs were running, so read seconds as upper bounds). Peak MB is "
        "the process's peak resident memory minus its resident memory once torch and the "
        f"package are imported ({base['base_mb']:.0f} MB here). App budget per run: "
        f"{ranges.APP_BYTES / limits.MB:.0f} MB and {ranges.APP_SECONDS / 60:.0f} minutes "
        f"(server: {SERVER_MB:.0f} MB, {SERVER_IDLE_MB} MB at rest).",
    ]
    for part in parts:
        title, header = HEADERS[part]
        lines += ["", f"## {title}", "", header, *PARTS[part]()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the markdown report here too")
    parser.add_argument("--only", choices=list(PARTS), action="append", help="parts to run")
    args = parser.parse_args()
    text = report(args.only or list(PARTS))
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
