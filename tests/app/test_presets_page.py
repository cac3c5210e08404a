"""Presets and the diagnosis in the app: apply a preset, read what to expect, fix a failure."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from parity.core import config as config_lib
from parity.core.config import Config
from parity.training import diagnosis, presets
from parity.training.diagnosis import diagnose
from parity.training.train import train
from tests.app.helpers import TIMEOUT, no_crash, page_app
from tests.app.test_sidebar import sidebar_widgets
from ui import kept_runs, sidebar
from ui import presets as ui_presets

FAILING = {
    "lr": "1",
    "steps": "300",
}  # at chance (tests/training/test_diagnosis.py); the URL writes 1.0 as 1


def apply_preset(at, name: str):
    at.sidebar.selectbox(key=ui_presets.PICK).select(name).run()
    return at.sidebar.button(key=ui_presets.APPLY).click().run()


def _sidebar_only() -> None:
    from ui import sidebar

    sidebar.render()


def changed(config: Config) -> dict:
    """The config's non-default fields: what its URL must carry."""
    default = Config()
    return {
        f.name: getattr(config, f.name)
        for f in config_lib.fields()
        if getattr(config, f.name) != getattr(default, f.name)
    }


def url_values(at) -> dict:
    """The URL's settings read back as config values (the URL writes lr 1.0 as 1); the kept
    run history (ui.kept_runs) left out."""
    by_name = {f.name: f for f in config_lib.fields()}
    kept = (kept_runs.PARAM, kept_runs.OVERLAY)
    return {
        k: config_lib.coerce(by_name[k], v) for k, v in at.query_params.items() if k not in kept
    }


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_every_preset_produces_its_configuration(name):
    at = AppTest.from_function(_sidebar_only, default_timeout=TIMEOUT)
    at.query_params.update({"seed": "9", "hidden_size": "7", "stop": "solved"})
    at = apply_preset(at.run(), name)
    no_crash(at)
    config = presets.PRESETS[name].config
    assert {k: w.value for k, w in sidebar_widgets(at).items()} == config.to_dict()
    assert url_values(at) == changed(config)


def test_preset_and_suggested_learning_rates_are_on_the_sidebars_grid():
    lr = next(f for f in config_lib.fields() if f.name == "lr")
    options = sidebar.log_options(lr.metadata["lo"], lr.metadata["hi"], lr.default)
    assert {p.config.lr for p in presets.PRESETS.values()} <= set(options)
    assert set(diagnosis.LR_LADDER) <= set(options)


def test_applying_a_preset_sets_every_sidebar_value_and_the_url():
    at = page_app("train", hidden_size="5", seed="3", max_len="30").run()  # an earlier setup
    no_crash(at)
    assert at.sidebar.button(key=ui_presets.APPLY).disabled  # nothing chosen yet
    at.sidebar.selectbox(key=ui_presets.PICK).select("notebook").run()
    expected = presets.PRESETS["notebook"]
    assert f"Expected: {expected.expected}" in [c.value for c in at.sidebar.caption]
    at.sidebar.button(key=ui_presets.APPLY).click().run()
    no_crash(at)
    values = {k: w.value for k, w in sidebar_widgets(at).items()}
    assert values == expected.config.to_dict()  # every field, the old seed and lengths too
    assert url_values(at) == changed(expected.config)
    assert at.query_params["arch"] == "rnn" and at.query_params["target"] == "final"


def test_the_train_page_shows_the_presets_expected_result_next_to_this_run():
    at = apply_preset(page_app("train").run(), "smallest")
    no_crash(at)
    preset = presets.PRESETS["smallest"]
    result = train(preset.config)
    (box,) = at.info
    assert box.value.startswith(f"**Preset: {preset.title}** (seed 0). Expected: ")
    assert preset.expected in box.value
    status = result.verdict.status
    assert f"This run: verdict “{status}”, test accuracy 100.0%: as expected." in box.value
    assert not [m for m in at.markdown if "What probably went wrong" in m.value]


def test_a_changed_setting_is_no_longer_the_preset():
    at = apply_preset(page_app("train").run(), "smallest")
    sidebar_widgets(at)["hidden_size"].set_value(2).run()
    no_crash(at)
    assert not at.info


def test_a_failing_run_gets_a_diagnosis_and_apply_suggestion_changes_the_config():
    at = page_app("train", **FAILING).run()
    no_crash(at)
    found = diagnose(train(Config(lr=1.0, steps=300)))
    (text,) = [m.value for m in at.markdown if "What probably went wrong" in m.value]
    assert text == f"**What probably went wrong: {found.title.lower()}.** {found.explanation}"
    buttons = [b for b in at.main.button if b.label == "Apply suggestion"]
    assert len(buttons) == len(found.suggestions) >= 1
    assert found.suggestions[0].changes == {"lr": Config().lr}
    buttons[0].click().run()
    no_crash(at)
    assert sidebar_widgets(at)["lr"].value == Config().lr
    assert sidebar_widgets(at)["steps"].value == 300  # only the named field changed
    assert "lr" not in at.query_params and at.query_params["steps"] == "300"
