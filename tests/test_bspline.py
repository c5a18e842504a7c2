"""The numpy cubic B-spline (insolegen.core.bspline) against scipy.ndimage's, and against
what a cubic B-spline must do by hand: interpolate the grid and reproduce cubics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from insolegen.core.bspline import cubic_at, cubic_coefficients


@pytest.mark.parametrize("shape", [(2, 3), (3, 4), (5, 9), (60, 70), (130, 80)])
def test_same_numbers_as_scipy(shape):
    rng = np.random.default_rng(sum(shape))
    values = rng.normal(size=shape)
    ours, theirs = cubic_coefficients(values), ndimage.spline_filter(values, order=3, mode="mirror")
    assert np.abs(ours - theirs).max() < 1e-12
    i = rng.uniform(0, shape[0] - 1, 2000)
    j = rng.uniform(0, shape[1] - 1, 2000)
    expected = ndimage.map_coordinates(theirs, [i, j], order=3, mode="mirror", prefilter=False)
    assert np.abs(cubic_at(ours, i, j) - expected).max() < 1e-12


def test_interpolates_the_grid_and_reproduces_a_cubic_inside():
    gi, gj = np.meshgrid(np.arange(40.0), np.arange(30.0), indexing="ij")
    values = 0.01 * gi**3 - 0.2 * gi * gj + 3.0 * gj  # a cubic in i, linear in j
    coefficients = cubic_coefficients(values)
    assert np.abs(cubic_at(coefficients, gi, gj) - values.ravel()).max() < 1e-9
    # 12 cells from every mirrored end (which bends a cubic; the bend decays by a factor
    # 0.268 a cell) the spline is the cubic itself
    rng = np.random.default_rng(1)
    i, j = rng.uniform(12, 27, 500), rng.uniform(12, 17, 500)
    exact = 0.01 * i**3 - 0.2 * i * j + 3.0 * j
    assert np.abs(cubic_at(coefficients, i, j) - exact).max() < 1e-3
