"""Browser: What it computes draws the automaton (offline) and the state map; replay plays."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def block_other_hosts(lab) -> list[str]:
    """Abort every request that leaves the app's host; returns the list of those refused."""
    host = urlsplit(lab.base_url).netloc
    refused: list[str] = []

    def route(r):
        if urlsplit(r.request.url).netloc in (host, ""):
            return r.continue_()
        refused.append(r.request.url)
        return r.abort()

    lab.page.route("**/*", route)
    return refused


def test_automaton_graph_and_state_map_render_offline(lab):
    refused = block_other_hosts(lab)
    lab.open("machine")
    graph = lab.page.locator("[data-testid='stMain'] [data-testid='stGraphVizChart']")
    graph.locator("svg g.node").first.wait_for(timeout=30_000)
    nodes = graph.locator("svg g.node")
    texts = [nodes.nth(i).text_content() for i in range(nodes.count())]
    assert nodes.count() == 3, texts  # the start point and the two parity states
    assert any("odd" in t for t in texts) and any("even" in t for t in texts)
    assert graph.locator("svg g.edge").count() == 5  # start, 0 -> 0, 0 -> 1, 1 -> 0, 1 -> 1
    assert lab.charts().count() == 2  # the state map and the unit ranking
    box = lab.charts().first.bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    assert lab.page.locator("[data-testid='stAlertContentSuccess']").count() == 1
    lab.shot("automaton and state map")
    assert refused == [], refused  # nothing was fetched from elsewhere


def step_shown(lab) -> str:
    slider = lab.page.locator("[data-testid='stMain'] [data-testid='stSlider']").filter(
        has_text="Training step"
    )
    return slider.get_by_role("slider").get_attribute("aria-valuetext")


def watch_steps(lab, seconds: float) -> list[str]:
    """The training steps the slider shows, polled for `seconds` (each new one once)."""
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        step = step_shown(lab)
        if not seen or seen[-1] != step:
            seen.append(step)
        lab.page.wait_for_timeout(150)
    return seen


def test_play_steps_through_training_and_stops_at_the_end(lab):
    lab.open("machine")
    final = step_shown(lab)
    assert final.endswith("(final)")
    # No lab.act: while playing, the app never rests, which is the point.
    lab.page.get_by_role("button", name="Play training").click()
    seen = watch_steps(lab, 12)
    lab.idle()
    lab.shot("played to the end")
    assert len(seen) >= 4 and seen[-1] == final, seen  # frame after frame, up to the end
    steps = [int(s.split()[0].replace(",", "")) for s in seen]
    assert steps == sorted(steps[:1]) + sorted(steps[1:]), steps
    assert lab.page.get_by_role("button", name="Play training").count() == 1  # stopped


def test_pause_stops_the_replay(lab):
    lab.open("machine")
    lab.page.get_by_role("button", name="Play training").click()
    lab.page.get_by_role("button", name="Pause").wait_for(timeout=10_000)
    lab.page.wait_for_timeout(1200)
    lab.act(lab.page.get_by_role("button", name="Pause").click)
    paused = step_shown(lab)
    assert not paused.endswith("(final)")
    assert watch_steps(lab, 3) == [paused]
    lab.shot("paused")
