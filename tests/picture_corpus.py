"""Pictures of feet made for the tests: a known outline drawn onto a sheet (skin, a
sock, a pen tracing, an ink print), the sheet on a floor, photographed by a virtual
phone (perspective, roll, lens distortion, uneven light, a cast shadow, noise, blur,
JPEG), or scanned by a virtual flatbed at a known dpi.

The scene is drawn in sheet millimetres (x right, y down the page) at SCENE_MM per
pixel, then projected by the camera's homography K [r1 r2 t] of the floor plane. The
outline's truth is what was drawn, in the foot frame (heel at x = 0, y up).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from insolegen.core.marker_sheet import HEEL_LINE_FROM_BOTTOM_MM, MARKER_CELLS, MARKER_SIZE_MM, PAPERS, marker_corners_mm

SCENE_MM = 0.125  # the scene's resolution: finer than any camera here sees the sheet
FLOOR_MARGIN_MM = 90.0  # floor drawn around the sheet

SKIN = {"light": (232, 190, 160), "medium": (198, 140, 100), "dark": (120, 80, 55)}
SOCKS = {"grey": (120, 120, 126), "black": (38, 38, 42), "navy": (40, 50, 95), "red": (170, 40, 45)}
PENS = {"blue": (30, 50, 160), "black": (25, 25, 25)}


@dataclass
class Camera:
    tilt_deg: float = 0.0  # from straight above
    tilt_towards_deg: float = 0.0  # the direction the camera leans to, in the floor plane
    roll_deg: float = 0.0
    k1: float = 0.0  # radial distortion, r normalised by the focal length
    size: tuple[int, int] = (2400, 1800)  # width, height
    focal_35mm: float = 26.0
    fill: float = 0.72  # the sheet's long side over the picture's shorter side, straight above


@dataclass
class Light:
    gradient: float = 0.0  # brightness change across the picture (0.3: 30 %)
    gradient_deg: float = 0.0
    shadow: float = 0.0  # the foot's cast shadow, darkening (0.3: 30 %)
    exposure: float = 1.0
    noise: float = 2.0  # Gaussian, in 8-bit levels
    blur_px: float = 0.6
    jpeg_quality: int = 88
    exif_focal: bool = True  # write FocalLengthIn35mmFilm, as phones do


def footprint(outline: np.ndarray) -> np.ndarray:
    """What an ink print of a right foot (foot frame, medial +y) shows: the outline with
    the arch's hollow left out, an ellipse over the medial midfoot leaving a lateral
    band about 40 % of the width (a normal arch's print)."""
    import shapely

    shape = shapely.Polygon(outline)
    x0, _, x1, _ = shape.bounds
    length = x1 - x0
    xc = x0 + 0.45 * length
    cut = shape.intersection(shapely.LineString([(xc, -1e4), (xc, 1e4)]))
    _, ylo, _, yhi = cut.bounds
    width = yhi - ylo
    ellipse = shapely.affinity.scale(shapely.Point(xc, yhi + 0.12 * width).buffer(1.0, 256), 0.2 * length, 0.72 * width)
    left = shape.difference(ellipse)
    return np.asarray(left.exterior.coords, float)[:-1]


def place_on_sheet(outline: np.ndarray, paper: str = "a4", rotate_deg: float = 0.0,
                   shift_mm: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """The foot-frame outline (heel at x = 0, toes +x, y up) in sheet mm, standing on
    the sheet's heel line, toes up the page, turned by ``rotate_deg``."""
    p = PAPERS[paper]
    x0 = outline[:, 0].min()
    ymid = (outline[:, 1].min() + outline[:, 1].max()) / 2
    # toes up the page: foot x -> -sheet y; foot y (up) -> -sheet x keeps the chirality on screen
    sheet = np.column_stack([-(outline[:, 1] - ymid), -(outline[:, 0] - x0)])
    a = math.radians(rotate_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    heel = np.array([p.width_mm / 2, p.height_mm - HEEL_LINE_FROM_BOTTOM_MM - 4])
    return (sheet @ rot.T) + heel + np.asarray(shift_mm)


def _poly_px(points_mm: np.ndarray, origin_mm: np.ndarray) -> np.ndarray:
    return np.round((points_mm - origin_mm) / SCENE_MM * 16).astype(np.int32).reshape(-1, 1, 2)


def draw_scene(feet_mm: list[np.ndarray], *, paper: str = "a4", content: str = "skin", colour: str = "light",
               markers: bool = False, floor: tuple[int, int, int] = (92, 78, 64), paper_rgb=(246, 246, 242),
               shadow: float = 0.0, seed: int = 0, sheet_mm: tuple[float, float] | None = None,
               margin_mm: float = FLOOR_MARGIN_MM, marker_scale: float = 1.0,
               printed: bytes | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(the scene's RGB, its origin in sheet mm): floor, sheet, the feet."""
    rng = np.random.default_rng(seed)
    p = PAPERS[paper]
    w_mm, h_mm = sheet_mm or (p.width_mm, p.height_mm)
    origin = np.array([-margin_mm, -margin_mm])
    size = (int((w_mm + 2 * margin_mm) / SCENE_MM), int((h_mm + 2 * margin_mm) / SCENE_MM))
    scene = np.empty((size[1], size[0], 3), np.float32)
    scene[:] = floor
    texture = cv2.GaussianBlur(rng.normal(0, 1, (size[1] // 8 + 1, size[0] // 8 + 1)).astype(np.float32), (0, 0), 2)
    scene += cv2.resize(texture, size)[..., None] * 10
    sheet = np.array([[0, 0], [w_mm, 0], [w_mm, h_mm], [0, h_mm]], float)
    cv2.fillPoly(scene, [_poly_px(sheet, origin)], paper_rgb, cv2.LINE_AA, 4)
    if printed is not None:  # a page as insolegen.exports.marker_sheet renders it, at 1 / SCENE_MM pixels per mm
        page = np.asarray(Image.open(io.BytesIO(printed)).convert("RGB"), np.float32) / 255.0
        y0, x0 = round(-origin[1] / SCENE_MM), round(-origin[0] / SCENE_MM)
        rows, cols = min(page.shape[0], scene.shape[0] - y0), min(page.shape[1], scene.shape[1] - x0)
        scene[y0:y0 + rows, x0:x0 + cols] *= page[:rows, :cols]
    if markers:
        _draw_markers(scene, p, origin, marker_scale)
    if shadow > 0:
        mask = np.zeros(scene.shape[:2], np.float32)
        for foot in feet_mm:
            cv2.fillPoly(mask, [_poly_px(foot + [9.0, 6.0], origin)], 1.0, cv2.LINE_AA, 4)
        mask = cv2.GaussianBlur(mask, (0, 0), 6.0 / SCENE_MM)
        scene *= (1 - shadow * mask)[..., None]
    for foot in feet_mm:
        _draw_foot(scene, foot, origin, content, colour, rng)
    return np.clip(scene, 0, 255).astype(np.uint8), origin


def _draw_markers(scene: np.ndarray, paper, origin: np.ndarray, scale: float) -> None:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    centre = np.array([paper.width_mm / 2, paper.height_mm / 2])
    cell = MARKER_SIZE_MM / MARKER_CELLS
    for marker, corners in marker_corners_mm(paper).items():
        bits = cv2.aruco.generateImageMarker(dictionary, marker, MARKER_CELLS)
        x0, y0 = corners[0]
        for r in range(MARKER_CELLS):
            for c in range(MARKER_CELLS):
                if bits[r, c] == 0:
                    square = np.array([[x0 + c * cell, y0 + r * cell], [x0 + (c + 1) * cell, y0 + r * cell],
                                       [x0 + (c + 1) * cell, y0 + (r + 1) * cell], [x0 + c * cell, y0 + (r + 1) * cell]])
                    square = centre + (square - centre) * scale  # a printer's "fit to page"
                    cv2.fillPoly(scene, [_poly_px(square, origin)], (20, 20, 20), cv2.LINE_AA, 4)


def _draw_foot(scene: np.ndarray, foot: np.ndarray, origin: np.ndarray, content: str, colour: str, rng) -> None:
    poly = _poly_px(foot, origin)
    if content == "tracing":
        width = 0.8
        cv2.polylines(scene, [poly], True, PENS[colour], max(1, round(width / SCENE_MM)), cv2.LINE_AA, 4)
        return
    mask = np.zeros(scene.shape[:2], np.float32)
    cv2.fillPoly(mask, [poly], 1.0, cv2.LINE_AA, 4)
    if content == "ink":
        blots = cv2.GaussianBlur(rng.random(mask.shape).astype(np.float32), (0, 0), 4)
        blots = (blots > np.percentile(blots, 25)).astype(np.float32)
        inside = cv2.erode(mask, np.ones((9, 9), np.uint8))
        ink = np.maximum(mask - inside, inside * blots)
        scene[:] = scene * (1 - ink[..., None]) + np.array([35, 35, 40], np.float32) * ink[..., None]
        return
    rgb = np.array(SKIN[colour] if content == "skin" else SOCKS[colour], np.float32)
    # shading: the foot's sides turn away from the light, darker towards the edge
    depth = cv2.distanceTransform((mask > 0.5).astype(np.uint8), cv2.DIST_L2, 5) * SCENE_MM
    shade = 0.72 + 0.28 * np.clip(depth / 25.0, 0, 1)
    tone = rgb[None, None, :] * shade[..., None]
    scene[:] = scene * (1 - mask[..., None]) + tone * mask[..., None]


def photograph(scene: np.ndarray, origin: np.ndarray, camera: Camera, light: Light, *, seed: int = 0,
               paper: str = "a4") -> tuple[bytes, np.ndarray]:
    """(a JPEG as a phone would write it, the homography sheet mm -> picture pixels)."""
    rng = np.random.default_rng(seed)
    p = PAPERS[paper]
    w, h = camera.size
    focal = camera.focal_35mm / 43.27 * math.hypot(w, h)
    distance = focal * max(p.height_mm, p.width_mm) / (camera.fill * min(w, h))
    k = np.array([[focal, 0, w / 2], [0, focal, h / 2], [0, 0, 1]])
    tilt, towards, roll = (math.radians(v) for v in (camera.tilt_deg, camera.tilt_towards_deg, camera.roll_deg))
    axis = np.array([math.cos(towards), math.sin(towards), 0.0])
    q = _rotation(axis, tilt) @ _rotation(np.array([0.0, 0.0, 1.0]), roll)
    centre_w = np.array([p.width_mm / 2, p.height_mm / 2, 0.0])
    cam = centre_w + q @ np.array([0.0, 0.0, -distance])
    r = q.T
    t = -r @ cam
    sheet_to_px = k @ np.column_stack([r[:, 0], r[:, 1], t])
    scene_to_sheet = np.array([[SCENE_MM, 0, origin[0]], [0, SCENE_MM, origin[1]],
                               [0, 0, 1]])
    shrink = distance / focal / SCENE_MM  # scene pixels per picture pixel
    src = cv2.GaussianBlur(scene, (0, 0), 0.5 * shrink) if shrink > 1.5 else scene
    image = cv2.warpPerspective(src, sheet_to_px @ scene_to_sheet, (w, h), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    if camera.k1:
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        xn, yn = (xs - w / 2) / focal, (ys - h / 2) / focal
        factor = 1 + camera.k1 * (xn * xn + yn * yn)
        image = cv2.remap(image, (xn * factor * focal + w / 2).astype(np.float32),
                          (yn * factor * focal + h / 2).astype(np.float32), cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    g = math.radians(light.gradient_deg)
    ramp = ((xs - w / 2) * math.cos(g) + (ys - h / 2) * math.sin(g)) / max(w, h)
    image *= (light.exposure * (1 + light.gradient * ramp))[..., None]
    if light.blur_px > 0:
        image = cv2.GaussianBlur(image, (0, 0), light.blur_px)
    image += rng.normal(0, light.noise, image.shape).astype(np.float32)
    focal_35mm = camera.focal_35mm if light.exif_focal else None
    return _jpeg(np.clip(image, 0, 255).astype(np.uint8), light.jpeg_quality, focal_35mm=focal_35mm), sheet_to_px


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    x, y, z = axis
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
                     [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
                     [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)]])


def _jpeg(rgb: np.ndarray, quality: int, focal_35mm: float | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if focal_35mm:
        exif.get_ifd(0x8769)[0xA405] = round(focal_35mm)  # FocalLengthIn35mmFilm
    Image.fromarray(rgb).save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def flatbed(feet_mm: list[np.ndarray], *, dpi: float = 300, content: str = "ink", colour: str = "black",
            size_mm: tuple[float, float] = (216.0, 297.0), fmt: str = "PNG", write_dpi: bool = True,
            seed: int = 0) -> bytes:
    """A flatbed scan of a sheet (the scanner's glass, its lid white) at ``dpi``; feet
    in sheet mm as drawn on a sheet of ``size_mm`` starting at the glass's corner."""
    scene, _ = draw_scene(feet_mm, content=content, colour=colour, sheet_mm=size_mm, margin_mm=0.0, seed=seed,
                          floor=(250, 250, 250))
    scale = SCENE_MM * dpi / 25.4  # picture pixels per scene pixel
    w, h = int(size_mm[0] / 25.4 * dpi), int(size_mm[1] / 25.4 * dpi)
    src = cv2.GaussianBlur(scene, (0, 0), 0.5 / scale) if scale < 0.7 else scene
    # pixel (i, j)'s centre is at ((i + 0.5) 25.4 / dpi) mm, the scene's pixel u at u SCENE_MM (cv2 draws so)
    to_px = np.array([[scale, 0, -0.5], [0, scale, -0.5], [0, 0, 1]])
    image = cv2.warpPerspective(src, to_px, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    noisy = np.clip(image + np.random.default_rng(seed).normal(0, 1.5, image.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    kwargs = {"dpi": (dpi, dpi)} if write_dpi else {}
    Image.fromarray(noisy).save(out, fmt, **kwargs)
    return out.getvalue()
