"""A proof that a network answers the parity of every non-empty bit string, or why not.

certify(model) works in three stages.
1. Enumeration: every string up to ENUMERATED_LENGTH bits is run through the model's own
   float32 forward; a wrong answer is a counterexample and the model is not proven.
2. Base: the start state is pushed through every string of length 1..N as zonotopes that
   contain both the exact and every float32 trajectory (zonotopes.step); at each length the
   head must give the string's parity on its whole zonotope. At length N the states are
   grouped by (parity, last bit): four regions, the bounding boxes of their zonotopes.
3. Closure: each region is pushed through every block of k bits the same way; at every step of
   the block the head must answer the parity so far, and after the block the zonotope must lie
   inside a region of its parity and its last bit. Zonotopes that land in none seed new regions
   (boxes round them with slack), which are checked in turn (a worklist), until none is left
   (proven), a step's answer is not certain, or the regions or the time run out (then k grows:
   BLOCKS).
4. Cells, when no set of regions closed: a cover of small cells, each followed bit by bit
   until every string's set fits in a cell (cellcover.close), for cell sizes cellcover.SIZES
   in turn while the time lasts. Regions suit saturated states (few tight clusters); cells
   suit states spread over a wide set that shrink as they go (trained RNNs).
By induction on the number of blocks (or branches) every string longer than N is answered
right.
"""

from __future__ import annotations

import copy
import itertools
import time

import numpy as np
import torch

from . import cellbounds, cellcover, zonotopes
from .certificate import CELL_METHOD, Certificate, Region
from .zonotopes import Zonotopes, concat, decision_margin, from_boxes, step

ENUMERATED_LENGTH = 12
CLUSTER_SIZE = 0.1  # states of one key in one grid cube of this side share a region ...
PER_KEY = 256  # ... doubled until a key has at most this many regions
BLOCKS = (1, 2, 4)  # block lengths k tried in turn
UNCERTAIN = (
    "the bounds on a region's images reach the decision boundary (the network drifts, or the "
    "bounds are too coarse for it)"
)
MAX_REGIONS = 1000  # regions before certify gives up on a block length
BATCH = 64  # regions pushed through their blocks at once
GROWTH = 0.5  # a new region gets this share of its width as slack, ...
GROWTH_FLOOR = 1e-7  # ... and at least this much
TIME_BUDGET = 10.0  # seconds before certify gives up (checked between batches)
MAX_FLOATS = 2e7  # floats the zonotopes of one word tree may hold (160 MB)


@torch.no_grad()
def shortest_wrong(model, length: int) -> str | None:
    """The first shortest string up to `length` bits the model answers wrong, or None."""
    words = torch.tensor(list(itertools.product((0.0, 1.0), repeat=length)))
    answers = (model(words) > 0).long()  # (2^N, N): every prefix's answer
    truth = words.long().cumsum(1) % 2
    wrong = (answers != truth).any(0).nonzero()
    if len(wrong) == 0:
        return None
    first = int(wrong[0])
    row = int((answers[:, first] != truth[:, first]).nonzero()[0])
    return "".join(str(int(b)) for b in words[row, : first + 1])


def _expand(arch, params, zones, parity, origin, hidden, steps):
    """Push zonotopes through every word of `steps` bits, checking the head at each step.

    Returns the zonotopes after the words with their parity, last bit, origin (the index of
    the zonotope they started from) and first bit, and the smallest decision margin met on
    the way with the origin that met it.
    """
    worst, worst_origin, last, first = np.inf, None, None, None
    for depth in range(steps):
        zones = concat([step(arch, params, zones, b) for b in (0, 1)])
        last = np.repeat([0, 1], len(parity))
        first = last if depth == 0 else np.concatenate([first, first])
        parity, origin = np.concatenate([parity, 1 - parity]), np.concatenate([origin, origin])
        margins = decision_margin(params, zones, hidden, parity == 1)
        if margins.min() < worst:
            worst, worst_origin = float(margins.min()), int(origin[margins.argmin()])
    return zones, parity, last, origin, first, worst, worst_origin


def _cells(points: np.ndarray, size: float) -> np.ndarray:
    """Which cube of side `size` of a grid each point falls in, as a cluster number (n,)."""
    _, assign = np.unique(np.floor(points / size), axis=0, return_inverse=True)
    return assign.reshape(-1)


def _regions_from(zones, parity, last) -> list[Region]:
    """Boxes round the zonotopes of each (parity, last bit), split into clusters of states."""
    lo, hi = zones.hull()
    regions = []
    for p, b in itertools.product((0, 1), repeat=2):
        rows = np.flatnonzero((parity == p) & (last == b))
        size = CLUSTER_SIZE
        while len(rows) and len(set(assign := _cells(zones.centre[rows], size))) > PER_KEY:
            size *= 2
        for j in sorted(set(assign)) if len(rows) else ():
            mine = rows[assign == j]
            regions.append(Region(len(regions), p, b, lo[mine].min(0), hi[mine].max(0)))
    return regions


def _inside(lo: np.ndarray, hi: np.ndarray, region: Region) -> np.ndarray:
    """How far inside the region each box [lo, hi] (n, d) lies (> 0: inside), (n,)."""
    return np.minimum(lo - region.lo, region.hi - hi).min(axis=1)


def _land(zones, parity, last, regions):
    """For each zonotope: the best region of its key, and how far inside it lies (n,), (n,)."""
    best = np.full(len(parity), -1)
    margin = np.full(len(parity), -np.inf)
    lo, hi = zones.hull()
    keys = {(p, b): np.flatnonzero((parity == p) & (last == b)) for p in (0, 1) for b in (0, 1)}
    for j, region in enumerate(regions):
        rows = keys[(region.parity, region.last_bit)]
        inside = _inside(lo[rows], hi[rows], region)
        better = inside > margin[rows]
        best[rows[better]], margin[rows[better]] = j, inside[better]
    return best, margin


def _new_regions(zones, parity, last, regions) -> list[Region]:
    """Regions round escaped zonotopes, clustered per key, each inflated by GROWTH."""
    added = _regions_from(zones, parity, last)
    for region in added:
        slack = GROWTH * (region.hi - region.lo) + GROWTH_FLOOR
        region.lo, region.hi = region.lo - slack, region.hi + slack
        region.index = len(regions)
        regions.append(region)
    return added


def _close(arch, params, regions, hidden, block, deadline):
    """Add regions until every block of `block` bits maps every region into a region.

    A worklist: each new region is pushed through every block; zonotopes that land in no
    region of their key seed new regions. Returns (closed, region margin, decision margin,
    reason, escaping region index, transitions: for each region and first bit of a block,
    the regions the block ends in).
    """
    pending, table, inside, worst_all = list(regions), {}, np.inf, np.inf
    while pending:
        if time.monotonic() > deadline:
            return False, None, None, "out of time", pending[0].index, None
        if len(regions) > MAX_REGIONS:
            reason = f"the reached states need more than {MAX_REGIONS} regions"
            return False, None, worst_all, reason, pending[0].index, None
        size = max(1, min(BATCH, int(MAX_FLOATS // (_per_zone(params) * 2**block))))
        batch, pending = pending[:size], pending[size:]
        zones, parity, last, origin, first, worst, who = _expand(
            arch,
            params,
            _boxes(batch),
            np.array([r.parity for r in batch]),
            np.array([r.index for r in batch]),
            hidden,
            block,
        )
        worst_all = min(worst_all, worst)
        if worst <= 0:
            return False, None, worst, UNCERTAIN, who, None
        best, margin = _land(zones, parity, last, regions)
        out = margin <= 0
        if out.any():
            pending += _new_regions(zones.take(out), parity[out], last[out], regions)
            best, margin = _land(zones, parity, last, regions)
        if margin.min() <= 0:  # cannot happen: the new regions hold them, with slack
            return False, None, worst_all, "a block lands in no region", who, None
        inside = min(inside, float(margin.min()))
        table |= {r.index: _targets(r.index, best, origin, first) for r in batch}
    return True, inside, worst_all, None, None, [table[j] for j in range(len(regions))]


def _targets(index: int, best, origin, first) -> dict:
    """For each first bit of a block: the regions the blocks from region `index` end in."""
    return {str(b): sorted(set(best[(origin == index) & (first == b)].tolist())) for b in (0, 1)}


def _boxes(regions) -> Zonotopes:
    """The regions as zonotopes."""
    return from_boxes(np.stack([r.lo for r in regions]), np.stack([r.hi for r in regions]))


def _per_zone(params) -> int:
    """Floats one zonotope takes while it is stepped: generators and temporaries."""
    width = cellbounds.state_width_of(params)
    return width * width * zonotopes.MAX_ORDER * 6


def _depth(params, most: int, floats: float = MAX_FLOATS) -> int:
    """The most levels of a word tree whose zonotopes fit in `floats` (at least 1)."""
    return max(1, min(most, int(np.log2(max(2.0, floats / _per_zone(params))))))


def _not_proven(start, enumerated, reason, **extra) -> Certificate:
    """A refusal with its reason."""
    return Certificate(False, enumerated, reason=reason, seconds=time.monotonic() - start, **extra)


def _base(model, params, steps: int):
    """The start state pushed through every string of 1..steps bits (see _expand)."""
    width = cellbounds.state_width_of(params)
    origin = Zonotopes(np.zeros((1, width)), np.zeros((1, width, 0)))
    zeros = np.zeros(1, int)
    zones, parity, last, _, _, worst, _ = _expand(
        model.arch, params, origin, zeros, zeros, model.hidden_size, steps
    )
    return zones, parity, last, worst


def certify(model, enumerated_length: int = ENUMERATED_LENGTH, budget: float = TIME_BUDGET):
    """Try to prove that `model` answers the parity of every non-empty bit string."""
    start = time.monotonic()
    deadline = start + budget
    model = copy.deepcopy(model).float().eval()
    wrong = shortest_wrong(model, enumerated_length)
    if wrong is not None:
        reason = f"the network answers {wrong} wrong"
        return _not_proven(start, len(wrong) - 1, reason, counterexample=wrong)
    params = cellbounds.weights(model)
    base = _depth(params, enumerated_length)
    zones, parity, last, worst = _base(model, params, base)
    if worst <= 0:
        reason = f"the bounds on strings of up to {base} bits are too loose to confirm them"
        return _not_proven(start, enumerated_length, reason, decision_margin=worst)
    failure = ("no block length fits in memory", None, None)
    for block in BLOCKS:
        if time.monotonic() > deadline:
            failure = ("out of time", failure[1], failure[2])
            break
        if block > _depth(params, 99) - 2:
            break
        regions = _regions_from(zones, parity, last)
        closed, inside, decision, reason, who, table = _close(
            model.arch, params, regions, model.hidden_size, block, deadline
        )
        if closed:
            for region, row in zip(regions, table, strict=True):
                region.targets = {b: [regions[j].name for j in row[b]] for b in row}
            found = Certificate(True, enumerated_length, block=block, regions=regions)
            found.region_margin, found.decision_margin = inside, min(worst, decision)
            found.seconds = time.monotonic() - start
            return found
        failure = (reason, regions[who].name if who is not None else None, decision)
        if reason == "out of time":
            break
    reason, escaping, decision = failure
    reason = f"no closed set of regions found (last try: {reason})"
    found = _cover(model, params, zones, parity, last, deadline, start, enumerated_length)
    if isinstance(found, Certificate):
        return found
    if found is not None:
        reason += f"; no closed cover of cells ({found})"
    return _not_proven(
        start, enumerated_length, reason, escaping=escaping, decision_margin=decision
    )


def _cover(model, params, zones, parity, last, deadline, start, enumerated_length):
    """A certificate from a cover of cells, or the last size's failure (None: no time)."""
    failure = None
    for size in cellcover.SIZES:
        if time.monotonic() > deadline:
            break
        closed, cells, inside, decision, why, longest = cellcover.close(
            model.arch, params, model.hidden_size, zones, parity, last, size, deadline
        )
        if closed:
            found = Certificate(True, enumerated_length, regions=cells.regions())
            found.method, found.cell_size, found.longest_branch = CELL_METHOD, size, longest
            found.region_margin, found.decision_margin = inside, decision
            found.seconds = time.monotonic() - start
            return found
        failure = f"last try, half-width {size:g}: {why}"
    return failure
