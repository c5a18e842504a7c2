"""The periodic cells whose stiffness the firmness model computes, as voxels of the unit
cube (one period), for :mod:`insolegen.firmness.homogenise`.

- A sheet lattice ([lattice]): {|g(2 pi p)| < t}, the same sheet and threshold the
  lattice's geometry meshes (:func:`insolegen.core.sheets.sheet`). Scaled copies of a cell
  have the same effective moduli (linear elasticity has no length scale), so the cell size
  does not enter: only the solid fraction does.
- A slicer's gyroid infill as PrusaSlicer lays it: each layer's path is the gyroid's
  level curve g = 0 at that height, extruded w wide in the layer's plane, with the
  pattern's period 2 pi w / (2.44 d) for an infill density d (FillGyroid: the waves'
  distance is the extrusion spacing over d times its DensityAdjust of 2.44). So the
  wall's width over the period is 2.44 d / (2 pi), and the cell depends on d alone. A
  point is inside when its distance to the curve in the layer's plane, |g| / |grad_xy g|
  to first order, is at most w / 2. Layers are taken as fully bonded (an isotropic solid).
  The slicer lays the whole line wherever it runs, so the cell holds the plastic laid:
  the curve's length per area times w, 2.44 x 0.3905 d = 0.953 d of the volume (read
  back from PrusaSlicer's G-code: 0.93-0.95 d at 20-76 %, tests/test_slicers.py). Where
  the curves come closer than a line width (from about 30 %) the lines overlap and the
  plastic is pressed out beside them, so there the walls are widened evenly, the points
  nearest the curve first, until the cell holds that volume; taking w / 2 alone would
  lose 12 % of the plastic at 60 % and 19 % at 76 %, and the model would pick too dense
  an infill for a firm zone.
A voxel is solid when its centre is.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from insolegen.core.sheets import sheet

__all__ = ["INFILL_DENSITY_ADJUST", "LINE_LENGTH_PER_AREA", "infill_cell", "laid_fraction", "sheet_cell"]

INFILL_DENSITY_ADJUST = 2.44  # PrusaSlicer's FillGyroid::DensityAdjust
# Length of the level curve g = 0 per unit area of a layer, in radians of the period,
# averaged over the period's layers (tests/test_firmness.py measures it again).
LINE_LENGTH_PER_AREA = 0.3905


def _centres(voxels: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    ticks = (np.arange(voxels) + 0.5) / voxels * 2 * math.pi
    x, y, z = np.meshgrid(ticks, ticks, ticks, indexing="ij")
    return x, y, z


def sheet_cell(kind: str, threshold: float, voxels: int) -> NDArray[np.bool_]:
    """The sheet {|g| < threshold} ('gyroid' or 'diamond') on voxels^3 voxels."""
    x, y, z = _centres(voxels)
    return np.asarray(np.abs(sheet(kind, x, y, z)) < threshold)


def laid_fraction(density: float) -> float:
    """The share of the volume PrusaSlicer's gyroid infill at ``density`` (0-1) lays:
    line length per area times the line's width (the period is 2 pi w / (2.44 d))."""
    return min(1.0, INFILL_DENSITY_ADJUST * LINE_LENGTH_PER_AREA * density)


def infill_cell(density: float, voxels: int) -> NDArray[np.bool_]:
    """PrusaSlicer's gyroid infill at ``density`` (0-1) on voxels^3 voxels of one period:
    the voxels nearest the layer's curve, as many as hold the laid plastic."""
    x, y, z = _centres(voxels)
    g = np.sin(x) * np.cos(y) + np.sin(y) * np.cos(z) + np.sin(z) * np.cos(x)
    # grad of g in the layer's plane, per radian of the period
    gx = np.cos(x) * np.cos(y) - np.sin(z) * np.sin(x)
    gy = -np.sin(x) * np.sin(y) + np.cos(y) * np.cos(z)
    distance = np.abs(g) / np.maximum(np.hypot(gx, gy), 1e-12)  # to the curve, in the layer, in radians
    count = round(laid_fraction(density) * distance.size)
    if count >= distance.size:
        return np.ones(distance.shape, dtype=bool)
    if count == 0:
        return np.zeros(distance.shape, dtype=bool)
    cut = np.partition(distance.ravel(), count - 1)[count - 1]
    return np.asarray(distance <= cut)
