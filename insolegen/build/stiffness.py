"""Each zone's stiffness under the foot, measured on the built part, and the infill that
gives a zone the stiffness it is asked (issue 24).

On a grid of vertical lines over the part (GRID_STEP_MM apart), each zone's column is the part's there
within the zone's own heights (a zone is a modifier volume: a prism over its area, or a
layer such as the lift or the top cover), with the part's top skin where the zone
reaches the part's top and its bottom skin where it reaches the underside; its core is
the zone's cell (PrusaSlicer's gyroid infill at the zone's percent) of the material's
modulus times the homogenised E/Es (:mod:`insolegen.firmness.table`). Within the
perimeters' band along the outline the column is solid. The zone's figure is the column
at its median height away from the perimeters, its least and greatest over the zone,
and its mean over the zone's area. A target (kPa/mm, or a foam's secant modulus over the
zone's median height) is met there by solving the column for its core's modulus and the
table for the density that gives it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.build.parts import SidePart
from insolegen.build.record import ZoneStiffness
from insolegen.core.printing import TPU, PrintSettings
from insolegen.core.rays import vertical_hits
from insolegen.firmness.column import LINE_WIDTH_MM, Skins, column_kpa_per_mm
from insolegen.firmness.foams import FOAMS
from insolegen.firmness.materials import Material
from insolegen.firmness.table import fraction_for, relative_modulus, table_least
from insolegen.geometry.lattice.fill import greatest_fraction, least_fraction
from insolegen.geometry.solid import Mesh
from insolegen.profile.problems import ProfileError, problem
from insolegen.profile.spec import LatticeSpec, SideSpec, ZonesSpec, ZoneTarget

__all__ = [
    "GRID_STEP_MM", "SKIN_TOUCH_MM", "ColumnMap", "aimed", "band_targets", "column_map", "infill_stiffness", "lattice_aimed",
    "lattice_stiffness",
]

GRID_STEP_MM = 3.0  # the vertical lines' spacing: a zone's few hundred columns at least
SKIN_TOUCH_MM = 0.05  # a zone's top (bottom) this near the part's is under the top (on the bottom) skin
MODEL = "small strain (linear elastic): skins and core in series, perimeters in parallel"


@dataclass(frozen=True)
class Columns:
    """A zone's columns: height (mm), whether each carries the top and the bottom skin,
    whether it lies in the perimeters' band."""

    height: NDArray[np.float64]
    top_skin: NDArray[np.bool_]
    bottom_skin: NDArray[np.bool_]
    edge: NDArray[np.bool_]

    @property
    def middle(self) -> NDArray[np.bool_]:
        return ~self.edge if (~self.edge).any() else np.ones_like(self.edge)

    def median(self, skins: Skins) -> tuple[float, Skins]:
        """The median height away from the perimeters, and the skins most columns there carry."""
        m = self.middle
        return (float(np.median(self.height[m])),
                Skins(skins.top_mm if np.mean(self.top_skin[m]) >= 0.5 else 0.0,
                      skins.bottom_mm if np.mean(self.bottom_skin[m]) >= 0.5 else 0.0))


def _extremes(mesh: Mesh, xy: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The highest and lowest surface over each point (NaN where the line misses): one
    ray cast for both."""
    hits = vertical_hits(mesh.vertices, mesh.faces, xy)
    top = np.full(len(xy), -np.inf)
    bottom = np.full(len(xy), np.inf)
    np.maximum.at(top, hits.ray, hits.z)
    np.minimum.at(bottom, hits.ray, hits.z)
    return np.where(np.isfinite(top), top, np.nan), np.where(np.isfinite(bottom), bottom, np.nan)


def _grid(part: SidePart) -> NDArray[np.float64]:
    """The vertical lines' (x, y): GRID_STEP_MM apart over the part's extent."""
    low, high = part.mesh.vertices[:, :2].min(axis=0), part.mesh.vertices[:, :2].max(axis=0)
    gx, gy = np.meshgrid(np.arange(low[0] + GRID_STEP_MM / 2, high[0], GRID_STEP_MM),
                         np.arange(low[1] + GRID_STEP_MM / 2, high[1], GRID_STEP_MM), indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel()])


def _near_edge(part: SidePart, xy: NDArray[np.float64], perimeter_mm: float) -> NDArray[np.bool_]:
    """The points within the perimeters' band along the outline."""
    inner = shapely.Polygon(part.outline.boundary * [1.0, part.mirror]).buffer(-perimeter_mm)
    return ~shapely.contains_xy(inner, xy[:, 0], xy[:, 1])


def _columns(part: SidePart, perimeter_mm: float) -> dict[str, Columns]:
    xy = _grid(part)
    part_top, part_bottom = _extremes(part.mesh, xy)
    near_edge = _near_edge(part, xy, perimeter_mm)
    out = {}
    for zone in part.zones:
        zone_top, zone_bottom = _extremes(zone.mesh, xy)
        with np.errstate(invalid="ignore"):
            top = np.fmin(zone_top, part_top)
            bottom = np.fmax(zone_bottom, part_bottom)
            inside = np.isfinite(zone_top) & np.isfinite(part_top) & (top - bottom > 0)
        if inside.any():
            out[zone.name] = Columns(height=(top - bottom)[inside],
                                     top_skin=zone_top[inside] > part_top[inside] - SKIN_TOUCH_MM,
                                     bottom_skin=zone_bottom[inside] < part_bottom[inside] + SKIN_TOUCH_MM,
                                     edge=near_edge[inside])
    return out


@dataclass(frozen=True)
class ColumnMap:
    """The printed column's stiffness under the foot at each point of a grid over the
    part (kPa per mm), every zone's layer in it in series, the perimeters' band solid."""

    xy: NDArray[np.float64]  # (N, 2), the side's own frame
    kpa_per_mm: NDArray[np.float64]
    step_mm: float


def column_map(part: SidePart, material: Material, pattern: str, settings: PrintSettings = TPU) -> ColumnMap | None:
    """Each grid point's column: its zones' segments (a zone over another, as a top cover
    over a cushion, or a cushion over a lift, in series), each with its own core and the
    skins where it reaches the part's top or bottom. None for a pattern the model does
    not know."""
    if pattern != "gyroid" or not part.zones:
        return None
    xy = _grid(part)
    part_top, part_bottom = _extremes(part.mesh, xy)
    solid = material.modulus_mpa
    skins = _skins(settings)
    compliance = np.zeros(len(xy))
    covered = np.zeros(len(xy))
    for zone in part.zones:
        zone_top, zone_bottom = _extremes(zone.mesh, xy)
        with np.errstate(invalid="ignore"):
            top = np.fmin(zone_top, part_top)
            bottom = np.fmax(zone_bottom, part_bottom)
            h = np.where(np.isfinite(zone_top) & np.isfinite(part_top), np.maximum(top - bottom, 0.0), 0.0)
            skin = (np.where(zone_top > part_top - SKIN_TOUCH_MM, skins.top_mm, 0.0)
                    + np.where(zone_bottom < part_bottom + SKIN_TOUCH_MM, skins.bottom_mm, 0.0))
        skin = np.minimum(np.nan_to_num(skin), h)
        core = solid * relative_modulus("infill", min(max(zone.infill_pct, 1e-3), 100.0) / 100.0).along
        compliance += skin / solid + (h - skin) / core
        covered += h
    inside = np.isfinite(part_top) & (covered > 0)
    edge = _near_edge(part, xy, settings.walls * LINE_WIDTH_MM)
    kpa = np.where(edge, 1000.0 * solid / np.where(covered > 0, covered, 1.0), 1000.0 / np.where(inside, compliance, 1.0))
    return ColumnMap(xy=xy[inside], kpa_per_mm=kpa[inside], step_mm=GRID_STEP_MM)


def _skins(settings: PrintSettings) -> Skins:
    return Skins(settings.top_layers * settings.layer_height_mm, settings.bottom_layers * settings.layer_height_mm)


def _stiffness(columns: Columns, pct: float, material: Material, skins: Skins,
               target: ZoneTarget | None, kind: str = "infill") -> ZoneStiffness:
    solid = material.modulus_mpa
    relative = relative_modulus(kind, min(max(pct, 1e-3), 100.0) / 100.0)
    core = solid * relative.along
    each = Skins(np.where(columns.top_skin, skins.top_mm, 0.0), np.where(columns.bottom_skin, skins.bottom_mm, 0.0))
    k = column_kpa_per_mm(columns.height, core, solid, each)
    k[columns.edge] = 1000.0 * solid / columns.height[columns.edge]  # the perimeters: solid wall
    median_h, median_skins = columns.median(skins)
    at_median = float(column_kpa_per_mm(np.array([median_h]), core, solid, median_skins)[0])
    m = columns.middle
    return ZoneStiffness(
        material=material.name, material_modulus_mpa=material.modulus_mpa,
        cell=f"PrusaSlicer gyroid infill {pct:g} %" if kind == "infill" else f"{kind} sheet {pct:g} % solid",
        relative_modulus=round(relative.along, 5),
        core_modulus_mpa=round(core, 4), thickness_mm=round(median_h, 2), kpa_per_mm=round(at_median, 1),
        least_kpa_per_mm=round(float(k[m].min()), 1), greatest_kpa_per_mm=round(float(k[m].max()), 1),
        mean_kpa_per_mm=round(float(k.mean()), 1),
        table_uncertainty_pct=round(100 * relative.uncertainty, 1), extrapolated=relative.extrapolated,
        target=None if target is None else _target_text(target), model=MODEL)


def _target_text(target: ZoneTarget) -> str:
    if target.foam is not None:
        foam = FOAMS[target.foam]
        return (f"as firm as {foam.name}: {foam.secant_modulus_mpa * 1000:.0f} kPa secant modulus "
                f"({foam.stress_kpa:g} kPa at {100 * foam.strain:g} %)")
    return f"{target.kpa_per_mm:g} kPa/mm"


def band_targets(spec: SideSpec) -> tuple[ZoneTarget, ...]:
    """A pressure map's bands asked as stiffness ([pressure] softest_kpa_per_mm and
    firmest_kpa_per_mm): each band's, lowest pressure first, stepped evenly as the
    percents would be (firm to soft for offloading, soft to firm for support)."""
    p = spec.pressure
    if p is None or not p.graded_zones or p.softest_kpa_per_mm is None or p.firmest_kpa_per_mm is None:
        return ()
    steps = np.linspace(p.firmest_kpa_per_mm, p.softest_kpa_per_mm, p.bands)
    if p.grading != "offload":
        steps = steps[::-1]
    return tuple(ZoneTarget(zone=f"pressure_{k + 1}", kpa_per_mm=round(float(v), 1),
                            key=f"{p.key}.softest_kpa_per_mm / firmest_kpa_per_mm (band {k + 1})")
                 for k, v in enumerate(steps))


def infill_stiffness(part: SidePart, material: Material, pattern: str, targets: tuple[ZoneTarget, ...] = (),
                     settings: PrintSettings = TPU) -> dict[str, ZoneStiffness]:
    """Every zone of a part printed with the slicer's gyroid infill: zone name -> its
    stiffness. None for another pattern: the model knows the gyroid only."""
    if pattern != "gyroid":
        return {}
    columns = _columns(part, settings.walls * LINE_WIDTH_MM)
    asked = {t.zone: t for t in targets}
    return {z.name: _stiffness(columns[z.name], z.infill_pct, material, _skins(settings), asked.get(z.name))
            for z in part.zones if z.name in columns}


def lattice_stiffness(part: SidePart, material: Material, lattice: LatticeSpec,
                      built_pct: dict[str, float], targets: tuple[ZoneTarget, ...] = ()) -> dict[str, ZoneStiffness]:
    """Every zone of a side's lattice part: its sheet at the zone's built fraction
    (``built_pct``: zone name -> percent solid) inside the lattice's own skins and rim.
    The lattice part is the same solid as the printed part (filled with the sheet), so
    the columns are measured on the part."""
    columns = _columns(part, lattice.perimeter_mm)
    skins = Skins(lattice.skin_top_mm, lattice.skin_bottom_mm)
    asked = {t.zone: t for t in targets}
    return {name: _stiffness(columns[name], pct, material, skins, asked.get(name), kind=lattice.kind)
            for name, pct in built_pct.items() if name in columns}


def _aim(part: SidePart, material: Material, targets: tuple[ZoneTarget, ...], source: Path | None, kind: str,
         least: float, greatest: float, skins: Skins, perimeter_mm: float) -> dict[str, float]:
    """Zone name -> the percent of ``kind`` (infill density, or a sheet's solid fraction,
    from ``least`` to ``greatest``) whose column at the zone's median height has the
    stiffness asked. Raises ProfileError, with the range, for a target out of reach."""
    columns = _columns(part, perimeter_mm)
    solid = material.modulus_mpa
    what = "gyroid infill" if kind == "infill" else f"{kind} lattice"
    pct = {}
    problems = []
    for target in targets:
        if target.zone not in columns:
            continue
        height, layer = columns[target.zone].median(skins)
        kpa = target.kpa_per_mm if target.kpa_per_mm is not None else FOAMS[str(target.foam)].secant_modulus_mpa * 1000 / height
        key = target.key or (f"zones.{target.zone}_kpa_per_mm" if target.kpa_per_mm is not None
                              else f"zones.{target.zone}_foam")
        skin = min(float(layer.top_mm) + float(layer.bottom_mm), height)  # the median column: one figure each
        softest, firmest = (float(column_kpa_per_mm(np.array([height]), solid * relative_modulus(kind, f).along,
                                                    solid, layer)[0]) for f in (least, greatest))
        if not softest <= kpa <= firmest:
            problems.append(problem(key, target.kpa_per_mm or target.foam,
                                    f"{key}: {kpa:.0f} kPa/mm is out of the {what}'s reach at the {part.spec.side} "
                                    f"{target.zone}'s {height:.1f} mm in {material.name}: from {softest:.0f} "
                                    f"({100 * least:.1f} %) to {firmest:.0f} kPa/mm ({100 * greatest:.1f} %); ask within "
                                    "it, or change the zone's height or the material"))
            continue
        core = (height - skin) / (1000.0 / kpa - skin / solid)
        # a tenth of a percent: 0.5 % of the stiffness at most
        pct[target.zone] = round(100 * fraction_for(kind, core / solid, least, greatest), 1)
    if problems:
        raise ProfileError(problems, source)
    return pct


def aimed(part: SidePart, material: Material, targets: tuple[ZoneTarget, ...], source: Path | None,
          settings: PrintSettings = TPU) -> SidePart:
    """The part with each targeted zone's infill percent set so that its column at the
    zone's median height has the stiffness asked (the gyroid infill from the table's
    least density to solid)."""
    if not targets:
        return part
    pct = _aim(part, material, targets, source, "infill", table_least("infill"), 1.0, _skins(settings),
               settings.walls * LINE_WIDTH_MM)
    zones = tuple(dataclasses.replace(z, infill_pct=pct[z.name]) if z.name in pct else z for z in part.zones)
    return dataclasses.replace(part, zones=zones)


def lattice_aimed(part: SidePart, material: Material, targets: tuple[ZoneTarget, ...], source: Path | None,
                  lattice: LatticeSpec, zones: ZonesSpec) -> ZonesSpec:
    """The zones the side's lattice part is built with: each targeted zone's solid
    fraction set so that its column (the sheet inside the lattice's skins) at the zone's
    median height has the stiffness asked, within what the cell and wall print."""
    if not targets:
        return zones
    least = max(least_fraction(lattice), table_least(lattice.kind))
    pct = _aim(part, material, targets, source, lattice.kind, least, greatest_fraction(lattice),
               Skins(lattice.skin_top_mm, lattice.skin_bottom_mm), lattice.perimeter_mm)
    return dataclasses.replace(zones, heel_pct=pct.get("heel", zones.heel_pct), arch_pct=pct.get("arch", zones.arch_pct),
                               forefoot_pct=pct.get("forefoot", zones.forefoot_pct),
                               toes_pct=pct.get("toes", zones.toes_pct))
