"""The commands behind the command line: train, predict, evaluate, trace."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import torch

from . import data, families, modelfile
from .config import MAX_TEST_LEN
from .evaluate import MAX_ELEMENTS, accuracy_by_length, length_chunks
from .inspect import trace
from .train import Progress, train


class ProgressLine:
    """A one-line progress bar on a stream, redrawn in place with \\r."""

    def __init__(self, stream):
        self.stream, self.width = stream, 0

    def __call__(self, p: Progress) -> None:
        text = f"step {p.step}/{p.total} loss {p.loss:.4f} test {100 * p.test_accuracy:.1f}%"
        line, self.width = "\r" + text.ljust(self.width), len(text)  # width first: ^C-safe
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.width:
            self.stream.write("\n")
            self.stream.flush()


def load_model(path: str):
    """A model file's (model, config), run with the fused torch path (same weights)."""
    try:
        model, config = modelfile.load(path)
    except modelfile.ModelFileError as err:
        message = str(err) if path in str(err) else f"model file {path}: {err}"
        raise modelfile.ModelFileError(message) from None
    model.impl = "torch"
    return model, config


def run_train(args) -> int:
    """Train args.config (validated by cli.run), report progress on stderr, print, save."""
    config = args.config
    if args.out and not Path(args.out).resolve().parent.is_dir():
        raise ValueError(f"--out: directory does not exist: {Path(args.out).parent}")
    bar = ProgressLine(sys.stderr)
    try:
        result = train(config, on_progress=bar)
    finally:
        bar.close()
    summary = result.summary()
    if args.out:
        summary["model_file"] = str(modelfile.save(result.model, config, args.out))
    if args.json:
        print(json.dumps(summary))
    else:
        print(human_summary(summary))
    return 0


def human_summary(s: dict) -> str:
    """A few lines a person reads after training."""
    solved = (
        f"first 100% test accuracy at step {s['solved_at_step']}"
        if s["solved_at_step"] is not None
        else "never reached 100% test accuracy"
    )
    lines = [
        f"{s['status']} after {s['steps']} of {s['config']['steps']} steps "
        f"({s['train_seconds']:.2f} s of training); {solved}",
        f"test accuracy {100 * s['final_test_accuracy']:.1f}%, "
        f"train accuracy {100 * s['final_train_accuracy']:.1f}%, loss {s['final_loss']:.4g}",
    ]
    if s.get("verdict"):
        lines.append(f"verdict: {s['verdict']['status']}: {s['verdict']['headline']}")
    if "model_file" in s:
        lines.append(f"model saved to {s['model_file']}")
    return "\n".join(lines)


def read_inputs(args) -> list[str]:
    """Bit strings from the arguments or, with none, one per stdin line."""
    if args.bits:
        return list(args.bits)
    text = sys.stdin.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":  # a trailing newline does not start another input
        lines.pop()
    if not lines:
        raise ValueError("no bit strings: give BITS arguments or one per line on stdin")
    return lines


def parse_all(texts: list[str]) -> list[list[int]]:
    """Every input parsed before anything is printed; the first bad one is named."""
    parsed = []
    for number, text in enumerate(texts, start=1):
        try:
            parsed.append(data.parse_bits(text, max_len=MAX_TEST_LEN))
        except ValueError as err:
            raise ValueError(f"input {number}: {err}") from None
    return parsed


def final_probabilities(
    model, sequences: list[list[int]], max_elements: int = MAX_ELEMENTS
) -> np.ndarray:
    """P(odd parity) for every sequence, batched by length, memory bounded, in input order."""
    probs = np.empty(len(sequences))
    for chunk in length_chunks([len(s) for s in sequences], max_elements):
        batch = data.from_bits([sequences[i] for i in chunk])
        logits = model.final_logits(batch.bits, batch.lengths)  # (len(chunk),)
        probs[chunk] = torch.sigmoid(logits).numpy()
    return probs


def run_predict(args) -> int:
    """One line per input: predicted parity, tab, probability of odd parity."""
    sequences = parse_all(read_inputs(args))
    model, _ = load_model(args.model)
    probs = final_probabilities(model, sequences)
    sys.stdout.writelines(f"{int(p > 0.5)}\t{p:.4f}\n" for p in probs)
    return 0


def run_evaluate(args) -> int:
    """Accuracy per requested length (and family, with --families), as a table or JSON."""
    if args.families:
        return run_family_evaluate(args)
    model, _ = load_model(args.model)
    table = accuracy_by_length(model, args.lengths, size=args.size, seed=args.seed)
    if args.json:
        print(json.dumps(table.to_dict(orient="records")))
        return 0
    print(f"{'length':>8}  {'accuracy':>9}  {'strings':>7}")
    for row in table.itertuples():
        print(f"{row.length:>8}  {100 * row.accuracy:>8.1f}%  {row.size:>7}")
    return 0


def run_family_evaluate(args) -> int:
    """Accuracy per family and length: a table grouped by family, or JSON rows."""
    names = families.check_names(args.families)  # unknown names: exit 2 before loading
    model, _ = load_model(args.model)
    table = families.family_accuracy(model, names, args.lengths, count=args.size, seed=args.seed)
    if args.json:
        print(json.dumps(table.to_dict(orient="records")))
        return 0
    print(f"{'family':<18}  {'length':>8}  {'accuracy':>9}  {'strings':>7}")
    for row in table.itertuples():
        label = families.FAMILIES[row.family].label
        print(f"{label:<18}  {row.length:>8}  {100 * row.accuracy:>8.1f}%  {row.strings:>7}")
    return 0


def quantity_arrays(tr) -> dict[str, np.ndarray]:
    """Each quantity of a trace as a (T, H) array."""
    return {
        name: tr.quantity(name)
        .sort_values(["step", "unit"])["value"]
        .to_numpy()
        .reshape(len(tr.bits), -1)  # (T * H,) -> (T, H)
        for name in tr.quantities
    }


def trace_table(tr) -> tuple[list[str], np.ndarray]:
    """The trace as one wide table: column names and rows (T, columns)."""
    pred = tr.prediction
    columns, blocks = ["step", "bit"], [pred[["step", "bit"]].to_numpy(float)]
    for name, values in quantity_arrays(tr).items():
        columns += [f"{name.replace(' ', '_')}_{u}" for u in range(values.shape[1])]
        blocks.append(values)
    tail = ["probability", "predicted", "running_parity"]
    columns += tail
    blocks.append(pred[tail].to_numpy(float))
    return columns, np.hstack(blocks)


def trace_json(tr) -> dict:
    """The trace as {arch, hidden_size, bits, steps: [{step, bit, <quantity>: [H], ...}]}."""
    per_quantity = quantity_arrays(tr)
    steps = []
    for i, row in enumerate(tr.prediction.itertuples()):
        step = {"step": int(row.step), "bit": int(row.bit)}
        step.update({name: values[i].tolist() for name, values in per_quantity.items()})
        step.update(
            probability=float(row.probability),
            predicted=int(row.predicted),
            running_parity=int(row.running_parity),
        )
        steps.append(step)
    hidden = next(iter(per_quantity.values())).shape[1]
    return {
        "arch": tr.arch,
        "hidden_size": hidden,
        "bits": "".join(map(str, tr.bits)),
        "steps": steps,
    }


def run_trace(args) -> int:
    """Every gate and state at every step, as CSV or JSON."""
    bits = parse_all([" ".join(args.bits)])[0]
    model, _ = load_model(args.model)
    tr = trace(model, bits)
    if args.format == "json":
        print(json.dumps(trace_json(tr)))
        return 0
    columns, rows = trace_table(tr)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    ints = {"step", "bit", "predicted", "running_parity"}
    for row in rows:
        writer.writerow(
            [int(v) if c in ints else f"{v:.6g}" for c, v in zip(columns, row, strict=True)]
        )
    return 0


def automaton_text(a) -> str:
    """The extracted automaton for a person: verdict, table, stability."""
    yes = {True: "yes", False: "no"}
    lines = [
        f"parity automaton: {yes[a.is_parity]}; stable: {yes[a.stable]}",
        f"{a.states} state{'s' * (a.states != 1)} after minimisation, from {a.clusters} "
        f"clusters of {a.sampled:,} sampled states; {100 * a.agreement:.2f}% of transitions "
        f"follow the table ({'consistent' if a.consistent else 'not consistent'})",
        f"{'state':>5}  {'answer':<6}  {'on 0':>4}  {'on 1':>4}",
    ]
    for state, row in a.transitions.items():
        answer = "odd" if state in a.accepting else "even"
        mark = "  (start)" if state == a.start else ""
        lines.append(f"{state:>5}  {answer:<6}  {row['0']:>4}  {row['1']:>4}{mark}")
    for d in a.drift:
        run = f"state {d.state}, {d.steps:,} {'zeros' if d.bit == '0' else 'ones'}"
        if d.left_at is None:
            lines.append(f"{run}: stays on the automaton's path")
        else:
            into = f"state {d.found_in}" if d.found_in is not None else "no state"
            lines.append(f"{run}: leaves its path at step {d.left_at:,} (into {into})")
    return "\n".join(lines)


def run_automaton(args) -> int:
    """The automaton the model computes (parity.automaton.extract), as text or JSON."""
    from .automaton import extract

    model, _ = load_model(args.model)
    found = extract(model, drift_steps=args.drift_steps)
    print(json.dumps(found.to_dict()) if args.json else automaton_text(found))
    return 0
