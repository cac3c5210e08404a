"""Browser: an experiment link runs in the real pool and draws its heat map; Stop keeps rows."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

TINY_SWEEP = {
    "exp": "sweep", "exp_seeds": "1", "exp_hidden": "2,4", "exp_lens": "3", "exp_steps": "600"
}  # fmt: skip
# 600 steps: about 1 s of work in a worker. A job that ends before the server's next send to
# the browser never shows its progress bar (the bar and its removal reach it as one message).
# 50 runs, one at a time (compare trains no batches), a plain rnn that never solves the final
# bit: long enough to stop half way.
LONG_COMPARE = {
    "exp": "compare", "exp_seeds": "5", "exp_archs": "rnn,gru,lstm",
    "exp_impls": "torch,scratch", "exp_target": "final", "exp_steps": "500",
}  # fmt: skip


def main_tables(lab):
    return lab.page.locator("[data-testid='stMain'] [data-testid='stDataFrame']")


def main_button(lab, name: str):
    """A button of the page (not Streamlit's own header Stop) by its exact label."""
    main = lab.page.locator("[data-testid='stMain']")
    return main.get_by_role("button", name=name, exact=True)


def test_a_sweep_link_runs_and_draws_its_heat_map(make_lab):
    lab = make_lab()
    lab.open("experiments", **TINY_SWEEP)
    lab.shot("tiny sweep")
    assert lab.ever_shown("stProgress")  # it ran in the pool under a progress bar
    assert lab.charts().count() == 1
    heat_map = lab.charts().first
    assert heat_map.locator("canvas, svg.marks").count() == 1
    assert heat_map.bounding_box()["width"] > 300
    assert main_tables(lab).count() == 1
    assert lab.errors().count() == 0
    assert lab.query() == TINY_SWEEP  # the link still says what is shown
    assert lab.page.get_by_text("python -m parity experiment sweep --seeds 1").count() == 1
    other = make_lab("-second-visitor")  # the same link, another browser: from the cache
    other.open("experiments", **TINY_SWEEP)
    assert not other.ever_shown("stProgress") and other.charts().count() == 1
    assert main_tables(other).count() == 1 and other.errors().count() == 0


def test_stop_ends_the_wait_and_keeps_the_finished_runs(lab):
    lab.page.goto(lab.url("experiments", **LONG_COMPARE))
    main_tables(lab).first.wait_for()  # the first finished run is listed while it waits
    lab.shot("running")
    lab.act(main_button(lab, "Stop the experiment").click)
    lab.shot("stopped")
    notice = lab.page.locator("[data-testid='stMain'] [data-testid='stAlertContentInfo']")
    # 50 runs: 5 seeds x 2 paths x (rnn and gru from their own and the shared defaults, lstm)
    match = re.search(r"Stopped after (\d+) of 50 runs", notice.inner_text())
    assert match and 1 <= int(match.group(1)) < 50
    assert main_tables(lab).count() == 1
    assert main_button(lab, "Run it again").count() == 1
    assert main_button(lab, "Stop the experiment").count() == 0
