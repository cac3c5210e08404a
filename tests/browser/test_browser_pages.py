"""Browser: Look inside (heat maps, bad input), Length generalization, Model (files in and out)."""

from __future__ import annotations

import pickle
import re

import pandas as pd
import pytest

from parity.core import data
from parity.core.config import Config
from parity.evaluation.evaluate import accuracy
from parity.nets.cells import QUANTITIES
from parity.nets.modelfile import load, save
from parity.nets.models import build
from parity.training.train import TEST_SIZE

pytestmark = pytest.mark.browser


def bit_string(lab) -> object:
    """The Look inside page's "Bit string" text input."""
    return lab.page.get_by_role("textbox", name="Bit string", exact=True)


def enter_bits(lab, text: str) -> None:
    """Type a bit string the way a person would and wait for the page to rerun."""
    box = bit_string(lab)
    box.fill(text)
    lab.act(lambda: box.press("Enter"))


def assert_heat_maps(lab, arch: str) -> None:
    """One heat map per quantity of `arch` (6 for lstm, 4 for gru), the prediction line, and
    the unit ranking (in its expander)."""
    assert lab.charts().count() == len(QUANTITIES[arch]) + 2


@pytest.mark.parametrize("arch", ["lstm", "gru"])
def test_bit_string_shows_heat_maps_and_bad_input_an_error(lab, arch):
    # stop=solved: a network as soon as it solves its test set (a few hundred steps). Its own
    # defaults' GRU trains on, restarting, until it passes every check: 40-75 s for seed 0,
    # past one interaction's wait on a slow machine (TIMEOUT_MS)
    lab.open("inside", arch=arch, stop="solved")
    enter_bits(lab, "0110100111")
    lab.shot("good string")
    assert_heat_maps(lab, arch)
    assert lab.errors().count() == 0

    enter_bits(lab, "01x1")
    lab.shot("bad string")
    assert lab.errors().count() == 1
    assert "'x'" in lab.errors().first.inner_text()

    enter_bits(lab, "0111")
    lab.shot("fixed string")
    assert lab.errors().count() == 0
    assert_heat_maps(lab, arch)


def test_random_string_button_fills_the_bit_string(lab):
    lab.open("inside")
    length = lab.page.get_by_role("spinbutton", name="Random length", exact=True)
    length.fill("13")
    lab.act(lambda: length.press("Enter"))
    lab.act(lab.page.get_by_role("button", name="Random string", exact=True).click)
    lab.shot("random string")
    assert re.fullmatch(r"[01]{13}", bit_string(lab).input_value().replace(" ", ""))
    assert_heat_maps(lab, Config().arch)


def test_length_generalization_page_shows_its_chart(lab):
    lab.open("lengths")
    lab.shot("lengths")
    assert lab.charts().count() >= 1
    assert lab.errors().count() == 0


def download(lab, suffix: str, tmp_path):
    """Click the download button whose file ends with `suffix`; returns the saved path."""
    buttons = lab.page.locator("[data-testid='stDownloadButton'] button")
    for i in range(buttons.count()):
        with lab.page.expect_download() as info:
            buttons.nth(i).click()
        lab.idle()
        if info.value.suggested_filename.endswith(suffix):
            path = tmp_path / info.value.suggested_filename
            info.value.save_as(path)
            return path
    raise AssertionError(f"no download button offers a {suffix} file")


def test_model_page_downloads_the_trained_model_and_history(lab, tmp_path):
    lab.open("model", hidden_size=6, seed=3)
    lab.shot("model page")
    model, config = load(download(lab, ".safetensors", tmp_path))
    sidebar = lab.sidebar_config()
    assert config == Config(**sidebar)
    assert (config.hidden_size, config.seed) == (6, 3)
    history = pd.read_csv(download(lab, ".csv", tmp_path))
    assert {"step", "loss", "test_accuracy"} <= set(history.columns)
    assert len(history) >= 1
    lab.nav("Train")
    shown = lab.metric("Test accuracy")
    assert shown == f"{100 * accuracy(model, data.test_set(config, TEST_SIZE)):.1f}%"


def upload(lab, path) -> None:
    """Give a file to the Model page's uploader and wait for the page to rerun."""
    field = lab.page.locator("[data-testid='stFileUploader'] input[type=file]")
    lab.act(lambda: field.set_input_files(path))


class _Touch:
    """A pickle that, if ever unpickled, creates a file: proof the app never unpickles uploads."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_uploads_reject_a_pickle_and_a_model_file_takes_over_for_this_visitor(
    lab, make_lab, tmp_path
):
    lab.open("model")
    evil, marker = tmp_path / "model.safetensors", tmp_path / "unpickled"
    evil.write_bytes(pickle.dumps(_Touch(marker)))
    upload(lab, evil)
    lab.shot("pickle uploaded")
    assert lab.errors().count() == 1
    assert "pickle" in lab.errors().first.inner_text().lower()
    assert not marker.exists()

    uploaded = Config(arch=next(a for a in QUANTITIES if a != Config().arch), hidden_size=3)
    upload(lab, save(build(uploaded), uploaded, tmp_path / "other.safetensors"))
    lab.shot("model uploaded")
    back = lab.page.get_by_role("button", name="Use the sidebar model again", exact=True)
    assert back.count() == 1

    lab.nav("Look inside")
    lab.shot("uploaded model inside")
    assert_heat_maps(lab, uploaded.arch)
    visitor = make_lab("-other-visitor")
    visitor.open("inside")
    visitor.shot("other visitor inside")
    assert_heat_maps(visitor, Config().arch)

    lab.act(back.click)
    lab.shot("back to the sidebar model")
    assert back.count() == 0
    assert lab.alerts().count() == 0, "the uploaded-model notice must go"
    assert_heat_maps(lab, Config().arch)
