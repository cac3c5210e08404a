"""Browser: on Look inside, dragging across a long string's overview moves the window."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def window_values(lab) -> list[int]:
    slider = lab.page.locator("[data-testid='stMain'] [data-testid='stSlider']").filter(
        has_text="Window"
    )
    thumbs = slider.get_by_role("slider")
    return [int(thumbs.nth(i).get_attribute("aria-valuetext").replace(",", "")) for i in (0, 1)]


def test_brushing_the_overview_moves_the_window(lab):
    lab.open("inside")
    box = lab.page.get_by_role("textbox", name="Bit string", exact=True)
    box.fill("10" * 1000)
    lab.act(lambda: box.press("Enter"))
    assert window_values(lab) == [1, 400]
    overview = lab.charts().filter(has_text="The whole string").first
    overview.scroll_into_view_if_needed()
    area = overview.bounding_box()
    y = area["y"] + area["height"] * 0.35
    left, right = area["x"] + area["width"] * 0.55, area["x"] + area["width"] * 0.75

    def drag():
        lab.page.mouse.move(left, y)
        lab.page.mouse.down()
        lab.page.mouse.move(right, y, steps=8)
        lab.page.mouse.up()

    lab.act(drag)
    lab.shot("window brushed")
    first, last = window_values(lab)
    assert 800 < first < last < 1700, (first, last)  # about 55%..75% of 2,000 steps
    maps = lab.charts().count()
    assert maps >= 8  # overview, six heat maps, the prediction (and the unit ranking)
