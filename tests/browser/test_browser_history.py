"""Browser: two runs of one visitor are overlaid; their share link reopens the same set."""

from __future__ import annotations

import pytest

from tests.browser.browser_lab import READ_WIDGET_JS
from ui.run_links import PARAM
from ui.share import LINK_LABEL

pytestmark = pytest.mark.browser

TINY = {"steps": 60, "stop": "budget", "eval_every": 20, "max_len": 8}  # trains in a second


def legend_texts(lab) -> set[str]:
    """Every text drawn inside the main area's charts (legends, titles, axes)."""
    return {t.strip() for t in lab.charts().locator("text").all_text_contents()}


def shared_link(lab) -> str:
    """The link in the 'Copy link to these runs' text box."""
    box = lab.page.locator(f"[data-testid='stMain'] input[aria-label='{LINK_LABEL}']")
    assert box.count() == 1
    return box.input_value().strip()


def test_two_runs_overlay_and_their_link_reopens_them(lab, make_lab):
    # The first run at hidden size 5, so the slider reaches 4 in one key press: every value it
    # passes would be a run of its own, and under load one may finish training and join.
    lab.open(**TINY, hidden_size=5)
    lab.set_value("Hidden size", "4")  # a second run in the same session
    lab.page.get_by_text("hidden 5 vs 4", exact=True).scroll_into_view_if_needed()
    lab.shot("two runs overlaid")
    assert {"hidden 5", "hidden 4", "hidden 5 vs 4"} - legend_texts(lab) == {"hidden 5 vs 4"}
    assert lab.page.get_by_text("hidden 5 vs 4", exact=True).count() == 1

    main = lab.page.locator("[data-testid='stMain']")
    lab.act(main.get_by_text("Your runs (2)", exact=True).click)  # the list, newest run chosen
    name = main.get_by_role("textbox", name="Name", exact=True)
    name.fill("small")
    lab.act(lambda: name.press("Enter"))
    lab.act(main.get_by_role("button", name="Rename", exact=True).click)
    lab.shot("second run renamed")
    assert {"hidden 5", "small"} <= legend_texts(lab) and "hidden 4" not in legend_texts(lab)
    chosen = main.locator("[data-testid='stSelectbox']").filter(has_text="Run")
    assert chosen.evaluate(READ_WIDGET_JS) == "#2 · small"  # the run list shows the new name
    link = shared_link(lab)
    assert link.startswith(lab.base_url) and f"{PARAM}=" in link and "hidden_size:4" in link
    assert "name:small" in link

    friend = make_lab("-friend")
    friend.goto(link)
    friend.page.get_by_text("Compare runs", exact=True).scroll_into_view_if_needed()
    friend.shot("shared link opened")
    assert PARAM not in friend.query(), "the runs parameter stays in the address"
    assert friend.query()["hidden_size"] == "4"
    assert {"hidden 5", "small"} <= legend_texts(friend)
    assert friend.page.get_by_text("Opened the link's 2 runs", exact=False).count() == 1
    assert shared_link(friend) == link  # the same set, the same link

    stranger = make_lab("-stranger")  # another visitor on the same server: none of these runs
    stranger.open(**TINY)
    assert stranger.page.get_by_text("Your runs", exact=False).count() == 0
    assert not {"hidden 4", "small"} & legend_texts(stranger)
    own = "steps:60,max_len:8,stop:budget,eval_every:20"  # only their own, current run
    assert stranger.metric("Test accuracy") and shared_link(stranger).endswith(f"{PARAM}={own}")

    friend.nav("Length generalization")  # the same runs' accuracy by length, overlaid
    friend.page.get_by_text("Compare runs", exact=True).scroll_into_view_if_needed()
    friend.shot("length overlay")
    assert {"hidden 5", "small", "Accuracy by string length"} <= legend_texts(friend)
