"""Distance from points to a closed outline: exact to the polyline, and a smooth field.

The heel cup is a function of the distance to the outline, evaluated at tens of
thousands of probes per build. :func:`polyline_distance_mm` is exact to the polyline
(GEOS, run by run of the ring, each against the points within reach);
:class:`DistanceField` samples that distance once on a regular grid and interpolates it
with cubic B-splines: about 7x cheaper per point and C2-smooth, where the polyline's own
distance has a small crease on the bisector of every vertex (its gradient turns by the
vertex's turning angle, ~1.6 degrees on a heel of 35 mm radius at 1 mm spacing).

How far the field is from the exact distance (derived in tests/test_speed_geometry.py,
checked there on a circle and on the catalogue's outlines): within the band it serves,

    |field - exact| <= (1 + L**2) * sagitta + (1 + L) * 5/384 * h**4 * M4

where L = 1.5486 is the Lebesgue constant of cubic-spline interpolation on a uniform
grid (a bound on how much interpolation can amplify a data error), sagitta = s**2 / (8 R)
is how far a polyline of spacing s strays from the smooth curve through its vertices
(R the smallest radius of curvature), and the last term is the spline's own error for
the smooth curve's distance (M4 <= 3 / rho**3 for a circle, rho the distance to its
centre); the cap adds at most 0.268**5 h. For a 1 mm outline on a heel of R >= 30 mm
this is under about 0.02 mm (the Lebesgue factor is pessimistic: the catalogue
measures 0.003-0.007 mm). A scan's outline, which zigzags by ~12 degrees per vertex, has
a sagitta of ~0.03 mm: there the field is a smoothed distance, and the cup moves by up
to ~0.04 mm from the one on the exact polyline distance (bench_build prints it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core.bspline import cubic_at, cubic_coefficients

__all__ = [
    "CAP_MARGIN_CELLS",
    "FIELD_MARGIN_CELLS",
    "LEBESGUE_CUBIC_SPLINE",
    "RUN_SEGMENTS",
    "Array",
    "DistanceField",
    "distance_field",
    "polyline_distance_mm",
]

Array = NDArray[np.float64]

# Cells of margin around the region a field serves: cubic B-spline coefficients are
# global, and what the grid's edge does to them decays by a factor 0.27 per cell, so
# after 5 cells the edge's influence is below 0.2 %.
FIELD_MARGIN_CELLS = 5
# Exact distances are kept this many cells beyond the largest distance a caller needs,
# so the cap (a kink in the sampled data) stays out of every value it reads.
CAP_MARGIN_CELLS = 5
# Segments per run in polyline_distance_mm: short runs skip more points, each run is a
# GEOS call; 24-32 measured best on outlines at 1 mm spacing.
RUN_SEGMENTS = 32
LEBESGUE_CUBIC_SPLINE = 1.5486  # sup-norm of cubic cardinal spline interpolation (de Boor)


def polyline_distance_mm(ring: Array, x: Array, y: Array, limit_mm: float = np.inf) -> Array:
    """Distance from each point to the closed polyline ``ring`` (exact, GEOS). Points
    farther than ``limit_mm`` get ``inf``. With a limit, the ring is measured in runs of
    RUN_SEGMENTS segments, each against only the points within ``limit_mm`` of its box:
    the distance to the ring is the least over the runs (the same numbers as measuring
    the whole ring, for about half the time on a heel-cup field)."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if len(x) == 0:
        return np.empty(0)
    ring = np.asarray(ring, dtype=float)
    closed = np.vstack([ring, ring[:1]])
    if not np.isfinite(limit_mm):
        return shapely.distance(shapely.LineString(closed), shapely.points(x, y))
    d = np.full(len(x), np.inf)
    for first in range(0, len(closed) - 1, RUN_SEGMENTS):
        run = closed[first:first + RUN_SEGMENTS + 1]
        lo, hi = run.min(axis=0) - limit_mm, run.max(axis=0) + limit_mm
        near = np.flatnonzero((x >= lo[0]) & (x <= hi[0]) & (y >= lo[1]) & (y <= hi[1]))
        if len(near):
            d[near] = np.minimum(d[near], shapely.distance(shapely.LineString(run), shapely.points(x[near], y[near])))
    return np.where(d > limit_mm, np.inf, d)


@dataclass(frozen=True)
class DistanceField:
    """Signed distance to an outline (positive inside), sampled every ``step_mm`` from
    ``origin_mm`` and interpolated by cubic B-splines (C2). Exact distances are kept up
    to ``cap_mm``; farther points read about ``cap_mm`` (callers ask only nearer)."""

    origin_mm: tuple[float, float]
    step_mm: float
    cap_mm: float
    coefficients: Array = field(repr=False)  # B-spline coefficients, (nx, ny), mirror ends

    def distance_mm(self, x: Array, y: Array) -> Array:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        nx, ny = self.coefficients.shape
        # Outside the grid, the nearest grid edge's value (callers stay inside).
        i = np.clip((x - self.origin_mm[0]) / self.step_mm, 0.0, nx - 1.0)
        j = np.clip((y - self.origin_mm[1]) / self.step_mm, 0.0, ny - 1.0)
        return cubic_at(self.coefficients, i, j).reshape(x.shape)


def distance_field(
    ring: Array, *, x_max_mm: float, needed_mm: float, step_mm: float = 1.0
) -> DistanceField:
    """The signed distance to the closed polyline ``ring`` (CCW, (N, 2) mm) over the part
    of its bounding box with x <= ``x_max_mm``, for callers that need distances up to
    ``needed_mm`` (beyond, values are capped)."""
    ring = np.asarray(ring, dtype=float)
    margin = FIELD_MARGIN_CELLS * step_mm
    serves = ring[ring[:, 0] <= x_max_mm + margin]
    if len(serves) == 0:
        serves = ring
    x0, y0 = serves[:, 0].min() - margin, serves[:, 1].min() - margin
    x1, y1 = min(x_max_mm, ring[:, 0].max()) + margin, serves[:, 1].max() + margin
    xs = x0 + step_mm * np.arange(int(np.ceil((x1 - x0) / step_mm)) + 1)
    ys = y0 + step_mm * np.arange(int(np.ceil((y1 - y0) / step_mm)) + 1)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    cap = needed_mm + CAP_MARGIN_CELLS * step_mm
    d = polyline_distance_mm(ring, gx.ravel(), gy.ravel(), limit_mm=cap)
    d = np.minimum(d, cap)
    polygon = shapely.Polygon(ring)
    inside = shapely.contains_xy(polygon, gx.ravel(), gy.ravel())
    signed = np.where(inside, d, -d).reshape(gx.shape)
    coefficients = cubic_coefficients(signed)
    return DistanceField(origin_mm=(float(x0), float(y0)), step_mm=float(step_mm), cap_mm=float(cap),
                         coefficients=coefficients)
