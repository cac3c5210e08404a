"""The Model page: download weights and history; upload a model that takes over."""

from __future__ import annotations

import io
import pickle
import random
import subprocess
import sys

import pandas as pd
import pytest
import torch

from parity.cli import commands
from parity.core.config import Config
from parity.nets import modelfile
from parity.training.train import train
from tests.app.helpers import ROOT, charts, entry_app, no_crash, page_app
from ui import model_files
from ui.messages import plain
from ui.ranges import APP_MAX_HIDDEN

GRU = Config(arch="gru", hidden_size=4, steps=40, stop="budget", eval_every=20)
NAME = plain("mine.safetensors")  # as shown: Markdown-escaped


@pytest.fixture(scope="module")
def gru_file() -> bytes:
    result = train(GRU)
    return modelfile.to_bytes(result.model, result.config)


def uploader(at):
    return at.get("file_uploader")[0]


def test_downloads_carry_the_sidebar_model_and_its_history():
    at = page_app("model").run()
    no_crash(at)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download weights (.safetensors)", "Download training history (.csv)"]
    result = train(Config())
    name, blob = model_files.weights_file(result)
    assert name.startswith("parity-lstm-h8-seed0-") and name.endswith(".safetensors")
    model, config = modelfile.from_bytes(blob)
    assert config == Config()
    for key, value in result.model.state_dict().items():
        assert torch.equal(model.state_dict()[key], value)
    name, blob = model_files.history_file(result)
    assert name.endswith("-history.csv")
    history = pd.read_csv(io.BytesIO(blob))
    assert list(history.columns) == list(result.history.columns)
    assert len(history) == len(result.history)


def test_file_names_differ_between_configs():
    names = {model_files.file_stem(Config(seed=s, lr=lr)) for s in (0, 1) for lr in (0.05, 0.1)}
    assert len(names) == 4


def test_an_uploaded_model_is_shown_with_its_config(gru_file):
    at = page_app("model").run()
    uploader(at).upload("mine.safetensors", gru_file).run()
    no_crash(at)
    assert not at.error
    assert NAME in at.info[0].value and "GRU" in at.info[0].value
    table = at.dataframe[1].value
    shown = dict(zip(table["setting"], table["value"], strict=True))
    assert shown["Architecture"] == "gru" and shown["Hidden size"] == "4"


@pytest.mark.parametrize(
    "name,blob,reason",
    [
        ("model.safetensors", pickle.dumps({"weight": [1.0, 2.0]}), "pickle"),
        ("model.safetensors", b"not a model at all, just text", "not a safetensors file"),
        ("model.safetensors", b"", "empty file"),
    ],
)
def test_files_that_are_not_models_get_an_error(name, blob, reason):
    at = page_app("model").run()
    uploader(at).upload(name, blob).run()
    no_crash(at)
    assert len(at.error) == 1
    assert reason in at.error[0].value and "Upload a .safetensors file" in at.error[0].value
    assert not at.info  # nothing taken over


def test_a_truncated_model_file_gets_an_error(gru_file):
    at = page_app("model").run()
    uploader(at).upload("cut.safetensors", gru_file[: len(gru_file) // 2]).run()
    no_crash(at)
    assert "truncated" in at.error[0].value or "corrupt" in at.error[0].value


def test_the_upload_takes_over_inside_and_lengths_until_sent_back(gru_file):
    at = entry_app().run()
    at.switch_page("app_pages/model.py").run()
    uploader(at).upload("mine.safetensors", gru_file).run()
    at.switch_page("app_pages/inside.py").run()
    no_crash(at)
    assert NAME in at.info[0].value
    titles = [c["title"] for c in charts(at) if "layer" in c]
    assert titles == ["reset gate", "update gate", "candidate", "hidden"]
    at.switch_page("app_pages/lengths.py").run()
    no_crash(at)
    assert NAME in at.info[0].value
    assert [m.value for m in at.metric][2] == "1–20"
    next(b for b in at.button if b.label == "Use the sidebar model again").click().run()
    no_crash(at)
    assert not at.info
    at.switch_page("app_pages/inside.py").run()
    assert len([c for c in charts(at) if "layer" in c]) == 6  # the sidebar's LSTM again
    at.switch_page("app_pages/model.py").run()
    assert uploader(at).value is None  # the uploader was reset: no file comes back


def test_another_visitor_does_not_see_my_upload(gru_file):
    at = page_app("model").run()
    uploader(at).upload("mine.safetensors", gru_file).run()
    other = page_app("inside").run()
    no_crash(other)
    assert not other.info
    assert len([c for c in charts(other) if "layer" in c]) == 6


def test_uploads_work_while_the_sidebar_config_is_invalid_or_huge(gru_file):
    for query in (
        {"min_len": "30", "max_len": "20"},
        {"hidden_size": "64", "batch_size": "1024", "min_len": "200", "max_len": "200"},
    ):
        at = page_app("model", **query).run()
        assert at.error or at.warning
        assert not at.get("download_button")
        uploader(at).upload("mine.safetensors", gru_file).run()
        no_crash(at)
        assert NAME in at.info[0].value


def downloaded_files(monkeypatch) -> list:
    """The media storages AppTest creates: what the page's download buttons serve."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    storages = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            storages.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return storages


def test_a_downloaded_model_works_in_a_fresh_process(monkeypatch, tmp_path):
    """A server restart loses nothing a visitor downloaded: the file alone reproduces answers."""
    storages = downloaded_files(monkeypatch)
    at = page_app("model").run()
    no_crash(at)
    button = at.get("download_button")[0]
    blob = storages[-1].get_file(button.proto.url.rsplit("/", 1)[-1]).content
    result = train(Config())  # seeded: the very run the page trained
    shown_model, shown_config = modelfile.from_bytes(blob)  # safetensors orders metadata
    assert shown_config == result.config  # keys by a per-process hash: compare contents
    for name, tensor in result.model.state_dict().items():
        assert torch.equal(shown_model.state_dict()[name], tensor), name
    path = tmp_path / model_files.weights_file(result)[0]
    path.write_bytes(blob)
    rng = random.Random(7)
    strings = ["".join(rng.choice("01") for _ in range(rng.randint(1, 300))) for _ in range(40)]
    proc = subprocess.run(
        [sys.executable, "-m", "parity", "predict", "--model", str(path), *strings],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    sequences = [[int(c) for c in s] for s in strings]
    expected = commands.final_probabilities(result.model, sequences)
    assert proc.stdout.splitlines() == [f"{int(p > 0.5)}\t{p:.4f}" for p in expected]
    assert [line[0] for line in proc.stdout.splitlines()] == [
        str(s.count("1") % 2) for s in strings
    ]


def test_a_model_above_the_apps_limits_is_refused_with_the_command_line_instead():
    """A 256-unit model (the CLI allows it) would take a shared server's core for minutes."""
    wide = Config(hidden_size=256, steps=1, stop="budget")
    blob = modelfile.to_bytes(train(wide).model, wide)
    at = page_app("model").run()
    uploader(at).upload("wide.safetensors", blob).run()
    no_crash(at)
    assert len(at.error) == 1 and not at.info
    message = at.error[0].value
    assert "hidden_size 256" in message and f"limit of {APP_MAX_HIDDEN}" in message
    assert "python -m parity" in message
