"""Predicted plantar pressure on a built part (issue 25): the foot of the side's barefoot
map standing on the insole as built, and beside it on a flat insole of the same
material and thickness (insolegen/contact: the tissue, the sole, the balance).

The foot is read on a GRID_STEP_MM grid over the full foot's outline (right-foot frame).
The support at each point is the part's top above its underside (the insole lies on the
shoe's footbed, the reference plane) with the printed column's stiffness there
(:func:`insolegen.build.stiffness.column_map`); where the insole ends (a 3/4 length) the
foot stands on the footbed, rigid. The load is half the body's weight (standing on both
feet) from ``[patient] mass_kg``, or else the map's own force, said so. Pressures are
averaged over 1 cm2 (10 x 10 mm, as the guidelines read peak pressure) before peaks are
taken; region means are of the unaveraged points in contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter
from scipy.spatial import cKDTree

from insolegen.build.parts import SidePart
from insolegen.build.record import PredictedCase, PredictedPressure, PredictedRegion
from insolegen.build.stiffness import column_map
from insolegen.contact.barefoot import CONTACT_KPA, Calibration, sole_from_barefoot
from insolegen.contact.calibration import CALIBRATION
from insolegen.contact.cases import Case, Prediction, RegionPressure
from insolegen.contact.solve import Sole, Standing, stand
from insolegen.contact.tissue import DIABETIC, HEALTHY, Tissue
from insolegen.core.printing import TPU, PrintSettings
from insolegen.firmness.materials import Material
from insolegen.geometry.outline import Outline
from insolegen.geometry.pressure_field import PressureField, region_areas
from insolegen.geometry.pressure_fit import foot_polygon

__all__ = [
    "DEFAULT_MASS_KG", "GRID_STEP_MM", "STANDARD_GRAVITY", "Foot", "case_on",
    "foot_from", "foot_of", "predict_side", "predicted_figures", "side_load", "supports",
]

Array = NDArray[np.float64]
GRID_STEP_MM = 2.5
AVERAGE_MM = 10.0  # 1 cm2
STANDARD_GRAVITY = 9.80665
DEFAULT_MASS_KG = 70.0  # when the profile gives no mass and the map's force is not one moment's
MODEL = ("standing on both feet: a rigid foot over exponential plantar tissue in series with the insole's columns "
         "(a bed of springs), calibrated on Cheung & Zhang 2005 (docs/pressure-model.md); averaged over 1 cm2")


def _grid(foot: shapely.Polygon) -> tuple[Array, Array, NDArray[np.bool_], tuple[int, int]]:
    x0, y0, x1, y1 = foot.bounds
    xs = np.arange(x0 + GRID_STEP_MM / 2, x1, GRID_STEP_MM)
    ys = np.arange(y0 + GRID_STEP_MM / 2, y1, GRID_STEP_MM)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    inside = shapely.contains_xy(foot, gx.ravel(), gy.ravel())
    return gx.ravel(), gy.ravel(), inside, gx.shape


def supports(part: SidePart, x: Array, y: Array, material: Material, pattern: str,
             settings: PrintSettings = TPU) -> tuple[Array, Array] | None:
    """The insole's top above its underside (mm) and its column's kPa per mm at each
    point (right-foot frame); the footbed (0 mm, rigid) where the insole ends. None
    when the firmness model does not know the part's infill."""
    columns = column_map(part, material, pattern, settings)
    if columns is None:
        return None
    side_xy = np.column_stack([x, y * part.mirror])
    top = part.top_above_underside_mm(side_xy)
    on = np.isfinite(top)
    distance, nearest = cKDTree(columns.xy).query(side_xy)
    k = np.where(on & (distance <= 2 * columns.step_mm), columns.kpa_per_mm[nearest], np.inf)
    return np.where(on, np.maximum(top, 0.0), 0.0), k


@dataclass(frozen=True)
class Foot:
    """A side's foot read from its barefoot map, over the grid: what every case shares."""

    sole: Sole
    inside: NDArray[np.bool_]  # of the full rectangular grid
    shape: tuple[int, int]
    barefoot_kpa: Array
    cop_mm: tuple[float, float]
    map_force_n: float
    regions: dict[str, shapely.Geometry]


def foot_of(part: SidePart, diabetic: bool, load_n: float, calibration: Calibration = CALIBRATION) -> Foot | None:
    """The foot of the side's barefoot map carrying ``load_n`` (None without a map)."""
    relief = part.surface.pressure_relief
    if relief is None:
        return None
    source = part.spec.foot
    scan = getattr(source, "sole", None)  # a scanned sole (a SoleField) gives the arch's shape
    return foot_from(part.outline, relief.field, load_n, DIABETIC if diabetic else HEALTHY, calibration, scan)


def foot_from(outline: Outline, field: PressureField, load_n: float, tissue: Tissue,
              calibration: Calibration = CALIBRATION, scan: Any = None) -> Foot:
    """The foot of a barefoot map laid on an outline (right-foot frame), its sole read
    from the map's shape at ``load_n`` (a map's force is seldom the standing load: a
    peak map's is each cell's highest over a step); ``scan``: the sole's height field
    from a scan (anything with height_mm(x, y)), or None."""
    polygon = foot_polygon(outline)
    gx, gy, inside, shape = _grid(polygon)
    x, y = gx[inside], gy[inside]
    cell = GRID_STEP_MM * GRID_STEP_MM
    barefoot = field.kpa(x, y)
    scanned = None if scan is None else scan.height_mm(x, y)
    map_force = float(barefoot.sum()) * cell * 1e-3
    if map_force <= 0:
        raise ValueError("the barefoot map carries no load under the foot")
    sole = sole_from_barefoot(x, y, cell, barefoot * (load_n / map_force), outline.landmarks.foot_length_mm, tissue,
                              calibration, scanned)
    touching = barefoot >= CONTACT_KPA
    weight = barefoot[touching]
    cop = (float((weight * x[touching]).sum() / weight.sum()), float((weight * y[touching]).sum() / weight.sum()))
    return Foot(sole=sole, inside=inside, shape=shape, barefoot_kpa=barefoot, cop_mm=cop,
                map_force_n=map_force, regions=region_areas(outline, polygon))


def case_on(foot: Foot, top_mm: Array, kpa_per_mm: Array, load_n: float) -> Case:
    """The foot standing on a support (top above the footbed, column kPa per mm; inf rigid)."""
    standing = stand(foot.sole, top_mm, kpa_per_mm, load_n, foot.cop_mm)
    return _case(standing, foot.shape, foot.inside, foot.sole.cell_mm2, foot.regions, foot.sole.x_mm, foot.sole.y_mm)


def _case(standing: Standing, shape: tuple[int, int], inside: NDArray[np.bool_], cell_mm2: float,
          regions: dict[str, shapely.Geometry], x: Array, y: Array) -> Case:
    full = np.zeros(inside.size)
    full[inside] = standing.pressure_kpa
    size = max(round(AVERAGE_MM / GRID_STEP_MM), 1)
    averaged = uniform_filter(full.reshape(shape), size=size, mode="constant", cval=0.0).ravel()[inside]
    p = standing.pressure_kpa
    touching = p >= CONTACT_KPA
    out = []
    for name, area in regions.items():
        mask = shapely.contains_xy(area, x, y)
        if not mask.any():
            continue
        here = touching & mask
        out.append(RegionPressure(name=name, peak_kpa=round(float(averaged[mask].max()), 1),
                                  mean_kpa=round(float(p[here].mean()), 1) if here.any() else 0.0,
                                  contact_cm2=round(float(here.sum()) * cell_mm2 / 100.0, 1)))
    return Case(pressure_kpa=p, averaged_kpa=averaged, peak_kpa=round(float(averaged.max()), 1),
                contact_cm2=round(float(touching.sum()) * cell_mm2 / 100.0, 1), force_n=round(standing.force_n, 1),
                regions=tuple(out))


def side_load(part: SidePart, mass_kg: float | None) -> tuple[float, str, str | None]:
    """The load a foot carries standing (N), where it comes from, and a warning when the
    profile did not give the body's mass."""
    relief = part.surface.pressure_relief
    if mass_kg is not None:
        return mass_kg * STANDARD_GRAVITY / 2.0, "patient.mass_kg", None
    assert relief is not None
    grid = relief.field.grid
    if grid.frame_used != "peak":
        cell = (grid.row_pitch_mm or 1.0) * (grid.col_pitch_mm or 1.0)
        force = float(np.nansum(grid.kpa)) * cell * 1e-3
        return force, "the map's own force", (
            f"{part.spec.side}: no patient.mass_kg: the predicted pressure carries the map's own force, {force:.0f} N "
            "(give patient.mass_kg for half the body's weight)")
    return DEFAULT_MASS_KG * STANDARD_GRAVITY / 2.0, f"{DEFAULT_MASS_KG:g} kg, a default", (
        f"{part.spec.side}: no patient.mass_kg, and the map is each cell's peak over the recording (not one moment): "
        f"the predicted pressure carries half of {DEFAULT_MASS_KG:g} kg; give patient.mass_kg")


def predict_side(part: SidePart, material: Material, pattern: str, load_n: float, load_from: str, diabetic: bool,
                 calibration: Calibration = CALIBRATION, settings: PrintSettings = TPU) -> Prediction | None:
    """The side's predicted pressure, on the insole as built and on a flat one; None
    without a barefoot map or with an infill the firmness model does not know."""
    foot = foot_of(part, diabetic, load_n, calibration)
    if foot is None:
        return None
    x, y = foot.sole.x_mm, foot.sole.y_mm
    held = supports(part, x, y, material, pattern, settings)
    if held is None:
        return None
    top, k = held
    on = np.isfinite(k)
    flat_h = float(np.median(top[on])) if on.any() else 0.0
    flat_k = float(np.median(k[on])) if on.any() else float("inf")
    designed = case_on(foot, top, k, load_n)
    flat = case_on(foot, np.where(on, flat_h, 0.0), np.where(on, flat_k, np.inf), load_n)
    return Prediction(x_mm=x, y_mm=y, barefoot_kpa=foot.barefoot_kpa, load_n=round(load_n, 1), load_from=load_from,
                      tissue=foot.sole.tissue.name, designed=designed, flat=flat, flat_thickness_mm=round(flat_h, 2),
                      flat_kpa_per_mm=round(flat_k, 1))


def _case_figures(case: Case) -> PredictedCase:
    return PredictedCase(peak_kpa=case.peak_kpa, contact_cm2=case.contact_cm2, force_n=case.force_n,
                         regions=tuple(PredictedRegion(name=r.name, peak_kpa=r.peak_kpa, mean_kpa=r.mean_kpa,
                                                       contact_cm2=r.contact_cm2) for r in case.regions))


def _change_pct(flat: float, designed: float) -> float:
    return round(100.0 * (designed / flat - 1.0), 1) if flat > 0 else 0.0


def predicted_figures(prediction: Prediction) -> PredictedPressure:
    """build.json's figures of a prediction."""
    flat_regions = {r.name: r.peak_kpa for r in prediction.flat.regions}
    return PredictedPressure(
        model=MODEL, tissue=prediction.tissue, load_n=prediction.load_n, load_from=prediction.load_from,
        designed=_case_figures(prediction.designed), flat=_case_figures(prediction.flat),
        flat_thickness_mm=prediction.flat_thickness_mm, flat_kpa_per_mm=prediction.flat_kpa_per_mm,
        peak_change_pct=_change_pct(prediction.flat.peak_kpa, prediction.designed.peak_kpa),
        region_change_pct={r.name: _change_pct(flat_regions[r.name], r.peak_kpa) for r in prediction.designed.regions
                           if r.name in flat_regions})
