"""What a registered pressure map does to the insole (docs/pressure.md): the map as a
smooth field of kPa over the foot, the relief it asks for, the bands of infill it
grades, and its peak under each region of the foot.

The field is the interpolating cubic B-spline through the cells (C2, and equal to each
cell's value at its centre, so a cell over the threshold is over it in the field too);
no sensor and off the map read 0. The relief's depth follows the editable table
(kPa, mm) with a smoothstep between its rows (C1: level at each row), and is held
smoothly (a C1 soft minimum) to what leaves the printable minimum under it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core.bspline import cubic_at, cubic_coefficients
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.geometry.blends import smoothstep
from insolegen.geometry.outline import Outline
from insolegen.geometry.pressure_fit import PressureFit
from insolegen.inputs.pressure_files import PressureGrid

__all__ = [
    "BAND_CLEAN_MM",
    "BAND_SIMPLIFY_MM",
    "BAND_STEP_MM",
    "HEEL_END",
    "MIDFOOT_END_BEHIND_MTH_MM",
    "MTH_ACROSS",
    "MTH_RADIUS_MM",
    "SOFT_MIN_MM",
    "Array",
    "PressureField",
    "PressureRelief",
    "band_areas",
    "band_edges_kpa",
    "band_infill_pct",
    "pressure_field",
    "region_areas",
    "soft_min",
]

Array = NDArray[np.float64]

SOFT_MIN_MM = 0.5  # the relief's hold to the printable minimum rounds over this much depth
BAND_STEP_MM = 1.0  # the field is sampled this finely to draw the bands' edges
BAND_SIMPLIFY_MM = 0.2
BAND_CLEAN_MM = 0.01


@dataclass(frozen=True)
class PressureField:
    """kPa at any point of the right-foot frame, from a grid laid on the foot by ``fit``."""

    grid: PressureGrid
    fit: PressureFit
    coefficients: Array = field(repr=False)
    key: str = "pressure"
    file: str = ""

    def kpa(self, x: Array, y: Array) -> Array:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        at = self.fit.invert(np.column_stack([x.ravel(), y.ravel()]))
        col = at[:, 0] / (self.grid.col_pitch_mm or 1.0)
        row = -at[:, 1] / (self.grid.row_pitch_mm or 1.0)  # rows run down the picture (cell_centres_mm)
        rows, cols = self.grid.kpa.shape
        on = (row >= -0.5) & (row <= rows - 0.5) & (col >= -0.5) & (col <= cols - 0.5)
        out = np.zeros(len(row))
        if on.any():
            out[on] = cubic_at(self.coefficients, np.clip(row[on], 0, rows - 1), np.clip(col[on], 0, cols - 1))
        return np.maximum(out, 0.0).reshape(x.shape)


def pressure_field(grid: PressureGrid, fit: PressureFit, key: str = "pressure", file: str = "") -> PressureField:
    return PressureField(grid, fit, cubic_coefficients(np.nan_to_num(grid.kpa, nan=0.0)), key, file)


@dataclass(frozen=True)
class PressureRelief:
    """The relief a map asks for: depth (mm) by the table, under the field's kPa."""

    field: PressureField
    table: tuple[tuple[float, float], ...]  # (kPa, mm), rising kPa
    threshold_kpa: float

    def asked_mm(self, x: Array, y: Array) -> Array:
        """The table's depth at each point, before the printable minimum's hold."""
        p = self.field.kpa(x, y)
        (k0, d0) = self.table[0]
        out = np.where(p >= k0, d0, 0.0)
        for (ka, da), (kb, db) in zip(self.table, self.table[1:]):
            t = np.clip((p - ka) / (kb - ka), 0.0, 1.0)
            out = np.where(p >= ka, da + (db - da) * smoothstep(t), out)
        return out

    def depth_mm(self, x: Array, y: Array, top_mm: Array) -> Array:
        """The depth cut at each point of a top ``top_mm`` above the underside: the
        table's, held (smoothly) to leave PRINTABLE_MIN_MM."""
        asked = self.asked_mm(x, y)
        room = np.maximum(np.asarray(top_mm, dtype=float) - PRINTABLE_MIN_MM, 0.0)
        return np.maximum(soft_min(asked, room, SOFT_MIN_MM), 0.0)


def soft_min(a: Array, b: Array, k: float) -> Array:
    """min(a, b) rounded over ``k`` (C1), never above either."""
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k / 4.0


def band_edges_kpa(threshold_kpa: float, bands: int) -> Array:
    """The lower edge of each band above the first: evenly up to the threshold, so the
    last band holds everything over it (the cells a relief offloads)."""
    return threshold_kpa * np.arange(1, bands) / (bands - 1)


def band_infill_pct(bands: int, softest: float, firmest: float, grading: str) -> list[float]:
    """Each band's infill, lowest pressure first: firm to soft for offloading (softest
    where the pressure is highest), soft to firm for support."""
    steps = np.linspace(firmest, softest, bands)
    return [float(round(v, 2)) for v in (steps if grading == "offload" else steps[::-1])]


def band_areas(field_kpa: Callable[[Array, Array], Array], region: shapely.Geometry,
               edges_kpa: Array) -> list[shapely.Geometry]:
    """Band k: where the field lies between edges k - 1 and k (the first from 0, the
    last to any pressure), within ``region``: disjoint, and together the region."""
    import contourpy

    x0, y0, x1, y1 = region.bounds
    gx = np.arange(x0 - BAND_STEP_MM, x1 + 2 * BAND_STEP_MM, BAND_STEP_MM)
    gy = np.arange(y0 - BAND_STEP_MM, y1 + 2 * BAND_STEP_MM, BAND_STEP_MM)
    xx, yy = np.meshgrid(gx, gy)
    z = field_kpa(xx, yy)
    generator = contourpy.contour_generator(gx, gy, z, fill_type=contourpy.FillType.OuterOffset)
    above = []
    top = float(max(z.max(), edges_kpa[-1])) + 1.0
    for edge in edges_kpa:
        polygons = []
        for points, offsets in zip(*generator.filled(float(edge), top)):
            rings = [points[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
            if len(rings[0]) >= 4:
                polygons.append(shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
        area = shapely.union_all([p.buffer(0) for p in polygons]) if polygons else shapely.Polygon()
        above.append(area.simplify(BAND_SIMPLIFY_MM).buffer(0).intersection(region))
    out = []
    previous = region
    for area in above:
        area = area.intersection(previous)  # nested, whatever the simplify did
        out.append(previous.difference(area))
        previous = area
    out.append(previous)
    # The differences leave points in line with their neighbours (a zero-area triangle
    # in the zone's solid): gone at a hundredth of a millimetre, far under the band
    # edge's own millimetre sampling.
    return [shapely.simplify(a, BAND_CLEAN_MM).buffer(0) for a in out]


# Regions of the foot for the report's peaks (fractions of foot length from the heel;
# the MTH and toe regions from the landmarks).
HEEL_END = 0.30
MIDFOOT_END_BEHIND_MTH_MM = 20.0
MTH_RADIUS_MM = 12.0
MTH_ACROSS = (0.13, 0.31, 0.49, 0.67, 0.85)


def region_areas(outline: Outline, foot: shapely.Polygon) -> dict[str, shapely.Geometry]:
    """heel, midfoot, MTH 1-5, hallux, toes: where the report reads each region's peak."""
    lm = outline.landmarks
    fl = lm.foot_length_mm
    x0, y0, x1, y1 = foot.bounds
    (xa, ya), (xb, yb) = lm.mth1, lm.mth5
    mth_x = (xa + xb) / 2
    heel = foot.intersection(shapely.box(x0 - 1, y0 - 1, HEEL_END * fl, y1 + 1))
    mid = foot.intersection(shapely.box(HEEL_END * fl, y0 - 1, mth_x - MIDFOOT_END_BEHIND_MTH_MM, y1 + 1))
    out = {"heel": heel, "midfoot": mid}
    for k, a in enumerate(MTH_ACROSS, start=1):
        centre = (xa + a * (xb - xa), ya + a * (yb - ya))
        out[f"MTH {k}"] = shapely.Point(centre).buffer(MTH_RADIUS_MM).intersection(foot)
    front = foot.intersection(shapely.box(mth_x + MTH_RADIUS_MM, y0 - 1, x1 + 1, y1 + 1))
    split = ya + 0.3 * (yb - ya)  # the hallux: the medial share of the toes
    medial_is_high = ya > yb
    hallux_box = shapely.box(mth_x, split, x1 + 1, y1 + 1) if medial_is_high else shapely.box(mth_x, y0 - 1, x1 + 1, split)
    out["hallux"] = front.intersection(hallux_box)
    out["toes"] = front.difference(hallux_box)
    return out
