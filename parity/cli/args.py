"""The command line's parser: subcommands, and one flag per Config field, generated."""

from __future__ import annotations

import argparse
import dataclasses

from ..core import config as cfg
from ..core.bounded_text import MAX_MESSAGE_CHARS, shorten
from ..core.config import check_lengths
from . import proof_args
from .experiment import add_experiment_parser

# certify's default time budget: parity.analysis.certify.TIME_BUDGET, named here so that --help
# loads no torch (tests/cli/test_cli_certify.py checks that the two agree)
CERTIFY_SECONDS = 10.0

MAX_EVAL_SIZE = 10_000  # strings per length; 10,000 x 10,000 bits is ~400 MB of float32

TRACE_FORMAT = """\
output formats:
  csv   a header, then one row per step (1-based): step, bit, then one column per
        quantity and unit named <quantity>_<unit> with spaces as underscores
        (lstm: input_gate_0 .. input_gate_{H-1}, forget_gate_*, output_gate_*,
        candidate_*, cell_*, hidden_*; gru: reset_gate_*, update_gate_*,
        candidate_*, hidden_*; rnn: hidden_*), then probability (of odd parity
        so far), predicted (0/1), running_parity (the true parity so far).
  json  {"arch": ..., "hidden_size": H, "bits": "0110...", "steps": [{"step": 1,
        "bit": 0, "input gate": [H floats], ..., "probability": p,
        "predicted": 0/1, "running_parity": 0/1}, ...]}
"""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: `error: ... (see PROG --help)`."""

    def error(self, message):
        hint = f" (see {self.prog} --help)"  # the line stays within MAX_MESSAGE_CHARS + "error: "
        text = shorten(" ".join(message.split()), MAX_MESSAGE_CHARS - len(hint))
        self.exit(2, f"error: {text}{hint}\n")


def _flag_type(field: dataclasses.Field):
    """Convert a flag's text with config.coerce, so a bad value names the field."""

    def convert(text: str):
        try:
            return cfg.coerce(field, text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = type(field.default).__name__
    return convert


def _flag_help(field: dataclasses.Field) -> str:
    """Metadata help + range + default, escaped for argparse's % formatting."""
    m = field.metadata
    allowed = "" if m["choices"] else f"{cfg.field_range(field)}; "  # choices: in the metavar
    own = {arch: cfg.ARCH_CHANGES[arch].get(field.name, field.default) for arch in cfg.ARCHS}
    others = "".join(f", {a} {value}" for a, value in own.items() if value != field.default)
    return f"{m['help']} [{allowed}default {field.default}{others}]".replace("%", "%%")


def add_config_flags(parser: argparse.ArgumentParser, fields=None) -> None:
    """One --flag per config field: name with _ -> -, type from the default, choices."""
    group = parser.add_argument_group("training configuration")
    for f in fields if fields is not None else cfg.fields():
        m = f.metadata
        group.add_argument(
            f"--{f.name.replace('_', '-')}",
            dest=f.name,
            default=None,  # unset: the architecture's default (config_from_args)
            type=_flag_type(f),
            choices=m.get("choices"),
            metavar=None if m.get("choices") else type(f.default).__name__.upper(),
            help=_flag_help(f),
        )


def config_from_args(args: argparse.Namespace) -> cfg.Config:
    """The validated Config the flags describe (ValueError names the field); a flag not
    given takes the chosen architecture's default."""
    given = {f.name: getattr(args, f.name) for f in cfg.fields()}
    return cfg.Config(**{name: value for name, value in given.items() if value is not None})


def int_in(lo: int, hi: int):
    """An argparse type: an int in lo..hi."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be in {lo}..{hi} (got {value})")
        return value

    convert.__name__ = "int"
    return convert


def lengths_arg(text: str) -> list[int]:
    """An argparse type: comma-separated lengths, each 1..MAX_TEST_LEN."""
    try:
        lengths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers like 10,100,1000 (got {text!r})"
        ) from None
    try:
        return check_lengths(lengths)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def names_arg(text: str) -> list[str]:
    """An argparse type: comma-separated names (checked against the registry later)."""
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names (got {text!r})")
    return names


def _command(commands, name: str, help: str, **kw) -> Parser:
    """A subcommand parser; no abbreviated flags, so a new config field never breaks one."""
    return commands.add_parser(name, help=help, allow_abbrev=False, **kw)


def _model_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        required=True,
        metavar="FILE",
        help="a model file written by `train --out` (safetensors)",
    )


def _add_train(commands) -> None:
    p = _command(
        commands,
        "train",
        help="train a model",
        description=("Train a model. Progress goes to stderr; the result to stdout."),
    )
    add_config_flags(p)
    p.add_argument("--out", metavar="FILE", help="save the model here (safetensors)")
    p.add_argument(
        "--certify",
        action="store_true",
        help="after training, try to prove the model answers every length (as `certify`): a "
        "proven parity machine is said so, and the verdict carries the certificate",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _add_predict(commands) -> None:
    p = _command(
        commands,
        "predict",
        help="predict the parity of bit strings",
        description=(
            "Predict the parity of each bit string (0, 1, spaces ignored; at most "
            f"{cfg.MAX_TEST_LEN:,} bits). With no BITS, read one string per line from stdin. "
            "Prints one line per input, in order: the predicted parity (0 or 1), a tab, and "
            "the model's probability that the parity is odd."
        ),
    )
    _model_flag(p)
    p.add_argument("bits", nargs="*", metavar="BITS", help="bit strings, e.g. 0110 111")


def _add_evaluate(commands) -> None:
    p = _command(
        commands,
        "evaluate",
        help="accuracy by string length",
        description=("Accuracy on SIZE random strings of each exact length."),
    )
    _model_flag(p)
    p.add_argument(
        "--lengths",
        required=True,
        type=lengths_arg,
        metavar="N,N,...",
        help=f"comma-separated lengths, each 1..{cfg.MAX_TEST_LEN}",
    )
    p.add_argument(
        "--size",
        type=int_in(1, MAX_EVAL_SIZE),
        default=1000,
        help=f"strings per length, 1..{MAX_EVAL_SIZE} (default 1000)",
    )
    p.add_argument(
        "--seed",
        type=int_in(0, 2**31 - 1),
        default=0,
        help="seed of the random strings (default 0)",
    )
    p.add_argument(
        "--families",
        type=names_arg,
        metavar="NAME,NAME,...",
        help="stress families instead of plain random strings: 'all' or comma-separated "
        "names (random, one_then_zeros, zeros_then_one, all_ones, all_zeros, alternating, "
        "periodic, sparse, dense, zero_run, one_run); SIZE strings each for the random ones",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of {length, accuracy, size} (with --families: "
        "{family, length, accuracy, strings})",
    )


def _add_trace(commands) -> None:
    p = _command(
        commands,
        "trace",
        help="gates and states step by step",
        epilog=TRACE_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Read BITS one bit at a time; print every gate, "
        "cell and hidden unit and the running prediction at each step.",
    )
    _model_flag(p)
    p.add_argument(
        "bits",
        nargs="+",
        metavar="BITS",
        help=f"the bit string (0/1, spaces ignored; at most {cfg.MAX_TEST_LEN:,})",
    )
    p.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="output format (default csv; see below)",
    )


def _add_automaton(commands) -> None:
    p = _command(
        commands,
        "automaton",
        help="the finite automaton the model computes",
        description=(
            "Quantise the model's states over many strings, build and minimise the transition "
            "table on inputs 0 and 1, compare it with the two-state parity automaton, and "
            "check that each state stays put under long runs of zeros and of ones."
        ),
    )
    _model_flag(p)
    p.add_argument(
        "--drift-steps",
        type=int_in(1, cfg.MAX_TEST_LEN),
        default=cfg.MAX_TEST_LEN,
        metavar="N",
        help=f"zeros and ones fed from each state in the stability check, 1..{cfg.MAX_TEST_LEN}"
        f" (default {cfg.MAX_TEST_LEN})",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: states, start, accepting, transitions, is_parity, "
        "stable, consistent, agreement, clusters, sampled, drift",
    )


def _add_certify(commands) -> None:
    p = _command(
        commands,
        "certify",
        help="try to prove the model answers parity for every length",
        description=(
            "Try to prove that the network, with its stored float32 weights, answers the parity "
            "of every non-empty bit string of every length: every string up to a length N is "
            "run, then sound bounds (float64 interval arithmetic with outward rounding plus a "
            "float32 rounding bound per step) show that a finite set of regions of states is "
            "closed under every input. Says why when it cannot."
        ),
    )
    _model_flag(p)
    p.add_argument(
        "--seconds",
        type=proof_args.seconds,
        default=CERTIFY_SECONDS,
        metavar="S",
        help=f"time budget of the proof, 0.1..600 (default {CERTIFY_SECONDS:g}); a network "
        "refused 'out of time' may be proven with more",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: proven, method, arithmetic, enumerated_length, block, "
        "cell_size, longest_branch, closure, regions, margin, reason, escaping_region, "
        "counterexample, seconds",
    )


def build_parser(prog: str = "python -m parity") -> Parser:
    """The whole command line (`prog` names it in usage and errors)."""
    parser = Parser(
        prog=prog,
        allow_abbrev=False,
        description=(
            "Parity Lab: train RNN, GRU and LSTM networks on bit parity, and inspect them."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (
        _add_train,
        _add_predict,
        _add_evaluate,
        _add_trace,
        _add_automaton,
        _add_certify,
        add_experiment_parser,
    ):
        add(commands)
    for add in (proof_args.add_falsify, proof_args.add_margins):
        add(commands, _command, _model_flag)
    return parser
