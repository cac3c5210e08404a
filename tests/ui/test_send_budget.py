"""The server-wide bound on waiting pages' updates (ui.slots.SendBudget)."""

from __future__ import annotations

import ui.slots
from ui.slots import SendBudget


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_allows_its_rate_and_refills_with_time(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ui.slots.time, "monotonic", clock)
    budget = SendBudget(4.0)
    assert [budget.take() for _ in range(6)] == [True] * 4 + [False] * 2
    clock.now += 0.5  # half a second: two more messages
    assert [budget.take() for _ in range(3)] == [True, True, False]
    clock.now += 10.0  # a long pause never saves up more than one second's worth
    assert sum(budget.take() for _ in range(10)) == 4


def test_a_low_priority_taker_leaves_room_for_the_others(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ui.slots.time, "monotonic", clock)
    budget = SendBudget(4.0)
    assert budget.take(keep=2.0) and budget.take(keep=2.0)  # 4 tokens, then 3: 2 left
    assert not budget.take(keep=2.0)  # 2 < 1 + 2: the curves wait
    assert budget.take() and budget.take()  # progress still gets through
    assert not budget.take()
