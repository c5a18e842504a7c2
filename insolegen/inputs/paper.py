"""Where the sheet of paper is in a photo, and the homography from the photo's pixels to
millimetres on it.

Two ways, both with OpenCV:
- **the marker sheet** (``insolegen sheet``): its ArUco corner markers, found with
  sub-pixel corners, give 12-16 points of known position; three markers are enough, so a
  foot may cover one, and the paper's edges may be hidden.
- **a plain sheet**: the brightest large region's convex hull gives four rough corners;
  each edge is then found again at full resolution by the steepest bright-to-dark step
  along its normal (sub-pixel), and a robust line fit through those points ignores where
  a foot or a shadow hides the edge. Which side is the long one, and so A4 against
  Letter, comes from the quadrilateral's true aspect ratio: Zhang & He's whiteboard
  rectification (2007) recovers the camera's focal length from the two vanishing points
  and the sheet's aspect ratio with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from insolegen.core.marker_sheet import PAPERS, Paper, marker_corners_mm, paper_for_marker

__all__ = [
    "EDGE_SAMPLES",
    "MIN_EDGE_SHARE",
    "PaperFit",
    "Quad",
    "find_markers",
    "find_paper",
    "paper_fit",
    "quad_aspect",
    "tilt_deg",
]

EDGE_SAMPLES = 120  # points sought along each of the paper's edges
MIN_EDGE_SHARE = 0.25  # an edge is found when at least this share of its samples show the step
COARSE_PIXELS = 1000  # the rough search runs on the picture scaled to this longer side
# A plain sheet's aspect (A4 1.414, Letter 1.294) read with a guessed focal length is
# trusted only this close to straight above (a 2x zoom tilted 20 degrees reads A4 as 1.35).
GUESS_TILT_DEG = 8.0


@dataclass(frozen=True)
class Quad:
    """A sheet's four corners in the picture's pixels (x right, y down), clockwise on
    screen from the top-left, and how well its edges were found."""

    corners: NDArray[np.float64]  # (4, 2)
    edge_rms_px: float  # the edge points' spread about their fitted lines
    edges_seen: tuple[float, float, float, float]  # share of each edge where the step was found


@dataclass(frozen=True)
class PaperFit:
    """The picture-to-sheet homography and what it rests on."""

    paper: Paper
    homography: NDArray[np.float64]  # 3x3: picture pixels (x, y, 1) -> sheet mm (x right, y down the page)
    method: str  # "markers" or "paper edges"
    points: int  # correspondences the homography was fitted to
    residual_mm: float  # their RMS misfit (markers) or the edges' (paper)
    tilt_deg: float  # the camera's tilt from straight above the sheet
    aspect_measured: float  # the sheet's long over short side as photographed (after perspective)
    px_per_mm: float  # the picture's resolution on the sheet, at its coarsest
    markers: tuple[int, ...] = ()
    quad: Quad | None = None  # the paper's edges, when found
    focal_from: str = "the markers"  # where the focal length behind tilt_deg and the aspect came from


def _gray(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)


def find_markers(rgb: NDArray[np.uint8]) -> tuple[Paper, NDArray[np.float64], NDArray[np.float64], tuple[int, ...]] | None:
    """(sheet, picture points, sheet mm points, marker ids) of the marker sheet's corner
    markers, or None when fewer than three of one sheet's markers are found."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), params)
    corners, ids, _ = detector.detectMarkers(gray)
    if ids is None:
        return None
    found: dict[str, list[tuple[int, NDArray[np.float64]]]] = {}
    for marker, quad in zip(ids.ravel().tolist(), corners):
        paper = paper_for_marker(int(marker))
        if paper is not None:
            found.setdefault(paper.name, []).append((int(marker), np.asarray(quad, np.float64).reshape(4, 2)))
    if not found:
        return None
    name = max(found, key=lambda key: len({m for m, _ in found[key]}))
    paper = PAPERS[name]
    seen = dict(found[name])  # a marker found twice: the last (they agree)
    if len(seen) < 3:
        return None
    layout = marker_corners_mm(paper)
    picture = np.concatenate([seen[m] for m in sorted(seen)])
    sheet = np.concatenate([np.asarray(layout[m], np.float64) for m in sorted(seen)])
    return paper, picture, sheet, tuple(sorted(seen))


def _order(corners: NDArray[np.float64]) -> NDArray[np.float64]:
    """Clockwise on screen (y down) from the corner nearest the top-left."""
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    ordered = corners[np.argsort(angles)]  # y down: increasing angle turns clockwise on screen
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)


def _coarse_quad(gray: NDArray[np.float32]) -> NDArray[np.float64] | None:
    """Four rough corners of the largest bright region, in the picture's pixels."""
    import cv2

    scale = COARSE_PIXELS / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    scale = min(scale, 1.0)
    small = cv2.GaussianBlur(small, (0, 0), 2.0).astype(np.uint8)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if count < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[biggest, cv2.CC_STAT_AREA] < 0.04 * small.size:
        return None
    contours, _ = cv2.findContours((labels == biggest).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    perimeter = cv2.arcLength(hull, True)
    for share in (0.01, 0.02, 0.03, 0.05, 0.08, 0.12):
        rough = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(rough) == 4:
            return _order(rough.reshape(4, 2).astype(np.float64) / scale)
        if len(rough) < 4:
            return None
    return None


def _edge_line(gray: NDArray[np.float32], a: NDArray[np.float64], b: NDArray[np.float64],
               outward: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float] | None:
    """(a point, the direction, the share of samples found, their RMS about the line) of
    the paper's edge near the segment a-b: the steepest bright-to-dark step outward."""
    import cv2

    length = float(np.hypot(*(b - a)))
    reach = max(6.0, 0.025 * length)
    ts = np.linspace(0.06, 0.94, EDGE_SAMPLES)
    ss = np.arange(-reach, reach + 0.01, 0.5)
    base = a[None, :] + ts[:, None] * (b - a)[None, :]
    grid = base[:, None, :] + ss[None, :, None] * outward[None, None, :]
    profile = cv2.remap(gray, grid[..., 0].astype(np.float32), grid[..., 1].astype(np.float32), cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE).astype(np.float64)
    slope = np.gradient(profile, axis=1)
    k = np.clip(np.argmin(slope, axis=1), 1, len(ss) - 2)
    rows = np.arange(len(ts))
    y0, y1, y2 = slope[rows, k - 1], slope[rows, k], slope[rows, k + 1]
    denom = y0 - 2 * y1 + y2
    shift = np.where(np.abs(denom) > 1e-9, 0.5 * (y0 - y2) / np.where(np.abs(denom) > 1e-9, denom, 1.0), 0.0)
    step = profile[:, : len(ss) // 4].mean(axis=1) - profile[:, -len(ss) // 4:].mean(axis=1)
    inside = profile[:, : len(ss) // 4].mean(axis=1)
    typical = np.median(np.sort(step)[-max(3, len(step) // 3):])
    keep = (step > 0.5 * typical) & (step > 12.0) & (inside > 0.5 * np.median(inside))
    if keep.sum() < MIN_EDGE_SHARE * len(ts):
        return None
    points = base[keep] + (ss[k[keep]] + 0.5 * np.clip(shift[keep], -1, 1))[:, None] * outward[None, :]
    line = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel().astype(np.float64)
    direction, point = line[:2], line[2:]
    normal = np.array([-direction[1], direction[0]])
    rms = float(np.sqrt(np.mean(((points - point) @ normal) ** 2)))
    return point, direction, float(keep.mean()), rms


def _intersect(p1: NDArray[np.float64], d1: NDArray[np.float64], p2: NDArray[np.float64],
               d2: NDArray[np.float64]) -> NDArray[np.float64]:
    matrix = np.array([[d1[0], -d2[0]], [d1[1], -d2[1]]])
    t, _ = np.linalg.solve(matrix, p2 - p1)
    return p1 + t * d1


def find_paper(rgb: NDArray[np.uint8]) -> Quad | None:
    """The sheet's four corners in the picture (sub-pixel), or None when no bright
    four-sided sheet is found with each of its edges seen over a quarter of its length."""
    gray = _gray(rgb)
    rough = _coarse_quad(gray)
    if rough is None:
        return None
    import cv2

    smooth = np.asarray(cv2.GaussianBlur(gray, (0, 0), 1.0), np.float32)
    centre = rough.mean(axis=0)
    lines = []
    for i in range(4):
        a, b = rough[i], rough[(i + 1) % 4]
        along = (b - a) / np.hypot(*(b - a))
        outward = np.array([along[1], -along[0]])
        if np.dot(outward, (a + b) / 2 - centre) < 0:
            outward = -outward
        line = _edge_line(smooth, a, b, outward)
        if line is None:
            return None
        lines.append(line)
    try:
        corners = np.array([_intersect(lines[i - 1][0], lines[i - 1][1], lines[i][0], lines[i][1]) for i in range(4)])
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(corners)) or np.max(np.abs(corners - rough)) > 0.1 * max(gray.shape):
        return None
    seen = (lines[0][2], lines[1][2], lines[2][2], lines[3][2])
    return Quad(corners=_order(corners), edge_rms_px=float(np.sqrt(np.mean([line[3] ** 2 for line in lines]))),
                edges_seen=seen)


def default_focal_px(shape: tuple[int, ...], focal_35mm: float | None) -> float:
    """The focal length in pixels: from EXIF's 35 mm equivalent, else a phone's main
    camera (26 mm equivalent, the usual since ~2018)."""
    diagonal = math.hypot(shape[0], shape[1])
    return (focal_35mm or 26.0) / 43.27 * diagonal  # 43.27 mm: the 35 mm frame's diagonal


def _converging(corners: NDArray[np.float64]) -> bool:
    """Whether both pairs of the sheet's opposite edges meet at a finite vanishing point
    clearly enough (2 degrees apart) for the focal length to be solved from them."""
    def angle(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
        cos = abs(float(np.dot(a, b))) / (float(np.linalg.norm(a)) * float(np.linalg.norm(b)))
        return math.degrees(math.acos(min(1.0, cos)))

    c = corners
    return angle(c[1] - c[0], c[2] - c[3]) > 2.0 and angle(c[2] - c[1], c[3] - c[0]) > 2.0


def quad_aspect(corners: NDArray[np.float64], shape: tuple[int, ...], focal_px: float,
                focal_known: bool = False) -> tuple[float, float, str]:
    """(width over height of the rectangle photographed, the focal length used in px,
    where it came from): width along corners 0-1, height along 0-3 (Zhang & He 2007).
    A focal length the file gives is used; else it is solved from the two vanishing
    points when both are clear; else ``focal_px`` is assumed ("assumed")."""
    centre = np.array([shape[1] / 2.0, shape[0] / 2.0])
    m1, m2, m4, m3 = (np.append(c - centre, 1.0) for c in corners)  # 0 TL, 1 TR, 2 BR, 3 BL
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    f, source = focal_px, ("the picture's EXIF" if focal_known else "assumed (a phone's 26 mm)")
    if not focal_known and _converging(corners) and abs(n2[2] * n3[2]) > 1e-12:
        f2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2])
        diagonal = math.hypot(shape[0], shape[1])
        if f2 > 0 and 0.3 * diagonal < math.sqrt(f2) < 3.0 * diagonal:
            f, source = math.sqrt(f2), "the vanishing points"
    ratio = math.sqrt((n2[0] ** 2 + n2[1] ** 2 + f * f * n2[2] ** 2) / (n3[0] ** 2 + n3[1] ** 2 + f * f * n3[2] ** 2))
    return ratio, f, source


def tilt_deg(homography_mm_to_px: NDArray[np.float64], shape: tuple[int, ...], focal_px: float) -> float:
    """The angle between the camera's axis and the sheet's normal: K^-1 H = [r1 r2 t]."""
    k_inv = np.array([[1 / focal_px, 0, -shape[1] / 2 / focal_px], [0, 1 / focal_px, -shape[0] / 2 / focal_px],
                      [0, 0, 1]])
    m = k_inv @ homography_mm_to_px
    r1, r2 = m[:, 0] / np.linalg.norm(m[:, 0]), m[:, 1] / np.linalg.norm(m[:, 1])
    normal = np.cross(r1, r2)
    normal /= np.linalg.norm(normal)
    return float(np.degrees(np.arccos(min(1.0, abs(normal[2])))))


def _resolution(homography_px_to_mm: NDArray[np.float64], width_mm: float, height_mm: float) -> float:
    """Pixels per millimetre on the sheet where the picture is coarsest (its far end)."""
    import cv2

    inverse = np.linalg.inv(homography_px_to_mm)
    worst = math.inf
    for x, y in ((0, 0), (width_mm, 0), (width_mm, height_mm), (0, height_mm), (width_mm / 2, height_mm / 2)):
        x0, y0 = min(x, width_mm - 1), min(y, height_mm - 1)
        probe = np.array([[[x0, y0]], [[x0 + 1, y0]], [[x0, y0 + 1]]], np.float64)
        px = cv2.perspectiveTransform(probe, inverse).reshape(3, 2)
        worst = min(worst, float(np.hypot(*(px[1] - px[0]))), float(np.hypot(*(px[2] - px[0]))))
    return worst


def paper_fit(rgb: NDArray[np.uint8], paper_asked: str, focal_35mm: float | None) -> PaperFit | str:
    """The homography to the sheet, by its markers or its edges; else a str: "no sheet
    of paper", or a whole refusal saying what to do."""
    import cv2

    shape = rgb.shape
    focal = default_focal_px(shape, focal_35mm)
    markers = find_markers(rgb)
    quad = find_paper(rgb)
    if markers is not None:
        paper, picture, sheet, ids = markers
        if paper_asked not in ("auto", paper.name):
            return (f"the marker sheet is the {paper.name.upper()} one but image_paper = {paper_asked!r}: set image_paper "
                    f"= \"{paper.name}\" or leave it out")
        found_h, _ = cv2.findHomography(picture, sheet, 0)
        if found_h is None:
            return "the markers' corners do not fit one flat sheet: lay the sheet flat and take the photo again"
        homography = np.asarray(found_h, np.float64)
        mapped = cv2.perspectiveTransform(picture.reshape(-1, 1, 2), homography).reshape(-1, 2)
        residual = float(np.sqrt(np.mean(np.sum((mapped - sheet) ** 2, axis=1))))
        tilt = tilt_deg(np.asarray(np.linalg.inv(homography), np.float64), shape, focal)
        corners = np.array([[0, 0], [paper.width_mm, 0], [paper.width_mm, paper.height_mm], [0, paper.height_mm]])
        in_picture = np.asarray(cv2.perspectiveTransform(corners.reshape(-1, 1, 2).astype(np.float64),
                                                         np.linalg.inv(homography)), np.float64).reshape(4, 2)
        aspect, _, _ = quad_aspect(in_picture, shape, focal, focal_known=True)
        return PaperFit(paper=paper, homography=homography, method="markers", points=len(picture), residual_mm=residual,
                        tilt_deg=tilt, aspect_measured=1 / aspect, px_per_mm=_resolution(homography, paper.width_mm,
                                                                                        paper.height_mm),
                        markers=ids, quad=quad)
    if quad is None:
        return "no sheet of paper"
    aspect, focal, focal_from = quad_aspect(quad.corners, shape, focal, focal_known=focal_35mm is not None)
    portrait = aspect < 1  # corners 0-1 (the top edge on screen) is the short side
    long_over_short = 1 / aspect if portrait else aspect
    if paper_asked == "auto":
        paper = min(PAPERS.values(), key=lambda p: abs(math.log(p.aspect / long_over_short)))
        if paper.name == "a3":
            paper = PAPERS["a4"]  # A3 and A4 share their aspect: a plain sheet is taken for A4 unless told
    else:
        paper = PAPERS[paper_asked]
    w, h = paper.width_mm, paper.height_mm
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]] if portrait else [[0, h], [0, 0], [w, 0], [w, h]], np.float64)
    homography = np.asarray(cv2.getPerspectiveTransform(quad.corners.astype(np.float32), target.astype(np.float32)),
                            np.float64)
    tilt = tilt_deg(np.asarray(np.linalg.inv(homography), np.float64), shape, focal)
    if paper_asked == "auto" and focal_from.startswith("assumed") and tilt > GUESS_TILT_DEG:
        return (f"the photo is tilted (about {tilt:.0f} degrees) and does not say its focal length, so A4 cannot be told "
                "from Letter by the sheet's shape: set image_paper, hold the phone straight above, or print the marker "
                "sheet (insolegen sheet)")
    return PaperFit(paper=paper, homography=homography, method="paper edges", points=4, focal_from=focal_from,
                    residual_mm=quad.edge_rms_px / max(_resolution(homography, w, h), 1e-9), tilt_deg=tilt,
                    aspect_measured=long_over_short, px_per_mm=_resolution(homography, w, h), quad=quad)
