"""The command line: python -m parity train | predict | evaluate | trace (see --help)."""

from __future__ import annotations

import os
import sys

from ..core.bounded_text import shorten
from ..core.outfile import check_writable
from .args import build_parser, config_from_args


def one_line(err: BaseException) -> str:
    """An exception's message squeezed onto one line, at most MAX_MESSAGE_CHARS long."""
    return shorten(" ".join(str(err).split()) or type(err).__name__)


def console_name() -> str:
    """How the user called us: `parity` (the console command) or `python -m parity`."""
    return "parity" if os.path.basename(sys.argv[0]) == "parity" else "python -m parity"


def run(command: str, args) -> int:
    """Import the commands (torch and all) only now: --help and bad flags answer at once."""
    if command == "train":
        args.config = config_from_args(args)  # a bad value fails before torch loads
        if args.out is not None:
            check_writable(args.out)  # a bad --out fails before training, not after it
    if command == "experiment":  # torch loads only where the runs execute
        from .experiment import run_experiment

        return run_experiment(args)
    from ..core import runtime
    from ..training import costs
    from . import commands

    runtime.use_one_thread()  # every command: measured 48 s against 179 s at length 10,000
    warning = costs.cli_warning(args.config) if command == "train" else None
    if warning:
        print(warning, file=sys.stderr)
    before = runtime.evidence_threads()
    runtime.set_evidence_threads(runtime.available_cores())  # stress checks over the cores
    try:
        return getattr(commands, f"run_{command}")(args)
    finally:
        runtime.set_evidence_threads(before)  # for callers in this process (tests, benches)


def main(argv=None) -> int:
    """Run the command line; returns the exit status (errors: one `error:` line, status 2)."""
    parser = build_parser(console_name())
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_usage(sys.stderr)
            return 2
        status = run(args.command, args)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): silence the flush at exit, end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, OSError) as err:
        print(f"error: {one_line(err)}", file=sys.stderr)
        return 2
    except Exception as err:  # never a traceback for a user; say what broke in one line
        print(f"error: internal error ({type(err).__name__}): {one_line(err)}", file=sys.stderr)
        return 1
