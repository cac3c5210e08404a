"""A proof by a cover of small cells: for networks whose states spread widely but contract.

certify's regions are boxes round whole clusters of states. When the states of one parity
spread over a wide set, such a box is too wide for interval bounds: its images grow at every
step and the regions never close. A trained network still forgets where it came from: a small
box of states, pushed through a few bits, shrinks to a fraction of its size (a default RNN
shrinks boxes of half-width 0.02 to under 1% of that in 8 bits, every kind of string).

So this cover is built from cells: boxes of half-width `size` centred on the points of a grid
of spacing `size`, one cell per (grid point, parity, last bit) that the states reach. A zonotope
whose bounding box has half-width at most size / 2 lies inside the cell of the grid point
nearest its centre, whatever its centre; a smaller one may fit even off-centre. From every
cell, every word of bits is followed one bit at a time, as zonotopes (zonotopes.step), until
its set fits inside a cell (that word's branch ends there, and that cell is checked in turn)
or MAX_DEPTH bits have passed (no proof at this size). At every step the head must answer the
parity so far on the whole set. When no cell is left to check, the cells are closed: every
state after N bits or more lies in a cell of its parity and last bit, and from there every
continuation is answered right (induction on the branches).
"""

from __future__ import annotations

import time

import numpy as np

from .certificate import Region
from .zonotopes import Zonotopes, concat, decision_margin, from_boxes, step

SIZES = (0.04, 0.02, 0.01, 0.005, 0.0025, 0.00125)  # half-widths tried in turn, widest first
MAX_DEPTH = 40  # bits a branch may run before its set must fit in a cell
MAX_CELLS = 20_000  # cells before a size is given up
MAX_OPEN_FLOATS = 3e7  # floats the open branches of one batch may hold (240 MB)
BATCH = 64  # cells pushed at once


def _nearest(zones: Zonotopes, size: float):
    """Each zonotope's nearest grid point (as integers), and how far inside that point's cell
    its bounding box lies (> 0: inside)."""
    index = np.round(zones.centre / size)
    lo, hi = zones.hull()
    inside = np.minimum(lo - (index * size - size), (index * size + size) - hi).min(axis=1)
    return index.astype(np.int64), inside


class _Cells:
    """The cells met so far, keyed by (parity, last bit, grid point)."""

    def __init__(self, size: float):
        self.size = size
        self.keys: dict[tuple, int] = {}
        self.parity: list[int] = []
        self.last: list[int] = []
        self.index: list[np.ndarray] = []
        self.targets: list[dict[int, set]] = []

    def __len__(self) -> int:
        return len(self.parity)

    def find(self, parity: int, last: int, index: np.ndarray) -> tuple[int, bool]:
        """The cell's number, and whether it is new."""
        key = (parity, last, index.tobytes())
        if key in self.keys:
            return self.keys[key], False
        self.keys[key] = len(self.parity)
        self.parity.append(parity)
        self.last.append(last)
        self.index.append(index)
        self.targets.append({0: set(), 1: set()})
        return self.keys[key], True

    def boxes(self, cells: list[int]) -> Zonotopes:
        grid = np.stack([self.index[j] for j in cells]).astype(np.float64) * self.size
        return from_boxes(grid - self.size, grid + self.size)

    def regions(self) -> list[Region]:
        """The cells as regions, each with the cells its branches end in (by name)."""
        out = []
        for j in range(len(self)):
            grid = self.index[j].astype(np.float64) * self.size
            out.append(Region(j, self.parity[j], self.last[j], grid - self.size, grid + self.size))
        for j, region in enumerate(out):
            ends = self.targets[j]
            region.targets = {str(b): [out[t].name for t in sorted(ends[b])] for b in (0, 1)}
        return out


def _per_zone(zones: Zonotopes) -> int:
    return zones.generators.shape[1] * (zones.generators.shape[2] + 2) * 4


class _Closure:
    """The worklist of close(): cells to check, and what the branches met."""

    def __init__(self, arch, params, hidden, size, deadline):
        self.arch, self.params, self.hidden, self.deadline = arch, params, hidden, deadline
        self.cells = _Cells(size)
        self.pending: list[int] = []
        self.region_margin, self.decision_margin, self.longest = np.inf, np.inf, 0

    def follow(self, zones: Zonotopes, parity, last, origin) -> str | None:
        """Follow sets until each fits in a cell; None, or why not. origin: the cell each set
        is, or -1 for the states after N bits, which may fit at once (a cell must take at
        least one bit to land: a branch of no bits would prove nothing)."""
        if (origin < 0).all():
            index, inside = _nearest(zones, self.cells.size)
            open_rows = self._land(index, inside, parity, last, origin, None)
            zones, parity, origin = zones.take(open_rows), parity[open_rows], origin[open_rows]
        first = None
        for depth in range(1, MAX_DEPTH + 1):
            if not len(origin):
                return None
            if time.monotonic() > self.deadline:
                return "out of time"
            if len(origin) * 2 * _per_zone(zones) > MAX_OPEN_FLOATS:
                return "the sets do not shrink: too many open branches"
            n = len(origin)
            zones = concat([step(self.arch, self.params, zones, b) for b in (0, 1)])
            bits = np.repeat([0, 1], n)
            parity, origin = np.concatenate([parity, 1 - parity]), np.concatenate([origin, origin])
            first = bits if first is None else np.concatenate([first, first])
            margins = decision_margin(self.params, zones, self.hidden, parity == 1)
            self.decision_margin = min(self.decision_margin, float(margins.min()))
            if self.decision_margin <= 0:
                return "the bounds reach the decision boundary"
            index, inside = _nearest(zones, self.cells.size)
            open_rows = self._land(index, inside, parity, bits, origin, first)
            if len(open_rows) < len(origin):
                self.longest = max(self.longest, depth)
            zones, parity, origin = zones.take(open_rows), parity[open_rows], origin[open_rows]
            first = first[open_rows]
        if len(origin):
            return f"a cell's sets do not fit in a cell within {MAX_DEPTH} bits"
        return None

    def _land(self, index, inside, parity, last, origin, first) -> np.ndarray:
        """Record the sets that fit in a cell; the rows of the others."""
        landed = inside > 0
        for row in np.flatnonzero(landed):
            j, new = self.cells.find(int(parity[row]), int(last[row]), index[row])
            if origin[row] >= 0:
                self.cells.targets[origin[row]][int(first[row])].add(j)
            if new:
                self.pending.append(j)
        if landed.any():
            self.region_margin = min(self.region_margin, float(inside[landed].min()))
        return np.flatnonzero(~landed)


def close(arch, params, hidden, zones, parity, last, size, deadline):
    """Try to close a cover of cells of half-width `size` round the base sets `zones` (the
    states after N bits, with their parity and last bit; a set wider than a cell is followed
    on until it fits).

    Returns (closed, cells or None, region margin, decision margin, reason, depth): depth is
    the longest branch, region margin how far inside their cells the branches' sets end.
    """
    run = _Closure(arch, params, hidden, size, deadline)
    origin = np.full(len(parity), -1)
    reason = run.follow(zones, np.asarray(parity), np.asarray(last), origin)
    while reason is None and run.pending:
        if time.monotonic() > deadline:
            reason = "out of time"
        elif len(run.cells) > MAX_CELLS:
            reason = f"more than {MAX_CELLS} cells"
        else:
            batch, run.pending = run.pending[:BATCH], run.pending[BATCH:]
            parities = np.array([run.cells.parity[j] for j in batch])
            lasts = np.array([run.cells.last[j] for j in batch])
            reason = run.follow(run.cells.boxes(batch), parities, lasts, np.array(batch))
    if reason is not None:
        return False, None, None, run.decision_margin, reason, run.longest
    return True, run.cells, run.region_margin, run.decision_margin, None, run.longest
