"""Batches of zonotopes {c + G u : |u| <= 1} pushed through recurrent steps, soundly.

One step maps a zonotope Z to a zonotope that contains, for every state x in Z, both the exact
next state f(x) and the network's float32 next state: by the mean-value theorem f(x) lies in
f(c) + J (x - c) with J the interval Jacobian over Z (the gates' inputs, linear in the
state, are ranged over Z itself, which is far tighter than its bounding box for a thin set;
the rest over the bounding box), so the new zonotope is
mid f(c) + mid(J) G u plus a box remainder (the radius of f(c), rad(J) |G| 1, the float32
error of the step, and the float64 rounding of these computations). Keeping mid(J) G as the
new generators follows the state's shape through the steps (Lohner's way round the wrapping
effect); when there are more than MAX_ORDER * d generators the smallest are replaced by their
bounding box (Girard's order reduction), which only enlarges the set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import cellbounds
from . import intervals as iv

MAX_ORDER = 3  # generators kept per state dimension


@dataclass
class Zonotopes:
    """n zonotopes in R^d: centres (n, d), generators (n, d, p)."""

    centre: np.ndarray
    generators: np.ndarray

    def radius(self) -> np.ndarray:
        """Half-widths of the bounding boxes, rounded up: (n, d)."""
        return iv.up(np.abs(self.generators).sum(axis=2) * iv.UP) + iv.TINY

    def hull(self):
        """The bounding boxes as an interval batch."""
        rad = self.radius()
        return iv.down(self.centre - rad), iv.up(self.centre + rad)

    def take(self, rows) -> Zonotopes:
        """The zonotopes at `rows`."""
        return Zonotopes(self.centre[rows], self.generators[rows])


def concat(parts: list[Zonotopes]) -> Zonotopes:
    """One batch of the zonotopes of every part, in order."""
    return Zonotopes(
        np.concatenate([z.centre for z in parts]), np.concatenate([z.generators for z in parts])
    )


def from_boxes(lo: np.ndarray, hi: np.ndarray) -> Zonotopes:
    """Zonotopes equal to (containing) the boxes [lo, hi] (n, d)."""
    mid, rad = iv.mid_rad((lo, hi))
    n, d = lo.shape
    generators = np.zeros((n, d, d))
    generators[:, np.arange(d), np.arange(d)] = rad
    return Zonotopes(mid, generators)


def reduce_order(generators: np.ndarray, keep: int) -> np.ndarray:
    """At most `keep` + d generators: the smallest beyond `keep` go into one box."""
    n, d, p = generators.shape
    if p <= keep + d:
        return generators
    order = np.argsort(np.abs(generators).sum(axis=1), axis=1)  # (n, p), smallest first
    small = np.take_along_axis(generators, order[:, None, : p - keep], axis=2)
    large = np.take_along_axis(generators, order[:, None, p - keep :], axis=2)
    box = np.zeros((n, d, d))
    box[:, np.arange(d), np.arange(d)] = iv.up(np.abs(small).sum(axis=2) * iv.UP) + iv.TINY
    return np.concatenate([large, box], axis=2)


def step(arch: str, params, zones: Zonotopes, bit: int) -> Zonotopes:
    """Zonotopes containing every exact and every float32 next state after `bit`."""
    shape = (zones.centre, zones.generators)
    _, jac, error32 = cellbounds.step_bounds(arch, params, zones.hull(), bit, shape)
    at_centre, _, _ = cellbounds.step_bounds(arch, params, iv.point(zones.centre), bit)
    centre, centre_rad = iv.mid_rad(at_centre)
    j_mid, j_rad = iv.mid_rad(jac)
    spread = np.abs(zones.generators).sum(axis=2) * iv.UP  # (n, d)
    moved = j_mid @ zones.generators
    matmul_error = 1e-13 * np.einsum("nij,nj->ni", np.abs(j_mid), spread)
    rest = np.einsum("nij,nj->ni", j_rad, spread) + matmul_error
    remainder = iv.up((rest * iv.UP + centre_rad + error32) * iv.UP) + iv.TINY
    n, d = centre.shape
    box = np.zeros((n, d, d))
    box[:, np.arange(d), np.arange(d)] = remainder
    generators = np.concatenate([moved, box], axis=2)
    return Zonotopes(centre, reduce_order(generators, (MAX_ORDER - 1) * d))


def logit_bounds(params, zones: Zonotopes, hidden: int):
    """(lowest, highest) float32 logit the head can give on each zonotope: (n,), (n,)."""
    w = params["head_w"]
    at_centre, _ = cellbounds.readout_bounds(params, iv.point(zones.centre[:, :hidden]))
    hull = zones.hull()
    _, error32 = cellbounds.readout_bounds(params, (hull[0][:, :hidden], hull[1][:, :hidden]))
    spread = np.abs(np.einsum("i,nip->np", w, zones.generators[:, :hidden])).sum(axis=1)
    spread = spread * iv.UP + 1e-13 * (zones.radius()[:, :hidden] @ np.abs(w))
    slack = iv.up((spread + error32) * iv.UP) + iv.TINY
    return iv.down(at_centre[0] - slack), iv.up(at_centre[1] + slack)


def decision_margin(params, zones: Zonotopes, hidden: int, odd: np.ndarray) -> np.ndarray:
    """How far each zonotope's logits stay on the side of its parity (> 0: all right)."""
    low, high = logit_bounds(params, zones, hidden)
    return np.where(odd, low, -high)
