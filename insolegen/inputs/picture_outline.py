"""The foot's outline in a picture already laid onto a millimetre grid (the sheet's or
the scanner's): a standing foot or a sock, a pen tracing, an ink print.

What separates the foot from the paper is measured against the paper itself, where it
lies: the paper's own colour and brightness are estimated everywhere by a normalised
convolution over the pixels that look like paper (so a lamp's gradient, a soft shadow or
a tinted light do not read as foot), and a pixel is foot by how much darker it is than
the paper there, or how far its colour is from the paper's (skin and socks are coloured;
a shadow on white paper is a darker white). Then:
- gaps up to a few millimetres are closed (between toe prints, in a broken pen line)
  and holes filled, and regions of foot size kept (two feet in one picture give two);
- a region mostly hollow is a tracing: its outline is the pen line's centre (the outer
  edge moved in by half the line's measured width);
- the outline itself is the level set half-way between paper and foot, found with
  sub-pixel marching squares (scikit-image), not the pixel mask's staircase.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CHROMA_STEP",
    "DARKNESS_STEP",
    "GAP_CLOSED_MM",
    "MIN_FOOT_AREA_MM2",
    "TRACING_SOLIDITY",
    "Shape",
    "find_shapes",
    "rectify",
]

DARKNESS_STEP = 0.40  # a pixel 40 % darker than the paper around it scores 1 (a shadow on paper: 10-35 %)
CHROMA_STEP = 12.0  # ... as does one 12 CIELAB units of colour from the paper's (skin: 15-30)
GAP_CLOSED_MM = 3.0  # gaps up to twice this are bridged (toe prints, a pen lifted)
MIN_FOOT_AREA_MM2 = 2500.0  # an infant's foot (110 x 40 mm) is ~3500 mm2
TRACING_SOLIDITY = 0.35  # a region whose filled area is less than this share marked is a tracing
PRINT_SOLIDITY = 0.95  # ... and less than this, an ink print (mottled, gaps); a foot or sock is solid
BACKGROUND_SIGMA_MM = 12.0  # the paper's light is smooth over this distance
EDGE_BAND_MM = 1.0  # a region this close to the picture's border crosses it


@dataclass(frozen=True)
class Shape:
    """A foot found: its outline in mm on the grid (x right, y up; the grid's top-left
    at (0, 0)), what it is, and how clearly it was seen."""

    polygon_mm: NDArray[np.float64]
    kind: str  # "tracing", "print" (ink, mottled) or "silhouette" (a foot or a sock)
    area_mm2: float
    edge_blur_mm: float  # the edge's spread (Gaussian sigma) across the outline
    contrast: float  # the foot's score over the paper's (1: just at the threshold)
    line_width_mm: float | None  # a tracing's pen line
    touches_edge: bool  # the region reaches the grid's border
    touches_marker: bool = False  # the region reaches one of the marker sheet's markers
    marked_share: float = 1.0  # of the region, the share marked (a tracing's line, a print's ink)


def rectify(rgb: NDArray[np.uint8], homography: NDArray[np.float64], width_mm: float, height_mm: float,
            mm_per_px: float, px_per_mm: float) -> NDArray[np.uint8]:
    """The picture laid onto the sheet: a ``mm_per_px`` grid over width x height mm,
    pixel (i, j)'s centre at ((i + 0.5) p, (j + 0.5) p) mm. ``homography`` maps picture
    pixels to mm; ``px_per_mm`` is the picture's resolution there (for anti-aliasing)."""
    import cv2

    shrink = px_per_mm * mm_per_px  # picture pixels per grid pixel
    if shrink > 1.5:
        rgb = np.asarray(cv2.GaussianBlur(rgb, (0, 0), 0.45 * shrink), np.uint8)
    to_grid = np.array([[1 / mm_per_px, 0, -0.5], [0, 1 / mm_per_px, -0.5], [0, 0, 1]]) @ homography
    size = (round(width_mm / mm_per_px), round(height_mm / mm_per_px))
    return np.asarray(cv2.warpPerspective(rgb, to_grid, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
                      np.uint8)


def _smooth_where(values: NDArray[np.float32], weight: NDArray[np.float32], sigma_px: float) -> NDArray[np.float32]:
    """Normalised convolution: values averaged over the weighted pixels near each pixel."""
    import cv2

    num = cv2.GaussianBlur(values * weight, (0, 0), sigma_px)
    den = cv2.GaussianBlur(weight, (0, 0), sigma_px)
    return np.asarray(num / np.maximum(den, 1e-6), np.float32)


def score(rgb: NDArray[np.uint8], mm_per_px: float) -> tuple[NDArray[np.float32], float]:
    """How much each pixel looks like foot rather than paper (1: the threshold), and
    the paper's median lightness (CIELAB L*, 0-100)."""
    import cv2

    lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    # The background model runs at 1 mm: the paper's light varies over centimetres.
    step = max(1, round(1.0 / mm_per_px))
    small = np.asarray(cv2.resize(lab, (lab.shape[1] // step, lab.shape[0] // step), interpolation=cv2.INTER_AREA),
                       np.float32)
    lum, a, b = small[..., 0], small[..., 1], small[..., 2]
    # First guess of the paper: bright and of the bright pixels' usual colour (a light
    # skin is as bright as paper in places, never as colourless); then refined by the score.
    bright = lum >= np.percentile(lum, 60) * 0.85
    a0, b0 = float(np.median(a[bright])), float(np.median(b[bright]))
    paper = (bright & (np.hypot(a - a0, b - b0) < 0.5 * CHROMA_STEP)).astype(np.float32)
    sigma = BACKGROUND_SIGMA_MM / (mm_per_px * step)
    for _ in range(3):
        lum_bg, a_bg, b_bg = (_smooth_where(ch, paper, sigma) for ch in (lum, a, b))
        s = np.maximum((1 - lum / np.maximum(lum_bg, 1e-3)) / DARKNESS_STEP,
                       np.hypot(a - a_bg, b - b_bg) / CHROMA_STEP)
        paper = (s < 0.5).astype(np.float32)
        if paper.sum() < 0.1 * paper.size:
            break
    size = (lab.shape[1], lab.shape[0])
    lum_bg, a_bg, b_bg = (np.asarray(cv2.resize(ch, size, interpolation=cv2.INTER_LINEAR), np.float32)
                          for ch in (lum_bg, a_bg, b_bg))
    darkness = np.clip(1 - lab[..., 0] / np.maximum(lum_bg, 1e-3), 0, None) / DARKNESS_STEP
    chroma = np.hypot(lab[..., 1] - a_bg, lab[..., 2] - b_bg) / CHROMA_STEP
    paper_l = float(np.median(lum_bg))
    return np.maximum(darkness, chroma).astype(np.float32), paper_l


def _disc(radius_px: float) -> NDArray[np.uint8]:
    import cv2

    r = max(1, round(radius_px))
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)), np.uint8)


def _filled(mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``mask`` with its holes filled (whatever the border cannot reach)."""
    import cv2

    padded = np.pad(mask, 1)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    return np.asarray((padded | (1 - flood))[1:-1, 1:-1], np.uint8)


def find_shapes(rgb: NDArray[np.uint8], mm_per_px: float, max_shapes: int = 2,
                blank_mm: tuple[tuple[float, float, float, float], ...] = ()) -> tuple[list[Shape] | str, float]:
    """(the feet in the grid, largest first, or a str saying why none could be read;
    the paper's median lightness, CIELAB L*). ``blank_mm``: rectangles (x0, y0, x1, y1,
    mm, y down) known to be printed marks."""
    # Over 60 lines: one pass from the score to outlines; the steps share the masks.
    import cv2
    from skimage.measure import find_contours

    field, paper_lightness = score(rgb, mm_per_px)
    for x0, y0, x1, y1 in blank_mm:  # the marker sheet's markers found: printed, not foot
        field[max(0, int(y0 / mm_per_px)):int(y1 / mm_per_px) + 1, max(0, int(x0 / mm_per_px)):int(x1 / mm_per_px) + 1] = 0
    field = np.asarray(cv2.GaussianBlur(field, (0, 0), 0.7), np.float32)
    strong = (field > 1.3).astype(np.uint8)
    weak = (field > 0.7).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    seeded = np.zeros(count, bool)
    seeded[np.unique(labels[strong > 0])] = True
    seeded[0] = False
    raw = seeded[labels].astype(np.uint8)
    raw = np.asarray(cv2.morphologyEx(raw, cv2.MORPH_OPEN, _disc(0.15 / mm_per_px)), np.uint8)
    closed = np.asarray(cv2.morphologyEx(raw, cv2.MORPH_CLOSE, _disc(GAP_CLOSED_MM / mm_per_px)), np.uint8)
    regions = _filled(closed)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(regions, connectivity=8)
    px_area = mm_per_px * mm_per_px
    big = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] * px_area >= MIN_FOOT_AREA_MM2]
    big.sort(key=lambda i: -stats[i, cv2.CC_STAT_AREA])
    if not big:
        return "no foot", paper_lightness
    largest = stats[big[0], cv2.CC_STAT_AREA]
    feet = [i for i in big if stats[i, cv2.CC_STAT_AREA] >= 0.4 * largest]
    if len(feet) > max_shapes:
        return f"{len(feet)} foot-sized shapes", paper_lightness
    band = max(1, round(EDGE_BAND_MM / mm_per_px))
    shapes = []
    for index in feet:
        region = (labels == index).astype(np.uint8)
        marked = float((raw & region).sum()) / float(region.sum())
        tracing = marked < TRACING_SOLIDITY
        near = cv2.dilate(region, _disc(2.0 / mm_per_px))
        typical = float(np.percentile(field[(raw & region) > 0], 90 if tracing else 50))
        level = max(0.6, 0.5 * typical)
        # What is held shut is built from the pixels above the level only: faint marks
        # beside the foot (a shadowed guide line) join the region at the weak threshold
        # but must not be bridged into the outline.
        above = ((field > level) & (region > 0)).astype(np.uint8)
        held = _filled(np.asarray(cv2.morphologyEx(above, cv2.MORPH_CLOSE, _disc(GAP_CLOSED_MM / mm_per_px)), np.uint8))
        inner = cv2.erode(held & region, _disc((1.5 if not tracing else 3.0) / mm_per_px))
        # Inside the closed region the level set is held shut (bridged toe gaps, a
        # tracing's interior); outside its neighbourhood nothing else is traced.
        local = np.where(near > 0, field, 0.0)
        local = np.maximum(local, inner.astype(np.float32) * (level * 4 + 1))
        contours = find_contours(np.pad(local, 1), level)
        if not contours:
            continue
        outline = max(contours, key=len) - 1.0  # (row, col) pixel centres, padding undone
        xy = np.column_stack([(outline[:, 1] + 0.5) * mm_per_px, -(outline[:, 0] + 0.5) * mm_per_px])
        width = None
        if tracing:
            line_px = float(((field > level) & (near > 0) & (inner == 0)).sum())
            perimeter = float(np.sum(np.hypot(*np.diff(xy, axis=0).T)))
            width = line_px * px_area / max(perimeter, 1e-9) / 2  # the ring's two edges: outer and inner
            xy = _inset(xy, width / 2)
        rows, cols = np.nonzero(region)
        touches = bool(rows.min() < band or cols.min() < band or rows.max() >= region.shape[0] - band
                       or cols.max() >= region.shape[1] - band)
        reach = cv2.dilate(region, _disc(1.0 / mm_per_px))
        on_marker = any(reach[max(0, int(y0 / mm_per_px)):int(y1 / mm_per_px) + 1,
                              max(0, int(x0 / mm_per_px)):int(x1 / mm_per_px) + 1].any() for x0, y0, x1, y1 in blank_mm)
        kind = "tracing" if tracing else "print" if marked < PRINT_SOLIDITY else "silhouette"
        shapes.append(Shape(polygon_mm=xy, kind=kind, touches_marker=on_marker, marked_share=marked,
                            area_mm2=float(region.sum()) * px_area,
                            edge_blur_mm=_edge_blur_mm(field, outline, mm_per_px, typical),
                            contrast=typical, line_width_mm=width, touches_edge=touches))
    return (shapes if shapes else "no foot"), paper_lightness


def _inset(xy: NDArray[np.float64], distance_mm: float) -> NDArray[np.float64]:
    import shapely

    polygon = shapely.Polygon(xy).buffer(0)
    moved = polygon.buffer(-distance_mm, join_style="round")
    if moved.is_empty:
        return xy
    if moved.geom_type == "MultiPolygon":
        moved = max(moved.geoms, key=lambda g: g.area)
    return np.asarray(moved.exterior.coords, np.float64)


def _edge_blur_mm(field: NDArray[np.float32], outline: NDArray[np.float64], mm_per_px: float, typical: float) -> float:
    """The Gaussian sigma a step of the foot's contrast would need to rise as slowly as
    the field does across the outline: step / (max slope x sqrt(2 pi))."""
    import cv2

    step = max(1, len(outline) // 200)
    points = outline[::step]
    tangent = np.gradient(points, axis=0)
    norms = np.hypot(tangent[:, 0], tangent[:, 1])
    ok = norms > 1e-9
    normal = np.column_stack([-tangent[ok, 1], tangent[ok, 0]]) / norms[ok, None]
    points = points[ok]
    reach = 4.0 / mm_per_px
    ss = np.linspace(-reach, reach, 33)
    rows = points[:, None, 0] + ss[None, :] * normal[:, None, 0]
    cols = points[:, None, 1] + ss[None, :] * normal[:, None, 1]
    profile = cv2.remap(field, cols.astype(np.float32), rows.astype(np.float32), cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE).astype(np.float64)
    slope = np.abs(np.gradient(profile, ss * mm_per_px, axis=1)).max(axis=1)
    spread = np.clip(profile.max(axis=1) - profile.min(axis=1), 1e-6, None)
    sigma = spread / np.maximum(slope, 1e-9) / math.sqrt(2 * math.pi)
    return float(np.median(sigma)) if len(sigma) else math.inf
