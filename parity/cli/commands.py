"""The commands behind the command line: train, predict, evaluate, trace, automaton, certify.

Each command imports what only it needs when it runs (the trace writer and pandas, the
analysis modules, the model-file reader): `train --json` and `predict` load neither pandas
nor an analysis module they do not use.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch

from ..core import data
from ..core.config import MAX_TEST_LEN
from ..evaluation.evaluate import MAX_ELEMENTS, length_rows, model_chunks
from .loading import load_model
from .proof_commands import run_falsify, run_margins  # noqa: F401 (run by name)

MAX_STDIN_LINES = 100_000  # predict's inputs from stdin ...
MAX_STDIN_BYTES = 16 * 1024 * 1024  # ... and their bytes: ~130 MB of parsed bits at most


class ProgressLine:
    """A one-line progress bar on a stream, redrawn in place with \\r."""

    def __init__(self, stream):
        self.stream, self.width = stream, 0

    def __call__(self, p) -> None:  # a parity.training.train.Progress
        text = f"step {p.step}/{p.total} loss {p.loss:.4f} test {100 * p.test_accuracy:.1f}%"
        line, self.width = "\r" + text.ljust(self.width), len(text)  # width first: ^C-safe
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.width:
            self.stream.write("\n")
            self.stream.flush()


def run_train(args) -> int:
    """Train args.config (validated by cli.run), report progress on stderr, print, save."""
    from ..training.train import train

    config = args.config  # args.out, if given, was checked by cli.run before training
    bar = ProgressLine(sys.stderr)
    try:
        result = train(config, on_progress=bar)
    finally:
        bar.close()
    if args.certify and result.verdict is not None:
        from ..analysis.certify import certify
        from ..evaluation.verdict import with_certificate

        result.verdict = with_certificate(result.verdict, certify(result.model).to_dict())
    summary = result.summary()
    if args.out is not None:
        from ..nets import modelfile

        try:
            summary["model_file"] = str(modelfile.save(result.model, config, args.out))
        except OSError as err:  # the old file, if any, is untouched (an atomic write)
            raise OSError(f"--out {args.out}: model not saved ({err.strerror or err})") from None
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
    lines = read_lines(sys.stdin, data.max_text_chars(MAX_TEST_LEN))
    if not lines:
        raise ValueError("no bit strings: give BITS arguments or one per line on stdin")
    return lines


def read_lines(stream, max_chars: int) -> list[str]:
    """Lines of `stream`, each refused once longer than max_chars, before the rest is read."""
    stream = getattr(stream, "buffer", stream)  # bytes: no decoding of what is refused
    lines, total = [], 0
    while line := stream.readline(max_chars + 2):  # the text, a newline, one more: too long
        text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
        text = text.removesuffix("\n")
        if len(text) > max_chars:
            raise ValueError(
                f"input {len(lines) + 1}: too long: more than {max_chars:,} characters "
                f"(at most {MAX_TEST_LEN:,} bits)"
            )
        total += len(line)
        if len(lines) == MAX_STDIN_LINES or total > MAX_STDIN_BYTES:
            raise ValueError(
                f"too much input on stdin: at most {MAX_STDIN_LINES:,} lines and "
                f"{MAX_STDIN_BYTES:,} bytes; split it into several runs"
            )
        lines.append(text)
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
    for chunk in model_chunks(model, [len(s) for s in sequences], max_elements):
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
    rows = length_rows(model, args.lengths, size=args.size, seed=args.seed)  # no pandas
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{'length':>8}  {'accuracy':>9}  {'strings':>7}")
    for row in rows:
        print(f"{row['length']:>8}  {100 * row['accuracy']:>8.1f}%  {row['size']:>7}")
    return 0


def run_family_evaluate(args) -> int:
    """Accuracy per family and length: a table grouped by family, or JSON rows."""
    from ..evaluation import families

    names = families.check_names(args.families)  # unknown names: exit 2 before loading
    model, _ = load_model(args.model)
    rows = families.family_rows(model, names, args.lengths, count=args.size, seed=args.seed)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{'family':<18}  {'length':>8}  {'accuracy':>9}  {'strings':>7}")
    for row in rows:
        label = families.FAMILIES[row["family"]].label
        acc = 100 * row["accuracy"]
        print(f"{label:<18}  {row['length']:>8}  {acc:>8.1f}%  {row['strings']:>7}")
    return 0


def run_trace(args) -> int:
    """Every gate and state at every step, as CSV or JSON, streamed in bounded memory."""
    from . import trace_output  # pandas and the analysis modules: only the trace needs them

    bits = parse_all([" ".join(args.bits)])[0]
    model, _ = load_model(args.model)
    write = trace_output.write_json if args.format == "json" else trace_output.write_csv
    write(model, bits, sys.stdout)
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
        if d.left_at is None and not d.settles:
            lines.append(f"{run}: stays on the automaton's path, but never settles")
        elif d.left_at is None:
            lines.append(f"{run}: stays on the automaton's path")
        else:
            into = f"state {d.found_in}" if d.found_in is not None else "no state"
            lines.append(f"{run}: leaves its path at step {d.left_at:,} (into {into})")
    return "\n".join(lines)


def run_automaton(args) -> int:
    """The automaton the model computes (parity.analysis.automaton.extract), as text or JSON."""
    from ..analysis.automaton import extract

    model, _ = load_model(args.model)
    found = extract(model, drift_steps=args.drift_steps)
    print(json.dumps(found.to_dict()) if args.json else automaton_text(found))
    return 0


def certificate_text(c) -> str:
    """A certificate for a person: the outcome, how, and the margins or the reason."""
    if c.proven:
        lines = [
            f"proven: the network answers the parity of every non-empty bit string "
            f"({c.seconds:.2f} s)",
            f"every string up to {c.enumerated_length} bits run; {c.closure}",
            f"margins: {c.region_margin:.3g} inside the regions, {c.decision_margin:.3g} from "
            "the decision boundary (logit)",
        ]
    else:
        lines = [f"not proven: {c.reason} ({c.seconds:.2f} s)"]
        lines.append(f"every string up to {c.enumerated_length} bits is answered right")
        if c.counterexample is not None:
            lines.append(f"wrong string: {c.counterexample}")
        if c.escaping is not None:
            lines.append(f"escaping region: {c.escaping}")
    lines += [f"method: {c.method}", f"arithmetic: {c.arithmetic}"]
    return "\n".join(lines)


def run_certify(args) -> int:
    """A proof that the model answers parity for every length, or why not (text or JSON)."""
    from ..analysis.certify import certify

    model, _ = load_model(args.model)
    found = certify(model, budget=args.seconds)
    print(json.dumps(found.to_dict()) if args.json else certificate_text(found))
    return 0
