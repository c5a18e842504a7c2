"""A pressure map laid onto the foot it was recorded from: the loaded cells' footprint
turned, mirrored and moved (and scaled, when the sensor pitch is unknown) onto the
side's full-foot outline, heel to heel and toes to toes, whatever way round the plate
recorded it. docs/pressure.md says how, and what each figure in build.json means.

1. The loaded cells (over LOADED_KPA) give the footprint; its long axis is their
   principal axis.
2. The toe end is the wider end (the forefoot is wider than the heel).
3. The medial side is the side of the arch: the midfoot's loaded band lies lateral, so
   the footprint's edge falls back furthest from the heel-forefoot line there. A map
   seen from above with the arch on the left of heel-to-toe shows a right foot.
4. The footprint is placed with its length centred on the foot's, then the placement
   (turn and shift) is refined to bring its edge onto the outline's edge.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core import exact
from insolegen.geometry.distance import distance_field
from insolegen.geometry.outline import Outline
from insolegen.inputs.pressure_files import PressureGrid

__all__ = [
    "ARCH_CUE_FRACTION",
    "EDGE_REACH_MM",
    "EDGE_STEP_MM",
    "LENGTH_RATIO",
    "LOADED_KPA",
    "MIN_INSIDE_SHARE",
    "MIN_LOADED_CELLS",
    "TRIM",
    "Array",
    "PressureFit",
    "PressureFitError",
    "cell_centres_mm",
    "fit_pressure",
    "foot_polygon",
]

Array = NDArray[np.float64]

LOADED_KPA = 10.0  # a cell over this is loaded (sensor noise floors are 2-5 kPa)
MIN_LOADED_CELLS = 20
LENGTH_RATIO = (0.75, 1.25)  # the footprint's length over the foot's, with a known pitch
ARCH_CUE_FRACTION = 0.04  # of the foot's width: a lesser difference of the midfoot's edges cannot tell the side
MIN_INSIDE_SHARE = 0.80  # of the loaded cells on the foot once placed
TRIM = 0.85  # the edge distance's mean over the nearest 85 % of the edge (the arch lacks contact; 0.75
             # let a coarse grid aligned with the foot pull the fit 1 degree round)


class PressureFitError(ValueError):
    """The map cannot be laid onto this foot; the message says what was found."""


@dataclass(frozen=True)
class PressureFit:
    """Map millimetres (x along the columns, y along the rows) -> the right-foot frame:
    p' = rotation(angle) @ diag(1, -1 if mirrored) @ p * scale + offset."""

    angle_deg: float
    mirrored: bool
    scale: float
    offset_mm: tuple[float, float]
    side_shown: str  # the foot the map shows: "left" / "right"
    side_from: str  # "detected" or "told"
    inside_share: float  # of the loaded cells, on the foot
    mean_edge_mm: float  # from the footprint's edge to the outline's, over the nearest TRIM of it
    pitch_known: bool

    def matrix(self) -> Array:
        return exact.matmul(exact.rotation(self.angle_deg), np.diag([1.0, -1.0 if self.mirrored else 1.0])) * self.scale

    def apply(self, xy: Array) -> Array:
        return exact.transform(xy, self.matrix(), self.offset_mm)

    def invert(self, xy: Array) -> Array:
        return exact.transform(np.asarray(xy, dtype=float) - np.asarray(self.offset_mm), exact.inverse2(self.matrix()))

    def as_dict(self) -> dict[str, object]:
        return {"rotation_deg": round(self.angle_deg, 3), "mirrored": self.mirrored, "scale": round(self.scale, 5),
                "offset_mm": [round(v, 3) for v in self.offset_mm], "side_shown": self.side_shown,
                "side_from": self.side_from, "pitch_known": self.pitch_known,
                "fit": {"loaded_cells_inside_share": round(self.inside_share, 4),
                        "mean_edge_distance_mm": round(self.mean_edge_mm, 3)}}


def cell_centres_mm(grid: PressureGrid) -> Array:
    """Every cell's centre in map millimetres, rows x columns x 2: x along the columns,
    y up the picture, rows running down it (x = column, y = -row), as every vendor
    draws a map (row 1 at the top) and as labelled real files show it: a Tekscan
    F-Scan's left foot and an XSENSOR's left insole are left feet seen from above so
    drawn (docs/pressure.md, "Which way round"). A unit pitch where the grid's is unknown."""
    rows, cols = grid.kpa.shape
    pr, pc = grid.row_pitch_mm or 1.0, grid.col_pitch_mm or 1.0
    y, x = np.mgrid[0:rows, 0:cols]
    return np.stack([x * pc, -y * pr], axis=-1).astype(float)


def foot_polygon(outline: Outline) -> shapely.Polygon:
    """The full foot (not the insole, which may be cut short): its lateral edge forward
    and medial edge back."""
    ex = outline.edge_x
    ring = np.vstack([np.column_stack([ex, outline.lateral_y]), np.column_stack([ex[::-1], outline.medial_y[::-1]])])
    return shapely.Polygon(ring).buffer(0)


def fit_pressure(grid: PressureGrid, outline: Outline, side: str, side_told: str = "auto") -> PressureFit:
    """Lay ``grid`` onto ``outline`` (the right-foot frame) for the ``side`` being
    built. Raises PressureFitError for an empty map, a map of the other foot, one far
    smaller or larger than the foot, or one that will not lie on it."""
    # Over 60 lines: the fit's numbered steps (axis, heel, side, scale, registration) share the map's
    # points; each step is a few lines.
    loaded = np.nan_to_num(grid.kpa, nan=0.0) > LOADED_KPA
    count = int(loaded.sum())
    peak = float(np.nanmax(grid.kpa)) if np.isfinite(grid.kpa).any() else 0.0
    if count < MIN_LOADED_CELLS:
        raise PressureFitError(f"the map has {count} loaded cells (over {LOADED_KPA:g} kPa; its peak is {peak:.0f} kPa): "
                               f"at least {MIN_LOADED_CELLS} are needed to place it: is it the right frame, or empty?")
    pitch_known = grid.row_pitch_mm is not None and grid.col_pitch_mm is not None
    pitch = float(np.sqrt((grid.row_pitch_mm or 1.0) * (grid.col_pitch_mm or 1.0)))
    centres = cell_centres_mm(grid)
    points = centres[loaded]

    # 1-2. The long axis, heel to toe.
    centre = points.mean(axis=0)
    _, vectors = exact.symmetric_eigh(exact.covariance(points))
    u = vectors[:, -1]
    t = exact.transform(points - centre, u)
    w = exact.transform(points - centre, np.array([-u[1], u[0]]))
    length = float(np.ptp(t)) + pitch
    heel_band, fore_band = t < t.min() + 0.3 * length, t > t.max() - 0.4 * length
    if _spread(w[heel_band]) > _spread(w[fore_band]):
        u, t, w = -u, -t, -w  # the wider end is the toe end
        heel_band, fore_band = fore_band, heel_band
    # 3. The arch's side: the midfoot's loaded edge falls back furthest from the line
    # between the heel's and the forefoot's middles on the medial side.
    mid = (t > t.min() + 0.35 * length) & (t < t.min() + 0.6 * length)
    line = np.interp(t, [np.mean(t[heel_band]), np.mean(t[fore_band])],
                     [np.mean(w[heel_band]), np.mean(w[fore_band])])
    outer = max(np.percentile(w[fore_band] - line[fore_band], 97), np.percentile(w[heel_band] - line[heel_band], 97))
    inner = min(np.percentile(w[fore_band] - line[fore_band], 3), np.percentile(w[heel_band] - line[heel_band], 3))
    if mid.sum() >= 3:
        gap_left = outer - np.max(w[mid] - line[mid])  # +w: the left of heel-to-toe
        gap_right = np.min(w[mid] - line[mid]) - inner
    else:
        gap_left = gap_right = 0.0  # no midfoot contact at all: a high arch, or two pieces
    width = outer - inner
    arch_on_left: bool | None = None  # +w is the left of heel-to-toe, seen from above
    if abs(gap_left - gap_right) >= ARCH_CUE_FRACTION * width + pitch / 2:
        arch_on_left = bool(gap_left > gap_right)
    if side_told in ("left", "right"):
        if side_told != side:
            raise PressureFitError(f"pressure.side = \"{side_told}\" but the map is used for the {side} insole: a map of "
                                   f"the other foot (give it under [{side_told}.pressure], or build the {side_told} side)")
        if arch_on_left is None:
            # nothing shows the arch's side: the map is taken as seen from above
            arch_on_left = side_told == "right"
        shown, side_from = side_told, "told"
    elif arch_on_left is None:
        raise PressureFitError(
            "cannot tell which foot the map shows (its midfoot is loaded as much on both sides): set "
            "pressure.side to \"left\" or \"right\"")
    else:
        shown, side_from = ("right" if arch_on_left else "left"), "detected"
        if shown != side:
            raise PressureFitError(
                f"the map shows a {shown} foot (its arch is on the {'left' if arch_on_left else 'right'} of heel "
                f"to toe, seen from above) but builds the {side} insole: use the {side} foot's map, or set "
                f"pressure.side = \"{side}\" if the plate shows the sole from below")
    # In the right-foot frame the arch is on +y, the left of heel-to-toe: a map whose
    # arch lies on the right (a left foot seen from above, or a right foot's sole seen
    # from below) is mirrored onto it.
    mirrored = not arch_on_left

    # 4. Scale (unknown pitch: the footprint's length to the foot's), place, refine.
    foot = foot_polygon(outline)
    x0, _, x1, _ = foot.bounds
    foot_length = x1 - x0
    if pitch_known:
        ratio = length / foot_length
        if not LENGTH_RATIO[0] <= ratio <= LENGTH_RATIO[1]:
            raise PressureFitError(
                f"the map's loaded footprint is {length:.0f} mm long but the foot is {foot_length:.0f} mm "
                f"({ratio:.2f} x; allowed {LENGTH_RATIO[0]:g} to {LENGTH_RATIO[1]:g} x): is the sensor pitch right "
                f"({grid.row_pitch_mm:g} x {grid.col_pitch_mm:g} mm), and is it this patient's map?")
        scale = 1.0
    else:
        scale = foot_length / length
    base = math.degrees(exact.atan2(u[1], u[0]))
    sign = -1.0 if mirrored else 1.0
    # angle such that R(angle) @ diag(1, sign) @ u = +x
    angle0 = -base * sign
    def placed(angle: float, shift: Array) -> PressureFit:
        return PressureFit(angle, mirrored, scale, (float(shift[0]), float(shift[1])), shown, side_from, 0.0, 0.0,
                           pitch_known)

    # centred: the footprint's mid-length on the foot's, its middle line on the foot's
    first = placed(angle0, np.zeros(2)).apply(points)
    shift = np.array([(x0 + x1) / 2 - (first[:, 0].min() + first[:, 0].max()) / 2,
                      foot.centroid.y - float(np.median(first[:, 1]))])
    edge, doubt = _edge_points(loaded, centres)
    distance = _distance_grid(foot)

    def cost(angle: float, dx: float, dy: float) -> float:
        # each edge point's distance in its own doubt (half the cell across that side):
        # on a grid coarser one way, the coarse sides' points would pull the fit round
        d = np.sort(distance(placed(angle, np.array([dx, dy])).apply(edge)) / doubt)
        return float(d[: max(int(TRIM * len(d)), 1)].mean())

    best = (angle0, float(shift[0]), float(shift[1]))
    best_cost = cost(*best)
    for step_deg, step_mm in ((2.0, 4.0), (1.0, 2.0), (0.5, 1.0), (0.25, 0.5), (0.1, 0.2), (0.05, 0.1)):
        improved = True
        while improved:
            improved = False
            for da, dx, dy in ((step_deg, 0, 0), (-step_deg, 0, 0), (0, step_mm, 0), (0, -step_mm, 0),
                               (0, 0, step_mm), (0, 0, -step_mm)):
                trial = (best[0] + da, best[1] + dx, best[2] + dy)
                c = cost(*trial)
                if c < best_cost - 1e-9:
                    best, best_cost, improved = trial, c, True
    result = placed(best[0], np.array(best[1:]))
    on_foot = shapely.contains_xy(foot.buffer(pitch * scale / 2), *result.apply(points).T)
    share = float(on_foot.mean())
    if share < MIN_INSIDE_SHARE:
        raise PressureFitError(f"only {share:.0%} of the map's loaded cells lie on the foot once placed (at least "
                               f"{MIN_INSIDE_SHARE:.0%} must): is it this patient's map, and the pitch right?")
    angle = (best[0] + 180.0) % 360.0 - 180.0
    d_mm = np.sort(distance(result.apply(edge)))
    mean_edge_mm = float(d_mm[: max(int(TRIM * len(d_mm)), 1)].mean())  # the record's figure, in mm
    return PressureFit(angle, mirrored, scale, (float(best[1]), float(best[2])), shown, side_from, share, mean_edge_mm,
                       pitch_known)


def _spread(values: Array) -> float:
    return float(np.percentile(values, 95) - np.percentile(values, 5)) if len(values) else 0.0


def _edge_points(loaded: NDArray[np.bool_], centres: Array) -> tuple[Array, Array]:
    """The footprint's edge: the midpoint between each loaded cell and each unloaded (or
    missing) neighbour across a side, within half a cell of the true edge; and that half
    cell (the point's doubt)."""
    padded = np.pad(loaded, 1)
    step_r = centres[1, 0] - centres[0, 0] if centres.shape[0] > 1 else np.array([0.0, 1.0])
    step_c = centres[0, 1] - centres[0, 0] if centres.shape[1] > 1 else np.array([1.0, 0.0])
    out, doubt = [], []
    for (dr, dc), step in (((-1, 0), -step_r), ((1, 0), step_r), ((0, -1), -step_c), ((0, 1), step_c)):
        neighbour = padded[1 + dr:padded.shape[0] - 1 + dr, 1 + dc:padded.shape[1] - 1 + dc]
        found = centres[loaded & ~neighbour] + step / 2
        out.append(found)
        doubt.append(np.full(len(found), exact.norm(step) / 2))
    return np.vstack(out), np.concatenate(doubt)


EDGE_REACH_MM = 15.0  # distances past this read as this: far from every placement the search tries
EDGE_STEP_MM = 2.0  # the edge distance sampled this finely (the search needs tenths, not hundredths)


def _distance_grid(foot: shapely.Polygon) -> Callable[[Array], Array]:
    """Distance to the foot's edge at any points (mm), from a field sampled once
    (insolegen.geometry.distance: cubic B-splines on a millimetre grid, exact at its nodes)."""
    ring = np.asarray(foot.exterior.coords)[:-1]
    if not shapely.LinearRing(ring).is_ccw:
        ring = ring[::-1]
    field = distance_field(ring, x_max_mm=float(ring[:, 0].max()), needed_mm=EDGE_REACH_MM, step_mm=EDGE_STEP_MM)

    def lookup(xy: Array) -> Array:
        return np.minimum(np.abs(field.distance_mm(xy[:, 0], xy[:, 1])), EDGE_REACH_MM)

    return lookup
