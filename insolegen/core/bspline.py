"""Cubic B-spline interpolation on a regular 2-D grid, in numpy: the coefficients
(a recursive prefilter along each axis) and their evaluation at any points, with
mirror-symmetric ends (the grid continued as f[-k] = f[k]).

The same numbers as scipy.ndimage's ``spline_filter`` / ``map_coordinates(order=3,
mode="mirror")`` (tests/test_bspline.py compares them), without importing scipy:
a build of a parametric insole needs nothing else from it, and importing it costs
about a third of a second."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["GAIN", "INIT_TERMS", "POLE", "POLE_POWERS", "Array", "cubic_at", "cubic_coefficients"]

Array = NDArray[np.float64]

POLE = math.sqrt(3.0) - 2.0  # the cubic B-spline's pole (Unser, 1993)
GAIN = 6.0  # (1 - POLE) * (1 - 1 / POLE)
INIT_TERMS = 40  # POLE ** 40 < 1e-22: the causal start's sum, truncated below rounding
# POLE ** k by repeated products (numpy's ** differs between processors: core.exact)
POLE_POWERS = np.cumprod(np.r_[1.0, np.full(INIT_TERMS - 1, POLE)])


def _filter_axis0(values: Array) -> Array:
    """Interpolating cubic B-spline coefficients along axis 0 (all columns at once)."""
    s = GAIN * np.asarray(values, dtype=np.float64)
    n = s.shape[0]
    if n == 1:
        return s / GAIN
    c = np.empty_like(s)
    # causal start for a mirror-symmetric signal: sum of POLE^k s[k] over the mirrored run
    k = np.arange(INIT_TERMS)
    period = 2 * n - 2
    mirrored = np.where(k % period < n, k % period, period - k % period)
    # the sum term by term, not a BLAS dot: the same bits on every processor (core.exact)
    c[0] = np.sum(POLE_POWERS.reshape((-1,) + (1,) * (s.ndim - 1)) * s[mirrored], axis=0)
    for i in range(1, n):
        c[i] = s[i] + POLE * c[i - 1]
    # anti-causal start, exact for mirror-symmetric ends
    c[n - 1] = (POLE / (POLE * POLE - 1.0)) * (c[n - 1] + POLE * c[n - 2])
    for i in range(n - 2, -1, -1):
        c[i] = POLE * (c[i + 1] - c[i])
    return c


def cubic_coefficients(values: Array) -> Array:
    """B-spline coefficients that interpolate ``values`` (2-D) at the grid points."""
    return _filter_axis0(_filter_axis0(values).T).T


def _taps(u: Array, n: int) -> tuple[NDArray[np.int64], Array]:
    """The four grid indices (mirrored into range) and weights at coordinates ``u``,
    which lie in [0, n - 1] (the callers clip them): a tap is at most two cells out."""
    base = np.floor(u)
    t = u - base
    t2, t3 = t * t, t * t * t
    weights = np.stack([1 - 3 * t + 3 * t2 - t3, 3 * t3 - 6 * t2 + 4, -3 * t3 + 3 * t2 + 3 * t + 1, t3]) / 6.0
    index = base.astype(np.int64)[None, :] + np.arange(-1, 3)[:, None]
    if n == 1:
        return np.zeros_like(index), weights
    index = np.abs(index)  # mirror at 0: -k -> k
    mirrored = np.where(index > n - 1, 2 * (n - 1) - index, index)
    return np.clip(mirrored, 0, n - 1), weights  # only zero-weight taps of tiny grids need the clip


def cubic_at(coefficients: Array, i: Array, j: Array) -> Array:
    """The spline at fractional grid coordinates (i along axis 0, j along axis 1)."""
    i = np.asarray(i, dtype=np.float64).ravel()
    j = np.asarray(j, dtype=np.float64).ravel()
    ii, wi = _taps(i, coefficients.shape[0])
    jj, wj = _taps(j, coefficients.shape[1])
    flat = np.ascontiguousarray(coefficients).ravel()
    ny = coefficients.shape[1]
    out = np.zeros(len(i))
    for a in range(4):
        row = ii[a] * ny
        for b in range(4):
            out += wi[a] * wj[b] * flat[row + jj[b]]  # one gather of a value per point
    return out
