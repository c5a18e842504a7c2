"""The build: profile -> feet -> outline -> surfaces -> solid -> checks -> record.

:func:`build_side` is pure (a spec in, a finished part out); :func:`build_profile`
reads the feet, builds and checks every side and returns the parts with their typed
:class:`~insolegen.record.BuildRecord`. Files are made from it downstream
(:mod:`insolegen.exports.bundle`); nothing here writes or imports an exporter.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence, get_args

import numpy as np
import shapely

from . import __version__
from .placement import Placement, describe_bed, hull_xy, largest_foot_mm, place_on_bed
from .profile.printers import DEFAULT_ORCA_BED_MM, DEFAULT_PRUSA_BED_MM
from .measure import bottom_heights, footprint, top_heights
from .meshcheck import MeshReport, check_part, check_zone
from .anatomy import HEEL_STATION_FRACTION
from .outline import Outline, foot_outline, outline_from_points
from .inputs.feet import resolve_feet
from .label import LABEL_DEPTH_MM, Label, engrave, label_text, place_label
from .printing import PRINTABLE_MIN_MM
from .profile.loader import ProfileError
from .profile.schema import LengthKind
from .profile.spec import FootSource, Profile, SideSpec, ZonesSpec
from .record import (BuildRecord, Height, ModificationFigure, OutlineFigures, PressureBand, PressureFigures,
                     PressureRegion, PrintRecord, SideRecord, SolidChecks, UndersideFigure, ZoneFigures,
                     measured_term_mm)
from .solid import Mesh, Resolution, extrude_height_field
from .distance import DistanceField
from .pressure_field import (PressureField, PressureRelief, band_edges_kpa, band_infill_pct, pressure_field,
                             region_areas)
from .pressure_fit import PressureFitError, fit_pressure, foot_polygon
from .surfaces import TopSurface, heel_cup_distance, top_surface
from .zones import ZONE_RESOLUTION, Zone, build_zones, custom_zone_problems

# Two cores on the machines we measure on; more workers would only queue.
CHECK_WORKERS = 2
# Heights are measured this far inside the heel's back edge for the cup rim.
RIM_PROBE_MM = 0.25


class BuildError(Exception):
    """A build that cannot produce valid parts; the message says why."""


class BedFitError(BuildError):
    """A part that fits the chosen printer's bed at no angle (bad input: exit 2)."""


class LatticeFitError(BuildError):
    """A lattice whose voids have no room for the drain holes asked (bad input: exit 2)."""


@dataclass(frozen=True)
class SidePart:
    """One finished insole: the mesh in its own side's frame, plus what built it."""

    spec: SideSpec
    outline: Outline
    surface: TopSurface
    mesh: Mesh
    build_seconds: float
    zones: tuple[Zone, ...] = ()
    label: Label | None = None  # what is engraved underneath, where (None: [print] label = false)

    @property
    def mirror(self) -> float:
        """y's sign from the right-foot frame to this side's own."""
        return -1.0 if self.spec.side == "left" else 1.0

    def top_above_underside_mm(self, side_xy: np.ndarray) -> np.ndarray:
        """The mesh's top above its underside (the bed, or the footbed: a function of x
        alone, the same in either side's frame) at points in this side's frame."""
        return top_heights(self.mesh.vertices, self.mesh.faces, side_xy) - self.surface.footbed_mm(side_xy[:, 0])

    def landmark_points(self) -> dict[str, tuple[float, float]]:
        """Where heights are measured, in the right-foot frame."""
        lm = self.outline.landmarks
        points = {"heel_centre": lm.heel_centre}
        if self.spec.heel_cup_depth_mm > 0:
            back = self.outline.boundary[int(np.argmin(self.outline.boundary[:, 0]))]
            points["heel_cup_rim"] = (float(back[0]) + RIM_PROBE_MM, float(back[1]))
        points["arch_apex"] = self.surface.arch_apex()
        if self.spec.met_pad_height_mm > 0:
            points["met_pad_apex"] = self.surface.met_pad_apex()
        if self.spec.length != "three-quarter":
            points["metatarsal_heads"] = lm.mth_mid
        return points


def side_outline(spec: SideSpec, spacing_mm: float = 1.0) -> Outline:
    """The insole outline for a side: a real foot's when the profile gives one, else the
    parametric foot shape for its size."""
    if spec.source is not None:
        return outline_from_points(spec.source.polygon, length=spec.length, spacing_mm=spacing_mm)
    return foot_outline(
        foot_length_mm=spec.foot_length_mm,
        ball_width_mm=spec.ball_width_mm,
        heel_width_mm=spec.heel_width_mm,
        length=spec.length,
        spacing_mm=spacing_mm,
    )


@dataclass(frozen=True)
class SharedFoot:
    """What sides on the very same foot share, made once: the outline and the heel
    cup's distance to its edge (None without a cup), which depends on the outline and
    the heel width alone."""

    outline: Outline
    cup_distance: DistanceField | None
    heel_width_mm: float


def shared_foot(specs: Sequence[SideSpec], resolution: Resolution = Resolution()) -> SharedFoot:
    """The outline and cup distance for sides on one foot (:func:`same_foot`)."""
    first = specs[0]
    outline = side_outline(first, resolution.edge_spacing_mm)
    cupped = next((s for s in specs if s.heel_cup_depth_mm > 0 and s.heel_width_mm == first.heel_width_mm), None)
    return SharedFoot(outline, heel_cup_distance(cupped, outline) if cupped else None, first.heel_width_mm)


def pressure_relief(spec: SideSpec, outline: Outline) -> PressureRelief | None:
    """The side's pressure map laid onto its outline, as the relief it asks for (None
    without a map). A map that cannot be laid on the foot is bad input: ProfileError."""
    asked = spec.pressure
    if asked is None:
        return None
    if asked.grid is None:
        raise ValueError(f"the {spec.side} side's pressure map has not been read: pass the profile through "
                         "insolegen.inputs.feet.resolve_feet first")
    try:
        fit = fit_pressure(asked.grid, outline, spec.side, asked.side_told)
    except PressureFitError as exc:
        raise ProfileError([f"{asked.key}.file = {asked.given}: {exc}"]) from None
    return PressureRelief(pressure_field(asked.grid, fit, asked.key, asked.given), asked.relief_table,
                          asked.relief_above_kpa)


def build_side(
    spec: SideSpec, resolution: Resolution = Resolution(), zones: ZonesSpec | None = None,
    zone_resolution: Resolution = ZONE_RESOLUTION, foot: SharedFoot | None = None,
) -> SidePart:
    """Build one insole: right-footed geometry, mirrored for a left foot; with ``zones``,
    also its firmness-zone solids. ``foot``: the outline and heel-cup distance of the
    very same foot (see :func:`same_foot`), made once for both sides."""
    if spec.needs_foot_file:
        raise ValueError(f"the {spec.side} side names a {spec.source.kind} file that has not been read: "  # type: ignore[union-attr]
                         "pass the profile through insolegen.inputs.feet.resolve_feet first")
    start = time.perf_counter()
    if foot is not None and foot.heel_width_mm == spec.heel_width_mm:
        outline, cup = foot.outline, foot.cup_distance
    else:
        outline, cup = side_outline(spec, resolution.edge_spacing_mm), None
    surface = top_surface(spec, outline, cup, pressure_relief(spec, outline))
    # on the bed, or on the shoe's footbed ([shoe] bottom = "shoe")
    mesh = extrude_height_field(outline.boundary, surface.height_mm, resolution, floor=surface.floor,
                                floor_curvature_per_mm=surface.footbed_curvature_per_mm())
    if surface.floor is not None:
        # The footbed is 0 at the ball, where no vertex need stand: set the lowest one
        # on the bed (a few micrometres down) so the part rests on it.
        mesh = Mesh(vertices=mesh.vertices - [0.0, 0.0, float(mesh.vertices[:, 2].min())], faces=mesh.faces)
    zone_solids = build_zones(spec, outline, surface, mesh, zones, zone_resolution) if zones is not None else ()
    if spec.side == "left":
        mesh = mesh.mirrored_y()
        zone_solids = tuple(z.mirrored_y() for z in zone_solids)
    return SidePart(spec, outline, surface, mesh, time.perf_counter() - start, zone_solids)


def measure_side(part: SidePart, report: MeshReport) -> SideRecord:
    """Figures for the build record, measured on the finished mesh."""
    mirror = part.mirror
    names, points = zip(*part.landmark_points().items())
    right_xy = np.array(points)
    side_xy = right_xy * [1.0, mirror]
    measured = part.top_above_underside_mm(side_xy)
    expected = part.surface.height_mm(right_xy[:, 0], right_xy[:, 1])
    heights = {
        name: Height(x_mm=round(float(x), 3), y_mm=round(float(y), 3), measured_mm=round(float(m), 4),
                     expected_mm=round(float(e), 4))
        for name, (x, y), m, e in zip(names, side_xy, measured, expected)
    }
    # (within 0.1 micrometre: a part on a footbed was set down onto its lowest vertex)
    foot = footprint(part.mesh.vertices, part.mesh.faces, tolerance_mm=1e-4, floor=part.surface.floor)
    fl = part.spec.foot_length_mm
    low, high = report.bounds_mm
    return SideRecord(
        side=part.spec.side,
        triangles=part.mesh.triangle_count,
        volume_mm3=round(report.volume_mm3, 2),
        bounds_mm=(tuple(round(v, 3) for v in low), tuple(round(v, 3) for v in high)),  # type: ignore[arg-type]
        min_thickness_mm=round(report.thinnest_mm, 3),
        outline=OutlineFigures(
            length_mm=round(foot.length_mm, 3),
            ball_width_mm=round(foot.width_mm, 3),
            heel_width_mm=round(foot.chord_at(HEEL_STATION_FRACTION * fl), 3),
            area_mm2=round(foot.area_mm2, 1),
        ),
        heights=heights,
        checks=SolidChecks(
            watertight=report.open_edges == 0,
            manifold3d_status=report.manifold3d_status,
            degenerate_faces=report.degenerate_faces,
            duplicate_faces=report.duplicate_faces,
        ),
        zones=tuple(ZoneFigures(name=z.name, kind=z.kind, infill_pct=z.infill_pct,
                                part_volume_mm3=round(z.part_volume_mm3, 1), extruder=z.extruder)
                     for z in part.zones),
        modifications=_modification_figures(part),
        label=part.label.text if part.label is not None else None,
        source=_source_info(part, foot),
        build_ms=round(part.build_seconds * 1000, 1),
        parameters=part.spec.as_dict(),
        underside=_underside_figures(part) if part.surface.has_footbed else (),
        pressure=_pressure_figures(part) if part.surface.pressure_relief is not None else None,
    )


def _pressure_figures(part: SidePart) -> PressureFigures:
    """The map as read and placed, and under each region of the foot its peak, the
    relief asked and measured on the mesh there, and its band."""
    relief = part.surface.pressure_relief
    asked = part.spec.pressure
    assert relief is not None and asked is not None
    grid, fit = relief.field.grid, relief.field.fit
    foot = foot_polygon(part.outline)
    plain = dataclasses.replace(part.surface, pressure_relief=None)  # the top without the map's relief
    bands: tuple[PressureBand, ...] = ()
    band_of = None
    if asked.graded_zones:
        edges = band_edges_kpa(asked.relief_above_kpa, asked.bands)
        infill = band_infill_pct(asked.bands, asked.softest_pct, asked.firmest_pct, asked.grading)
        lows = [0.0, *edges]
        highs = [*edges, None]
        bands = tuple(PressureBand(name=f"pressure_{k + 1}", from_kpa=round(float(lo), 1),
                                   to_kpa=None if hi is None else round(float(hi), 1), infill_pct=pct)
                      for k, (lo, hi, pct) in enumerate(zip(lows, highs, infill)))

        def band_of(kpa: float) -> str:
            k = int(np.searchsorted(edges, kpa, side="right"))
            return f"{bands[k].name} ({bands[k].infill_pct:g} %)"
    regions = []
    for name, area in region_areas(part.outline, foot).items():
        peak, (x, y) = _region_peak(relief.field, area)
        pre = float(plain.height_mm(np.array([x]), np.array([y]))[0])
        top = float(part.top_above_underside_mm(np.array([[x, y * part.mirror]]))[0])
        want = float(relief.asked_mm(np.array([x]), np.array([y]))[0])
        got = max(pre - top, 0.0)
        if peak < relief.threshold_kpa:
            action = f"under {relief.threshold_kpa:g} kPa: no relief"
        elif got < want - 0.05:
            action = f"relieved {got:.1f} mm (the table asks {want:.1f}; held to the {PRINTABLE_MIN_MM:g} mm minimum)"
        else:
            action = f"relieved {got:.1f} mm"
        band = band_of(peak) if band_of is not None else None
        if band is not None:
            action += f"; {band}"
        regions.append(PressureRegion(name=name, peak_kpa=round(peak, 1), x_mm=round(x, 2), y_mm=round(y * part.mirror, 2),
                                      asked_mm=round(want, 3), measured_mm=round(got, 3), band=band, action=action))
    kpa = np.nan_to_num(grid.kpa, nan=0.0)
    return PressureFigures(
        file=asked.given, file_format=grid.file_format, units=grid.units, units_from=grid.units_from,
        frames=grid.frames, frame_used=grid.frame_used, pitch_mm=(grid.row_pitch_mm, grid.col_pitch_mm),
        registration=fit.as_dict(), threshold_kpa=relief.threshold_kpa, relief_table=relief.table,
        peak_kpa=round(float(kpa.max()), 1), cells_over_threshold=int((kpa > relief.threshold_kpa).sum()),
        regions=tuple(regions), bands=bands, grading=asked.grading if asked.graded_zones else None)


def _region_peak(field: PressureField, area: shapely.Geometry, step_mm: float = 1.0) -> tuple[float, tuple[float, float]]:
    """The field's highest value in ``area`` and where (right-foot frame)."""
    if area.is_empty:
        return 0.0, (0.0, 0.0)
    x0, y0, x1, y1 = area.bounds
    xx, yy = np.meshgrid(np.arange(x0, x1 + step_mm, step_mm), np.arange(y0, y1 + step_mm, step_mm))
    inside = shapely.contains_xy(area, xx, yy)
    if not inside.any():
        c = area.representative_point()
        return float(field.kpa(np.array([c.x]), np.array([c.y]))[0]), (c.x, c.y)
    values = field.kpa(xx[inside], yy[inside])
    k = int(np.argmax(values))
    return float(values[k]), (float(xx[inside][k]), float(yy[inside][k]))


UNDERSIDE_TOE_BACK_MM = 4.0  # the toe figure is taken this far behind the toe tip, on the insole


def _underside_figures(part: SidePart) -> tuple[UndersideFigure, ...]:
    """The underside measured where it follows the shoe's footbed: at the heel centre
    (the heel pitch), at the ball (0) and near the toe tip (the toe spring there)."""
    lm = part.outline.landmarks
    mirror = part.mirror
    x_end = float(part.outline.boundary[:, 0].max()) - UNDERSIDE_TOE_BACK_MM
    points = {"heel_centre": lm.heel_centre, "ball": (lm.mth_mid[0], 0.0), "toe": (x_end, 0.0)}
    right_xy = np.array(list(points.values()), dtype=float)
    # the toe point on the insole's own mid-line there
    lat, med = part.outline.edges_at(right_xy[2:, 0])
    right_xy[2, 1] = (lat[0] + med[0]) / 2
    measured = bottom_heights(part.mesh.vertices, part.mesh.faces, right_xy * [1.0, mirror])
    asked = part.surface.footbed_mm(right_xy[:, 0])
    return tuple(UndersideFigure(name=n, x_mm=round(float(x), 3), y_mm=round(float(y * mirror), 3),
                                 asked_mm=round(float(a), 3), measured_mm=round(float(m), 4))
                 for n, (x, y), a, m in zip(points, right_xy, asked, measured))


def _modification_figures(part: SidePart) -> tuple[ModificationFigure, ...]:
    """Each modification measured on the finished mesh at its landmark: the top there
    less the intended top without that modification; the top cover as the depth of its
    zone under the part's top at the heel centre."""
    terms = part.surface.modification_terms
    mirror = part.mirror
    cover = next((z for z in part.zones if z.kind == "cover"), None)
    figures = () if cover is None else (_cover_figure(part, cover, mirror),)
    if not terms:
        return figures
    right_xy = np.array([t.at for t in terms])
    measured = part.top_above_underside_mm(right_xy * [1.0, mirror])
    expected = part.surface.height_mm(right_xy[:, 0], right_xy[:, 1])
    out = []
    for term, (x, y), m, e in zip(terms, right_xy, measured, expected):
        own = float(term.height_mm(np.array([x]), np.array([y]))[0])
        out.append(ModificationFigure(key=term.key, x_mm=round(float(x), 3), y_mm=round(float(y * mirror), 3),
                                      asked_mm=term.asked_mm,
                                      measured_mm=round(measured_term_mm(float(m), float(e), own), 4)))
    return tuple(out) + figures


def _cover_figure(part: SidePart, cover: Zone, mirror: float) -> ModificationFigure:
    x, y = part.outline.landmarks.heel_centre
    at = np.array([[x, y * mirror]])
    depth = top_heights(part.mesh.vertices, part.mesh.faces, at)[0] - bottom_heights(
        cover.mesh.vertices, cover.mesh.faces, at)[0]
    return ModificationFigure(key="top_cover_mm", x_mm=round(float(x), 3), y_mm=round(float(y * mirror), 3),
                              asked_mm=part.spec.modifications.top_cover_mm, measured_mm=round(float(depth), 4))


def _source_info(part: SidePart, foot) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Where the outline came from; for a real foot, how far the insole's outline strays
    from the traced or scanned one (the largest gap, mm)."""
    source = part.spec.source
    if source is None:
        return {"kind": "parametric", "size": part.spec.size}
    import shapely

    traced = shapely.Polygon(source.polygon * ([1.0, -1.0] if part.spec.side == "left" else [1.0, 1.0]))
    traced = shapely.affinity.translate(traced, xoff=-traced.bounds[0])
    info = dict(source.info)
    if "alignment" in info:
        # The scan's own axes -> this insole's STL frame (a left insole is the mirror).
        alignment = dict(info["alignment"])
        matrix = np.asarray(alignment.pop("file_to_right_foot_frame"))
        if part.spec.side == "left":
            matrix = np.diag([1.0, -1.0, 1.0, 1.0]) @ matrix
        alignment["file_to_insole_frame"] = [[round(float(v), 9) for v in row] for row in matrix]
        info["alignment"] = alignment
    if part.spec.length == "full":
        info["largest_outline_gap_mm"] = round(float(shapely.hausdorff_distance(traced.exterior, foot.polygon.exterior)), 3)
    info["conform"] = source.conform
    return info


@dataclass(frozen=True)
class BuildResult:
    """Everything a build made: the parts (meshes and how they were built), their
    checks, the record of figures, and each part's placement (PrusaSlicer, Orca)."""

    profile: Profile
    parts: tuple[SidePart, ...]
    reports: tuple[MeshReport, ...]
    record: BuildRecord
    placements: dict[str, tuple[Placement, Placement]]
    lattices: dict[str, Mesh] = dataclasses.field(default_factory=dict)  # side -> lattice part ([lattice])


# Insole lengths, longest first (the schema lists them so).
LENGTHS_LONGEST_FIRST: tuple[str, ...] = get_args(LengthKind)


def shorter_length_that_fits(spec: SideSpec, bed_mm: tuple[float, float]) -> str:
    """What to say about the shorter insole lengths on a bed this part does not fit:
    the longest ``shape.length`` that fits (its outline placed like the part), or that
    none does. Each shorter outline is built and placed, not estimated."""
    shorter = LENGTHS_LONGEST_FIRST[LENGTHS_LONGEST_FIRST.index(spec.length) + 1:]
    outline = None
    for length in shorter:
        outline = side_outline(dataclasses.replace(spec, length=length)).boundary
        if place_on_bed(outline, bed_mm).fits:
            return f'a shorter insole fits: shape.length = "{length}" (a {np.ptp(outline[:, 0]):.0f} mm insole)'
    if outline is None:
        return "no shorter insole length exists"
    return f'not even shape.length = "{shorter[-1]}" (a {np.ptp(outline[:, 0]):.0f} mm insole) fits'


def place_parts(profile: Profile, parts: Sequence[SidePart]) -> tuple[dict[str, tuple[Placement, Placement]], list[str]]:
    """Each part on its bed: the profile's printer for both files, else the default
    beds (MK4 for the PrusaSlicer file, X1 for the Orca one). Raises BedFitError when a
    part fits the chosen printer at no angle; with the default beds that only warns.
    Either way the message says which shorter insole length would fit."""
    placements, warnings = {}, []
    for part in parts:
        xy = part.mesh.vertices[:, :2]
        hull = hull_xy(xy)  # once for either bed
        if profile.print is not None:
            place = place_on_bed(hull, profile.print.bed_mm)
            if not place.fits:
                bed = describe_bed(profile.print.printer, profile.print.bed_mm)
                raise BedFitError(
                    f"the {part.spec.side} insole ({np.ptp(xy[:, 0]):.0f} mm long) does not fit {bed} at any "
                    f"angle: the largest foot it takes is {largest_foot_mm(xy, profile.print.bed_mm):.0f} mm "
                    f"long; {shorter_length_that_fits(part.spec, profile.print.bed_mm)}; or choose a bigger "
                    "printer (print.printer) or bed (print.bed_mm)"
                )
            placements[part.spec.side] = (place, place)
        else:
            pair = (place_on_bed(hull, DEFAULT_PRUSA_BED_MM), place_on_bed(hull, DEFAULT_ORCA_BED_MM))
            for place, what in zip(pair, ("PrusaSlicer", "Orca / Bambu")):
                if not place.fits:
                    warnings.append(
                        f"{part.spec.side}: does not fit the default {what} bed "
                        f"({place.bed_mm[0]:g} x {place.bed_mm[1]:g} mm): set [print] printer or bed_mm; "
                        f"{shorter_length_that_fits(part.spec, place.bed_mm)}"
                    )
            placements[part.spec.side] = pair
    return placements, warnings


def _checked(name: str, part: SidePart, zones: bool = True) -> MeshReport:
    """The same checks `insolegen check` runs, on the part and (``zones``) on every
    zone."""
    report = check_part(part.mesh.vertices, part.mesh.faces)
    if not report.ok:
        raise BuildError(f"{name} {part.spec.side}: the mesh failed its checks: " + "; ".join(report.problems))
    for zone in part.zones if zones else ():
        zone_report = check_zone(zone.mesh.vertices, zone.mesh.faces)
        if not zone_report.ok:
            raise BuildError(f"{name} {part.spec.side}: zone {zone.name!r} failed its checks: "
                             + "; ".join(zone_report.problems))
    return report


def same_foot(a: SideSpec, b: SideSpec) -> bool:
    """True when both sides stand on the same outline: the same size and proportions
    and the same cut, or the very outline read once for both (a twin or not)."""
    if a.source is None and b.source is None:
        return (a.foot_length_mm, a.ball_width_mm, a.heel_width_mm, a.length) == (
            b.foot_length_mm, b.ball_width_mm, b.heel_width_mm, b.length)
    return (isinstance(a.source, FootSource) and isinstance(b.source, FootSource)
            and a.source.polygon is b.source.polygon and a.length == b.length)


def mirror_twins(a: SideSpec, b: SideSpec) -> bool:
    """True when ``b`` is ``a`` for the other foot: every parameter the same and the
    same foot (the same size, or the very outline and sole read once for both)."""
    if a.side == b.side:
        return False
    same_foot = (a.source is None and b.source is None) or (
        isinstance(a.source, FootSource) and isinstance(b.source, FootSource)
        and a.source.polygon is b.source.polygon and a.source.sole is b.source.sole
        and a.source.conform == b.source.conform)
    return same_foot and dataclasses.replace(a, side=b.side, source=None) == dataclasses.replace(b, source=None)


def labelled(part: SidePart, profile: Profile, warnings: list[str]) -> SidePart:
    """``part`` with its label engraved underneath (the side and the patient's id, or
    the build's name: insolegen.label); unlabelled, with a warning, where the part is
    too thin under the label to cut it and keep the printable minimum above it."""
    import shapely

    # the unlabelled part's underside is its outline, in its own side's frame
    underside = shapely.Polygon(part.outline.boundary * [1.0, part.mirror])
    label = place_label(label_text(part.spec.side, profile.patient.id, profile.file_stem, profile.variant), underside,
                        part.spec.foot_length_mm)

    inside = shapely.get_coordinates(label.outline.buffer(0.5))
    over = part.top_above_underside_mm(inside)
    needed = PRINTABLE_MIN_MM + LABEL_DEPTH_MM
    if np.nanmin(over) < needed - 1e-6:
        warnings.append(f"{part.spec.side}: no label engraved: the part is {np.nanmin(over):.1f} mm thick at the "
                        f"midfoot, and a {LABEL_DEPTH_MM:g} mm label needs {needed:g} mm (write the side on it, "
                        "or set [print] label = false to silence this)")
        return part
    return dataclasses.replace(part, mesh=engrave(part.mesh, label, part.surface.floor), label=label)


def _finished(profile: Profile, part: SidePart, zones: bool) -> tuple[SidePart, MeshReport, list[str]]:
    """``part`` labelled (unless [print] label = false) and checked, its zones too
    (``zones``), with the label's warnings."""
    warnings: list[str] = []
    if profile.label:
        part = labelled(part, profile, warnings)
    return part, _checked(profile.name, part, zones), warnings


def mirrored_part(part: SidePart, spec: SideSpec) -> SidePart:
    """``part`` for the other foot: the mesh and zones mirrored in y (rewound)."""
    return SidePart(spec, part.outline, part.surface, part.mesh.mirrored_y(), 0.0,
                    tuple(z.mirrored_y() for z in part.zones))


def mirrored_bounds(bounds: list[list[float]]) -> list[list[float]]:
    (x0, y0, z0), (x1, y1, z1) = bounds
    return [[x0, -y1, z0], [x1, -y0, z1]]


def build_profile(profile: Profile, resolution: Resolution = Resolution()) -> BuildResult:
    """Read the feet the profile names, then build and check every side. Raises
    :class:`ProfileError` for an unusable foot file or custom zone (bad input) and
    :class:`BuildError` if any part is not a printable solid."""
    profile = resolve_feet(profile)  # reads the tracings and scans the profile names
    zone_problems = [p for spec in profile.sides if profile.zones.custom
                     for p in custom_zone_problems(profile.zones, side_outline(spec).polygon)]
    if zone_problems:
        raise ProfileError(list(dict.fromkeys(zone_problems)), profile.source)
    specs = profile.sides
    twins = [next((j for j in range(i) if mirror_twins(specs[j], spec)), None) for i, spec in enumerate(specs)]
    built = [i for i, twin in enumerate(twins) if twin is None]
    feet: dict[int, SharedFoot] = {}  # a built side's index -> the foot it shares with another
    for i in built:
        group = [j for j in built if same_foot(specs[i], specs[j])]
        if len(group) > 1 and group[0] == i:
            foot = shared_foot([specs[j] for j in group], resolution)
            feet.update((j, foot) for j in group)
    # The sides are built side by side, each then labelled and checked as soon as it is
    # made: numpy, GEOS and manifold3d let go of the interpreter lock for much of the
    # work, so on two cores a pair whose sides differ takes little more than one side.
    # A mirror twin is made from its side as built. The pool lives for this call only.
    with ThreadPoolExecutor(max_workers=CHECK_WORKERS) as pool:
        making = {i: pool.submit(build_side, specs[i], resolution, profile.zones, foot=feet.get(i)) for i in built}
        finishing: list[Future[tuple[SidePart, MeshReport, list[str]]] | None] = []
        for i, spec in enumerate(specs):
            twin = twins[i]
            if twin is None:
                finishing.append(pool.submit(_finished, profile, making[i].result(), True))
            elif profile.label:
                # Each side's label differs (L / R, and mirrored to read from below): the
                # twin is mirrored unlabelled, labelled and checked itself; its zones
                # are the other side's mirrored, and checked there.
                finishing.append(pool.submit(_finished, profile, mirrored_part(making[twin].result(), spec), False))
            else:
                finishing.append(None)  # mirrored from its side's finished part below
        parts: list[SidePart] = []
        reports: list[MeshReport] = []
        label_warnings: list[str] = []
        for i, (spec, item) in enumerate(zip(specs, finishing)):  # in side order: the first failing side is reported
            if item is None:
                # The other side's exact mirror image: every check is blind to a mirror
                # (same edges, volume, walls, sections), so its report is mirrored too.
                twin = twins[i]
                assert twin is not None
                parts.append(mirrored_part(parts[twin], spec))
                reports.append(dataclasses.replace(reports[twin], bounds_mm=mirrored_bounds(reports[twin].bounds_mm)))
            else:
                part, report, warnings = item.result()
                parts.append(part)
                reports.append(report)
                label_warnings += warnings
    sides = [measure_side(part, report) for part, report in zip(parts, reports)]
    lattices: dict[str, Mesh] = {}
    lattice_warnings: list[str] = []
    if profile.lattice is not None:
        # off the default path: tens of seconds a side
        from .lattice_parts import DrainFitError, LatticeError, lattice_clamped, lattice_part

        # side by side: marching cubes, the booleans and the mending's numpy let go of
        # the interpreter lock for much of the time (a pair 38 s one after the other,
        # 28 s so)
        settings = profile.lattice
        clamped: dict[str, list[str]] = {}
        with ThreadPoolExecutor(max_workers=CHECK_WORKERS) as pool:
            made = [pool.submit(lattice_part, part, profile.zones, settings) for part in parts]
            for k, (part, future) in enumerate(zip(parts, made)):
                try:
                    mesh, figures = future.result()
                except DrainFitError as exc:
                    raise LatticeFitError(f"{profile.name}: {exc}") from None
                except LatticeError as exc:
                    raise BuildError(f"{profile.name}: {exc}") from None
                lattices[part.spec.side] = mesh
                sides[k] = dataclasses.replace(sides[k], lattice=figures)
                clamped[part.spec.side] = lattice_clamped(figures, settings)
        if len(set(map(tuple, clamped.values()))) == 1:  # every side alike (a pair's mirror twins): said once
            lattice_warnings = next(iter(clamped.values()))
        else:
            lattice_warnings = [f"{side}: {w}" for side, said in clamped.items() for w in said]
    placements, bed_warnings = place_parts(profile, parts)
    record = BuildRecord(
        insolegen_version=__version__,
        name=profile.name,
        profile=str(profile.source) if profile.source else None,
        warnings=tuple(profile.warnings) + tuple(label_warnings) + tuple(bed_warnings) + tuple(lattice_warnings),
        print=None if profile.print is None else PrintRecord(
            printer=profile.print.printer, bed_mm=profile.print.bed_mm, family=profile.print.family),
        lift=profile.lift,
        zones=profile.zones.as_dict(),
        shoe=None if profile.shoe is None else profile.shoe.as_dict(),
        sides=tuple(sides),
    )
    return BuildResult(profile, tuple(parts), tuple(reports), record, placements, lattices)
