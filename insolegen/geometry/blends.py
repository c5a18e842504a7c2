"""The smooth (C1) blends the top surface's terms are made of, and the rim profile the
heel cup and the walls along the edge (flange, clip) share."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["RIM_FRACTION_OF_HEEL", "RIM_TOP_MM", "Array", "dome", "easing", "rim_rise", "smoothstep"]

Array = NDArray[np.float64]

RIM_FRACTION_OF_HEEL = 0.25  # a rim rises over this share of the heel width
RIM_TOP_MM = 2.0  # a flat top along a rim, so it prints as a ridge, not a knife edge


def smoothstep(t: Array) -> Array:
    """0 below 0, 1 above 1, C1-smooth between."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def easing(t: Array) -> Array:
    """0 below 0, 1 above 1; two parabolas meeting at t = 0.5 (C1, curvature 4)."""
    t = np.clip(t, 0.0, 1.0)
    return np.where(t < 0.5, 2.0 * t * t, 1.0 - 2.0 * (1.0 - t) ** 2)


def dome(r2: Array) -> Array:
    """1 at r = 0, 0 from r = 1 on; C1 (zero slope at both), of r squared."""
    return np.clip(1.0 - r2, 0.0, None) ** 2


def rim_rise(d: Array, rim_mm: float) -> Array:
    """1 on a rim's flat top, 0 at ``rim_mm`` from the edge, for a distance ``d`` from
    it: flat along the top and at the foot, steepest half way; two parabolas keep the
    sharpest bend as gentle as a C1 step can be."""
    return 1.0 - easing((d - RIM_TOP_MM) / (rim_mm - RIM_TOP_MM))
