"""The report's predicted-pressure page (issue 25; docs/pressure-model.md): for each side
with a barefoot map, the pressure predicted on a flat insole of the same material and
thickness and on the insole as built, side by side on one colour scale (averaged over
1 cm2), and a table per region with the change. Drawn with the package's own canvas
(insolegen.exports.drawing), as the stiffness map is."""

from __future__ import annotations

import base64
import html
import math

import numpy as np
from numpy.typing import NDArray

from insolegen.build.parts import BuildResult
from insolegen.build.prediction import GRID_STEP_MM
from insolegen.build.record import PredictedPressure
from insolegen.exports.drawing import Axes, Canvas, padded
from insolegen.exports.stiffness_map import ramp

__all__ = ["predicted_page", "predicted_pressure_png", "round_ceiling"]

WIDTH, ROW_HEIGHT = 1200, 300


def _raster(x: NDArray[np.float64], y: NDArray[np.float64], kpa: NDArray[np.float64], top_kpa: float
            ) -> tuple[NDArray[np.uint8], NDArray[np.bool_], tuple[float, float, float, float]]:
    """The points' pressures as an image (row 0 at the highest y), its mask, its extent."""
    x0, y0 = float(x.min()), float(y.min())
    ix = np.rint((x - x0) / GRID_STEP_MM).astype(int)
    iy = np.rint((y - y0) / GRID_STEP_MM).astype(int)
    nx, ny = int(ix.max()) + 1, int(iy.max()) + 1
    rgb = np.full((ny, nx, 3), 255, dtype=np.uint8)
    mask = np.zeros((ny, nx), dtype=bool)
    rgb[ny - 1 - iy, ix] = ramp(kpa / top_kpa)
    mask[ny - 1 - iy, ix] = True
    half = GRID_STEP_MM / 2
    return rgb, mask, (x0 - half, y0 + (ny - 1) * GRID_STEP_MM + half, x0 + (nx - 1) * GRID_STEP_MM + half, y0 - half)


def round_ceiling(value: float) -> float:
    """A round number at or above value (1, 2 or 5 times a power of ten)."""
    decade = 10.0 ** math.floor(math.log10(max(value, 1e-9)))
    return next(m * decade for m in (1, 2, 5, 10) if m * decade >= value)


def predicted_pressure_png(result: BuildResult) -> bytes | None:
    """Each predicted side: flat, then as built, one colour scale for all; None without one."""
    rows = [(part, result.predictions[part.spec.side]) for part in result.parts if part.spec.side in result.predictions]
    if not rows:
        return None
    top = round_ceiling(max(max(float(p.flat.averaged_kpa.max()), float(p.designed.averaged_kpa.max())) for _, p in rows))
    canvas = Canvas(WIDTH, ROW_HEIGHT * len(rows))
    last = None
    for r, (part, prediction) in enumerate(rows):
        ring = part.outline.boundary * [1.0, part.mirror]
        xlim, ylim = padded(float(ring[:, 0].min()), float(ring[:, 0].max())), padded(float(ring[:, 1].min()),
                                                                                        float(ring[:, 1].max()))
        y = prediction.y_mm * part.mirror
        for (left, right), name, case in zip([(60, 530), (590, 1060)], ("flat insole", "as built"),
                                             (prediction.flat, prediction.designed)):
            ax = Axes.equal(canvas, (left, r * ROW_HEIGHT + 40, right, (r + 1) * ROW_HEIGHT - 45), xlim, ylim)
            rgb, mask, (x0, y1, x1, y0) = _raster(prediction.x_mm, y, case.averaged_kpa, top)
            (px0, py0), (px1, py1) = ax.px(np.array([x0, x1]), np.array([y1, y0]))
            canvas.picture(rgb, (float(px0), float(py0), float(px1), float(py1)), mask)
            canvas.polyline(ax.px(np.append(ring[:, 0], ring[0, 0]), np.append(ring[:, 1], ring[0, 1])), "#000000", 1.2)
            peak = int(np.argmax(case.averaged_kpa))
            canvas.dots(ax.px(np.array([prediction.x_mm[peak]]), np.array([y[peak]])), 3.0, "#d00000")
            ax.frame(f"{part.spec.side}, {name}: peak {case.peak_kpa:.0f} kPa, contact {case.contact_cm2:.0f} cm2",
                     "x (mm)", "y (mm)")
            last = ax
    assert last is not None
    _bar(canvas, (last.right + 16, 40, last.right + 28, canvas.height - 45), top)
    return canvas.png()


def _bar(canvas: Canvas, box: tuple[float, float, float, float], top: float) -> None:
    left, upper, right, bottom = box
    rows = max(2, round((bottom - upper) * canvas.scale))
    canvas.picture(np.repeat(ramp(np.linspace(1.0, 0.0, rows))[:, None, :], 2, axis=1), box)
    canvas.rectangle((left - 0.5, upper - 0.5, right + 0.5, bottom + 0.5), edge="#000000", width=0.8)
    for value in np.linspace(0.0, top, 6):
        row = bottom - value / top * (bottom - upper)
        canvas.polyline([(right, row), (right + 4, row)], "#000000", 0.8)
        canvas.text((right + 7, row), f"{value:g}", 9, anchor="lm")
    canvas.text((right + 52, (upper + bottom) / 2), "kPa, averaged over 1 cm2", 10, rotate=True)


def _table(p: PredictedPressure) -> str:
    flat = {r.name: r for r in p.flat.regions}
    rows = []
    for r in p.designed.regions:
        f = flat.get(r.name)
        change = p.region_change_pct.get(r.name)
        rows.append(f"<tr><td>{html.escape(r.name)}</td><td class=\"num\">{f.peak_kpa if f else 0:.0f}</td>"
                    f"<td class=\"num\">{r.peak_kpa:.0f}</td>"
                    f"<td class=\"num\">{'-' if change is None else f'{change:+.0f} %'}</td>"
                    f"<td class=\"num\">{r.mean_kpa:.0f}</td><td class=\"num\">{r.contact_cm2:.0f}</td></tr>")
    rows.append(f"<tr><th>whole foot</th><td class=\"num\">{p.flat.peak_kpa:.0f}</td><td class=\"num\">"
                f"{p.designed.peak_kpa:.0f}</td><td class=\"num\">{p.peak_change_pct:+.0f} %</td><td></td>"
                f"<td class=\"num\">{p.designed.contact_cm2:.0f} (flat {p.flat.contact_cm2:.0f})</td></tr>")
    return ("<table><tr><th>region</th><th>flat insole: peak (kPa)</th><th>as built: peak (kPa)</th><th>change</th>"
            f"<th>as built: mean (kPa)</th><th>contact (cm2)</th></tr>{''.join(rows)}</table>")


def _design(p: PredictedPressure) -> str:
    d = p.design
    if d is None:
        return ""
    asked = " and ".join(t for t in (f"a peak of {d.target_peak_kpa:g} kPa or less" if d.target_peak_kpa else "",
                                      f"{d.target_reduction_pct:g} % below the flat insole" if d.target_reduction_pct else "")
                         if t)
    changed = "; ".join(f"{c.key}: {c.from_value:g} to {c.to_value:g}" for c in d.changes) or "nothing"
    outcome = ("met" if d.met else html.escape(d.shortfall or "not met"))
    return (f"<p><strong>Designed to a target</strong> ({html.escape(asked)}): {outcome}. Changed: {html.escape(changed)}. "
            f"Predicted peak {d.peak_before_kpa:.0f} kPa before, {d.peak_kpa:.0f} after ({d.reduction_before_pct:+.0f} % "
            f"and {d.reduction_pct:+.0f} % below the flat insole); {d.builds} trial builds.</p>")


def predicted_page(result: BuildResult, picture: bytes | None) -> str:
    """The page (nothing without a prediction)."""
    sides = [s for s in result.record.sides if s.predicted is not None]
    if not sides:
        return ""
    first: PredictedPressure = sides[0].predicted  # type: ignore[assignment]
    blocks = "".join(
        f"<h3>{html.escape(s.side)}</h3>"
        f"<p>Carrying {s.predicted.load_n:.0f} N ({html.escape(s.predicted.load_from)}), {html.escape(s.predicted.tissue)} "
        f"tissue; the flat insole: {s.predicted.flat_thickness_mm:.1f} mm at {s.predicted.flat_kpa_per_mm:.0f} kPa/mm "
        f"(the built part's median).</p>{_design(s.predicted)}{_table(s.predicted)}" for s in sides
        if s.predicted is not None)
    image = ("" if picture is None else
             '<img class="map" alt="predicted pressure under the foot, on a flat insole and on the insole as built" '
             f'src="data:image/png;base64,{base64.b64encode(picture).decode()}">')
    return (f'<section class="page">\n<h2>Predicted pressure, standing (an estimate, not a measurement)</h2>'
            f"<p>{html.escape(first.model)}. Measure the peak in the shoe: the target for a foot at risk is under "
            "200 kPa, or 25-30 % below the current footwear. How the model works and how far it agrees with "
            "published studies: docs/pressure-model.md.</p>"
            f"{image}{blocks}\n</section>")
