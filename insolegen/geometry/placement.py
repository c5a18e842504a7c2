"""Placing a part on a printer's bed: centred, rotated about z only when it must be."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from insolegen.core import exact

__all__ = ["BED_MARGIN_MM", "Placement", "describe_bed", "hull_xy", "largest_foot_mm", "place_on_bed"]

BED_MARGIN_MM = 5.0


@dataclass(frozen=True)
class Placement:
    """Rotate by ``angle_deg`` about z, then translate by ``offset_mm`` (x, y)."""

    angle_deg: float
    offset_mm: tuple[float, float]
    bed_mm: tuple[float, float]
    fits: bool

    def rotation(self) -> NDArray[np.float64]:
        return exact.rotation(self.angle_deg)

    def apply(self, vertices: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.array(vertices, dtype=np.float64)
        out[:, :2] = exact.transform(out[:, :2], self.rotation(), self.offset_mm)
        return out

    def transform_3mf(self) -> str:
        """The 3MF ``transform`` attribute (row vectors: p' = p M, translation last)."""
        r = self.rotation()
        m = [r[0, 0], r[1, 0], 0, r[0, 1], r[1, 1], 0, 0, 0, 1, self.offset_mm[0], self.offset_mm[1], 0]
        return " ".join(f"{v:.9g}" for v in m)

    def as_dict(self) -> dict[str, object]:
        return {"bed_mm": list(self.bed_mm), "rotation_deg": self.angle_deg,
                "offset_mm": [round(v, 3) for v in self.offset_mm], "fits": self.fits}


def place_on_bed(vertices: NDArray[np.float64], bed_mm: tuple[float, float]) -> Placement:
    """Centre the part on the bed; if it does not fit as drawn, turn it by the smallest
    angle that fits (e.g. along the diagonal). ``fits`` is False when no angle does.
    ``vertices``: the part's, or any points with the same convex hull in x and y."""
    xy = hull_xy(vertices)  # extents depend on the hull only
    room = np.array(bed_mm) - 2 * BED_MARGIN_MM
    best: tuple[float, float] | None = None  # (angle, overflow)
    for step in range(91):
        for angle in ((step, -step) if step else (0,)):
            rotated = exact.transform(xy, exact.rotation(angle))
            overflow = float(np.max(np.ptp(rotated, axis=0) - room))
            if best is None or overflow < best[1]:
                best = (float(angle), overflow)
            if overflow <= 0:
                return _centred(xy, float(angle), bed_mm, True)
    assert best is not None
    return _centred(xy, best[0], bed_mm, False)


def hull_xy(vertices: NDArray[np.float64]) -> NDArray[np.float64]:
    """The corners of the points' convex hull in x and y (a few hundred, for a part's
    thousands of vertices: what placing it on a bed needs)."""
    import shapely

    xy = np.ascontiguousarray(np.asarray(vertices, dtype=np.float64)[:, :2])
    # shapely.multipoints makes the geometry in one call (MultiPoint() one point at a time)
    return shapely.get_coordinates(shapely.convex_hull(shapely.multipoints(xy)))


def _centred(xy: NDArray[np.float64], angle: float, bed_mm: tuple[float, float], fits: bool) -> Placement:
    rotated = exact.transform(xy, exact.rotation(angle))
    centre = (rotated.min(axis=0) + rotated.max(axis=0)) / 2
    offset = np.array(bed_mm) / 2 - centre
    return Placement(angle, (float(offset[0]), float(offset[1])), bed_mm, fits)


def largest_foot_mm(outline_xy: NDArray[np.float64], bed_mm: tuple[float, float]) -> float:
    """The longest insole of this shape the bed takes (any rotation), in mm."""
    length = float(np.ptp(outline_xy[:, 0]))
    lo, hi = 0.2, 3.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if place_on_bed(outline_xy * mid, bed_mm).fits:
            lo = mid
        else:
            hi = mid
    return length * lo


def describe_bed(printer: str | None, bed_mm: tuple[float, float]) -> str:
    size = f"{bed_mm[0]:g} x {bed_mm[1]:g} mm"
    return f"the {printer} bed ({size})" if printer else f"a {size} bed"

