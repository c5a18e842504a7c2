"""The foot outline: a smooth, foot-shaped closed curve and its landmarks.

Frame (docs/clinical.md): millimetres, heel at x = 0, toes toward +x, a RIGHT foot
with its medial side (arch, big toe) on +y. Left feet are mirrored after the solid is
built, so everything here is right-footed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core.anatomy import HEEL_STATION_FRACTION  # heel breadth is measured there; the heel centre lies on it

__all__ = [
    "CUT_CORNER_RADIUS_MM",
    "MTH1_FRACTION",
    "MTH5_FRACTION",
    "SULCUS_OFFSET",
    "THREE_QUARTER_OFFSET",
    "Landmarks",
    "Outline",
    "behind_mth_line",
    "cut_line_x",
    "cut_offset_mm",
    "foot_outline",
    "outline_from_points",
    "resample_ring",
]

# Landmarks as fractions of foot length from the heel (docs/clinical.md, "Foot proportions").
MTH1_FRACTION = 0.74  # first metatarsal head, medial ball
MTH5_FRACTION = 0.64  # fifth metatarsal head, lateral ball
# Where the shorter lengths end, as offsets of the metatarsal-head line in foot lengths
# (docs/clinical.md: three-quarter ends 10-15 mm behind the MTHs, one lab 12 mm behind
# MTH1 and 10 behind MTH5; sulcus at the toe bases).
THREE_QUARTER_OFFSET = -0.042  # ~11 mm behind the heads for a 265 mm foot
SULCUS_OFFSET = 0.065  # the toe-base crease, ~17 mm beyond the heads
CUT_CORNER_RADIUS_MM = 4.0

# A right foot drawn at unit length, ball width 0.38 and heel width 0.27 (at x = 0.16).
# Counter-clockwise from the back of the heel: lateral side, toes, medial side.
_CANONICAL = np.array(
    [
        (0.000, 0.000), (0.022, -0.075), (0.066, -0.118), (0.16, -0.135), (0.26, -0.140),
        (0.36, -0.145), (0.46, -0.160), (0.56, -0.192), (0.64, -0.205), (0.72, -0.198),
        (0.80, -0.172), (0.87, -0.135), (0.925, -0.090), (0.965, -0.030), (0.990, 0.025),
        (1.000, 0.070), (0.990, 0.120), (0.955, 0.158), (0.90, 0.172), (0.82, 0.176),
        (0.74, 0.175), (0.65, 0.160), (0.55, 0.125), (0.45, 0.096), (0.36, 0.097),
        (0.26, 0.118), (0.16, 0.130), (0.066, 0.118), (0.022, 0.075),
    ]
)


@dataclass(frozen=True)
class Landmarks:
    """Points in the insole frame (mm) that features are placed by."""

    foot_length_mm: float
    heel_centre: tuple[float, float]
    mth1: tuple[float, float]  # on the medial edge
    mth5: tuple[float, float]  # on the lateral edge

    @property
    def mth_mid(self) -> tuple[float, float]:
        """Middle of the metatarsal-head line: where "height at the MTHs" is measured."""
        return ((self.mth1[0] + self.mth5[0]) / 2, (self.mth1[1] + self.mth5[1]) / 2)

    def mth_line_x(self, y: NDArray[np.float64] | float) -> NDArray[np.float64]:
        """x of the (extended) metatarsal-head line at lateral position y."""
        (x1, y1), (x5, y5) = self.mth1, self.mth5
        return x1 + (x5 - x1) * (np.asarray(y, dtype=float) - y1) / (y5 - y1)


@dataclass(frozen=True)
class Outline:
    """The insole's outline and the full foot's edges.

    ``boundary``: (N, 2) counter-clockwise vertices of the insole outline (not repeated
    at the end), spaced about ``spacing_mm`` apart. ``edge_x``, ``lateral_y``,
    ``medial_y``: the full foot's lateral and medial edges sampled along x, so that
    features can be placed across the width whatever length the insole is cut to.
    """

    boundary: NDArray[np.float64]
    landmarks: Landmarks
    edge_x: NDArray[np.float64]
    lateral_y: NDArray[np.float64]
    medial_y: NDArray[np.float64]

    def edges_at(self, x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(lateral y, medial y) of the full foot at each x (clamped at heel and toe)."""
        # edge_x is evenly spaced, so the cell is found by division (several times
        # faster than np.interp's search on this hot path).
        x0, step = self.edge_x[0], self.edge_x[1] - self.edge_x[0]
        t = np.clip((np.asarray(x, dtype=float) - x0) / step, 0.0, len(self.edge_x) - 1.000001)
        i = t.astype(np.int64)
        f = t - i
        lat, med = self.lateral_y, self.medial_y
        return lat[i] + f * (lat[i + 1] - lat[i]), med[i] + f * (med[i + 1] - med[i])

    @property
    def polygon(self) -> shapely.Polygon:
        return shapely.Polygon(self.boundary)


def _smoothstep(t: NDArray[np.float64]) -> NDArray[np.float64]:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _closed_spline(points: NDArray[np.float64], samples: int) -> NDArray[np.float64]:
    """A periodic C2 cubic spline through ``points`` (chord-length parameter), sampled
    at ``samples`` evenly spaced parameter values."""
    n = len(points)
    h = np.linalg.norm(np.roll(points, -1, axis=0) - points, axis=1)  # segment i: i -> i+1
    h_prev = np.roll(h, 1)
    # Second derivatives M from the cyclic tridiagonal system of a periodic spline.
    slope = (np.roll(points, -1, axis=0) - points) / h[:, None]
    m = _solve_cyclic_tridiagonal(h_prev, 2.0 * (h_prev + h), h, 6.0 * (slope - np.roll(slope, 1, axis=0)))
    knots = np.r_[0.0, np.cumsum(h)]
    t = np.linspace(0.0, knots[-1], samples, endpoint=False)
    i = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, n - 1)
    a, b = knots[i + 1] - t, t - knots[i]
    hi, p0, p1 = h[i][:, None], points[i], points[(i + 1) % n]
    m0, m1 = m[i], m[(i + 1) % n]
    a, b = a[:, None], b[:, None]
    return (m0 * (a * a * a) + m1 * (b * b * b)) / (6 * hi) + (p0 / hi - m0 * hi / 6) * a + (p1 / hi - m1 * hi / 6) * b


def _solve_cyclic_tridiagonal(below: NDArray[np.float64], diagonal: NDArray[np.float64], above: NDArray[np.float64],
                              rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """x with below[i] x[i-1] + diagonal[i] x[i] + above[i] x[i+1] = rhs[i], indices
    cyclic; the matrix strictly diagonally dominant (a spline's), so no pivoting.

    Written out (the Thomas algorithm with a Sherman-Morrison correction for the two
    corners) rather than np.linalg.solve: LAPACK's kernels differ between processors
    (OpenBLAS picks FMA or AVX-512 code at run time), and a last-bit change here moves
    every vertex the outline makes and so the mesh; +, -, *, / are the same everywhere."""
    n = len(diagonal)
    gamma = -diagonal[0]
    diag = diagonal.astype(float).copy()
    diag[0] -= gamma
    diag[-1] -= below[0] * above[-1] / gamma
    u = np.zeros(n)
    u[0], u[-1] = gamma, above[-1]
    solved = _solve_tridiagonal(below, diag, above, np.column_stack([rhs, u]))
    y, z = solved[:, :-1], solved[:, -1]
    # v = (1, 0, ..., 0, below[0] / gamma): v.y = y[0] + below[0] / gamma * y[-1]
    factor = (y[0] + below[0] / gamma * y[-1]) / (1.0 + z[0] + below[0] / gamma * z[-1])
    return y - z[:, None] * factor[None, :]


def _solve_tridiagonal(below: NDArray[np.float64], diagonal: NDArray[np.float64], above: NDArray[np.float64],
                       rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Thomas algorithm (no pivoting: the matrix is diagonally dominant), for every
    column of ``rhs`` at once."""
    n = len(diagonal)
    c = np.zeros(n)
    d = np.zeros_like(rhs, dtype=float)
    c[0] = above[0] / diagonal[0]
    d[0] = rhs[0] / diagonal[0]
    for i in range(1, n):
        denominator = diagonal[i] - below[i] * c[i - 1]
        c[i] = above[i] / denominator
        d[i] = (rhs[i] - below[i] * d[i - 1]) / denominator
    x = np.zeros_like(d)
    x[-1] = d[-1]
    for i in range(n - 2, -1, -1):
        x[i] = d[i] - c[i] * x[i + 1]
    return x


def _chains(curve: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Split a CCW closed curve at its heel and toe into lateral and medial y(x)."""
    heel, toe = int(np.argmin(curve[:, 0])), int(np.argmax(curve[:, 0]))
    rolled = np.roll(curve, -heel, axis=0)
    toe = (toe - heel) % len(curve)
    lateral = rolled[: toe + 1]
    medial = np.vstack([rolled[toe:], rolled[:1]])[::-1]
    xs = np.linspace(curve[:, 0].min(), curve[:, 0].max(), 2001)
    # Both chains run heel -> toe; accumulate to keep x increasing for interpolation.
    lat = np.interp(xs, np.maximum.accumulate(lateral[:, 0]), lateral[:, 1])
    med = np.interp(xs, np.maximum.accumulate(medial[:, 0]), medial[:, 1])
    return xs, lat, med


def foot_outline(
    *,
    foot_length_mm: float,
    ball_width_mm: float,
    heel_width_mm: float,
    length: Literal["full", "sulcus", "three-quarter"] = "full",
    spacing_mm: float = 1.0,
) -> Outline:
    """A right-foot insole outline with the given length and widths.

    The ball width is the foot's greatest breadth across the metatarsal heads; the heel
    width is the breadth at 0.16 x foot length (docs/clinical.md). Both hold to well under 0.1 mm.
    ``length`` cuts the full outline behind the metatarsal heads ("three-quarter") or at
    the toe bases ("sulcus"), with rounded corners.
    """
    fl = foot_length_mm
    curve = _closed_spline(_CANONICAL, 4000)
    curve[:, 0] = (curve[:, 0] - curve[:, 0].min()) / np.ptp(curve[:, 0])
    xs, lat, med = _chains(curve)
    heel_chord = np.interp(HEEL_STATION_FRACTION, xs, med - lat)
    fore = xs >= 0.5
    ball_chord = med[fore].max() - lat[fore].min()
    # y is scaled by a factor that blends smoothly from the heel's to the ball's, so each
    # width is met exactly and the curve stays smooth.
    blend = _smoothstep((curve[:, 0] - 0.30) / 0.20)
    scale = (heel_width_mm / heel_chord) * (1 - blend) + (ball_width_mm / ball_chord) * blend
    heel_mid = np.interp(HEEL_STATION_FRACTION, xs, (med + lat) / 2)
    full = np.column_stack([curve[:, 0] * fl, (curve[:, 1] - heel_mid) * scale])
    return outline_from_points(full, length=length, spacing_mm=spacing_mm)


def outline_from_points(
    points: NDArray[np.float64],
    *,
    length: Literal["full", "sulcus", "three-quarter"] = "full",
    spacing_mm: float = 1.0,
) -> Outline:
    """An insole outline from a foot-shaped closed curve already in the right-foot frame
    (heel toward x = 0, toes toward +x, arch on +y): landmarks from its own length and
    edges, then cut to ``length`` and resampled every ``spacing_mm``."""
    points = np.asarray(points, dtype=np.float64)
    points = points - [points[:, 0].min(), 0.0]
    if not shapely.LinearRing(points).is_ccw:
        points = points[::-1]
    fl = float(np.ptp(points[:, 0]))
    edge_x, lateral_y, medial_y = _chains(points)
    landmarks = Landmarks(
        foot_length_mm=fl,
        heel_centre=(HEEL_STATION_FRACTION * fl,
                     float(np.interp(HEEL_STATION_FRACTION * fl, edge_x, (lateral_y + medial_y) / 2))),
        mth1=(MTH1_FRACTION * fl, float(np.interp(MTH1_FRACTION * fl, edge_x, medial_y))),
        mth5=(MTH5_FRACTION * fl, float(np.interp(MTH5_FRACTION * fl, edge_x, lateral_y))),
    )
    polygon = shapely.Polygon(points)
    if length != "full":
        offset = (SULCUS_OFFSET if length == "sulcus" else THREE_QUARTER_OFFSET) * fl
        r = CUT_CORNER_RADIUS_MM
        # Opening rounds the two cut corners and leaves the smooth rest unchanged.
        polygon = polygon.intersection(behind_mth_line(landmarks, offset)).buffer(-r, quad_segs=32).buffer(r, quad_segs=32)
    boundary = resample_ring(polygon, spacing_mm)
    boundary[:, 0] -= boundary[:, 0].min()  # the cut's rounding may nudge the heel by ~1e-5 mm
    return Outline(boundary=boundary, landmarks=landmarks, edge_x=edge_x, lateral_y=lateral_y, medial_y=medial_y)


def cut_offset_mm(landmarks: Landmarks, length: str) -> float:
    """How far ahead of the metatarsal-head line a sulcus or three-quarter insole ends
    (negative: behind it)."""
    return {"sulcus": SULCUS_OFFSET, "three-quarter": THREE_QUARTER_OFFSET}[length] * landmarks.foot_length_mm


def cut_line_x(landmarks: Landmarks, length: str, y: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """x of the line where a sulcus or three-quarter insole ends, at lateral position y."""
    return landmarks.mth_line_x(y) + cut_offset_mm(landmarks, length)


def behind_mth_line(lm: Landmarks, offset_mm: float) -> shapely.Polygon:
    """A large polygon covering everything behind (toward the heel from) the
    metatarsal-head line shifted ``offset_mm`` along +x."""
    (x1, y1), (x5, y5) = lm.mth1, lm.mth5
    far = 10 * lm.foot_length_mm
    direction = np.array([x1 - x5, y1 - y5]) / np.hypot(x1 - x5, y1 - y5)
    a = np.array([x5 + offset_mm, y5]) - far * direction
    b = np.array([x1 + offset_mm, y1]) + far * direction
    return shapely.Polygon([a, b, b - [far, 0], a - [far, 0]])


def resample_ring(polygon: shapely.Polygon, spacing_mm: float) -> NDArray[np.float64]:
    """Counter-clockwise ring vertices at (nearly) equal spacing along the boundary,
    starting at the rearmost point."""
    ring = shapely.get_coordinates(polygon.exterior)[:-1]
    if not shapely.LinearRing(ring).is_ccw:
        ring = ring[::-1]
    # Start at the back of the heel so that point (x = 0) is kept exactly.
    ring = np.roll(ring, -int(np.argmin(ring[:, 0])), axis=0)
    ring = np.vstack([ring, ring[:1]])
    along = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(ring, axis=0), axis=1))]
    count = max(16, int(np.ceil(along[-1] / spacing_mm)))
    at = np.linspace(0.0, along[-1], count, endpoint=False)
    return np.column_stack([np.interp(at, along, ring[:, 0]), np.interp(at, along, ring[:, 1])])

