"""The lattice part of each side ([lattice] enabled; insolegen.geometry.lattice.fill makes the
geometry): built from the finished part (its label's recess kept, the core kept solid
under it), checked at the lattice's own thinnest wall, and measured: one solid, its
thinnest wall, each zone's solid fraction in a box in the zone's middle."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import shapely
import shapely.affinity
from numpy.typing import NDArray

from insolegen.build.record import LatticeFigures, LatticeZone
from insolegen.checks.meshcheck import check_part
from insolegen.geometry.lattice.fill import (
    LIFT_BLEND_MM,
    blended_fraction,
    bodies_and_cavities,
    fill_with_lattice,
    greatest_fraction,
    least_fraction,
    measured_fraction,
    thinnest_allowed_mm,
)
from insolegen.geometry.mending import welded_as_stl
from insolegen.geometry.solid import Mesh
from insolegen.geometry.zones import LIFT_MIN_MM, to_manifold, zone_areas
from insolegen.profile.spec import LatticeSpec, ZonesSpec

if TYPE_CHECKING:
    import manifold3d

    from insolegen.build.parts import SidePart

__all__ = ["Array", "DrainFitError", "LatticeError", "lattice_clamped", "lattice_part"]

Array = NDArray[np.float64]


class LatticeError(Exception):
    """A lattice part that failed its checks (the message says which)."""


class DrainFitError(LatticeError):
    """A void with no room for the drain hole asked (bad input: the settings say how)."""


def lattice_part(part: SidePart, zones: ZonesSpec, lattice: LatticeSpec) -> tuple[Mesh, LatticeFigures]:
    """The side's lattice part and its figures. Raises LatticeError if it is not a
    printable solid."""
    start = time.perf_counter()
    mirror = part.mirror
    surface = part.surface
    areas = [(name, pct, area) for name, pct, kind, area in zone_areas(part.spec, part.outline, zones, surface)
             if not area.is_empty]
    least, greatest = least_fraction(lattice), greatest_fraction(lattice)
    in_frame = [(max(pct / 100.0, 0.0), shapely.affinity.scale(area, 1.0, mirror, origin=(0, 0)))
                for _, pct, area in areas]
    ring = part.outline.boundary * [1.0, mirror]
    fraction = blended_fraction(in_frame, shapely.Polygon(ring).bounds, lattice.blend_mm)

    def top(x, y):
        return surface.height_mm(np.asarray(x), np.asarray(y) * mirror)

    lift = None
    if part.spec.lift_heel_mm >= LIFT_MIN_MM:
        lift = (lambda x, y: surface.lift_layer_mm(np.asarray(x), np.asarray(y) * mirror), zones.lift_pct / 100.0)
    keep = part.label.outline.buffer(lattice.perimeter_mm) if part.label is not None else None
    filled = fill_with_lattice(part.mesh, ring, top, fraction, lattice, keep_solid=keep, lift=lift)
    drains = filled.drains
    if drains is not None and drains.undrainable:
        worst = max(drains.undrainable, key=lambda u: u.volume_mm3)
        widest = drains.widest_all_take_mm
        takes = f"they all take at most {widest:g} mm" if widest > 0 else "one does not reach the bottom skin"
        raise DrainFitError(
            f"the {part.spec.side} lattice part: {len(drains.undrainable)} void(s) with no room at the floor for a "
            f"{lattice.drain_hole_mm:g} mm drain hole clear of the sheet ({takes}; the largest, "
            f"{worst.volume_mm3:g} mm3, near x = {worst.x_mm:g}, y = {worst.y_mm:g} mm in the STL's frame): allowed "
            "is a smaller lattice.drain_hole_mm, a larger lattice.cell_mm, or a lower solid fraction there")
    mesh = filled.mesh
    assert mesh is not None
    written = welded_as_stl(mesh)  # as a reader of the STL sees it
    report = check_part(written.vertices, written.faces, min_thickness_mm=thinnest_allowed_mm(lattice),
                        sections=False)  # walls across, not vertical sections (meshcheck.check_mesh)
    if not report.ok:
        raise LatticeError(f"the {part.spec.side} lattice part failed its checks: " + "; ".join(report.problems))
    solid = to_manifold(mesh)  # once, for the pieces and every measuring box
    bodies, cavities = bodies_and_cavities(solid)
    if bodies != 1:
        raise LatticeError(f"the {part.spec.side} lattice part is {bodies} separate solids, not one")
    if drains is not None and cavities:
        raise LatticeError(f"the {part.spec.side} lattice part still has {cavities} sealed void(s) after drilling "
                           f"{len(drains.holes_xy_mm)} drain holes")
    measured = []
    for (name, pct, _area), (_, framed) in zip(areas, in_frame):
        built = min(max(pct, 100 * least), 100 * greatest)
        measured.append(LatticeZone(name=name, asked_pct=pct, built_pct=round(built, 1),
                                    measured_pct=_measure(solid, framed, top, lift and lift[0], lattice)))
    figures = LatticeFigures(
        triangles=len(mesh.faces), bodies=bodies, cavities=cavities,
        thinnest_wall_mm=round(float(report.thinnest_wall_mm), 3) if np.isfinite(report.thinnest_wall_mm) else -1.0,
        least_fraction_pct=round(100 * least, 1), zones=tuple(measured),
        build_seconds=round(time.perf_counter() - start, 2), settings=lattice.as_dict(),
        drain_holes_xy_mm=() if drains is None else tuple((round(x, 2), round(y, 2)) for x, y in drains.holes_xy_mm),
        drained_voids=0 if drains is None else drains.voids,
        filled_pockets_mm3=0.0 if drains is None else round(drains.filled_mm3, 1))
    return mesh, figures


def lattice_clamped(figures: LatticeFigures, lattice: LatticeSpec) -> list[str]:
    """A warning for the zones asking a solid fraction under the least the cell and wall
    print (built at that least, so the zones between them no longer differ)."""
    said = []
    under = [z for z in figures.zones if z.built_pct > z.asked_pct]
    if under:
        names = ", ".join(f"{z.name} {z.asked_pct:g} %" for z in under)
        said.append(f"lattice: {names} solid asked, under the least a {lattice.cell_mm:g} mm {lattice.kind} cell with "
                    f"{lattice.wall_min_mm:g} mm walls prints ({figures.least_fraction_pct:g} %): built at "
                    f"{figures.least_fraction_pct:g} % (a larger lattice.cell_mm goes lower; zone values are solid % here)")
    over = [z for z in figures.zones if z.built_pct < z.asked_pct]
    if over:
        names = ", ".join(f"{z.name} {z.asked_pct:g} %" for z in over)
        greatest = over[0].built_pct
        said.append(f"lattice: {names} solid asked, over the most a {lattice.cell_mm:g} mm {lattice.kind} cell keeps "
                    f"open ({greatest:g} %: its voids' necks close above it): built at {greatest:g} %")
    return said


def _measure(solid: manifold3d.Manifold, area: shapely.Geometry, top: Callable[[Array, Array], Array],
             lift_top: Callable[[Array, Array], Array] | None, lattice: LatticeSpec) -> float | None:
    """The solid fraction in a box a cell square in the zone's middle
    (away from its edges by half the blend), between the skins; None where the core
    there is too thin to average the sheet (lattice.measured_fraction)."""
    inner = area.buffer(-(lattice.blend_mm / 2 + lattice.cell_mm / 2 + lattice.perimeter_mm))
    if inner.is_empty:
        return None
    # the inner region's point where the core is thickest
    x0, y0, x1, y1 = inner.bounds
    xx, yy = np.meshgrid(np.arange(x0, x1 + 1, 2.0), np.arange(y0, y1 + 1, 2.0))
    inside = shapely.contains_xy(inner, xx, yy)
    if not inside.any():
        return None
    px, py = xx[inside], yy[inside]
    half = lattice.cell_mm / 2
    span = [(np.linspace(x - half, x + half, 7)[:, None], np.linspace(y - half, y + half, 7)[None, :]) for x, y in zip(px, py)]
    low = np.array([float(np.min(top(*s))) for s in span])
    # above a lift layer (its own fraction) and its easing
    floor = np.array([float(np.max(lift_top(*s))) + LIFT_BLEND_MM if lift_top else 0.0 for s in span])
    floor = np.maximum(floor, lattice.skin_bottom_mm)
    k = int(np.argmax(low - floor))
    return measured_fraction(solid, (float(px[k]), float(py[k])), float(floor[k]), float(low[k]) - lattice.skin_top_mm,
                             lattice.cell_mm)
