"""A zone's stiffness under the foot: the printed column at a point, its layers in series.

Where the foot presses, the column is the zone's top skin (solid layers), its core
(infill or lattice) and its bottom skin, one above the other: the compliances per unit
area add, h_top / Es + h_core / E_core + h_bottom / Es. A column thinner than its two
skins is solid. Within the perimeters' band along the part's outline the column is solid
wall, side by side with the rest (in parallel), which the zone's area mean counts. The
result is a small-strain (linear elastic) stiffness, kPa of pressure per mm of
compression: at the 20-50 % strains an insole works at, cellular TPU stiffens as its
walls touch and softens where they buckle, which this does not model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LINE_WIDTH_MM", "Skins", "block_kpa_per_mm", "column_kpa_per_mm", "column_modulus_mpa"]

Array = NDArray[np.float64]

# PrusaSlicer's automatic extrusion width for a 0.4 mm nozzle (1.125 x the nozzle): the
# perimeters' band is walls x this wide.
LINE_WIDTH_MM = 0.45


@dataclass(frozen=True)
class Skins:
    """The solid layers above and below a zone's core, mm (0 where the zone does not
    reach the part's top or bottom): one figure for every column, or one per column."""

    top_mm: float | Array
    bottom_mm: float | Array


def _compliance(thickness_mm: Array, core_mpa: float, solid_mpa: float, skins: Skins) -> Array:
    """mm of compression per MPa of pressure for columns of the given thicknesses."""
    h = np.asarray(thickness_mm, dtype=np.float64)
    skin = np.minimum(skins.top_mm + skins.bottom_mm, h)
    return skin / solid_mpa + (h - skin) / core_mpa


def column_kpa_per_mm(thickness_mm: Array, core_mpa: float, solid_mpa: float, skins: Skins) -> Array:
    """kPa per mm of compression of columns ``thickness_mm`` tall."""
    return 1000.0 / _compliance(thickness_mm, core_mpa, solid_mpa, skins)


def column_modulus_mpa(thickness_mm: Array, core_mpa: float, solid_mpa: float, skins: Skins) -> Array:
    """The columns' effective compressive modulus (MPa): thickness over compliance."""
    h = np.asarray(thickness_mm, dtype=np.float64)
    return h / _compliance(h, core_mpa, solid_mpa, skins)


def block_kpa_per_mm(width_mm: float, depth_mm: float, height_mm: float, core_mpa: float, solid_mpa: float,
                     skins: Skins, band_mm: float) -> float:
    """A rectangular block pressed over its whole top by a flat board (a coupon): its
    columns and the solid band ``band_mm`` wide along its sides, side by side (in
    parallel), each by its area."""
    area = width_mm * depth_mm
    inner = max(width_mm - 2 * band_mm, 0.0) * max(depth_mm - 2 * band_mm, 0.0)
    core = float(column_kpa_per_mm(np.array([height_mm]), core_mpa, solid_mpa, skins)[0])
    return (inner * core + (area - inner) * 1000.0 * solid_mpa / height_mm) / area
