"""Every architecture from its defaults on unseen seeds: parity machines, steps, seconds.

    nice python bench/architectures.py run --archs rnn,gru,lstm --seeds 100-199 \\
        --out /some/after.jsonl                      # batched: the seeds of one arch as a stack
    nice python bench/architectures.py run --alone --impl scratch --seeds 100-129 --out F
    nice python bench/architectures.py run --alone --certify --archs gru --seeds 400-499 --out F
    nice python bench/architectures.py run --root OLD_CHECKOUT --out before.jsonl  # the before
    python bench/architectures.py report before.jsonl after.jsonl ... > bench/ARCHITECTURES.md

`run` trains Config(arch=A, impl=I, seed=S) (the architecture's own defaults in this checkout,
the shared ones in a checkout from before them) for every seed, as one stack per architecture
(parity.training.batched.train_many, as `experiment --batch` does) or, with --alone, one
train() after another; then checks every model called a parity machine against held-out
strings it never saw: every stress family at HELDOUT_LENGTHS, HELDOUT_COUNT strings each
(seed HELDOUT_SEED, apart from the stop rule's), and structured strings the verdict does not
read (heldout_structured_wrong: endings of 11 bits after other stretch lengths, periods of 7
and 8 bits), written here apart from the verdict's code. With --certify every model is also
offered to parity.analysis.certify (its default time budget, one thread). One JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HELDOUT_LENGTHS = (2001, 5000, 10_000)
HELDOUT_COUNT = 100
HELDOUT_SEED = 424_242
RIGHT = ("parity machine", "checks passed")  # verdicts of models right on every check


def parse_seeds(text: str) -> list[int]:
    """'100-199' -> 100..199; '1,5' -> [1, 5]."""
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    return seeds


def heldout_wrong(model) -> int:
    """Strings wrong among the held-out family strings (0 for a true parity machine)."""
    from parity.evaluation.families import ALL, family_accuracy

    table = family_accuracy(model, ALL, HELDOUT_LENGTHS, HELDOUT_COUNT, HELDOUT_SEED)
    return int(round(((1 - table["accuracy"]) * table["strings"]).sum()))


HELDOUT_STRETCHES = range(5, 5001, 13)  # stretch lengths (the verdict's grid is other)
HELDOUT_ENDING_BITS = 11  # every ending up to this many bits after each (the verdict: 10)
HELDOUT_PERIODS = (7, 8)  # primitive patterns of these lengths (the verdict: up to 6) ...
HELDOUT_PERIOD_LENGTH = 10_000  # ... repeated out to this length


def heldout_structured_wrong(model) -> int:
    """Wrong strings among structured ones the verdict does not read: (stretch, ending) pairs
    with a wrong prefix after N zeros, a 1 then N zeros, N ones and 1010... of N bits for N in
    HELDOUT_STRETCHES, endings of HELDOUT_ENDING_BITS bits; and periodic strings of the
    HELDOUT_PERIODS patterns with a wrong prefix. Only model.run and model.head are used."""
    import itertools

    import torch

    def take(state, rows):
        return tuple(x[rows] for x in state) if isinstance(state, tuple) else state[rows]

    def cat(states):
        if isinstance(states[0], tuple):
            return tuple(torch.cat(parts) for parts in zip(*states, strict=True))
        return torch.cat(states)

    wrong = 0
    with torch.no_grad():
        model = model.eval()
        for lead, unit in (("", "0"), ("1", "0"), ("", "1"), ("", "10")):
            longest = lead + (unit * HELDOUT_STRETCHES[-1])[: HELDOUT_STRETCHES[-1]]
            bits = torch.tensor([[float(c) for c in longest]])
            states, odd, state, done = [], [], None, 0
            for n in HELDOUT_STRETCHES:
                end = len(lead) + n
                _, state = model.run(bits[:, done:end], state)
                states.append(state)
                odd.append(float(longest[:end].count("1") % 2))
                done = end
            for a in range(0, len(states), 16):  # 16 stretches a tree: memory bounded
                state, parity = cat(states[a : a + 16]), torch.tensor(odd[a : a + 16])
                bad = torch.zeros(len(parity), dtype=torch.bool)
                for _ in range(HELDOUT_ENDING_BITS):
                    rows = torch.arange(len(parity)).repeat_interleave(2)
                    bit = torch.tensor([0.0, 1.0]).repeat(len(parity))
                    out, state = model.run(bit[:, None], take(state, rows))
                    parity = (parity[rows] + bit).remainder(2)
                    answer = (model.head(out[:, -1]).squeeze(-1) > 0).float()
                    bad = bad[rows] | (answer != parity)
                wrong += int(bad.sum())
        words = []
        for p in HELDOUT_PERIODS:
            for word in ("".join(w) for w in itertools.product("01", repeat=p)):
                if all(word != word[:d] * (p // d) for d in range(1, p) if p % d == 0):
                    words.append(word)
        size = HELDOUT_PERIOD_LENGTH
        bits = torch.tensor([[float(c) for c in (w * (size // len(w) + 1))[:size]] for w in words])
        bad, state, parity = torch.zeros(len(bits), dtype=torch.bool), None, 0.0
        for start in range(0, HELDOUT_PERIOD_LENGTH, 1000):
            part = bits[:, start : start + 1000]
            out, state = model.run(part, state)
            answers = (model.head(out).squeeze(-1) > 0).float()
            running = (part.cumsum(1) + parity).remainder(2)
            parity = running[:, -1:]
            bad |= (answers != running).any(1)
        wrong += int(bad.sum())
    return wrong


def certified(model) -> dict:
    """The certificate's outcome for `model` (parity.analysis.certify, default budget)."""
    from parity.analysis.certify import certify

    found = certify(model)
    return {
        "proven": found.proven,
        "certify_method": ("cells" if found.cell_size else "regions") if found.proven else None,
        "certify_seconds": round(found.seconds, 3),
        "certify_reason": found.reason,
    }


def row_of(result, label: str, mode: str, wall: float, proof: bool = False) -> dict:
    """One run's JSON row (with the certificate's outcome when `proof`)."""
    verdict = result.verdict
    machine = bool(verdict and verdict.is_parity_machine)
    extra = certified(result.model) if proof and verdict else {}
    return extra | {
        "label": label,
        "mode": mode,
        "arch": result.config.arch,
        "impl": result.config.impl,
        "hidden_size": result.config.hidden_size,
        "seed": result.config.seed,
        "config": result.config.to_dict(),
        "status": verdict.status if verdict else "diverged",
        "parity_machine": machine,
        "steps": result.steps,
        "restarts": result.restarts,
        "train_seconds": round(result.train_seconds, 3),
        "wall_seconds": round(wall, 3),
        "heldout_wrong": heldout_wrong(result.model) if machine else None,
        "heldout_structured_wrong": heldout_structured_wrong(result.model) if machine else None,
    }


def run(args) -> None:
    """Train and write one JSON line per run."""
    if args.root:
        sys.path.insert(0, str(Path(args.root).resolve()))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from parity.core.config import Config
    from parity.core.runtime import use_one_thread
    from parity.training.batched import train_many
    from parity.training.train import train

    use_one_thread()
    mode = "alone" if args.alone else "batched"
    with open(args.out, "a") as out:
        for arch in args.archs.split(","):
            configs = [Config(arch=arch, impl=args.impl, seed=s) for s in args.seeds]
            if args.alone:
                for config in configs:
                    started = time.perf_counter()
                    result = train(config)
                    wall = time.perf_counter() - started
                    row = row_of(result, args.label, mode, wall, args.certify)
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                continue
            started = time.perf_counter()
            results = train_many(configs)
            wall = (time.perf_counter() - started) / len(configs)
            for result in results:
                row = row_of(result, args.label, mode, wall, args.certify)
                out.write(json.dumps(row) + "\n")
            out.flush()
            done = sum(r.verdict.is_parity_machine for r in results)
            print(f"{args.label} {arch}/{args.impl}: {done}/{len(results)}", file=sys.stderr)


def _median(values) -> str:
    return f"{statistics.median(values):,.0f}" if values else "-"


def summary_rows(rows: list[dict]) -> list[list[str]]:
    """One table row per (label, mode, arch, impl)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        key = (row["label"], row["mode"], row["arch"], row["impl"], row["hidden_size"])
        groups.setdefault(key, []).append(row)
    out = []
    for (label, mode, arch, impl, hidden), group in groups.items():
        machines = [r for r in group if r["parity_machine"]]
        false = sum(1 for r in machines if r["heldout_wrong"] or r.get("heldout_structured_wrong"))
        seconds = [r["train_seconds"] for r in machines]
        seeds = [r["seed"] for r in group]
        tried = [r for r in group if "proven" in r]
        proven = [r for r in tried if r["proven"]]
        if any(
            r["proven"]
            and (
                r["heldout_wrong"] or r.get("heldout_structured_wrong") or r["status"] not in RIGHT
            )
            for r in tried
        ):
            raise SystemExit("a certified model answers a string wrong: a false certificate")
        out.append(
            [
                label, mode, arch, impl, str(hidden), f"{min(seeds)}..{max(seeds)}",
                f"{len(machines)} of {len(group)}", str(false),
                _median([r["steps"] for r in machines]),
                f"{max(r['steps'] for r in machines):,}" if machines else "-",
                f"{statistics.median(seconds):.1f}" if seconds else "-",
                f"{max(seconds):.1f}" if seconds else "-",
                ", ".join(sorted({r["status"] for r in group if not r["parity_machine"]})) or "-",
                f"{len(proven)} of {len(tried)}" if tried else "-",
                f"{statistics.median(r['wall_seconds'] for r in group):.1f}",
            ]
        )  # fmt: skip
    return out


HEADER = [
    "defaults", "trained", "arch", "impl", "hidden", "seeds", "parity machines",
    "false verdicts", "median steps", "max steps", "median s", "max s", "other verdicts",
    "proven", "median wall s",
]  # fmt: skip


def report(args) -> None:
    """A markdown table of every JSON-lines file given."""
    rows = [json.loads(line) for path in args.files for line in Path(path).read_text().splitlines()]
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for cells in summary_rows(rows):
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    go = commands.add_parser("run")
    go.add_argument("--archs", default="rnn,gru,lstm")
    go.add_argument("--impl", default="torch", choices=("torch", "scratch"))
    go.add_argument("--seeds", type=parse_seeds, default=parse_seeds("100-199"))
    go.add_argument("--alone", action="store_true", help="train() per seed, not one stack")
    go.add_argument("--root", help="import parity from this checkout (the 'before')")
    go.add_argument("--label", default="own")
    go.add_argument("--out", required=True)
    go.add_argument("--certify", action="store_true", help="also try to prove every model")
    show = commands.add_parser("report")
    show.add_argument("files", nargs="+")
    args = parser.parse_args()
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    main()
