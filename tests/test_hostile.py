"""Hostile input on every surface (corpus: tests/hostile_corpus.py).

Every case must end in a clear, short message (one `error:` line on the CLI, an st.error or
st.warning in the app), with no traceback, no code from a file run, in bounded time and memory,
and the surface must still work for a normal input afterwards. Time and memory bounds are
generous correctness bounds on hostile input (before the fixes: 22 s and 1.6 GB for one
upload, 67 s and 2 GB for one stdin line), not benchmarks.
"""

from __future__ import annotations

import html
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from parity.core.bounded_text import MAX_MESSAGE_CHARS
from parity.core.config import Config
from parity.nets import modelfile
from parity.nets.models import build
from tests import hostile_corpus as corpus
from tests.app.helpers import metrics, page_app
from tests.helpers import assert_one_error_line, run_inprocess

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 5.0  # per case, after the page's normal run is cached
GROWTH_MB = 150  # peak memory growth a case may cause (process peak, MB)
CLI_LINE = len("error: ") + MAX_MESSAGE_CHARS
PAGES = ("train", "lengths", "inside", "model", "experiments")
GOOD_CONFIG = Config(arch="gru", hidden_size=3, steps=30, stop="budget", eval_every=10)


@pytest.fixture(scope="module")
def marker(tmp_path_factory) -> Path:
    """The file a code-running pickle would create: it must never exist."""
    path = tmp_path_factory.mktemp("hostile") / "code-ran"
    yield path
    assert not path.exists(), "a hostile file ran code"


@pytest.fixture(scope="module")
def files(marker) -> dict[str, bytes]:
    return corpus.model_files(marker)


@pytest.fixture(scope="module")
def good_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.safetensors"
    modelfile.save(build(GOOD_CONFIG), GOOD_CONFIG, path)
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Bounded:
    """Times a case and measures how far it raises this process's peak memory."""

    def __init__(self, label: str = ""):
        self.label = label

    def __enter__(self):
        self.start, self.peak = time.perf_counter(), peak_mb()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.growth_mb = peak_mb() - self.peak
        record(label=self.label[:60], seconds=self.seconds, growth_mb=self.growth_mb)
        if exc[0] is None:
            assert self.seconds < SECONDS, f"took {self.seconds:.1f} s"
            assert self.growth_mb < GROWTH_MB, f"peak memory grew {self.growth_mb:.0f} MB"


def record(**figures) -> None:
    """With HOSTILE_REPORT=FILE, append each case's figures (JSON lines) for the README."""
    if os.environ.get("HOSTILE_REPORT"):
        case = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
        with open(os.environ["HOSTILE_REPORT"], "a") as out:
            out.write(json.dumps({"case": case, **figures}) + "\n")


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(corpus.CLI_FLAGS))
def test_hostile_flags(name, capsys):
    argv, word = corpus.CLI_FLAGS[name]
    with Bounded():
        status, out, err = run_inprocess(argv, capsys)
    assert_one_error_line(status, err, word, max_chars=CLI_LINE)
    assert out == ""


@pytest.mark.parametrize("command", ["predict", "trace"])
@pytest.mark.parametrize("name", list(corpus.BIT_STRINGS))
def test_hostile_bit_string_arguments(name, command, good_file, capsys):
    text, word = corpus.BIT_STRINGS[name]
    with Bounded():
        status, out, err = run_inprocess([command, "--model", str(good_file), text], capsys)
    assert_one_error_line(status, err, word, max_chars=CLI_LINE)
    status, out, _ = run_inprocess([command, "--model", str(good_file), "0110"], capsys)
    assert status == 0 and out  # the same command works with a normal input


def test_hostile_model_files_on_the_command_line(files, marker, tmp_path, capsys):
    for name, blob in files.items():
        path = tmp_path / "hostile.safetensors"
        path.write_bytes(blob)
        with Bounded(name):
            status, out, err = run_inprocess(["predict", "--model", str(path), "0110"], capsys)
        assert_one_error_line(status, err, str(path), max_chars=CLI_LINE)
        assert out == "" and not marker.exists(), name


# stdin streams run in a child process that reports its own work time and peak memory; the
# child imports torch before its clock starts, so the figures are the work on the input alone.
RUNNER = """
import json, resource, sys, time
import torch, parity.cli.commands
from parity.cli import main as cli
start = time.perf_counter()
status = cli.main(sys.argv[2:])
sys.stdout.flush()
report = {"status": status, "seconds": time.perf_counter() - start,
          "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
open(sys.argv[1], "w").write(json.dumps(report))
"""


def run_child(argv: list[str], stdin, report: Path, feed=None) -> tuple[dict, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(report), *argv],
        cwd=ROOT,
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    writer = threading.Thread(target=feed, args=(proc.stdin,), daemon=True) if feed else None
    if writer:
        writer.start()
    err = proc.stderr.read().decode()  # until the child exits (stdout goes to /dev/null)
    proc.wait(timeout=120)
    if writer:
        writer.join(timeout=60)
    return json.loads(report.read_text()), err


def feed_line(stream, megabytes: int = 200) -> None:
    """One line of `megabytes` MB of 1s, written until the reader stops listening."""
    chunk = b"1" * (1 << 20)
    try:
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write(b"\n")
        stream.close()
    except (BrokenPipeError, ValueError, OSError):
        pass


def feed_normal(stream) -> None:
    stream.write(b"0110\n1\n")
    stream.close()


def test_hostile_stdin_streams(good_file, tmp_path):
    argv = ["predict", "--model", str(good_file)]
    base, err = run_child(argv, subprocess.PIPE, tmp_path / "b", feed=feed_normal)
    assert base["status"] == 0, err  # the baseline: a normal input, same command
    for name, (kind, word) in corpus.STDIN_STREAMS.items():
        report = tmp_path / "r"
        if kind == "zeros":
            with open("/dev/zero", "rb") as zeros:
                result, err = run_child(argv, zeros, report)
        elif kind == "ones":
            yes = subprocess.Popen(["yes", "1"], stdout=subprocess.PIPE)
            try:
                result, err = run_child(argv, yes.stdout, report)
            finally:
                yes.kill()
                yes.wait()
        else:
            result, err = run_child(argv, subprocess.PIPE, report, feed=feed_line)
        assert_one_error_line(result["status"], err, word, max_chars=CLI_LINE)
        record(stream=name, base_peak_mb=base["peak_mb"], **result)
        assert result["seconds"] < SECONDS, (name, result)
        assert result["peak_mb"] < base["peak_mb"] + GROWTH_MB, (name, result, base)


# --- the app ---------------------------------------------------------------------------------

MARKDOWN = MarkdownIt("commonmark")


def visible(markdown: str) -> str:
    """The text a visitor sees for a Markdown message."""
    return html.unescape(re.sub(r"<[^>]+>", "", MARKDOWN.render(markdown))).strip()


def messages_are_plain_and_short(at) -> None:
    """No exception; every alert short; no link or image rendered from untrusted text."""
    assert not at.exception, [e.message[:300] for e in at.exception]
    for alert in [*at.error, *at.warning, *at.info, *at.success]:
        page = MARKDOWN.render(alert.value)
        assert len(visible(alert.value)) <= MAX_MESSAGE_CHARS, alert.value[:400]
        assert "<a " not in page and "<img" not in page and "<code" not in page, page[:400]


def works(at, page: str) -> None:
    """The page shows its normal result."""
    assert not at.exception and not at.error
    if page == "train":
        assert at.get("vega_lite_chart")
    elif page == "lengths":
        assert "Accuracy at 10,000 bits" in metrics(at)
    elif page == "inside":
        assert "True parity" in metrics(at)
    else:
        assert at.get("download_button")


@pytest.fixture(scope="module")
def warm():
    """Each page once with defaults (trains and caches the default model; untimed)."""
    for page in PAGES:
        works(page_app(page).run(), page)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", list(corpus.URL_QUERIES))
def test_hostile_url_parameters(name, page, warm):
    at = page_app(page, **corpus.URL_QUERIES[name])
    with Bounded():
        at.run()
    messages_are_plain_and_short(at)
    works(at, page)  # invalid values are ignored: the default setup, from the cache
    works(at.run(), page)


@pytest.mark.parametrize("name", list(corpus.TEXT_BOX))
def test_hostile_text_box(name, warm):
    text, word = corpus.TEXT_BOX[name]
    at = page_app("inside").run()
    with Bounded():
        at.text_input(key="bit_string").set_value(text).run()
    messages_are_plain_and_short(at)
    assert len(at.error) == 1 and word in at.error[0].value
    at.text_input(key="bit_string").set_value("111").run()
    works(at, "inside")
    assert metrics(at)["True parity"] == "odd"


def test_hostile_uploads(files, marker, good_file, warm):
    at = page_app("model").run()
    uploads = [(f"{name}.safetensors", blob) for name, blob in files.items()]
    uploads += [(name, b"\x80 not a model") for name in corpus.UPLOAD_NAMES.values()]
    for name, blob in uploads:
        with Bounded(name):
            at.get("file_uploader")[0].upload(name, blob).run()
        messages_are_plain_and_short(at)
        assert len(at.error) == 1 and "is not a Parity Lab model" in at.error[0].value, name
        assert not at.info and not marker.exists(), name
    for name in corpus.UPLOAD_NAMES.values():  # hostile names on a good file: shown as text
        at.get("file_uploader")[0].upload(name, good_file.read_bytes()).run()
        messages_are_plain_and_short(at)
        assert not at.error and "GRU" in at.info[0].value
        assert visible(at.info[0].value).startswith("Showing your uploaded model ")
    works(at, "model")


def test_the_corpus_pickles_would_run_code(tmp_path):
    """The pickles above are real: unpickled (here, on purpose) they create their marker."""
    marker = tmp_path / "ran"
    for name, blob in corpus.code_running_pickles(marker).items():
        if name.startswith("torch.save"):
            continue  # torch.load(weights_only=True) refuses them; plain pickle proves the point
        path = tmp_path / "p.pkl"
        path.write_bytes(blob)
        code = f"import pickle; pickle.loads(open({str(path)!r}, 'rb').read())"
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
        assert marker.exists(), name
        os.unlink(marker)
