"""Moore minimisation on hand-made tables."""

from __future__ import annotations

from parity.analysis.minimise import minimise, refine


def test_minimise_merges_equivalent_states_and_drops_unreachable_ones():
    # Minsky's four states (even-0, even-1, odd-0, odd-1) + an unreachable fifth.
    labels = [0, 0, 1, 1, 1]
    table = [(0, 3), (0, 3), (2, 1), (2, 1), (4, 4)]
    out_labels, out_table, mapping = minimise(labels, table, start=0)
    assert out_labels == [0, 1] and out_table == [(0, 1), (1, 0)]
    assert mapping == {0: 0, 1: 0, 2: 1, 3: 1}


def test_minimise_keeps_states_that_differ_later():
    # Counting ones mod 3, accepting at 2: no two states are equivalent.
    labels, table = [0, 0, 1], [(0, 1), (1, 2), (2, 0)]
    assert minimise(labels, table)[:2] == (labels, table)
    assert refine(labels, table) == [0, 1, 2]
    # A constant answer collapses everything to one state.
    assert minimise([1, 1, 1], table)[:2] == ([1], [(0, 0)])
    # Breadth-first numbering from the start, input 0 first.
    assert minimise([0, 1], [(1, 0), (0, 1)], start=1)[:2] == ([1, 0], [(1, 0), (0, 1)])
