"""Browser: a visitor's runs, names and pins survive a reload, a lost session, a new tab and a
server restart (they are kept in the page address, ui.kept_runs)."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from tests.browser import conftest
from tests.browser.browser_lab import CONNECTED, Lab, _count_script_runs, new_page, runs_done

pytestmark = pytest.mark.browser

TINY = {"steps": 60, "stop": "budget", "eval_every": 20, "max_len": 8}  # trains in a second
EXPECTED = ["#1 · hidden 5", "#2 · small · pinned"]  # the overlay's runs, as the picker names them


@pytest.fixture
def own_server():
    """An app server of this test's own: the test restarts it."""
    yield from conftest.served()


def restart(server: conftest.AppServer) -> None:
    """Stop the streamlit process and start a new one on the same port (a restarted app)."""
    server.proc.terminate()
    server.proc.wait(timeout=20)
    with mock.patch.object(conftest, "_free_port", return_value=server.port):
        fresh = conftest.AppServer()
    server.proc, old_log, server.log = fresh.proc, server.log, fresh.log
    old_log.close()
    os.unlink(old_log.name)
    server.wait_healthy()


def in_context(lab: Lab, name: str) -> Lab:
    """A new page (a new tab) in the same browser context as `lab`'s page."""
    page = lab.page.context.new_page()
    _count_script_runs(page)
    return Lab(page, lab.base_url, name)


def overlay_tags(lab: Lab) -> list[str]:
    """The runs chosen in the Runs to overlay picker, as their tags read."""
    picker = lab.page.locator("[data-testid='stMultiSelect']").filter(has_text="Runs to overlay")
    tags = picker.locator("[data-tag]")
    return [tags.nth(i).get_attribute("aria-label") for i in range(tags.count())]


def assert_my_runs(lab: Lab, step: str) -> None:
    """The Train page lists this visitor's two runs, names and pins included, overlaid."""
    main = lab.page.locator("[data-testid='stMain']")
    listed = main.get_by_text("Your runs (2)", exact=True)
    listed.scroll_into_view_if_needed()
    lab.shot(step)
    assert listed.count() == 1, f"{step}: the run list is gone"
    assert overlay_tags(lab) == EXPECTED, step
    assert lab.query()["hidden_size"] == "4" and lab.kept()["history"], step


def test_runs_survive_reload_lost_session_new_tab_and_restart(browser, own_server):
    lab = Lab(new_page(browser), own_server.url, "test_runs_survive")
    lab.open(**TINY, hidden_size=5)
    lab.set_value("Hidden size", "4")  # the second run (one key press: see test_browser_history)
    main = lab.page.locator("[data-testid='stMain']")
    lab.act(main.get_by_text("Your runs (2)", exact=True).click)  # the newest run is chosen
    name = main.get_by_role("textbox", name="Name", exact=True)
    name.fill("small")
    lab.act(lambda: name.press("Enter"))
    lab.act(main.get_by_role("button", name="Rename", exact=True).click)
    lab.act(main.get_by_role("button", name="Pin", exact=True).click)
    assert_my_runs(lab, "two runs, one named and pinned")
    url, kept = lab.page.url, lab.kept()
    assert set(kept) == {"history", "overlay"}

    before = runs_done(lab.page)  # (1) the browser's reload button: a new session
    lab.page.reload()
    lab.idle(runs_before=before)
    assert_my_runs(lab, "after a reload")
    lab.nav("Look inside")  # a reload on another page: the address keeps the runs there too
    assert lab.kept() == kept
    before = runs_done(lab.page)
    lab.page.reload()
    lab.idle(runs_before=before)
    lab.nav("Train")
    assert_my_runs(lab, "after a reload on the Look inside page")

    lab.page.close()  # (2) a lost connection that cannot resume: the session is gone
    back = in_context(lab, "test_runs_survive-reconnected")
    back.goto(url)
    assert_my_runs(back, "after a lost session")

    tab = in_context(back, "test_runs_survive-new-tab")  # (3) a second tab, the same link
    tab.goto(url)
    assert_my_runs(tab, "in a new tab")

    restart(own_server)  # (4) the server restarts: its sessions and its cache are gone
    again = in_context(tab, "test_runs_survive-after-restart")
    again.goto(url)
    assert_my_runs(again, "reopened after a restart")
    assert again.page.get_by_text("trained them again", exact=False).count() == 1
    assert again.metric("Test accuracy")

    # The tab left open reconnects by itself to a new session, which runs at its next
    # interaction (here Streamlit's rerun key) and restores the runs from the address too.
    tab.page.wait_for_selector(CONNECTED, state="attached")
    tab.page.locator("h1").first.click()
    tab.act(lambda: tab.page.keyboard.press("r"))
    assert_my_runs(tab, "the open tab after a restart")
