"""Sound bounds of one recurrent step over a box of states: values, Jacobian, float32 error.

A state is h (RNN, GRU) or [h, c] (LSTM), width d. For a batch of boxes (interval arrays
(n, d)) and one input bit, step_bounds returns intervals enclosing, for every real state x in
each box, the exact next state f(x) and the Jacobian f'(x) (n, d, d), and a vector (n, d)
bounding |fl32(f)(x) - f(x)|: how far the network's float32 step can fall from the exact one.

The float32 bound follows the standard model of floating point, u = 2^-24 per rounding: a sum
of k terms (in any order, fused or not) errs by at most gamma(k) = k u / (1 - k u) times the
sum of the terms' magnitudes; sigmoid and tanh by FLOAT32_FUNCTION_ULPS units plus what their
argument's error makes (slopes at most 1/4 and 1); a product by u of its magnitude plus the
propagated errors. Magnitudes are taken from the interval values over the box.
"""

from __future__ import annotations

import numpy as np

from . import intervals as iv

U32 = 2.0**-24
FLOAT32_FUNCTION_ULPS = 16  # allowed error of torch's float32 sigmoid and tanh, in units of u
FLOAT32_TINY = 1e-37  # absolute error per operation: covers float32 underflow


def gamma(k: int) -> float:
    """The bound on the relative error of a float32 sum of k terms."""
    return k * U32 / (1 - k * U32)


def weights(model) -> dict[str, np.ndarray]:
    """The recurrent weights and the head as float64 arrays (exactly the float32 values)."""
    params = {k: v.detach().double().numpy() for k, v in model.cell_params().items()}
    params["head_w"] = model.head.weight.detach().double().numpy()[0]
    params["head_b"] = float(model.head.bias.detach().double().numpy()[0])
    params["w_ih"] = params["weight_ih"][:, 0]
    return params


def state_width_of(params) -> int:
    """Numbers in a state of the network whose weights are `params`."""
    gates, hidden = params["weight_hh"].shape
    return 2 * hidden if gates == 4 * hidden else hidden


def state_width(arch: str, hidden: int) -> int:
    """Numbers in a state: h, or h and c for an LSTM."""
    return 2 * hidden if arch == "lstm" else hidden


def _linear(h, weight: np.ndarray, shape=None):
    """h @ weight.T over the box h, or over the zonotope `shape` inside it (tighter).

    shape: (centre (n, k), generators (n, k, p)) of a zonotope whose bounding box is h. Over a
    zonotope a linear map's range is exact: centre @ W.T +- |W G| 1, where the box's is
    centre @ W.T +- |W| rad, far wider for a thin set; the intersection of both is returned.
    """
    value = iv.matvec(h, weight)
    if shape is None:
        return value
    centre, generators = shape
    mid = centre @ weight.T
    spread = np.abs(np.einsum("mk,nkp->nmp", weight, generators)).sum(axis=2)
    magnitude = np.abs(centre) + np.abs(generators).sum(axis=2)
    slack = 1e-13 * (magnitude @ np.abs(weight).T)
    spread = (spread + slack) * iv.UP + iv.TINY
    zone = iv.outward(mid - spread, mid + spread)
    return np.maximum(value[0], zone[0]), np.minimum(value[1], zone[1])


def _preactivation(p, h, bit: int, rows: slice, shape=None):
    """bit * w_ih + b_ih + b_hh + W_hh h for the gate rows `rows`: (value, float32 error)."""
    w_hh, terms = p["weight_hh"][rows], bit * p["w_ih"][rows]
    bias = iv.add(iv.point(p["bias_ih"][rows]), iv.point(p["bias_hh"][rows]))
    value = iv.add(_linear(h, w_hh, shape), iv.add(bias, iv.point(terms)))
    size = np.abs(terms) + np.abs(p["bias_ih"][rows]) + np.abs(p["bias_hh"][rows])
    error = gamma(w_hh.shape[1] + 3) * (iv.magnitude(h) @ np.abs(w_hh).T + size)
    return value, error + FLOAT32_TINY


def _squash(kind, a, error):
    """sigmoid or tanh of (value, error): (value, float32 error).

    The argument's error is carried by the function's largest slope over the argument's
    interval widened by that error.
    """
    value = iv.sigmoid(a) if kind == "sigmoid" else iv.tanh(a)
    wide = (iv.down(a[0] - error), iv.up(a[1] + error))
    if kind == "sigmoid":
        slope = iv.dsigmoid(wide)[1]
    else:
        slope = iv.one_minus_square(iv.tanh(wide))[1]
    out = slope * error * iv.UP + FLOAT32_FUNCTION_ULPS * U32 * iv.magnitude(value)
    return value, out + FLOAT32_TINY


def _product_error(x, ex, y, ey):
    """Float32 error of x * y from the factors' errors ex, ey."""
    mx, my = iv.magnitude(x), iv.magnitude(y)
    return mx * ey + my * ex + ex * ey + U32 * (mx + ex) * (my + ey) + FLOAT32_TINY


def _diag_times(v, matrix):
    """diag(v) @ matrix for an interval batch v (n, m) and a point or interval matrix."""
    v3 = (v[0][:, :, None], v[1][:, :, None])
    if isinstance(matrix, tuple):
        return iv.mul(v3, matrix)
    return iv.scale(v3, matrix[None])


def _sum(*terms):
    """The sum of interval arrays."""
    total = terms[0]
    for term in terms[1:]:
        total = iv.add(total, term)
    return total


def rnn_bounds(p, box, bit: int, shape=None):
    """tanh(W_hh h + bit w_ih + b): value, Jacobian, float32 error."""
    a, ea = _preactivation(p, box, bit, slice(None), shape)
    h, eh = _squash("tanh", a, ea)
    return h, _diag_times(iv.one_minus_square(h), p["weight_hh"]), eh


def lstm_bounds(p, box, bit: int, shape=None):
    """One LSTM step on [h, c]: value, Jacobian, float32 error."""
    hidden = p["weight_hh"].shape[1]
    h, c = (box[0][:, :hidden], box[1][:, :hidden]), (box[0][:, hidden:], box[1][:, hidden:])
    if shape is not None:
        shape = (shape[0][:, :hidden], shape[1][:, :hidden])
    blocks = [slice(k * hidden, (k + 1) * hidden) for k in range(4)]
    pre = [_preactivation(p, h, bit, rows, shape) for rows in blocks]
    kinds = ("sigmoid", "sigmoid", "tanh", "sigmoid")
    (i, ei), (f, ef), (g, eg), (o, eo) = (_squash(k, *x) for k, x in zip(kinds, pre, strict=True))
    c_new = iv.add(iv.mul(f, c), iv.mul(i, g))
    size = (iv.magnitude(f) + ef) * iv.magnitude(c) + (iv.magnitude(i) + ei) * (
        iv.magnitude(g) + eg
    )
    ec = ef * iv.magnitude(c) + _product_error(i, ei, g, eg) + 2 * gamma(2) * size
    tc, etc = _squash("tanh", c_new, ec)
    h_new, eh = iv.mul(o, tc), _product_error(o, eo, tc, etc)
    w = [p["weight_hh"][rows] for rows in blocks]
    ds = [iv.dsigmoid(pre[k][0]) for k in (0, 1, 3)]
    dc_dh = _sum(
        _diag_times(iv.mul(c, ds[1]), w[1]),
        _diag_times(iv.mul(g, ds[0]), w[0]),
        _diag_times(iv.mul(i, iv.one_minus_square(g)), w[2]),
    )
    o_dtanh = iv.mul(o, iv.one_minus_square(tc))
    dh_dh = iv.add(_diag_times(iv.mul(tc, ds[2]), w[3]), _diag_times(o_dtanh, dc_dh))
    eye = np.eye(hidden)
    dh_dc, dc_dc = _diag_times(iv.mul(o_dtanh, f), eye), _diag_times(f, eye)
    jac = tuple(
        np.concatenate(
            [np.concatenate([dh_dh[k], dh_dc[k]], 2), np.concatenate([dc_dh[k], dc_dc[k]], 2)], 1
        )
        for k in range(2)
    )
    value = tuple(np.concatenate([h_new[k], c_new[k]], 1) for k in range(2))
    return value, jac, np.concatenate([eh, ec], 1)


def gru_bounds(p, box, bit: int, shape=None):
    """One GRU step (torch's formulation): value, Jacobian, float32 error."""
    hidden = p["weight_hh"].shape[1]
    rows_r, rows_z, rows_n = (slice(k * hidden, (k + 1) * hidden) for k in range(3))
    pre_r, pre_z = (_preactivation(p, box, bit, s, shape) for s in (rows_r, rows_z))
    (r, er), (z, ez) = (_squash("sigmoid", *pre) for pre in (pre_r, pre_z))
    w_n, b_hn = p["weight_hh"][rows_n], p["bias_hh"][rows_n]
    q = iv.add(_linear(box, w_n, shape), iv.point(b_hn))
    eq = gamma(hidden + 1) * (iv.magnitude(box) @ np.abs(w_n).T + np.abs(b_hn)) + FLOAT32_TINY
    x_n = iv.add(iv.point(bit * p["w_ih"][rows_n]), iv.point(p["bias_ih"][rows_n]))
    a_n = iv.add(x_n, iv.mul(r, q))
    size = iv.magnitude(x_n) + (iv.magnitude(r) + er) * (iv.magnitude(q) + eq)
    en = _product_error(r, er, q, eq) + gamma(3) * size + U32 * iv.magnitude(x_n)
    n, en = _squash("tanh", a_n, en)
    h_new = iv.add(n, iv.mul(z, iv.sub(box, n)))
    mz, mn, mh = iv.magnitude(z), iv.magnitude(n), iv.magnitude(box)
    eh = en * (1 + mz + ez) + ez * (mh + mn + en) + 8 * U32 * (mn + en + mh) + FLOAT32_TINY
    dz = _diag_times(iv.dsigmoid(pre_z[0]), p["weight_hh"][rows_z])
    dr = _diag_times(iv.dsigmoid(pre_r[0]), p["weight_hh"][rows_r])
    inner = iv.add(_diag_times(q, dr), _diag_times(r, w_n))
    dn = _diag_times(iv.one_minus_square(n), inner)
    one_minus_z = iv.sub(iv.point(np.ones_like(z[0])), z)
    eye = np.eye(hidden)
    jac = _sum(_diag_times(one_minus_z, dn), _diag_times(iv.sub(box, n), dz), _diag_times(z, eye))
    return h_new, jac, eh


BOUNDS = {"rnn": rnn_bounds, "lstm": lstm_bounds, "gru": gru_bounds}


def step_bounds(arch: str, p, box, bit: int, shape=None):
    """(next-state interval, Jacobian interval, float32 error) of one step over each box.

    shape: (centre, generators) of zonotopes whose bounding boxes are `box`; the bounds then
    hold over the zonotopes (tighter: the gates' inputs are ranged over the zonotope itself).
    """
    return BOUNDS[arch](p, box, bit, shape)


def readout_bounds(p, hull_h):
    """(logit interval over boxes of h, float32 error bound of the head)."""
    w, b = p["head_w"], p["head_b"]
    value = iv.add(iv.matvec(hull_h, w[None]), iv.point(np.array([b])))
    error = gamma(len(w) + 1) * (iv.magnitude(hull_h) @ np.abs(w) + abs(b)) + FLOAT32_TINY
    return (value[0][:, 0], value[1][:, 0]), error
