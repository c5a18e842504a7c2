"""A foot from a picture: a phone photo of a foot (or a tracing, or an ink print) on a
sheet of paper or on the marker sheet, or a flatbed scan at a known resolution.

picture file (insolegen.inputs.picture_files) -> the sheet and its homography
(insolegen.inputs.paper) -> the picture laid onto a 0.2 mm grid -> the outlines
(insolegen.inputs.picture_outline) -> millimetres, y up, for insolegen.inputs.align.
Whatever the picture does not show clearly enough to build on is refused in one line
saying what to do; what was read, and how well, goes to build.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from insolegen.inputs.errors import InputFileError

__all__ = [
    "GRID_MM",
    "MAX_EDGE_BLUR_MM",
    "MAX_TILT_DEG",
    "MIN_PAPER_LIGHTNESS",
    "MIN_PX_PER_MM",
    "PRINT_SCALE_TOLERANCE",
    "PictureRead",
    "bridge_print_arch",
    "read_picture",
]

GRID_MM = 0.2  # the sheet's grid: a fifth of the 1 mm a flatbed read is held to
MAX_TILT_DEG = 35.0  # a sheet photographed more obliquely is refused (read to 30 degrees in the tests)
MIN_PX_PER_MM = 2.0  # the picture's resolution on the sheet, at its far end
MIN_PAPER_LIGHTNESS = 35.0  # CIELAB L* of the paper; white paper in room light reads 70-95
MAX_EDGE_BLUR_MM = 1.5  # the outline's edge spread (Gaussian sigma) beyond which the picture is blurred
PRINT_SCALE_TOLERANCE = 0.015  # markers against the paper's edges: a printer's "fit to page" is 3-6 %
ASPECT_TOLERANCE = 0.035  # a plain sheet's measured aspect against the one named (A4 1.414, Letter 1.294)
OVERLAY_PIXELS = 1200  # the picture kept for the report and the preview, longer side


@dataclass(frozen=True)
class PictureRead:
    """The outlines read (mm, x right and y up, as the foot is seen from above), what
    build.json says about the reading, and a small copy of the picture with each
    outline in its pixels, for the report to draw."""

    outlines: tuple[NDArray[np.float64], ...]
    info: dict[str, Any]
    thumbnail: NDArray[np.uint8] = field(repr=False)
    outlines_px: tuple[NDArray[np.float64], ...] = field(repr=False)  # in the thumbnail's pixels
    sheet_px: NDArray[np.float64] | None = field(default=None, repr=False)  # the sheet's corners there


def read_picture(path: Path | str, *, kind: str = "auto", paper: str = "auto", dpi: float | None = None) -> PictureRead:
    """Every foot in the picture at ``path`` (one or two); :class:`InputFileError`
    saying what to fix when the picture cannot be read exactly enough."""
    from insolegen.inputs.picture_files import read_picture_file

    picture = read_picture_file(path)
    rgb = picture.rgb
    if float(np.percentile(rgb.max(axis=2), 95)) < 60:
        raise InputFileError("the picture is too dark to find the paper: take it in daylight or room light, "
                             "without the flash's glare")
    scan_dpi = dpi if dpi is not None else picture.dpi
    info: dict[str, Any] = {"format": picture.format, "pixels": [int(rgb.shape[1]), int(rgb.shape[0])],
                            "exif_rotated": picture.exif_rotated}
    if kind == "flatbed":
        if scan_dpi is None:
            raise InputFileError("the scan does not say its resolution (dpi) and image_dpi is not set: set "
                                 "image_dpi to the scanner's setting, e.g. 300")
        return _flatbed(rgb, scan_dpi, picture.dpi is not None and dpi is None, info)
    from insolegen.inputs.paper import PaperFit, paper_fit

    fit = paper_fit(rgb, paper, picture.focal_35mm)
    if isinstance(fit, PaperFit):
        return _on_paper(rgb, fit, info)
    if kind == "auto" and scan_dpi is not None:
        return _flatbed(rgb, scan_dpi, dpi is None, info)
    if fit == "no sheet of paper":
        raise InputFileError("no sheet of paper found (four edges, brighter than the floor): photograph the whole sheet "
                             "on a darker floor, or print the marker sheet (insolegen sheet); a flatbed scan needs "
                             "image_kind = \"flatbed\" and its dpi")
    raise InputFileError(fit)


def _on_paper(rgb: NDArray[np.uint8], fit: Any, info: dict[str, Any]) -> PictureRead:
    import cv2

    from insolegen.inputs.picture_outline import find_shapes, rectify

    paper = fit.paper
    if fit.tilt_deg > MAX_TILT_DEG:
        raise InputFileError(f"the paper is photographed too obliquely ({fit.tilt_deg:.0f} degrees from straight above; "
                             f"at most {MAX_TILT_DEG:.0f}): hold the phone flat, straight above the foot")
    if fit.px_per_mm < MIN_PX_PER_MM:
        raise InputFileError(f"the sheet is too small in the picture ({fit.px_per_mm:.1f} pixels per mm; at least "
                             f"{MIN_PX_PER_MM:g}): fill the frame with the sheet, or send the camera's full-size photo")
    scale = _print_scale(fit)
    if scale is not None and abs(scale - 1) > PRINT_SCALE_TOLERANCE:
        raise InputFileError(f"the marker sheet was printed at {scale * 100:.1f} % of its size (its markers against the "
                             "paper's edges; the 100 mm scale bar measures "
                             f"{100 * scale:.1f} mm): print it again at 100 % (\"actual size\", not \"fit to page\")")
    from insolegen.inputs.paper import GUESS_TILT_DEG

    # the sheet's shape is judged only where the focal length behind it is known (or the tilt small)
    if fit.method == "paper edges" and not (fit.focal_from.startswith("assumed") and fit.tilt_deg > GUESS_TILT_DEG):
        told = abs(math.log(fit.aspect_measured / paper.aspect))
        if told > ASPECT_TOLERANCE:
            raise InputFileError(f"the sheet's sides are {fit.aspect_measured:.3f} : 1 as photographed, not "
                                 f"{paper.name.upper()}'s {paper.aspect:.3f}: set image_paper to the paper used "
                                 "(a4, letter, a3), or print the marker sheet")
    grid = rectify(rgb, fit.homography, paper.width_mm, paper.height_mm, GRID_MM, fit.px_per_mm)
    from insolegen.core.marker_sheet import marker_corners_mm

    layout = marker_corners_mm(paper)
    blank = tuple((layout[m][0][0] - 1.5, layout[m][0][1] - 1.5, layout[m][2][0] + 1.5, layout[m][2][1] + 1.5)
                  for m in fit.markers)
    shapes = find_shapes(grid, GRID_MM, blank_mm=blank)
    transform = {"method": fit.method, "paper": paper.name, "paper_mm": [paper.width_mm, paper.height_mm],
                 "picture_to_sheet_mm": [[round(float(v), 9) for v in row] for row in fit.homography],
                 "points_fitted": fit.points, "residual_mm": round(fit.residual_mm, 3),
                 "tilt_deg": round(fit.tilt_deg, 1), "px_per_mm": round(fit.px_per_mm, 2),
                 "aspect_measured": round(fit.aspect_measured, 4), "focal_length_from": fit.focal_from}
    if fit.markers:
        transform["markers_found"] = list(fit.markers)
    judged = not (fit.focal_from.startswith("assumed") and fit.tilt_deg > GUESS_TILT_DEG)
    info = dict(info, image_kind="photo-on-paper", transform=transform, scale_check=_scale_check(fit, scale, judged))
    inverse = np.linalg.inv(fit.homography)
    corners = np.array([[0, 0], [paper.width_mm, 0], [paper.width_mm, paper.height_mm], [0, paper.height_mm]], float)
    sheet_px = np.asarray(cv2.perspectiveTransform(corners.reshape(-1, 1, 2), inverse), np.float64).reshape(4, 2)
    return _finish(rgb, shapes, info, lambda xy: cv2.perspectiveTransform(
        np.column_stack([xy[:, 0], -xy[:, 1]]).reshape(-1, 1, 2), inverse).reshape(-1, 2), sheet_px, "paper")


def _print_scale(fit: Any) -> float | None:
    """How much the marker sheet was scaled by the printer: the paper's edges measured
    in the markers' millimetres against the paper's size. None without both."""
    if fit.method != "markers" or fit.quad is None:
        return None
    import cv2

    sheet = cv2.perspectiveTransform(fit.quad.corners.reshape(-1, 1, 2), fit.homography).reshape(4, 2)
    sides = np.hypot(*(np.roll(sheet, -1, axis=0) - sheet).T)
    short, long = sorted([(sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2])
    return float(np.mean([fit.paper.width_mm / short, fit.paper.height_mm / long]))


def _scale_check(fit: Any, scale: float | None, judged: bool) -> dict[str, Any]:
    if fit.method == "markers" and scale is not None:
        return {"by": "markers against the paper's edges", "printed_scale_pct": round(scale * 100, 2), "ok": True}
    if fit.method == "markers":
        return {"by": "markers only (the paper's edges are not all in view)", "ok": None,
                "advice": "measure the sheet's 100 mm scale bar with a ruler: it must be 100 mm"}
    if not judged:
        return {"by": f"image_paper = {fit.paper.name!r} as told (a tilted photo without its focal length: the sheet's "
                      "shape cannot check it)", "ok": None}
    return {"by": "the sheet's aspect ratio", "paper": fit.paper.name, "aspect_expected": round(fit.paper.aspect, 4),
            "aspect_measured": round(fit.aspect_measured, 4), "ok": True}


def _flatbed(rgb: NDArray[np.uint8], dpi: float, from_file: bool, info: dict[str, Any]) -> PictureRead:
    from insolegen.inputs.picture_outline import find_shapes, rectify

    mm = 25.4 / dpi
    width_mm, height_mm = rgb.shape[1] * mm, rgb.shape[0] * mm
    homography = np.array([[mm, 0, 0.5 * mm], [0, mm, 0.5 * mm], [0, 0, 1.0]])
    grid = rectify(rgb, homography, width_mm, height_mm, GRID_MM, 1 / mm)
    shapes = find_shapes(grid, GRID_MM)
    info = dict(info, image_kind="flatbed", transform={"method": "dpi", "dpi": round(dpi, 3),
                                                        "dpi_from": "the file" if from_file else "image_dpi"},
                scale_check={"by": "the scanner's resolution", "ok": None,
                             "advice": "a flatbed is exact; check the dpi if the scan was resized"})
    return _finish(rgb, shapes, info, lambda xy: np.column_stack([xy[:, 0], -xy[:, 1]]) / mm - 0.5, None, "scanned area")


def _finish(rgb: NDArray[np.uint8], shapes: Any, info: dict[str, Any], to_picture: Any,
            sheet_px: NDArray[np.float64] | None, where: str) -> PictureRead:
    import cv2

    shapes, paper_lightness = shapes
    if paper_lightness < MIN_PAPER_LIGHTNESS:
        raise InputFileError(f"the picture is too dark (the {where} reads {paper_lightness:.0f} of 100 in lightness; at "
                             f"least {MIN_PAPER_LIGHTNESS:.0f}): take it in daylight or room light")
    if isinstance(shapes, str):
        if shapes == "no foot":
            raise InputFileError(f"no foot, tracing or print found on the {where}: the foot must be darker or more coloured "
                                 "than the paper (no white socks), in even light")
        raise InputFileError(f"{shapes} on the {where}: one foot, or a pair, per picture")
    for shape in shapes:
        if shape.touches_edge:
            raise InputFileError(f"the foot crosses the {where}'s edge (or the leg hides the heel): the whole foot must "
                                 f"lie on the {where}, photographed from straight above")
        if shape.touches_marker:
            raise InputFileError("the foot covers one of the sheet's corner markers: stand with the heel on the line and "
                                 "the foot along the sheet, between the markers")
        if shape.edge_blur_mm > MAX_EDGE_BLUR_MM:
            raise InputFileError(f"the picture is blurred (the foot's edge spreads over {shape.edge_blur_mm * 2.5:.1f} mm; "
                                 f"sharp is under {MAX_EDGE_BLUR_MM * 2.5:.1f}): hold still, tap to focus, take it again")
    scale = OVERLAY_PIXELS / max(rgb.shape[:2])
    thumb = np.asarray(cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb,
                       np.uint8)
    scale = min(scale, 1.0)
    info = dict(info, shapes=[{
        "kind": s.kind, "area_mm2": round(s.area_mm2, 0), "points": len(s.polygon_mm),
        "edge_blur_mm": round(s.edge_blur_mm, 3), "contrast": round(s.contrast, 2),
        **({"pen_line_mm": round(s.line_width_mm, 2)} if s.line_width_mm is not None else {})} for s in shapes])
    outlines_px = tuple(to_picture(s.polygon_mm) * scale for s in shapes)
    return PictureRead(outlines=tuple(s.polygon_mm for s in shapes), info=info, thumbnail=thumb,
                       outlines_px=outlines_px, sheet_px=None if sheet_px is None else sheet_px * scale)


def bridge_print_arch(polygon: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    """(an ink print's outline with its arch bridged, the area added in mm2). A print
    shows only where the sole touched: under a normal or high arch its medial border
    is hollowed far inside the foot's, and an insole cut to it would leave the arch
    unsupported. Between the heel (0.18 L) and the ball (0.70 L) the medial half is
    replaced by its convex hull, the straight line a tracing around the foot follows.
    ``polygon`` is in the right-foot frame (heel at x = 0, medial +y)."""
    import shapely

    shape = shapely.Polygon(polygon).buffer(0)
    x0, _, x1, _ = shape.bounds
    length = x1 - x0
    xa, xb = x0 + 0.18 * length, x0 + 0.70 * length
    middle = shape.intersection(shapely.box(xa, -1e4, xb, 1e4))
    if middle.is_empty:
        return polygon, 0.0
    _, y0, _, y1 = middle.bounds
    medial = middle.intersection(shapely.box(xa, (y0 + y1) / 2, xb, 1e4))
    bridged = shape.union(medial.convex_hull) if not medial.is_empty else shape
    if bridged.geom_type != "Polygon":
        return polygon, 0.0
    ring = np.asarray(bridged.exterior.coords, np.float64)[:-1]
    return (ring if shapely.LinearRing(ring).is_ccw else ring[::-1]), float(bridged.area - shape.area)
