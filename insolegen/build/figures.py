"""The build record's figures for one side, measured on the finished mesh: heights,
outline, zones, modifications, underside, pressure, where the foot came from."""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely

from insolegen.build.parts import SidePart
from insolegen.build.record import (
    Height,
    ModificationFigure,
    OutlineFigures,
    PressureBand,
    PressureFigures,
    PressureRegion,
    SideRecord,
    SolidChecks,
    UndersideFigure,
    ZoneFigures,
    measured_term_mm,
)
from insolegen.checks.meshcheck import MeshReport
from insolegen.core.anatomy import HEEL_STATION_FRACTION
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.geometry.measure import bottom_heights, footprint, top_heights
from insolegen.geometry.modifications import MTH_ACROSS, mth_line_point
from insolegen.geometry.pressure_field import PressureField, band_edges_kpa, band_infill_pct, region_areas
from insolegen.geometry.pressure_fit import foot_polygon
from insolegen.geometry.zones import Zone

__all__ = ["UNDERSIDE_TOE_BACK_MM", "measure_side"]


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
        regions=tuple(regions), bands=bands, grading=asked.grading if asked.graded_zones else None,
        dropped_sensels=tuple((r + 1, c + 1) for r, c in grid.dropped), mirror_flags=grid.mirrored)


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
    beside = _beside_neighbours(part)
    out = []
    for term, (x, y), m, e in zip(terms, right_xy, measured, expected):
        own = float(term.height_mm(np.array([x]), np.array([y]))[0])
        out.append(ModificationFigure(key=term.key, x_mm=round(float(x), 3), y_mm=round(float(y * mirror), 3),
                                      asked_mm=term.asked_mm,
                                      measured_mm=round(measured_term_mm(float(m), float(e), own), 4),
                                      beside_neighbours_mm=beside.get(term.key)))
    return tuple(out) + figures


def _beside_neighbours(part: SidePart) -> dict[str, float]:
    """For each relieved metatarsal head: the top there less the mean top under the
    nearest heads on either side that are not relieved, all measured on the mesh."""
    depths = part.spec.modifications.mth_relief_mm
    relieved = [i for i, d in enumerate(depths) if d > 0]
    if not relieved or len(relieved) == len(depths):
        return {}
    heads = {t.key for t in part.surface.modification_terms if t.key.startswith("mth_relief_mm[")}
    points = np.array([mth_line_point(part.outline, a) for a in MTH_ACROSS])
    tops = part.top_above_underside_mm(points * [1.0, part.mirror])
    out = {}
    for i in relieved:
        left = next((j for j in range(i - 1, -1, -1) if depths[j] <= 0), None)
        right = next((j for j in range(i + 1, len(depths)) if depths[j] <= 0), None)
        near = [float(tops[j]) for j in (left, right) if j is not None]
        key = f"mth_relief_mm[{i + 1}]"
        if key in heads and near:
            out[key] = round(float(tops[i]) - sum(near) / len(near), 3)
    return out


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
    source = part.spec.foot
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
