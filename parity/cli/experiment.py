"""`python -m parity experiment rfr|compare|sweep ...`: flags, progress, table or JSON."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys

from ..core.config import ARCHS, IMPLS, TARGETS
from ..execution.base import EXECUTORS, MAX_WORKERS
from ..experiments import definitions as ex
from . import experiment_output as output
from .experiment_output import progress_line  # noqa: F401 (its old home)


def _typed(convert, kind: str):
    """An argparse type from a converter that raises ValueError."""

    def parse(text: str):
        try:
            return convert(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = kind
    return parse


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected an integer, got {text!r}") from None


def _items(text: str) -> list[str]:
    """The comma-separated items of `text` (a trailing comma ignored); a ValueError naming an
    empty one."""
    items = [part.strip() for part in text.strip().removesuffix(",").split(",")]
    if "" in items:
        raise ValueError(f"item {items.index('') + 1} of {text!r} is empty")
    return items


def _ints(text: str) -> tuple[int, ...]:
    return tuple(_int(part) for part in _items(text))


def _words(text: str) -> tuple[str, ...]:
    return tuple(_items(text))


def _common_flags(p: argparse.ArgumentParser, steps: int) -> None:
    """The flags every experiment takes: seeds and budget, where it runs, batching, output."""
    _budget_flags(p, steps)
    _executor_flags(p)
    p.add_argument(
        "--batch",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="train the seeds of one configuration as one stacked computation (each "
        "model keeps its own seed, data and stopping) [default: on for rfr and sweep; off "
        "for compare, which times the implementations]",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object {experiment, rows, summary} instead of tables",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="write each run's row to FILE (JSON lines, after a header with the experiment's "
        "definition) as it finishes; run the same command again to train only the runs not in "
        "FILE yet (resume after an interruption) [default: rows only in memory]",
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="with --out: move an existing FILE aside (FILE.1, FILE.2, ...) and start afresh",
    )


def _budget_flags(p: argparse.ArgumentParser, steps: int) -> None:
    """--seeds and --steps."""
    p.add_argument(
        "--seeds",
        type=_typed(ex.seeds_from_text, "seeds"),
        default=tuple(range(ex.DEFAULT_SEEDS)),
        metavar="SEEDS",
        help=f"a count (3: seeds 0..2), a range (100..119) or a list (1,5,9) "
        f"[default {ex.DEFAULT_SEEDS}]",
    )
    p.add_argument(
        "--steps",
        type=_typed(_int, "int"),
        default=steps,
        help=f"step budget of every run [default {steps}]",
    )


def _executor_flags(p: argparse.ArgumentParser) -> None:
    """--workers, --executor and --address: where the runs execute."""
    p.add_argument(
        "--workers",
        type=_typed(_int, "int"),
        default=None,
        help=f"worker processes for --executor local, 1..{MAX_WORKERS} [default: one per core]",
    )
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local: worker processes on this machine; serial: one run after another in "
        "this process; ray: Ray tasks on a cluster (pip install -r requirements-ray.txt) "
        "[default local]",
    )
    p.add_argument(
        "--address",
        default=None,
        metavar="ADDRESS",
        help="with --executor ray: the cluster's HOST:PORT, or auto (a cluster started on this "
        "machine with `ray start`) [default: start Ray here for this experiment]",
    )


def _target_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target", choices=TARGETS, default="every", help="training target [default every]"
    )


def add_experiment_parser(commands) -> None:
    """The `experiment` subcommand and its three experiments."""
    parent = commands.add_parser(
        "experiment",
        help="run many seeded training runs and summarise them",
        description="Run an experiment: independent training runs spread over worker "
        "processes. Progress goes to stderr as runs finish; tables or JSON to stdout.",
        allow_abbrev=False,
    )
    names = parent.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)
    _add_rfr(names)
    _add_compare(names)
    _add_sweep(names)


def _add_rfr(names) -> None:
    """`experiment rfr`: the conditions and their budget, in its description."""
    conditions = "; ".join(f"{name}: {text}" for name, text in ex.RFR_CONDITIONS.items())
    p = names.add_parser(
        "rfr",
        help="the Requests-for-Research warm-up: fixed length 50 against lengths 1..50",
        description=f"Conditions, each with a test set drawn like its training set: "
        f"{conditions}. Adam lr {ex.RFR_LR}; each run stops at its first perfect test score "
        f"or after {ex.RFR_STEPS:,} steps (one epoch of {ex.RFR_SIZE:,} strings).",
        allow_abbrev=False,
    )
    _common_flags(p, ex.RFR_STEPS)


def _add_compare(names) -> None:
    """`experiment compare`: --archs x --impls."""
    p = names.add_parser(
        "compare", help="architectures x implementations over seeds", allow_abbrev=False
    )
    _common_flags(p, ex.COMPARE_STEPS)
    p.add_argument(
        "--archs",
        type=_typed(_words, "names"),
        default=("rnn", "gru", "lstm"),
        metavar="A,B",
        help=f"comma-separated, from {', '.join(ARCHS)} [default rnn,gru,lstm]",
    )
    p.add_argument(
        "--impls",
        type=_typed(_words, "names"),
        default=IMPLS,
        metavar="A,B",
        help=f"comma-separated, from {', '.join(IMPLS)} [default {','.join(IMPLS)}]",
    )
    _target_flag(p)


def _add_sweep(names) -> None:
    """`experiment sweep`: --hidden-sizes x --max-lens, one --arch."""
    p = names.add_parser(
        "sweep", help="hidden size x longest training string (a heat map)", allow_abbrev=False
    )
    _common_flags(p, ex.SWEEP_STEPS)
    default_sizes = ",".join(map(str, ex.SWEEP_HIDDEN_SIZES))
    default_lens = ",".join(map(str, ex.SWEEP_MAX_LENS))
    p.add_argument(
        "--hidden-sizes",
        type=_typed(_ints, "ints"),
        default=ex.SWEEP_HIDDEN_SIZES,
        metavar="N,N",
        help=f"[default {default_sizes}]",
    )
    p.add_argument(
        "--max-lens",
        type=_typed(_ints, "ints"),
        default=ex.SWEEP_MAX_LENS,
        metavar="N,N",
        help=f"longest training strings, comma-separated [default {default_lens}]",
    )
    p.add_argument("--arch", choices=ARCHS, default="lstm", help="architecture [default lstm]")
    _target_flag(p)


def build_experiment(args) -> ex.Experiment:
    """The experiment the flags describe; ValueError names what is wrong with the grid."""
    common = {"seeds": args.seeds, "steps": args.steps}
    if args.experiment == "rfr":
        return ex.rfr(**common)
    if args.experiment == "compare":
        return ex.compare(archs=args.archs, impls=args.impls, target=args.target, **common)
    return ex.sweep(
        hidden_sizes=args.hidden_sizes,
        max_lens=args.max_lens,
        arch=args.arch,
        target=args.target,
        **common,
    )


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM (kill PID) stops the workers as ^C does, instead of leaving them running."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_experiment(args) -> int:
    """Build (validating before torch loads), train with progress, print; 1 if a run failed.

    With --out FILE the rows go to FILE as they finish and only the runs not in it train.
    """
    from ..execution.executors import make_executor

    if args.address is not None and args.executor != "ray":
        raise ValueError(f"--address needs --executor ray (got --executor {args.executor})")
    if args.restart and args.out is None:
        raise ValueError("--restart needs --out FILE")
    experiment = build_experiment(args)
    executor = make_executor(args.executor, args.workers, args.address)
    with _terminate_as_interrupt():
        if args.out is not None:
            failed, total = output.run_to_file(experiment, executor, args)
        else:
            rows = output.run_in_memory(experiment, executor, args.batch, args.json)
            failed, total = sum(row["error"] is not None for row in rows), len(rows)
    if failed:
        print(f"error: {failed} of {total} runs failed", file=sys.stderr)
    return 1 if failed else 0
