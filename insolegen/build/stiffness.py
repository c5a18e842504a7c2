"""Each zone's stiffness under the foot, measured on the built part (issue 24).

On a grid of vertical lines over the part, each zone's column is the part's there
within the zone's own heights (a zone is a modifier volume: a prism over its area, or a
layer such as the lift or the top cover), with the part's top skin where the zone reaches the
part's top and its bottom skin where it reaches the underside; its core is the zone's
cell (PrusaSlicer's gyroid infill at the zone's percent, or a lattice sheet at its built
fraction) of the material's modulus times the homogenised E/Es
(:mod:`insolegen.firmness.table`). Within the perimeters' band along the outline the
column is solid. The zone's figure is the column at its median height away from the
perimeters, its least and greatest over the zone, and its mean over the zone's area.
"""

from __future__ import annotations

import numpy as np
import shapely

from insolegen.build.parts import SidePart
from insolegen.build.record import ZoneStiffness
from insolegen.core.printing import TPU, PrintSettings
from insolegen.firmness.column import LINE_WIDTH_MM, Skins, column_kpa_per_mm
from insolegen.firmness.materials import Material
from insolegen.firmness.table import relative_modulus
from insolegen.geometry.measure import bottom_heights, top_heights
from insolegen.geometry.solid import Mesh

__all__ = ["GRID_STEP_MM", "SKIN_TOUCH_MM", "infill_stiffness", "zone_stiffness"]

GRID_STEP_MM = 2.0  # the vertical lines' spacing: a zone's few hundred columns at least
SKIN_TOUCH_MM = 0.05  # a zone's top (bottom) this near the part's is under the top (on the bottom) skin
MODEL = "small strain (linear elastic): skins and core in series, perimeters in parallel"


def _grid(mesh: Mesh) -> np.ndarray:
    low, high = mesh.vertices[:, :2].min(axis=0), mesh.vertices[:, :2].max(axis=0)
    xs = np.arange(low[0] + GRID_STEP_MM / 2, high[0], GRID_STEP_MM)
    ys = np.arange(low[1] + GRID_STEP_MM / 2, high[1], GRID_STEP_MM)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel()])


def infill_stiffness(part: SidePart, material: Material, settings: PrintSettings = TPU) -> dict[str, ZoneStiffness]:
    """Every zone of a part printed with the slicer's gyroid infill: zone name -> its
    stiffness."""
    return zone_stiffness(part, material, {z.name: ("infill", z.infill_pct) for z in part.zones},
                          Skins(settings.top_layers * settings.layer_height_mm,
                                settings.bottom_layers * settings.layer_height_mm),
                          settings.walls * LINE_WIDTH_MM)


def zone_stiffness(part: SidePart, material: Material, cells: dict[str, tuple[str, float]], skins: Skins,
                   perimeter_mm: float) -> dict[str, ZoneStiffness]:
    """Zone name -> stiffness, for the zones named in ``cells`` (name -> (cell kind,
    percent)), with skins of ``skins`` and a solid band ``perimeter_mm`` wide inside the
    outline."""
    xy = _grid(part.mesh)
    part_top = top_heights(part.mesh.vertices, part.mesh.faces, xy)
    part_bottom = bottom_heights(part.mesh.vertices, part.mesh.faces, xy)
    outline = shapely.Polygon(part.outline.boundary * [1.0, part.mirror])
    near_edge = shapely.distance(shapely.points(xy), outline.exterior) < perimeter_mm
    solid = material.modulus_mpa
    out: dict[str, ZoneStiffness] = {}
    for zone in part.zones:
        if zone.name not in cells:
            continue
        kind, pct = cells[zone.name]
        relative = relative_modulus(kind, min(max(pct, 1e-3), 100.0) / 100.0)
        core = solid * relative.along
        # a zone is a modifier: the part's column within its own heights
        zone_top = top_heights(zone.mesh.vertices, zone.mesh.faces, xy)
        zone_bottom = bottom_heights(zone.mesh.vertices, zone.mesh.faces, xy)
        with np.errstate(invalid="ignore"):
            top = np.fmin(zone_top, part_top)
            bottom = np.fmax(zone_bottom, part_bottom)
            inside = np.isfinite(zone_top) & np.isfinite(part_top) & (top - bottom > 0)
        if not inside.any():
            continue
        height = (top - bottom)[inside]
        reaches_top = zone_top[inside] > part_top[inside] - SKIN_TOUCH_MM
        reaches_bottom = zone_bottom[inside] < part_bottom[inside] + SKIN_TOUCH_MM
        edge = near_edge[inside]
        k = np.empty(height.size)
        for t_on in (False, True):
            for b_on in (False, True):
                these = (reaches_top == t_on) & (reaches_bottom == b_on)
                layer = Skins(skins.top_mm if t_on else 0.0, skins.bottom_mm if b_on else 0.0)
                k[these] = column_kpa_per_mm(height[these], core, solid, layer)
        k[edge] = 1000.0 * solid / height[edge]  # the perimeters: solid wall
        middle = ~edge if (~edge).any() else np.ones_like(edge)
        median_h = float(np.median(height[middle]))
        at_median = float(column_kpa_per_mm(np.array([median_h]), core, solid,
                                            Skins(skins.top_mm if np.median(reaches_top[middle]) else 0.0,
                                                  skins.bottom_mm if np.median(reaches_bottom[middle]) else 0.0))[0])
        out[zone.name] = ZoneStiffness(
            material=material.name, material_modulus_mpa=material.modulus_mpa,
            cell=f"{'PrusaSlicer gyroid infill' if kind == 'infill' else kind + ' sheet'} {pct:g} %",
            relative_modulus=round(relative.along, 5), core_modulus_mpa=round(core, 4),
            thickness_mm=round(median_h, 2), kpa_per_mm=round(at_median, 1),
            least_kpa_per_mm=round(float(k[middle].min()), 1), greatest_kpa_per_mm=round(float(k[middle].max()), 1),
            mean_kpa_per_mm=round(float(k.mean()), 1),
            table_uncertainty_pct=round(100 * relative.uncertainty, 1), extrapolated=relative.extrapolated,
            model=MODEL)
    return out
