"""Firmness zones: non-overlapping solids that cover the insole, one infill percent each.

Zones follow the foot's landmarks (docs/clinical.md) and scale with the foot; they are prisms
that overhang the outline slightly and reach above the top, so slicers apply them to
everything inside. A lift is its own firm zone: the lift layer only, from the bed up to
the lift's height. The base and everything above it stay in the cushioning zones, so
the lifted side's foot rests on the same cushion as the other side's. Right-foot frame;
left zones are mirrored with the foot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import manifold3d
import numpy as np
import shapely

from insolegen.geometry.measure import volumes_within_mm3
from insolegen.geometry.outline import Outline, behind_mth_line, cut_offset_mm, resample_ring
from insolegen.geometry.pressure_field import band_areas, band_edges_kpa, band_infill_pct
from insolegen.geometry.solid import Mesh, Resolution, extrude_between, extrude_height_field
from insolegen.geometry.surfaces import FRONT_TAPER_MM, TopSurface
from insolegen.profile.problems import problem
from insolegen.profile.spec import SideSpec, ZonesSpec
from insolegen.profile.zonecheck import MIN_ZONE_AREA_MM2, MIN_ZONE_WIDTH_MM

__all__ = [
    "FOREFOOT_ZONE_START_OFFSET", "HEADROOM_MM", "HEEL_ZONE_END_FRACTION", "LIFT_MIN_MM", "LIFT_OVERHANG_MM",
    "MIN_OVERLAP_MM2", "MIN_ZONE_VOLUME_MM3", "OVERHANG_MM", "PRISM_CLEAN_MM", "TOES_ZONE_START_OFFSET",
    "ZONE_RESOLUTION", "ZONE_SLIVER_MM", "Zone", "ZoneKind", "build_zones", "custom_zone_problems", "from_manifold",
    "lift_region", "pressure_band_areas", "prism", "to_manifold", "zone_areas", "zones_on_lift",
]

# Zone boundaries, as fractions of foot length. (U) conventions on docs/clinical.md's landmarks.
HEEL_ZONE_END_FRACTION = 0.25  # the heel pad ends about a quarter of the way along
FOREFOOT_ZONE_START_OFFSET = -0.06  # forefoot zone starts this far behind the MTH line
TOES_ZONE_START_OFFSET = 0.065  # toes from the toe bases (the sulcus line)
OVERHANG_MM = 1.0  # zones reach past the outline so the slicer's edge is inside them
LIFT_OVERHANG_MM = 1.5  # the lift reaches a little further so its sides never coincide
HEADROOM_MM = 1.0  # zones reach this far above the highest point of the part
MIN_ZONE_VOLUME_MM3 = 1.0  # zones that hold less of the part than this are left out
# Where a wedge thins below this, the lift layer ends and the cushion reaches the bed: a
# slicer lays no sparse infill in a layer thinner than one (0.2 mm), and the first
# layers are solid anyway.
LIFT_MIN_MM = 0.2
ZONE_SLIVER_MM = 1e-5
PRISM_CLEAN_MM = 1e-3
MIN_OVERLAP_MM2 = 1.0  # zones whose footprints share less than this do not lie on each other
ZONE_RESOLUTION = Resolution(tolerance_mm=0.05, edge_spacing_mm=1.5, start_area_mm2=20.0)

ZoneKind = Literal["cushion", "lift", "custom", "cover", "pressure"]


@dataclass(frozen=True)
class Zone:
    """One firmness zone: its name, infill percent and closed mesh (mm)."""

    name: str
    infill_pct: float
    kind: ZoneKind
    mesh: Mesh
    part_volume_mm3: float  # how much of the insole lies in this zone
    extruder: int = 1  # the extruder (filament) that prints it: 1 = the part's own

    def mirrored_y(self) -> Zone:
        return Zone(self.name, self.infill_pct, self.kind, self.mesh.mirrored_y(), self.part_volume_mm3,
                    self.extruder)


# Double precision in and out of manifold3d: rounding a boolean's result to float32
# turned sliver triangles into zero-area ones, which the zone checks then refuse.
def to_manifold(mesh: Mesh) -> manifold3d.Manifold:
    return manifold3d.Manifold(
        manifold3d.Mesh64(vert_properties=mesh.vertices.astype(np.float64), tri_verts=mesh.faces.astype(np.uint64))
    )


def from_manifold(solid: manifold3d.Manifold) -> Mesh:
    mesh = solid.to_mesh64()
    return Mesh(vertices=np.asarray(mesh.vert_properties[:, :3], dtype=np.float64),
                faces=np.asarray(mesh.tri_verts, dtype=np.int64))


def prism(area: shapely.Geometry, height_mm: float) -> manifold3d.Manifold:
    """``area`` (holes kept) extruded from z = 0 to ``height_mm``."""
    rings = []
    for polygon in shapely.get_parts(shapely.orient_polygons(area)):
        rings.append(np.asarray(polygon.exterior.coords)[:-1])
        rings.extend(np.asarray(hole.coords)[:-1] for hole in polygon.interiors)
    # A footprint cut from contours keeps points a hair off the line through their
    # neighbours: dropped (within PRISM_CLEAN_MM), else the caps get zero-area slivers.
    return manifold3d.Manifold.extrude(manifold3d.CrossSection(rings).simplify(PRISM_CLEAN_MM), height_mm)


def zone_areas(spec: SideSpec, outline: Outline, zones: ZonesSpec,
               surface: TopSurface | None = None) -> list[tuple[str, float, ZoneKind, shapely.Geometry]]:
    """2-D footprints (right-foot frame) of the cushioning and custom zones: disjoint,
    together covering the outline grown by OVERHANG_MM. Custom zones win where they
    overlap a standard zone; an earlier custom zone wins over a later one. With
    [pressure] zones = "pressure", the map's bands of infill take the standard zones'
    place (insolegen.geometry.pressure_field.band_areas)."""
    if spec.pressure is not None and spec.pressure.graded_zones and surface is not None \
            and surface.pressure_relief is not None:
        return pressure_band_areas(spec, outline, zones, surface)
    fl = spec.foot_length_mm
    lm = outline.landmarks
    region = outline.polygon.buffer(OVERHANG_MM)
    customs = []
    taken = shapely.Polygon()
    for zone in zones.custom:
        area = shapely.Polygon(zone.polygon).intersection(region).difference(taken)
        taken = taken.union(area)
        customs.append((zone.name, zone.infill_pct, "custom", area))
    free = region.difference(taken)
    x0, y0, _x1, y1 = region.bounds
    heel_cut = shapely.box(x0 - 1, y0 - 1, HEEL_ZONE_END_FRACTION * fl, y1 + 1)
    fore_cut = behind_mth_line(lm, FOREFOOT_ZONE_START_OFFSET * fl)
    toes_cut = behind_mth_line(lm, TOES_ZONE_START_OFFSET * fl)
    standard = [
        ("heel", zones.heel_pct, free.intersection(heel_cut)),
        ("arch", zones.arch_pct, free.intersection(fore_cut).difference(heel_cut)),
        ("forefoot", zones.forefoot_pct, free.intersection(toes_cut).difference(fore_cut).difference(heel_cut)),
        ("toes", zones.toes_pct, free.difference(toes_cut).difference(heel_cut)),
    ]
    return [(n, p, "cushion", a) for n, p, a in standard] + customs


def pressure_band_areas(spec: SideSpec, outline: Outline, zones: ZonesSpec,
                        surface: TopSurface) -> list[tuple[str, float, ZoneKind, shapely.Geometry]]:
    """The map's bands (lowest pressure first), custom zones winning where they lie."""
    asked = spec.pressure
    relief = surface.pressure_relief
    assert asked is not None and relief is not None
    region = outline.polygon.buffer(OVERHANG_MM)
    customs, taken = [], shapely.Polygon()
    for zone in zones.custom:
        area = shapely.Polygon(zone.polygon).intersection(region).difference(taken)
        taken = taken.union(area)
        customs.append((zone.name, zone.infill_pct, "custom", area))
    edges = band_edges_kpa(asked.relief_above_kpa, asked.bands)
    infill = band_infill_pct(asked.bands, asked.softest_pct, asked.firmest_pct, asked.grading)
    areas = band_areas(relief.field.kpa, region.difference(taken), edges)
    bands = [(f"pressure_{k + 1}", pct, "pressure", area) for k, (pct, area) in enumerate(zip(infill, areas))]
    return bands + customs  # type: ignore[return-value]


def lift_region(spec: SideSpec, outline: Outline, surface: TopSurface) -> shapely.Geometry:
    """Where the lift layer is at least LIFT_MIN_MM thick: everywhere for a full-length
    lift; for a wedge, behind the line across the foot where it thins to that (the lift
    falls with the heel-to-MTH progress, whose level lines are straight)."""
    region = outline.polygon.buffer(LIFT_OVERHANG_MM)
    if spec.lift_forefoot_mm >= LIFT_MIN_MM:
        if spec.length == "full":
            return region
        # A shortened device's front taper eases the lift out (surfaces.FRONT_TAPER_MM):
        # the layer ends where fade x forefoot lift falls to LIFT_MIN_MM, a line
        # parallel to the cut (and to the MTH line).
        share = LIFT_MIN_MM / spec.lift_forefoot_mm
        lo, hi = 0.0, 1.0
        for _ in range(50):  # smoothstep(t) = share, by bisection
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if mid * mid * (3 - 2 * mid) < share else (lo, mid)
        offset = cut_offset_mm(outline.landmarks, spec.length) - hi * FRONT_TAPER_MM
        return region.intersection(behind_mth_line(outline.landmarks, offset))
    lm = outline.landmarks
    (x1, y1), (x5, y5) = lm.mth1, lm.mth5
    x_hc = lm.heel_centre[0]
    # The progress p where the lift is LIFT_MIN_MM, by bisection: lift_mm falls from
    # heel_mm at p = 0 to forefoot_mm at p = 1.
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        x = x_hc + mid * (lm.mth_line_x(0.0) - x_hc)
        if float(surface.lift_layer_mm(np.array([x]), np.array([0.0]))[0]) >= LIFT_MIN_MM:
            lo = mid
        else:
            hi = mid
    # The level line p = lo through its points on the lines y = y1 and y = y5, made a
    # half-plane reaching far behind the heel.
    a = np.array([x_hc + lo * (x5 - x_hc), y5])
    b = np.array([x_hc + lo * (x1 - x_hc), y1])
    far = 10 * lm.foot_length_mm
    along = (b - a) / np.hypot(*(b - a))
    a, b = a - far * along, b + far * along
    return region.intersection(shapely.Polygon([a, b, b - [far, 0], a - [far, 0]]))


def build_zones(
    spec: SideSpec, outline: Outline, surface: TopSurface, body: Mesh, zones: ZonesSpec,
    resolution: Resolution = ZONE_RESOLUTION,
) -> tuple[Zone, ...]:
    """The zone solids for one insole (right-foot frame), in a fixed order: heel, arch,
    forefoot, toes, custom zones in profile order, then the lift."""
    top = float(body.vertices[:, 2].max()) + HEADROOM_MM
    areas = [(n, p, k, a) for n, p, k, a in zone_areas(spec, outline, zones, surface) if not a.is_empty and a.area > 0]
    out: list[Zone] = []
    lifted = spec.lift_heel_mm >= LIFT_MIN_MM
    cover_mm = spec.modifications.top_cover_mm
    if not lifted and cover_mm <= 0:
        # Nothing to cut out: each zone is a prism, and the part's volume in it is
        # integrated over the body's faces (exact; a third of the time of booleans).
        volumes = volumes_within_mm3(body.vertices, body.faces, [a for *_, a in areas])
        for (name, pct, kind, area), inside in zip(areas, volumes):
            if inside >= MIN_ZONE_VOLUME_MM3:
                out.append(Zone(name, pct, kind, from_manifold(prism(area, top)), inside))
        return tuple(out)

    body_solid = to_manifold(body)
    cutters = []
    cover_solid = None
    if cover_mm > 0:
        # The top cover_mm of the part, from the outline grown a little past the
        # cushion prisms (so no two sides coincide) up to above the part's top.
        boundary = resample_ring(outline.polygon.buffer(LIFT_OVERHANG_MM), resolution.edge_spacing_mm)

        def floor(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            return surface.top_mm(x, y) - cover_mm

        cover_solid = to_manifold(extrude_between(boundary, floor, lambda x, y: np.full(np.shape(x), top),
                                                  floor, resolution))
        cutters.append(cover_solid)
    lift_solid = None
    if lifted:
        boundary = resample_ring(lift_region(spec, outline, surface), resolution.edge_spacing_mm)
        # on the bed, or on the footbed the underside follows
        lift_solid = to_manifold(extrude_height_field(boundary, surface.lift_layer_mm, resolution, floor=surface.floor,
                                                      floor_curvature_per_mm=surface.footbed_curvature_per_mm()))
        if cover_solid is not None:  # where a relief digs the cover down into the lift, the cover wins
            lift_solid = (lift_solid - cover_solid).simplify(ZONE_SLIVER_MM)
        cutters.append(lift_solid)
    for name, pct, kind, area in areas:
        solid = prism(area, top)
        for cutter in cutters:
            # A cut can leave slivers a micrometre across (zero-area triangles, which the
            # zone checks refuse): collapse them, moving nothing by more than a
            # hundredth of a micrometre.
            solid = (solid - cutter).simplify(ZONE_SLIVER_MM)
        inside = (solid ^ body_solid).volume()
        if inside >= MIN_ZONE_VOLUME_MM3:
            out.append(Zone(name, pct, kind, from_manifold(solid), inside))
    if cover_solid is not None:
        out.append(Zone("top_cover", zones.top_cover_pct, "cover", from_manifold(cover_solid),
                        (cover_solid ^ body_solid).volume(), extruder=zones.top_cover_extruder))
    if lift_solid is not None:
        out.append(Zone("lift", zones.lift_pct, "lift", from_manifold(lift_solid), (lift_solid ^ body_solid).volume()))
    return tuple(out)


def zones_on_lift(zones: Sequence[Zone]) -> list[str]:
    """The names of the zones that lie on the lift layer (their footprints overlap the
    lift's by more than a square millimetre), in zone order; none without a lift."""
    lift = next((z for z in zones if z.kind == "lift"), None)
    if lift is None:
        return []
    under = to_manifold(lift.mesh).project()
    return [z.name for z in zones
            if z.kind not in ("lift", "cover") and (to_manifold(z.mesh).project() ^ under).area() > MIN_OVERLAP_MM2]


def custom_zone_problems(zones: ZonesSpec, outline: shapely.Polygon) -> list[str]:
    """Custom polygons that miss this side's insole outline (right-foot frame) or are
    too small on it to print, one line each (bad input: the build refuses them)."""
    found: list[str] = []
    for i, zone in enumerate(zones.custom):
        key = f"zones.custom[{i}] ({zone.name!r})"
        inside = shapely.Polygon(zone.polygon).intersection(outline)
        if inside.area == 0:
            x0, y0, x1, y1 = outline.bounds
            found.append(problem(f"zones.custom[{i}].polygon", list(zone.polygon),
                f"{key}: polygon is outside the insole, which spans x {x0:.0f} to "
                f"{x1:.0f} mm and y {y0:.0f} to {y1:.0f} mm (right-foot frame, arch on +y)"
            ))
        elif inside.area < MIN_ZONE_AREA_MM2 or inside.buffer(-MIN_ZONE_WIDTH_MM / 2).is_empty:
            found.append(problem(f"zones.custom[{i}].polygon", list(zone.polygon),
                f"{key}: only {inside.area:.1f} mm\u00b2 of it lies on the insole: too small to "
                f"print (allowed: at least {MIN_ZONE_AREA_MM2:g} mm\u00b2 and {MIN_ZONE_WIDTH_MM:g} mm wide)"
            ))
    return found
