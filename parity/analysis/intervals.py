"""Interval arithmetic in float64 with outward rounding, batched over numpy arrays.

An interval is a pair of arrays (lo, hi) with lo <= hi elementwise. Every operation rounds its
result outward: each bound is moved one float64 step away (np.nextafter) after operations that
are correctly rounded, and widened by a relative FUNCTION_ERROR after np.exp and np.tanh (which
are accurate to a few float64 units in the last place). Bounds of sums of nonnegative terms
(radii, magnitudes) are multiplied by UP, which covers the rounding of up to 10**3 additions.
"""

from __future__ import annotations

import numpy as np

TINY = 1e-300  # absolute widening: covers underflow to zero
FUNCTION_ERROR = 1e-14  # relative error allowed for np.exp and np.tanh (about 50 ulp)
UP = 1.0 + 1e-12  # factor on computed sums of nonnegative terms


def down(x: np.ndarray) -> np.ndarray:
    """One float64 step towards -inf."""
    return np.nextafter(x, -np.inf)


def up(x: np.ndarray) -> np.ndarray:
    """One float64 step towards +inf."""
    return np.nextafter(x, np.inf)


def outward(lo, hi):
    """(lo, hi) moved one float64 step outwards."""
    return down(lo), up(hi)


def point(x):
    """The degenerate interval [x, x]."""
    x = np.asarray(x, dtype=np.float64)
    return x.copy(), x.copy()


def add(a, b):
    """a + b."""
    return outward(a[0] + b[0], a[1] + b[1])


def sub(a, b):
    """a - b."""
    return outward(a[0] - b[1], a[1] - b[0])


def neg(a):
    """-a (exact)."""
    return -a[1], -a[0]


def mul(a, b):
    """a * b (elementwise, broadcasting)."""
    products = np.stack(np.broadcast_arrays(a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]))
    return outward(products.min(axis=0), products.max(axis=0))


def scale(a, w):
    """a * w for a point array w (broadcasting)."""
    return mul(a, (w, w))


def magnitude(a) -> np.ndarray:
    """An upper bound of |x| over the interval."""
    return np.maximum(np.abs(a[0]), np.abs(a[1]))


def mid_rad(a):
    """(mid, rad) with [mid - rad, mid + rad] containing the interval."""
    mid = 0.5 * a[0] + 0.5 * a[1]
    rad = np.maximum(a[1] - mid, mid - a[0])
    return mid, up(rad * UP) + TINY


def matvec(a, weight: np.ndarray):
    """x @ weight.T for an interval batch x (n, k) and a point matrix (m, k): (n, m)."""
    mid, rad = mid_rad(a)
    centre = mid @ weight.T
    spread = (rad @ np.abs(weight).T + np.abs(mid) @ np.abs(weight).T * 1e-13) * UP + TINY
    return outward(centre - spread, centre + spread)


def _widen_function(lo, hi):
    """Bounds of a library function's results widened by FUNCTION_ERROR."""
    lo = lo - FUNCTION_ERROR * np.abs(lo) - TINY
    hi = hi + FUNCTION_ERROR * np.abs(hi) + TINY
    return lo, hi


def tanh(a):
    """tanh(a) (monotone), clipped to [-1, 1]."""
    lo, hi = _widen_function(np.tanh(a[0]), np.tanh(a[1]))
    return np.maximum(lo, -1.0), np.minimum(hi, 1.0)


def sigmoid(a):
    """1 / (1 + exp(-a)) (monotone), clipped to [0, 1]."""
    with np.errstate(over="ignore"):
        lo, hi = _widen_function(1.0 / (1.0 + np.exp(-a[0])), 1.0 / (1.0 + np.exp(-a[1])))
    return np.maximum(lo, 0.0), np.minimum(hi, 1.0)


def dsigmoid(a):
    """The range of sigmoid'(x) = s(1 - s) = 1/4 - (s - 1/2)^2 over a, from sigmoid's range."""
    s = sigmoid(a)
    t = sub(s, (np.full_like(s[0], 0.5), np.full_like(s[1], 0.5)))
    low = np.where((t[0] <= 0) & (t[1] >= 0), 0.0, np.minimum(np.abs(t[0]), np.abs(t[1])))
    high = magnitude(t)
    lo, hi = down(0.25 - up(high * high)), up(0.25 - down(low * low))
    return np.maximum(lo, 0.0), np.minimum(hi, 0.25)


def one_minus_square(t):
    """1 - t^2 over an interval t inside [-1, 1] (tanh's derivative from tanh's value)."""
    m = magnitude(t)
    low = np.where((t[0] <= 0) & (t[1] >= 0), 0.0, np.minimum(np.abs(t[0]), np.abs(t[1])))
    lo, hi = down(1.0 - up(m * m)), up(1.0 - down(low * low))
    return np.maximum(lo, 0.0), np.minimum(hi, 1.0)
