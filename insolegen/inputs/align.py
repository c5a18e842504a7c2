"""Orient a closed foot outline into the insole frame and decide its side."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core import exact
from insolegen.core.anatomy import HEEL_STATION_FRACTION
from insolegen.inputs.errors import InputFileError

__all__ = [
    "FOREFOOT_STATION_FRACTION",
    "MAX_ABS_COORDINATE_MM",
    "MAX_OUTLINE_POINTS",
    "MIN_FILLED_SAMPLES",
    "AlignedOutline",
    "Side",
    "align_outline",
    "detect_side",
    "plain_number",
]

FOREFOOT_STATION_FRACTION = 0.80  # the axis runs through the heel's and the forefoot's middles

Side = Literal["left", "right"]

# A traced foot needs a few thousand points; more only costs time in every step after.
MAX_OUTLINE_POINTS = 200_000
# Millimetres: a kilometre in metres is 1e9 mm. Beyond it squares overflow and a
# millimetre is lost in rounding.
MAX_ABS_COORDINATE_MM = 1e9
MIN_FILLED_SAMPLES = 20  # grid points inside the shape for its principal axes; fewer: use the vertices


def plain_number(value: float) -> str:
    """A number in a message as a user would write it: 3 significant digits, powers of
    ten as 1e9 (not 1e+09)."""
    text = f"{value + 0.0:.3g}"  # + 0.0: never "-0"
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + m.group(1).replace("+", "") + m.group(2), text)


@dataclass(frozen=True)
class AlignedOutline:
    """An outline in the RIGHT-foot insole frame (a left foot is mirrored into it).

    ``polygon``: (N, 2) counter-clockwise, heel at x = 0. ``side``: the foot it is.
    ``rotation`` (2x2) and ``offset`` map input points p to frame points
    ``(p @ rotation.T + offset) * [1, mirror]``, with mirror = -1 for a left foot.
    """

    polygon: NDArray[np.float64]
    side: Side
    side_detected: Side | None
    rotation: NDArray[np.float64]
    offset: NDArray[np.float64]

    @property
    def length_mm(self) -> float:
        return float(np.ptp(self.polygon[:, 0]))

    def apply(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """Map input-frame (x, y) points into the insole frame."""
        mapped = exact.transform(points, self.rotation, self.offset)
        return mapped * ([1.0, -1.0] if self.side == "left" else [1.0, 1.0])


def _widths(poly: shapely.Polygon, stations: NDArray[np.float64]) -> NDArray[np.float64]:
    _x0, y0, _x1, y1 = poly.bounds
    lines = shapely.linestrings([[(x, y0 - 1), (x, y1 + 1)] for x in stations])
    return shapely.length(shapely.intersection(poly, lines))


def _edge_at(poly: shapely.Polygon, x: float, upper: bool) -> float:
    _x0, y0, _x1, y1 = poly.bounds
    cut = poly.intersection(shapely.LineString([(x, y0 - 1), (x, y1 + 1)]))
    ys = shapely.get_coordinates(cut)[:, 1]
    return float(ys.max() if upper else ys.min()) if len(ys) else 0.0


def detect_side(points: NDArray[np.float64]) -> tuple[Side | None, float]:
    """Which foot an outline in the frame (heel at 0, toes +x) is, from two cues: the
    big toe reaches furthest and lies medially, and the medial edge is the one hollowed
    by the arch. Returns (side or None when the cues disagree or are weak, score)."""
    poly = shapely.Polygon(points)
    length = np.ptp(points[:, 0])
    x0 = points[:, 0].min()
    # Cue 1: where the toe tip is across the width (medial of the mid-line at the ball).
    tip = points[points[:, 0] >= x0 + 0.985 * length]
    ball_x = x0 + 0.69 * length
    mid = (_edge_at(poly, ball_x, True) + _edge_at(poly, ball_x, False)) / 2
    toe_cue = (tip[:, 1].mean() - mid) / length
    # Cue 2: hollow of each edge at the midfoot, relative to the straight line from the
    # heel's widest point to the ball's widest point on that edge.
    hollows = []
    for upper in (True, False):
        xa, xb = x0 + 0.18 * length, x0 + 0.70 * length
        ya, yb = _edge_at(poly, xa, upper), _edge_at(poly, xb, upper)
        xs = x0 + np.linspace(0.30, 0.55, 6) * length
        ys = np.array([_edge_at(poly, x, upper) for x in xs])
        chord = ya + (yb - ya) * (xs - xa) / (xb - xa)
        hollows.append(float(np.max((chord - ys) if upper else (ys - chord))) / length)
    arch_cue = hollows[0] - hollows[1]  # > 0: the +y edge is the hollow (medial) one
    score = np.sign(toe_cue) * min(abs(toe_cue) * 10, 1) + np.sign(arch_cue) * min(abs(arch_cue) * 20, 1)
    if abs(score) < 0.3:
        return None, float(score)
    return ("right" if score > 0 else "left"), float(score)


def _usable_points(points: object, what: str) -> NDArray[np.float64]:
    """The outline as an (N, 2) array of finite mm, or InputFileError saying what it is
    instead (the polygon may come from any reader; never echoed whole)."""
    try:
        array = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputFileError(f"the {what} is not a list of (x, y) points") from None
    if array.ndim != 2 or array.shape[1] != 2:
        raise InputFileError(f"the {what} is not a list of (x, y) points (found an array of shape {array.shape})")
    count = len(array)
    if count < 3:
        raise InputFileError(f"the {what} has {count} point{'s' if count != 1 else ''}: "
                             "a closed outline needs at least 3")
    if count > MAX_OUTLINE_POINTS:
        raise InputFileError(f"the {what} has {count:,} points: at most {MAX_OUTLINE_POINTS:,} are used: simplify it")
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        bad = int(np.argmin(finite))
        raise InputFileError(f"the {what} has a point that is not finite (point {bad + 1}: "
                             f"{plain_number(array[bad, 0])}, {plain_number(array[bad, 1])})")
    reach = float(np.abs(array).max())
    if reach > MAX_ABS_COORDINATE_MM:
        raise InputFileError(f"the {what} reaches {plain_number(reach)} mm from the origin: at most "
                             f"{plain_number(MAX_ABS_COORDINATE_MM)} mm: check its units")
    polygon = shapely.Polygon(array)
    if not polygon.is_valid or polygon.area <= 0:
        extent = np.ptp(array, axis=0)
        problem = "crosses itself" if shapely.make_valid(polygon).area > 0 else "encloses no area"
        spanning = f"{plain_number(extent[0])} x {plain_number(extent[1])} mm"
        raise InputFileError(f"the {what} {problem} ({count} points spanning {spanning}): "
                             "it must be one closed loop around the foot")
    return array


def _filled_samples(poly: shapely.Polygon) -> NDArray[np.float64]:
    """Points of a grid (~150 across) that lie inside the shape. Principal axes of the
    filled shape, not of its vertices, so uneven vertex spacing does not tilt the axis."""
    x0, y0, x1, y1 = poly.bounds
    step = max(x1 - x0, y1 - y0) / 150
    gx, gy = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step))
    inside = shapely.contains_xy(poly, gx.ravel(), gy.ravel())
    return np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])


def align_outline(points: NDArray[np.float64], side: str | None = None, what: str = "outline") -> AlignedOutline:
    """Rotate a closed outline (any orientation, mm) so its long axis is x, the heel is
    at x = 0 and toes toward +x, then mirror a left foot into the right-foot frame.

    ``side``: "left" / "right" to state it, None or "auto" to detect it (an error if the
    shape does not say).
    """
    points = _usable_points(points, what)
    poly = shapely.Polygon(points)
    filled = _filled_samples(poly)
    if len(filled) < MIN_FILLED_SAMPLES:  # a sliver: its vertices tell the axis as well
        filled = points
    centre = filled.mean(axis=0)
    _, vectors = exact.symmetric_eigh(exact.covariance(filled))
    axis = vectors[:, -1]
    rotation = np.array([[axis[0], axis[1]], [-axis[1], axis[0]]])  # long axis -> +x
    local = exact.transform(points - centre, rotation)
    # The heel is the end farther from the widest station (the ball).
    frame = shapely.Polygon(local)
    lo, hi = local[:, 0].min(), local[:, 0].max()
    stations = np.linspace(lo, hi, 61)[1:-1]
    widest = stations[int(np.argmax(_widths(frame, stations)))]
    if widest - lo < hi - widest:  # ball nearer the low end: the heel is at +x
        rotation = -rotation
        local = -local
    # Refine the axis to the foot's own: through the middle of the heel (0.16 of the
    # length) and the middle of the forefoot (0.80), as the parametric outline has it.
    for _ in range(4):
        frame = shapely.Polygon(local)
        lo, length = local[:, 0].min(), np.ptp(local[:, 0])
        xa, xb = lo + HEEL_STATION_FRACTION * length, lo + FOREFOOT_STATION_FRACTION * length
        ya = (_edge_at(frame, xa, True) + _edge_at(frame, xa, False)) / 2
        yb = (_edge_at(frame, xb, True) + _edge_at(frame, xb, False)) / 2
        turn = exact.rotation(-math.degrees(exact.atan2(yb - ya, xb - xa)))
        rotation = exact.matmul(turn, rotation)
        local = exact.transform(points - centre, rotation)
    offset = -exact.transform(centre, rotation) - [local[:, 0].min(), 0.0]
    local = exact.transform(points, rotation, offset)
    # Centre the heel on y = 0 at 0.16 of the length, like the parametric outline.
    frame = shapely.Polygon(local)
    length = np.ptp(local[:, 0])
    heel_x = HEEL_STATION_FRACTION * length
    heel_mid = (_edge_at(frame, heel_x, True) + _edge_at(frame, heel_x, False)) / 2
    offset = offset - [0.0, heel_mid]
    local = local - [0.0, heel_mid]

    detected, _ = detect_side(local)
    chosen: Side | None = detected
    if side in ("left", "right"):
        chosen = "left" if side == "left" else "right"  # the side stated, as a Side
    if chosen is None:
        raise InputFileError(
            f"the {what} does not show which foot it is (no clear arch or big-toe side): "
            'set the side with outline_side / scan_side = "left" or "right"'
        )
    if chosen == "left":
        local = local * [1.0, -1.0]
    if not shapely.LinearRing(local).is_ccw:
        local = local[::-1]
    return AlignedOutline(local, chosen, detected, rotation, np.asarray(offset, dtype=np.float64))
