"""Minimising a finite automaton over {0, 1} with outputs (a Moore machine).

States are 0..n-1; `labels[s]` is state s's output (the network's answer, 1 = odd) and
`table[s]` its next states on input 0 and on input 1.
"""

from __future__ import annotations


def refine(labels: list[int], table: list[tuple[int, int]]) -> list[int]:
    """Moore's partition refinement: the block of each state; equal blocks are equivalent.

    >>> refine([0, 1, 0, 1], [(0, 1), (1, 2), (2, 3), (3, 0)])
    [0, 1, 0, 1]
    """
    block = _renumber(labels)
    while True:
        signature = [(block[s], block[a], block[b]) for s, (a, b) in enumerate(table)]
        new = _renumber(signature)
        if max(new, default=-1) == max(block, default=-1):
            return new
        block = new


def _renumber(keys: list) -> list[int]:
    """Each key's rank in order of first appearance."""
    ids: dict = {}
    return [ids.setdefault(key, len(ids)) for key in keys]


def reachable(labels, table, start: int) -> tuple[list[int], list[tuple[int, int]], dict]:
    """The part reachable from `start`, renumbered breadth-first (0 = start, input 0 first).

    Returns (labels, table, old -> new state numbers).
    """
    order, new = [start], {start: 0}
    for state in order:
        for nxt in table[state]:
            if nxt not in new:
                new[nxt] = len(order)
                order.append(nxt)
    return [labels[s] for s in order], [(new[a], new[b]) for a, b in (table[s] for s in order)], new


def merge(labels, table) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    """Equivalent states merged: (labels, table) over the blocks, and each state's block."""
    block = refine(list(labels), list(table))
    first = {b: s for s, b in reversed(list(enumerate(block)))}  # a member of each block
    blabels = [labels[first[b]] for b in range(len(first))]
    btable = [(block[table[first[b]][0]], block[table[first[b]][1]]) for b in range(len(first))]
    return blabels, btable, block


def minimise(labels, table, start: int = 0) -> tuple[list[int], list[tuple[int, int]], dict]:
    """The minimal reachable automaton: (labels, table, old state -> new state or absent).

    >>> minimise([0, 0, 1, 1], [(1, 2), (0, 3), (3, 0), (2, 1)])[:2]
    ([0, 1], [(0, 1), (1, 0)])
    """
    blabels, btable, block = merge(labels, table)
    out_labels, out_table, renumber = reachable(blabels, btable, block[start])
    mapping = {s: renumber[b] for s, b in enumerate(block) if b in renumber}
    return out_labels, out_table, mapping
