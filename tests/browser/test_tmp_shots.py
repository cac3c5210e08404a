import pytest
from .browser_lab import IDLE
pytestmark = pytest.mark.browser

def go(lab, n, **params):
    lab.page.goto(lab.url("experiments", **params))
    lab.page.locator("[data-testid='stMain'] [data-testid='stVegaLiteChart']").nth(n - 1).wait_for(timeout=400_000)
    lab.page.wait_for_timeout(3000)

def test_shots(lab):
    lab.page.set_viewport_size({"width": 1400, "height": 2600})
    go(lab, 2, exp_seeds="2", exp_steps="1500")
    lab.shot("rfr")
    go(lab, 3, exp="compare", exp_seeds="2", exp_steps="300")
    lab.shot("compare")
