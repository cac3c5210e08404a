"""The defaults' claim, checked through the command line exactly as a user would run it.

For each seed: `python -m parity train --seed S --json --out F`, then
`python -m parity evaluate --model F --lengths 1000,10000 --size 1000 --json` (1,000 random
strings of each length) and `python -m parity evaluate --model F --families all --lengths
1000,10000 --size 100 --json` (every stress family: the fixed ones whole, 100 strings of each
random one). Prints a markdown table per seed and a summary.

    python bench/generalization.py [--seeds 0-99] [--size 1000] [--family-size 100]
        [--out FILE] [--train-root DIR]   # train with another checkout (the old defaults)

The "before" of bench/GENERALIZATION.md trains with the commit before the change:
    git archive ec88377 | tar -x -C /tmp/parity-old
    python bench/generalization.py --train-root /tmp/parity-old --seeds 0-99
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LENGTHS = (1000, 10_000)  # the default; --lengths changes it


def parity_cli(*args: str, root: Path = ROOT) -> dict | list:
    """Run `python -m parity ARGS` from `root`; return its JSON output."""
    done = subprocess.run(
        [sys.executable, "-m", "parity", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def seed_range(text: str) -> range:
    """'0-9' -> range(0, 10)."""
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def measure(seed: int, size: int, family_size: int, tmp: str, train_root: Path) -> dict:
    """Train one seed, then random strings and every family at LENGTHS."""
    model = str(Path(tmp) / f"seed{seed}.safetensors")
    run = parity_cli("train", "--seed", str(seed), "--json", "--out", model, root=train_root)
    lengths = ",".join(map(str, LENGTHS))
    evaluate = ("evaluate", "--model", model, "--lengths", lengths, "--json")
    random = {r["length"]: r["accuracy"] for r in parity_cli(*evaluate, "--size", str(size))}
    rows = parity_cli(*evaluate, "--families", "all", "--size", str(family_size))
    failed = [r for r in rows if r["family"] != "random" and r["accuracy"] < 1.0]
    return {"seed": seed, "run": run, "random": random, "failed": failed}


def load_package(root: Path, alias: str):
    """Another checkout's `parity` package, imported under `alias` (its own modules inside)."""
    import importlib.util

    init = root / "parity" / "__init__.py"
    spec = importlib.util.spec_from_file_location(alias, init, submodule_search_locations=[])
    package = importlib.util.module_from_spec(spec)
    package.__path__ = [str(init.parent)]
    sys.modules[alias] = package
    spec.loader.exec_module(package)
    return package


def layout_modules(name: str):
    """The package's train and config modules: in subpackages (training/, core/) since the
    layers, at the top level in older checkouts."""
    import importlib

    for train_path, config_path in (("training.train", "core.config"), ("train", "config")):
        try:
            return (
                importlib.import_module(f"{name}.{train_path}"),
                importlib.import_module(f"{name}.{config_path}"),
            )
        except ModuleNotFoundError:
            continue
    raise SystemExit(f"{name}: neither the layered nor the flat layout of parity/")


def measure_in_process(seed: int, size: int, family_size: int, train_root: Path) -> dict:
    """measure() without the command line: the very functions the CLI calls, same arguments.

    One process, one torch import: what makes 200 seeds at length 10,000 fit on 2 busy cores.
    """

    from parity.evaluation import evaluate, families

    name = "parity" if train_root == ROOT else "parity_trained_by"
    if name not in sys.modules:
        load_package(train_root, name)
    trainer, config = layout_modules(name)
    config = config.Config(seed=seed)
    result = trainer.train(config)
    run = result.summary()
    model = result.model
    model.impl = "torch"
    table = evaluate.accuracy_by_length(model, LENGTHS, size=size)
    random = dict(zip(table["length"].tolist(), table["accuracy"].tolist(), strict=True))
    rows = families.family_accuracy(model, families.ALL, LENGTHS, count=family_size)
    failed = [r for r in rows.to_dict("records") if r["family"] != "random" and r["accuracy"] < 1]
    return {"seed": seed, "run": run, "random": random, "failed": failed}


def table_line(m: dict) -> str:
    run, failed = m["run"], m["failed"]
    verdict = (run.get("verdict") or {}).get("status", "")
    worst = ", ".join(f"{r['family']} @ {r['length']:,}: {r['accuracy']:.1%}" for r in failed)
    return (
        f"| {m['seed']} | {run['status']} | {verdict} | {run['steps']} "
        f"| {run['train_seconds']:.2f} | {run['final_test_accuracy']:.1%} | "
        + " | ".join(f"{m['random'][n]:.1%}" for n in LENGTHS)
        + f" | {worst or 'all 100%'} |"
    )


def summary(measured: list[dict]) -> list[str]:
    """How many seeds were perfect on random strings, on every family, and both."""
    n = len(measured)
    random_ok = [m for m in measured if all(a == 1.0 for a in m["random"].values())]
    family_ok = [m for m in measured if not m["failed"]]
    both = [m for m in random_ok if not m["failed"]]
    failing = {}
    for m in measured:
        for r in m["failed"]:
            failing.setdefault(r["family"], set()).add(m["seed"])
    steps = [m["run"]["steps"] for m in measured]
    return [
        f"- seeds {measured[0]['seed']}..{measured[-1]['seed']} ({n} runs)",
        f"- 100% on random strings at every length: **{len(random_ok)} of {n}**",
        f"- 100% on every stress family at every length: **{len(family_ok)} of {n}**",
        f"- both: **{len(both)} of {n}**",
        f"- steps: median {statistics.median(steps):g}, max {max(steps)}; training seconds "
        f"median {statistics.median(m['run']['train_seconds'] for m in measured):.3f}",
        "- seeds failing each family: "
        + (
            "; ".join(
                f"{f}: {len(s)}" for f, s in sorted(failing.items(), key=lambda x: -len(x[1]))
            )
            or "none"
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=seed_range("0-9"))
    parser.add_argument("--size", type=int, default=1000, help="random strings per length")
    parser.add_argument("--family-size", type=int, default=100, help="per random family")
    parser.add_argument("--lengths", default="1000,10000", help="comma-separated lengths")
    parser.add_argument("--train-root", type=Path, default=ROOT, help="checkout that trains")
    parser.add_argument("--out", type=Path, help="also write the table here")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="call the functions the CLI calls, in this process (no torch import per step)",
    )
    args = parser.parse_args()
    global LENGTHS
    LENGTHS = tuple(int(n) for n in args.lengths.split(","))
    lines = [
        "| seed | stop | verdict | steps | train s | test 50..100 | "
        + " | ".join(f"random @ {n:,}" for n in LENGTHS)
        + " | families below 100% |",
        "|---" * (7 + len(LENGTHS)) + "|",
    ]
    measured = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            if args.in_process:
                sys.path.insert(0, str(ROOT))
                measured.append(
                    measure_in_process(seed, args.size, args.family_size, args.train_root)
                )
            else:
                measured.append(measure(seed, args.size, args.family_size, tmp, args.train_root))
            lines.append(table_line(measured[-1]))
            print(lines[-1], flush=True)
    text = "\n".join([*summary(measured), "", *lines])
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
