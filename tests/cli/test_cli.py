"""The command line end to end (`python -m parity ...` in subprocesses), plus in-process checks."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import pickle
import random
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from parity.cli import args as cli_args
from parity.cli import commands
from parity.cli import main as cli
from parity.core import data
from parity.core.bounded_text import MAX_MESSAGE_CHARS
from parity.core.config import ARCHS, MAX_TEST_LEN, Config, default_of, field_range, fields
from parity.core.data import from_bits, parity_of
from parity.evaluation.evaluate import accuracy_by_length
from parity.nets import modelfile
from parity.nets.cells import QUANTITIES
from parity.training import train as train_module
from parity.training.train import train
from tests.helpers import ROOT, assert_one_error_line, run, run_inprocess

# Trained well past its first perfect test score: right on 500 of 500 strings of 10,000 bits.
MODEL_CONFIG = Config(seed=0, stop="budget", steps=200)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(model, path of its file): one model shared by every test here."""
    result = train(MODEL_CONFIG)
    path = modelfile.save(result.model, MODEL_CONFIG, tmp_path_factory.mktemp("cli") / "m.st")
    return result.model, str(path)


def random_strings(count: int, max_len: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice("01") for _ in range(rng.randint(1, max_len))) for _ in range(count)]


# --- train ------------------------------------------------------------------------------


def test_train_json_solves_and_saves_a_loadable_model(tmp_path):
    out = tmp_path / "model.safetensors"
    flags = {
        "--arch": "lstm",
        "--steps": "300",
        "--seed": "0",
        "--eval-every": "5",
        "--test-max-len": "80",
    }
    proc = run("train", *[x for kv in flags.items() for x in kv], "--json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1  # exactly one JSON object
    summary = json.loads(proc.stdout)
    for key in (
        "config",
        "status",
        "steps",
        "solved_at_step",
        "train_seconds",
        "final_test_accuracy",
        "model_file",
    ):
        assert key in summary
    config = summary["config"]
    assert (
        config["arch"],
        config["steps"],
        config["seed"],
        config["eval_every"],
        config["test_max_len"],
    ) == ("lstm", 300, 0, 5, 80)
    assert config == Config(steps=300, seed=0, eval_every=5, test_max_len=80).to_dict()
    assert summary["final_test_accuracy"] == 1.0
    assert summary["status"] == "generalized"
    assert isinstance(summary["solved_at_step"], int)
    assert 1 <= summary["solved_at_step"] <= summary["steps"] <= 300
    assert summary["train_seconds"] > 0
    assert summary["model_file"] == str(out)
    _, loaded = modelfile.load(out)
    assert loaded == Config.from_dict(config)
    # progress: one stderr line redrawn in place with \r, ending in a newline
    assert proc.stderr.startswith("\rstep 5/300 loss ") and proc.stderr.endswith("\n")
    last = proc.stderr.split("\r")[-1]
    assert last.startswith(f"step {summary['steps']}/300 loss ") and "test 100.0%" in last
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_train_human_summary_when_never_solved():
    proc = run("train", "--steps", "2", "--eval-every", "1", "--stop", "budget")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("budget after 2 of 2 steps")
    assert "never reached 100% test accuracy" in lines[0]
    assert lines[1].startswith("test accuracy ")
    assert proc.stderr.count("\r") == 2 and "step 2/2 " in proc.stderr


def test_train_json_reports_null_when_never_solved(capsys, monkeypatch):
    status, out, err = run_inprocess(["train", "--steps", "3", "--json"], capsys)
    summary = json.loads(out)
    assert status == 0 and summary["solved_at_step"] is None and summary["steps"] == 3
    assert summary["final_test_accuracy"] < 0.7  # 3 steps: still guessing


BAD_TRAIN_VALUES = [
    (["--hidden-size", "0"], "hidden_size"),
    (["--hidden-size", "257"], "hidden_size"),
    (["--lr", "-1"], "lr"),
    (["--lr", "nan"], "lr"),
    (["--min-len", "30", "--max-len", "5"], "min_len"),
    (["--arch", "foo"], "arch"),
    (["--steps", "0"], "steps"),
]


@pytest.mark.parametrize("flags, field", [BAD_TRAIN_VALUES[i] for i in (1, 3, 4, 5)])
def test_train_rejects_bad_values_end_to_end(flags, field):
    proc = run("train", *flags)
    assert_one_error_line(proc.returncode, proc.stderr, field)
    assert proc.stdout == ""


def test_train_rejects_bad_values_in_one_line(capsys, monkeypatch):
    for flags, field in [
        *BAD_TRAIN_VALUES,
        (["--hidden-size", "1.5"], "hidden_size"),
        (["--lr", "x"], "lr"),
        (["--test-min-len", "90", "--test-max-len", "60"], "test_min_len"),
        (["--seed", str(2**31)], "seed"),
        (["--clip", "-0.1"], "clip"),
        (["--arch", "LSTM"], "arch"),
        (["--out", "/nonexistent-dir/m.st"], "--out"),
        (["--bogus"], "bogus"),
    ]:
        status, out, err = run_inprocess(["train", *flags], capsys)
        assert_one_error_line(status, err, field)
        assert out == ""


# --- flags are generated from the config ------------------------------------------------------


def test_a_flag_not_given_takes_the_architectures_default():
    args = cli_args.build_parser().parse_args(["train", "--arch", "gru", "--seed", "4"])
    assert cli_args.config_from_args(args) == Config(arch="gru", seed=4)
    args = cli_args.build_parser().parse_args(["train", "--arch", "gru", "--gate-bias", "0"])
    assert cli_args.config_from_args(args).gate_bias == 0.0  # given: kept, even at the shared value
    assert cli_args.config_from_args(cli_args.build_parser().parse_args(["train"])) == Config()


def test_help_lists_every_config_field_with_range_and_default():
    proc = run("train", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())  # undo argparse's line wrapping
    for f in fields():
        flag = "--" + f.name.replace("_", "-")
        assert flag in text, flag
        if not f.metadata["choices"]:
            assert f"{flag} {type(f.default).__name__.upper()} " in text
            others = "".join(  # the architectures whose default differs, after the shared one
                f", {arch} {default_of(f.name, arch)}"
                for arch in ARCHS
                if default_of(f.name, arch) != f.default
            )
            assert f"[{field_range(f)}; default {f.default}{others}]" in text, f.name
        else:
            assert f"{flag} {{{','.join(f.metadata['choices'])}}}" in text


def test_a_new_config_field_gets_a_flag_with_no_other_edit():
    @dataclass(frozen=True)
    class Extended:
        dropout: float = dataclasses.field(
            default=0.25,
            metadata={
                "label": "Dropout",
                "help": "Zeroed fraction.",
                "choices": None,
                "lo": 0.0,
                "hi": 0.9,
                "log": False,
            },
        )
        cell: str = dataclasses.field(
            default="a",
            metadata={
                "label": "Cell",
                "help": "Which.",
                "choices": ("a", "b"),
                "lo": None,
                "hi": None,
                "log": False,
            },
        )

    parser = cli_args.Parser(prog="t")
    cli_args.add_config_flags(parser, dataclasses.fields(Extended))
    # a flag not given stays None: config_from_args fills it from the architecture's defaults
    assert parser.parse_args([]) == argparse.Namespace(dropout=None, cell=None)
    assert parser.parse_args(["--dropout", "0.5", "--cell", "b"]) == argparse.Namespace(
        dropout=0.5, cell="b"
    )
    assert "Zeroed fraction. [0.0..0.9; default 0.25]" in " ".join(parser.format_help().split())


def test_config_from_args_uses_every_field():
    args = cli_args.build_parser().parse_args(["train", "--hidden-size", "12", "--arch", "gru"])
    assert cli_args.config_from_args(args) == Config(hidden_size=12, arch="gru")


# --- help and usage ----------------------------------------------------------------------


def test_top_level_help_and_missing_command():
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("train", "predict", "evaluate", "trace"):
        assert command in proc.stdout
    proc = run()
    assert proc.returncode == 2 and proc.stderr.startswith("usage: python -m parity")


@pytest.mark.parametrize("command", ["predict", "evaluate", "trace"])
def test_subcommand_help_exits_zero(command, capsys, monkeypatch):
    status, out, _ = run_inprocess([command, "--help"], capsys)
    assert status == 0 and f"usage: python -m parity {command}" in out and "--model" in out


def test_trace_help_documents_both_formats(capsys, monkeypatch):
    _, out, _ = run_inprocess(["trace", "--help"], capsys)
    assert "input_gate_0" in out and "running_parity" in out and '"steps"' in out


# --- predict --------------------------------------------------------------------------------


def test_predict_args_and_stdin_agree_and_are_right(trained):
    _, path = trained
    strings = random_strings(50, 200, seed=1)
    long = "".join(random.Random(2).choice("01") for _ in range(MAX_TEST_LEN))
    from_args = run("predict", "--model", path, *strings)
    from_stdin = run("predict", "--model", path, stdin="\n".join([*strings, long]) + "\n")
    assert from_args.returncode == 0 and from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout.splitlines()[:50] == from_args.stdout.splitlines()
    lines = from_stdin.stdout.splitlines()
    assert len(lines) == 51
    for text, line in zip([*strings, long], lines, strict=True):
        predicted, probability = line.split("\t")
        assert int(predicted) == parity_of([int(c) for c in text]), (len(text), line)
        assert (float(probability) > 0.5) == (predicted == "1")
    assert {len(s) % 2 for s in strings} == {0, 1} and len({ln[0] for ln in lines}) == 2


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["0110", "01x1", "1"], None, "input 2: invalid character 'x' at position 3"),
        ([], "0110\n\n1\n", "input 2: empty bit string"),
        ([], "1\n" + "1" * (MAX_TEST_LEN + 1) + "\n", "input 2: bit string too long: 10001 bits"),
    ],
)
def test_predict_rejects_bad_input_before_printing(trained, args, stdin, message):
    proc = run("predict", "--model", trained[1], *args, stdin=stdin)
    assert_one_error_line(proc.returncode, proc.stderr, message)
    assert proc.stdout == ""


def test_predict_empty_stdin_and_blank_argument(trained, capsys, monkeypatch):
    status, _, err = run_inprocess(["predict", "--model", trained[1]], capsys)
    assert_one_error_line(status, err, "no bit strings")
    status, _, err = run_inprocess(["predict", "--model", trained[1], "1", " "], capsys)
    assert_one_error_line(status, err, "input 2: empty bit string")


def test_predict_output_into_a_closed_pipe_is_quiet(trained):
    proc = subprocess.Popen(
        [sys.executable, "-m", "parity", "predict", "--model", trained[1]],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdin.write(b"1\n" * 30_000)  # 60 kB in, ~270 kB out: more than a pipe holds
    proc.stdin.close()
    assert proc.stdout.readline().startswith(b"1\t")  # like `| head -1`
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 1 and err == b""


def test_batched_probabilities_match_one_at_a_time(trained):
    model, _ = trained
    sequences = [[int(c) for c in s] for s in random_strings(40, 300, seed=3)]
    batched = commands.final_probabilities(model, sequences, max_elements=2000)
    for seq, prob in zip(sequences, batched, strict=True):
        batch = from_bits([seq])
        single = torch.sigmoid(model.final_logits(batch.bits, batch.lengths))[0].item()
        assert abs(prob - single) < 1e-5


# --- bad model files ---------------------------------------------------------------------------


def bad_model_files(tmp: Path, good: Path) -> dict[str, Path]:
    """Files that must be refused: name -> path (the missing one is not created)."""
    files = {
        "missing": tmp / "missing.safetensors",
        "empty": tmp / "empty.safetensors",
        "truncated": tmp / "truncated.safetensors",
        "pickle": tmp / "model.pkl",
        "text": tmp / "notes.txt",
        "wrong tensors": tmp / "other.safetensors",
        "directory": tmp,
    }
    files["empty"].write_bytes(b"")
    files["truncated"].write_bytes(good.read_bytes()[:100])
    files["pickle"].write_bytes(pickle.dumps({"weight": [1.0, 2.0]}))  # written, never loaded
    files["text"].write_text("this is not a model\n")
    save_file({"weight": torch.randn(3, 4), "bias": torch.randn(4)}, files["wrong tensors"])
    return files


def test_bad_model_files_are_refused_in_one_line(trained, tmp_path, capsys, monkeypatch):
    for name, path in bad_model_files(tmp_path, Path(trained[1])).items():
        for args in (
            ["predict", "--model", str(path), "0110"],
            ["evaluate", "--model", str(path), "--lengths", "5"],
            ["trace", "--model", str(path), "0110"],
        ):
            status, out, err = run_inprocess(args, capsys)
            assert_one_error_line(status, err, str(path))  # names the file
            assert out == "", name


def test_pickle_model_file_end_to_end(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weight": [1.0]}))
    proc = run("predict", "--model", str(path), "0110")
    assert_one_error_line(proc.returncode, proc.stderr, "pickle")


# --- evaluate --------------------------------------------------------------------------------


def test_evaluate_table_and_json_match_the_library(trained):
    model, path = trained
    expected = accuracy_by_length(model, [10, 100, 2000], size=200, seed=3)
    table = run(
        "evaluate", "--model", path, "--lengths", "10,100,2000", "--size", "200", "--seed", "3"
    )
    assert table.returncode == 0, table.stderr
    rows = [line.split() for line in table.stdout.splitlines()]
    assert rows[0] == ["length", "accuracy", "strings"]
    assert [int(r[0]) for r in rows[1:]] == [10, 100, 2000]
    for row, accuracy in zip(rows[1:], expected["accuracy"], strict=True):
        assert row[1] == f"{100 * accuracy:.1f}%" and row[2] == "200"
    as_json = run(
        "evaluate",
        "--model",
        path,
        "--lengths",
        "10,100,2000",
        "--size",
        "200",
        "--seed",
        "3",
        "--json",
    )
    assert json.loads(as_json.stdout) == expected.to_dict(orient="records")
    assert expected["accuracy"].tolist()[:2] == [1.0, 1.0]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--lengths", "0"], "lengths must be in 1..10000 (got 0)"),
        (["--lengths", "10,10001"], "got 10001"),
        (["--lengths", "a,b"], "comma-separated integers"),
        (["--lengths", ""], "comma-separated integers"),
        (["--lengths", "5", "--size", "0"], "--size"),
        (["--lengths", "5", "--seed", "-1"], "--seed"),
    ],
)
def test_evaluate_rejects_bad_arguments(trained, flags, message, capsys, monkeypatch):
    status, out, err = run_inprocess(["evaluate", "--model", trained[1], *flags], capsys)
    assert_one_error_line(status, err, message)
    assert out == ""


# --- trace --------------------------------------------------------------------------------

TRACE_BITS = "1101 0011 1010 0111 01"  # 18 bits, odd parity


def test_trace_csv_is_one_wide_row_per_step(trained):
    model, path = trained
    proc = run("trace", "--model", path, TRACE_BITS)
    assert proc.returncode == 0, proc.stderr
    header, *rows = list(csv.reader(io.StringIO(proc.stdout)))
    hidden, bits = MODEL_CONFIG.hidden_size, [int(c) for c in TRACE_BITS if c in "01"]
    units = [f"{q.replace(' ', '_')}_{u}" for q in QUANTITIES["lstm"] for u in range(hidden)]
    assert header == ["step", "bit", *units, "probability", "predicted", "running_parity"]
    assert header[2] == "input_gate_0" and len(rows) == len(bits) == 18
    assert [int(r[0]) for r in rows] == list(range(1, 19))
    assert [int(r[1]) for r in rows] == bits
    running = [sum(bits[: i + 1]) % 2 for i in range(len(bits))]
    assert [int(r[-1]) for r in rows] == running
    assert all(0.0 <= float(r[-3]) <= 1.0 for r in rows)
    gates = [float(v) for r in rows for v in r[2 : 2 + 3 * hidden]]  # sigmoid gates
    assert all(0.0 <= g <= 1.0 for g in gates)
    batch = from_bits([bits])
    assert int(rows[-1][-2]) == int(model.predict(batch.bits, batch.lengths)[0]) == 1


def test_trace_json_matches_predict(trained):
    model, path = trained
    proc = run("trace", "--model", path, "--format", "json", "0110", "1")
    out = json.loads(proc.stdout)
    assert (out["arch"], out["hidden_size"], out["bits"]) == ("lstm", 8, "01101")
    assert [s["step"] for s in out["steps"]] == [1, 2, 3, 4, 5]
    assert [s["running_parity"] for s in out["steps"]] == [0, 1, 0, 0, 1]
    for step in out["steps"]:
        assert set(step) == {
            "step",
            "bit",
            *QUANTITIES["lstm"],
            "probability",
            "predicted",
            "running_parity",
        }
        assert all(len(step[q]) == 8 for q in QUANTITIES["lstm"])
        assert 0.0 <= step["probability"] <= 1.0
        assert step["predicted"] == int(step["probability"] > 0.5)
    batch = from_bits([[0, 1, 1, 0, 1]])
    probability = torch.sigmoid(model.final_logits(batch.bits, batch.lengths))[0].item()
    assert abs(out["steps"][-1]["probability"] - probability) < 1e-5
    assert out["steps"][-1]["predicted"] == 1


def test_trace_rejects_bad_bits(trained, capsys, monkeypatch):
    proc = run("trace", "--model", trained[1], "01a1")
    assert_one_error_line(proc.returncode, proc.stderr, "invalid character 'a' at position 3")
    status, _, err = run_inprocess(
        ["trace", "--model", trained[1], "1" * (MAX_TEST_LEN + 1)], capsys
    )
    assert_one_error_line(status, err, "too long")


# --- interrupt ---------------------------------------------------------------------------------


def test_ctrl_c_during_training_exits_130_quietly():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parity",
            "train",
            "--steps",
            "100000",
            "--stop",
            "budget",
            "--eval-every",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )  # unbuffered: communicate() must see every byte after
    seen = b""
    while b"step " not in seen:  # wait for the first progress draw: training has begun
        byte = proc.stderr.read(1)
        assert byte, "process ended before training"
        seen += byte
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130
    assert out == b"" and b"Traceback" not in seen + err and (seen + err).endswith(b"\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["train", "--help"],
        ["train", "--hidden-size", "0"],
        ["evaluate", "--model", "m", "--lengths", "0"],
    ],
)
def test_help_and_bad_flags_answer_without_loading_torch(argv):
    code = (
        f"import sys\nfrom parity.cli import main as cli\ntry:\n    cli.main({argv!r})\n"
        "except SystemExit:\n    pass\nprint('torch' in sys.modules, 'pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "False False"


# --- --out is checked before training and written atomically ---------------------------------


@pytest.mark.parametrize(
    "out, words",
    [
        ("", "empty file name"),
        (".", "is a directory"),
        ("/dev/full", "not a regular file"),
        ("/nonexistent-dir/m.safetensors", "does not exist"),
        ("/proc/m.safetensors", "cannot write in /proc"),
    ],
)
def test_a_bad_out_path_fails_before_training(out, words, capsys, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained although --out cannot be written")

    monkeypatch.setattr(train_module, "train", no_training)  # run_train imports it when run
    status, stdout, err = run_inprocess(["train", "--steps", "5", "--out", out], capsys)
    assert_one_error_line(status, err, words)
    assert stdout == "" and "--out" in err


def test_a_failed_write_keeps_the_old_model_file(tmp_path, capsys, monkeypatch):
    path = tmp_path / "model.safetensors"
    status, _, err = run_inprocess(["train", "--steps", "3", "--out", str(path)], capsys)
    assert status == 0, err
    old = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    status, out, err = run_inprocess(
        ["train", "--steps", "3", "--seed", "1", "--out", str(path)], capsys
    )
    error = err.splitlines()[-1]  # after the progress line
    assert (
        status == 2 and error == f"error: --out {path}: model not saved (No space left on device)"
    )
    assert path.read_bytes() == old and [p.name for p in tmp_path.iterdir()] == [path.name]
    monkeypatch.undo()
    status, _, _ = run_inprocess(
        ["train", "--steps", "3", "--seed", "1", "--out", str(path)], capsys
    )
    assert status == 0 and path.read_bytes() != old  # replaced whole when the write works
    assert modelfile.load(path)[1].seed == 1


# --- input is refused by size before it is parsed ---------------------------------------------


def test_an_overlong_stdin_line_is_refused_unread(trained, capsys, monkeypatch):
    limit = data.max_text_chars(MAX_TEST_LEN)
    stream = io.StringIO("0110\n" + "1" * (limit + 1) + "\n" + "x" * 10**6)
    monkeypatch.setattr(stream, "read", None)  # the reader must never take it all at once
    monkeypatch.setattr(sys, "stdin", stream)
    status, (_, err) = cli.main(["predict", "--model", trained[1]]), capsys.readouterr()
    assert_one_error_line(status, err, f"input 2: too long: more than {limit:,} characters")
    assert stream.tell() < 2 * limit  # the rest was never read


def test_too_many_stdin_lines_are_refused(trained, capsys, monkeypatch):
    monkeypatch.setattr(commands, "MAX_STDIN_LINES", 3)
    status, out, err = run_inprocess(
        ["predict", "--model", trained[1]], capsys, stdin="1\n0\n1\n1\n"
    )
    assert_one_error_line(status, err, "too much input on stdin: at most 3 lines")
    status, out, _ = run_inprocess(["predict", "--model", trained[1]], capsys, stdin="1\n0\n1\n")
    assert status == 0 and len(out.splitlines()) == 3


def test_long_arguments_and_errors_stay_short(trained, capsys, monkeypatch):
    huge = "1" * (data.max_text_chars(MAX_TEST_LEN) + 1)
    status, _, err = run_inprocess(["predict", "--model", trained[1], huge], capsys)
    assert_one_error_line(status, err, "bit string too long")
    for args in (["train", "--arch", "x" * 100_000], ["train", "--lr", "9" * 100_000]):
        status, _, err = run_inprocess(args, capsys)
        assert status == 2 and len(err) <= MAX_MESSAGE_CHARS + 60, len(err)


# --- the installed console command -------------------------------------------------------------


def test_the_parity_console_command_is_declared_and_runs(capsys, monkeypatch):
    import importlib
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    module, _, name = project["scripts"]["parity"].partition(":")
    entry = getattr(importlib.import_module(module), name)
    assert entry is cli.main
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/parity"])  # as the console script runs it
    assert entry(["train", "--steps", "0"]) == 2  # its status is the exit status
    assert capsys.readouterr().err.startswith("error: steps must be in 1..")
    with pytest.raises(SystemExit) as done:
        entry(["--help"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("usage: parity ")
    assert {"torch", "numpy", "pandas", "safetensors"} <= {
        re.split(r"[=<>~ ]", dep)[0] for dep in project["dependencies"]
    }
    pinned = re.search(r"^torch==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert f"torch=={pinned.group(1)}" in project["dependencies"]  # one torch everywhere
