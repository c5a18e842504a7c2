"""The stiffness map for the report: each side's printed column under the foot, kPa per
mm of compression (insolegen.build.stiffness.column_map), on one logarithmic colour scale
for both sides, with the outline and a colour bar. Drawn with the package's own canvas
(insolegen.exports.drawing), as the preview is."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from insolegen.build.parts import BuildResult
from insolegen.build.stiffness import ColumnMap, column_map
from insolegen.exports.drawing import Axes, Canvas, padded

__all__ = ["RAMP", "ramp", "stiffness_map_png"]

WIDTH, HEIGHT = 1200, 290
# viridis at five stops (soft: dark blue-violet; firm: yellow), sRGB
RAMP = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float)


def ramp(t: NDArray[np.float64]) -> NDArray[np.uint8]:
    """Colours for t in 0..1 along RAMP."""
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0) * (len(RAMP) - 1)
    k = np.minimum(t.astype(int), len(RAMP) - 2)
    f = (t - k)[..., None]
    return np.round(RAMP[k] * (1 - f) + RAMP[k + 1] * f).astype(np.uint8)


def _raster(m: ColumnMap, lo: float, hi: float) -> tuple[NDArray[np.uint8], NDArray[np.bool_], tuple[float, ...]]:
    """The map as an image (row 0 at the highest y), its mask and its extent in mm."""
    x0, y0 = m.xy.min(axis=0)
    ix = np.rint((m.xy[:, 0] - x0) / m.step_mm).astype(int)
    iy = np.rint((m.xy[:, 1] - y0) / m.step_mm).astype(int)
    nx, ny = ix.max() + 1, iy.max() + 1
    rgb = np.full((ny, nx, 3), 255, dtype=np.uint8)
    mask = np.zeros((ny, nx), dtype=bool)
    t = (np.log10(m.kpa_per_mm) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    rgb[ny - 1 - iy, ix] = ramp(t)
    mask[ny - 1 - iy, ix] = True
    half = m.step_mm / 2
    return rgb, mask, (x0 - half, y0 + (ny - 1) * m.step_mm + half, x0 + (nx - 1) * m.step_mm + half, y0 - half)


def stiffness_map_png(result: BuildResult) -> bytes | None:
    """The map of every side, or None when no side has one (another infill pattern)."""
    maps = [column_map(part, result.profile.material, result.profile.zones.pattern) for part in result.parts]
    if any(m is None for m in maps):
        return None
    drawn = [m for m in maps if m is not None]
    values = np.concatenate([m.kpa_per_mm for m in drawn])
    lo = 10 ** math.floor(math.log10(float(np.percentile(values, 1))))
    hi = 10 ** math.ceil(math.log10(float(np.percentile(values, 99.5))))
    canvas = Canvas(WIDTH, HEIGHT)
    rings = np.vstack([p.outline.boundary * [1.0, p.mirror] for p in result.parts])
    xlim, ylim = padded(rings[:, 0].min(), rings[:, 0].max()), padded(rings[:, 1].min(), rings[:, 1].max())
    columns = [(60, 530), (590, 1060)] if len(drawn) == 2 else [(60, 1060)]
    last = None
    for (left, right), part, m in zip(columns, result.parts, drawn):
        ax = Axes.equal(canvas, (left, 40, right, HEIGHT - 45), xlim, ylim)
        rgb, mask, (x0, y1, x1, y0) = _raster(m, lo, hi)
        (px0, py0), (px1, py1) = ax.px(np.array([x0, x1]), np.array([y1, y0]))
        canvas.picture(rgb, (float(px0), float(py0), float(px1), float(py1)), mask)
        ring = part.outline.boundary * [1.0, part.mirror]
        canvas.polyline(ax.px(np.append(ring[:, 0], ring[0, 0]), np.append(ring[:, 1], ring[0, 1])), "#000000", 1.2)
        median = float(np.median(m.kpa_per_mm))
        ax.frame(f"{part.spec.side}: stiffness under the foot, median {median:.0f} kPa/mm", "x (mm)", "y (mm)")
        last = ax
    assert last is not None
    _bar(canvas, (last.right + 16, last.top, last.right + 28, last.bottom), lo, hi)
    return canvas.png()


def _bar(canvas: Canvas, box: tuple[float, float, float, float], lo: float, hi: float) -> None:
    """A vertical colour bar, logarithmic from lo (bottom) to hi, ticked at 1, 2 and 5."""
    left, top, right, bottom = box
    rows = max(2, round((bottom - top) * canvas.scale))
    colours = ramp(np.linspace(1.0, 0.0, rows))
    canvas.picture(np.repeat(colours[:, None, :], 2, axis=1), box)
    canvas.rectangle((left - 0.5, top - 0.5, right + 0.5, bottom + 0.5), edge="#000000", width=0.8)
    span = math.log10(hi) - math.log10(lo)
    for decade in range(round(math.log10(lo)), round(math.log10(hi)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10.0 ** decade
            if lo <= value <= hi:
                row = bottom - (math.log10(value) - math.log10(lo)) / span * (bottom - top)
                canvas.polyline([(right, row), (right + 4, row)], "#000000", 0.8)
                canvas.text((right + 7, row), f"{value:g}", 9, anchor="lm")
    canvas.text((right + 52, (top + bottom) / 2), "kPa per mm of compression", 10, rotate=True)
