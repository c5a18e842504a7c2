"""Telling an insole's scan from a foot's: orthotists scan a device a patient likes to
copy it, and a copy built as if it were a foot is wrong everywhere (the issue's case:
a heel centre 14.9 mm high, an arch apex 7.2 mm). The evidence is the forefoot:

- a closed scan (two faces seen, top and bottom): an insole is a few millimetres thick
  across its forefoot (2-8 mm), a foot, or a sole scan cut 15 mm up or more, is at
  least 12 mm thick there;
- an open sheet: an insole's top sheet ends at the forefoot's edge level with its
  middle (within a few millimetres), a sole's sides rise to the cut edge round the
  whole foot (15-40 mm up).

Between the two the scan is neither, and scan_kind must say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from insolegen.core import exact

__all__ = [
    "FOOT_FOREFOOT_MIN_MM",
    "INSOLE_FOREFOOT_MAX_MM",
    "SHEET_EDGE_RISE_MAX_MM",
    "SOLE_EDGE_RISE_MIN_MM",
    "Evidence",
    "insole_evidence",
]

INSOLE_FOREFOOT_MAX_MM = 9.0  # an insole's forefoot is this thick at most (2-8 mm)
FOOT_FOREFOOT_MIN_MM = 12.0  # a foot's forefoot, or a sole cut 15 mm up, is this thick at least
SHEET_EDGE_RISE_MAX_MM = 6.0  # an insole's top sheet: its forefoot's edge this far above its middle at most
SOLE_EDGE_RISE_MIN_MM = 10.0  # a sole's cut edge: this far above the forefoot's sole at least
_MIDDLE = (0.2, 0.8)  # the slices along the scan that are looked at: not its two ends
_SLICES = 12


@dataclass(frozen=True)
class Evidence:
    """``verdict``: "insole", "foot" (a foot or a sole) or "unsure"; ``found``: what was
    measured, in words for the notes and a refusal."""

    verdict: str
    found: str
    forefoot_mm: float


def _along(mask: NDArray[np.bool_], xs: NDArray, ys: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """(x, y) of the cells in ``mask``, and each one's place along the mask's long axis
    (0 at one end, 1 at the other)."""
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    px, py = gx[mask], gy[mask]
    centre = np.array([px.mean(), py.mean()])
    pts = np.column_stack([px, py]) - centre
    axis = exact.symmetric_eigh(exact.covariance(pts))[1][:, -1]
    t = pts @ axis
    return pts + centre, axis, (t - t.min()) / max(float(np.ptp(t)), 1e-9)


def _slice_of(t: NDArray) -> NDArray[np.int64]:
    return np.minimum((t * _SLICES).astype(np.int64), _SLICES - 1)


def insole_evidence(low: NDArray, high: NDArray, xs: NDArray, ys: NDArray,
                    rim: NDArray | None) -> Evidence:
    """Insole or foot, from the scan stood on its floor: its height maps and, for an
    open sheet, its long open edge (``rim``, points in the same frame)."""
    seen = np.isfinite(high) & np.isfinite(low)
    if seen.sum() < 100:
        return Evidence("unsure", "too little of the scan seen from above", float("nan"))
    cells, axis, t = _along(seen, xs, ys)
    middle = np.arange(int(_MIDDLE[0] * _SLICES), int(np.ceil(_MIDDLE[1] * _SLICES)))
    which = _slice_of(t)
    if rim is None:
        thickness = (high - low)[seen]
        per_slice = [float(np.median(thickness[which == k])) for k in middle if np.any(which == k)]
        least = min(per_slice)
        what = f"{least:.1f} mm thick across its thinnest part between heel and toes (closed, top and bottom seen)"
        if least <= INSOLE_FOREFOOT_MAX_MM:
            return Evidence("insole", what, least)
        return Evidence("foot" if least >= FOOT_FOREFOOT_MIN_MM else "unsure", what, least)
    # an open sheet: its edge's height against the lowest of the sheet, slice by slice
    centre = cells.mean(axis=0)
    span_lo = float(((cells - centre) @ axis).min())
    span = float(np.ptp((cells - centre) @ axis))
    rim_t = (((rim[:, :2] - centre) @ axis) - span_lo) / max(span, 1e-9)
    rim_slice = _slice_of(np.clip(rim_t, 0, 1))
    lows = low[seen]
    rises = [float(np.median(rim[rim_slice == k, 2]) - lows[which == k].min()) for k in middle
             if np.any(rim_slice == k) and np.any(which == k)]
    if not rises:
        return Evidence("unsure", "an open sheet whose edge could not be followed", float("nan"))
    least = min(rises)
    what = (f"an open sheet whose edge stands {least:.1f} mm above its lowest point where it is lowest "
            "between heel and toes")
    if least <= SHEET_EDGE_RISE_MAX_MM:
        return Evidence("insole", what, least)
    return Evidence("foot" if least >= SOLE_EDGE_RISE_MIN_MM else "unsure", what, least)
