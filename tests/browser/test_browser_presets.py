"""Browser: a preset applied in the sidebar sets every field and the URL; its expectation shows."""

from __future__ import annotations

import pytest

from parity.core.config import ARCH_CHANGES, Config, coerce, fields
from parity.training import presets

pytestmark = pytest.mark.browser


def test_applying_a_preset_sets_the_sidebar_the_url_and_shows_its_expected_result(lab):
    preset = presets.PRESETS["notebook"]
    lab.open(hidden_size=5, seed=3)  # an earlier setup the preset must replace entirely
    lab.set_value("What to try", preset.title)
    assert preset.expected in lab.page.locator("[data-testid='stSidebar']").inner_text()
    lab.act(lab.page.get_by_role("button", name="Apply preset").click)
    lab.shot("notebook preset applied")
    assert lab.sidebar_config() == preset.config.to_dict()
    default, by_name = Config(), {f.name: f for f in fields()}
    url = {name: coerce(by_name[name], text) for name, text in lab.query().items()}
    assert url == {
        f.name: getattr(preset.config, f.name)
        for f in fields()
        if getattr(preset.config, f.name) != getattr(default, f.name)
    }
    info = lab.alerts().filter(has_text=f"Preset: {preset.title}")
    assert info.count() == 1
    text = " ".join(info.inner_text().split())
    assert " ".join(preset.expected.split()) in text and "as expected." in text
    assert "What probably went wrong: stuck at chance." in lab.page.inner_text("body")

    # The diagnosis's first suggestion (the RNN's own defaults: what an RNN needs here) changes
    # those fields alone.
    changes = {k: v for k, v in ARCH_CHANGES["rnn"].items() if getattr(preset.config, k) != v}
    assert changes  # the preset keeps the shared defaults, so there is something to suggest
    lab.act(lab.page.get_by_role("button", name="Apply suggestion").first.click)
    lab.shot("first suggestion applied")
    assert lab.sidebar_config() == preset.config.replace(**changes).to_dict()
    assert lab.query()["target"] == "final" and lab.query()["arch"] == "rnn"
    assert lab.alerts().filter(has_text="Preset:").count() == 0  # no longer the preset
