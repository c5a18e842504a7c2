"""Calibration coupons (``insolegen coupons``): test blocks a user prints and presses to
choose zone values for their own material and printer.

Each coupon is a COUPON_MM block with a thin tab along one side. The tab carries the
density, cut LABEL_DEPTH_MM into its underside as the insoles' labels are (read from
below), so nothing is cut into the block that is pressed. An infill coupon is solid
geometry whose 3MF asks the slicer for that infill; a lattice coupon is filled with the
sheet at that solid fraction (insolegen.geometry.lattice.fill), inside the same skins and rim as an
insole, and is measured on the mesh like an insole's zones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import shapely
import shapely.affinity

from insolegen.checks.meshcheck import MeshReport, check_part
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.geometry.label import LABEL_DEPTH_MM, printable_cut, text_outline_mm
from insolegen.geometry.lattice.fill import (
    Grid2D,
    bodies_and_cavities,
    fill_with_lattice,
    greatest_fraction,
    least_fraction,
    measured_fraction,
    thinnest_allowed_mm,
)
from insolegen.geometry.mending import welded_as_stl
from insolegen.geometry.recess import RecessError, recess_underside
from insolegen.geometry.solid import Mesh
from insolegen.profile.spec import LatticeSpec

__all__ = [
    "COUPON_MM",
    "DEFAULT_DENSITIES",
    "DENSITY_RANGE_PCT",
    "MAX_COUPONS",
    "TAB_MM",
    "TEXT_HEIGHT_MM",
    "Coupon",
    "CouponDrainError",
    "CouponError",
    "CouponKind",
    "blank",
    "coupon_label",
    "density_problems",
    "infill_coupon",
    "lattice_coupon",
    "lattice_densities",
]

COUPON_MM = (40.0, 40.0, 10.0)  # the pressed block: x, y, height
TAB_MM = (40.0, 12.0, 2.4)  # the label's tab along the block's front (y < 0): x, y, thickness
TEXT_HEIGHT_MM = 6.0  # capitals on the tab
DEFAULT_DENSITIES = (10, 20, 30, 40, 50, 60)
DENSITY_RANGE_PCT = (1.0, 100.0)
MAX_COUPONS = 12


class CouponKind(Enum):
    INFILL = "infill"
    LATTICE = "lattice"


class CouponDrainError(Exception):
    """Drain holes asked that the coupon's voids have no room for (bad input)."""


class CouponError(Exception):
    """A coupon that failed its checks (the message says which)."""


@dataclass(frozen=True)
class Coupon:
    """One coupon: the density asked, what was built (a lattice goes no lower than its
    least fraction), the fraction measured on the mesh (lattice), the mesh and its
    check."""

    kind: CouponKind
    asked_pct: float
    built_pct: float
    measured_pct: float | None
    text: str
    mesh: Mesh
    report: MeshReport
    cavities: int = 0
    drain_holes: int = 0

    @property
    def stem(self) -> str:
        return f"coupon-{self.kind.value}-{self.asked_pct:g}"

    def as_dict(self) -> dict[str, object]:
        return {"asked_pct": self.asked_pct, "built_pct": self.built_pct, "measured_pct": self.measured_pct,
                "label": self.text, "triangles": len(self.mesh.faces), "cavities": self.cavities,
                "drain_holes": self.drain_holes,
                "volume_mm3": round(float(self.report.volume_mm3), 1),
                "thinnest_wall_mm": round(float(self.report.thinnest_wall_mm), 3)
                if math.isfinite(self.report.thinnest_wall_mm) else None}


def coupon_label(asked_pct: float) -> str:
    return f"{asked_pct:g}%"


def blank(text: str) -> Mesh:
    """The block and its tab as one solid, the text cut into the tab's underside."""
    import manifold3d

    from insolegen.geometry.zones import from_manifold

    x, y, z = COUPON_MM
    tx, ty, tz = TAB_MM
    block = manifold3d.Manifold.cube([x, y, z])
    tab = manifold3d.Manifold.cube([tx, ty + 1.0, tz]).translate([0.0, -ty, 0.0])  # 1 mm into the block: one solid
    body = from_manifold(block + tab)
    glyphs = printable_cut(shapely.affinity.scale(text_outline_mm(text, TEXT_HEIGHT_MM), 1.0, -1.0, origin=(0, 0)))
    placed = shapely.affinity.translate(glyphs, tx / 2, -ty / 2)
    try:
        return recess_underside(body, placed, LABEL_DEPTH_MM)
    except RecessError as exc:
        raise CouponError(f"the label {text!r} cannot be cut into the coupon's tab: {exc}") from None


def infill_coupon(asked_pct: float) -> Coupon:
    mesh = blank(coupon_label(asked_pct))
    report = _checked(mesh, PRINTABLE_MIN_MM)
    return Coupon(CouponKind.INFILL, asked_pct, asked_pct, None, coupon_label(asked_pct), mesh, report)


def lattice_coupon(asked_pct: float, settings: LatticeSpec) -> Coupon:
    """The block filled with the sheet at ``asked_pct`` solid fraction (or the least the
    wall allows), the tab solid; measured in a cell-square box in the block's middle."""
    x, y, z = COUPON_MM
    least = least_fraction(settings)
    built = min(max(asked_pct / 100.0, least), greatest_fraction(settings))
    text = coupon_label(asked_pct)
    body = blank(text)
    ring = np.array([[0.0, 0.0], [x, 0.0], [x, y], [0.0, y]])
    fraction = Grid2D((0.0, 0.0), 1.0, np.full((2, 2), built))  # the same everywhere (read clamped)

    def top(px, py):
        return np.full(np.broadcast(np.asarray(px), np.asarray(py)).shape, z)

    filled = fill_with_lattice(body, ring, top, fraction, settings)
    if filled.mesh is None:
        assert filled.drains is not None  # no mesh only when a void cannot be drained
        widest = filled.drains.widest_all_take_mm
        if widest > 0:
            raise CouponDrainError(
                f"--drain-hole-mm {settings.drain_hole_mm:g}: the {text} coupon's voids take a drain hole of at most "
                f"{widest:g} mm ({settings.cell_mm:g} mm {settings.kind} cell): allowed is a smaller --drain-hole-mm, "
                "a larger --cell-mm or a lower density")
        raise CouponDrainError(
            f"--drain-hole-mm {settings.drain_hole_mm:g}: a void of the {text} coupon does not reach the bottom skin, "
            f"where the holes go ({settings.cell_mm:g} mm {settings.kind} cell in a {COUPON_MM[2]:g} mm block): "
            "allowed is a smaller --cell-mm or a lower density")
    mesh = filled.mesh
    holes = len(filled.drains.holes_xy_mm) if filled.drains is not None else 0
    report = _checked(mesh, thinnest_allowed_mm(settings), lattice=True)
    bodies, cavities = bodies_and_cavities(mesh)
    if bodies != 1:
        raise CouponError(f"the {text} lattice coupon is {bodies} separate solids, not one")
    measured = measured_fraction(mesh, (x / 2, y / 2), settings.skin_bottom_mm, z - settings.skin_top_mm,
                                 settings.cell_mm)
    if filled.drains is not None and cavities:
        raise CouponError(f"the {text} lattice coupon still has {cavities} sealed void(s) after drilling {holes} holes")
    return Coupon(CouponKind.LATTICE, asked_pct, round(100 * built, 1), measured, text, mesh, report, cavities, holes)


def lattice_densities(least_pct: float, greatest_pct: float = 100.0) -> list[float]:
    """The default lattice coupons: six steps of 10 % from the first multiple of 10 at
    or over the least fraction the cell and wall print, up to the greatest it keeps open."""
    first = math.ceil(least_pct / 10.0 - 1e-9) * 10
    return [float(d) for d in range(int(first), int(first) + 60, 10) if d <= greatest_pct + 1e-9]


def _checked(mesh: Mesh, min_thickness_mm: float, lattice: bool = False) -> MeshReport:
    written = welded_as_stl(mesh)
    report = check_part(written.vertices, written.faces, min_thickness_mm=min_thickness_mm, sections=not lattice)
    if not report.ok:
        raise CouponError("a coupon failed its checks: " + "; ".join(report.problems))
    return report


def density_problems(densities: list[float]) -> list[str]:
    """Why these densities cannot be made (empty: they can)."""
    lo, hi = DENSITY_RANGE_PCT
    found = [f"--densities {d:g} is out of range: allowed is {lo:g} to {hi:g} %" for d in densities
             if not (math.isfinite(d) and lo <= d <= hi)]
    # the density is cut into the tab: one decimal at most fits it, and is all a press tells apart
    found += [f"--densities {d:g} has more than one decimal: give it as {round(d, 1):g}" for d in densities
              if math.isfinite(d) and round(d, 1) != d]
    if len(set(densities)) != len(densities):
        found.append("--densities gives a value twice: give each density once")
    if len(densities) > MAX_COUPONS:
        found.append(f"--densities gives {len(densities)} values: allowed is at most {MAX_COUPONS}")
    return found


