"""The words the What it computes page puts on an automaton."""

from __future__ import annotations

from parity.analysis.automaton import extract
from tests.handbuilt import lstm_flipper, wandering_rnn
from ui import machine


def test_a_stable_parity_machine_is_called_so():
    kind, text = machine.verdict(extract(lstm_flipper()))
    assert kind == "success" and "two-state parity automaton" in text
    assert machine.drift_phrase(extract(lstm_flipper())) is None
    table = machine.drift_frame(extract(lstm_flipper()))
    assert list(table["result"]) == ["stays on its path"] * 4
    assert list(table["fed"]) == ["10,000 zeros", "10,000 zeros", "10,000 ones", "10,000 ones"]


def test_a_forgetting_machine_is_told_where_it_drifts():
    found = extract(lstm_flipper(4.0))
    kind, text = machine.verdict(found)
    left = next(d for d in found.drift if d.left_at is not None)
    assert (left.state, left.bit, left.found_in, left.expected) == (1, "0", 0, 1)
    assert kind == "info" and text.startswith("**Not the parity automaton**")
    zeros = "zero" if left.left_at == 1 else "zeros"
    assert (
        f"after {left.left_at} {zeros} from state 1 (odd), the network is in state 0, where "
        "the automaton says state 1" in text
    )


def test_a_wandering_machine_is_told_it_never_settles():
    found = extract(wandering_rnn())
    kind, text = machine.verdict(found)
    assert kind == "warning" and "not stable" in text
    assert "after 10,000 zeros from state 0 (even), the network's state is still moving" in text
    table = machine.drift_frame(found)
    assert list(table["result"]) == ["stays on its path, never settles"] * 4
