"""Raster drawing on Pillow for the preview picture: a supersampled canvas, axes that map
data to pixels (ticks, labels, legend), a triangle rasteriser for shading and contour
lines by marching triangles. Nothing here knows about insoles.

Shapes are drawn at ``scale`` times the final size and box-filtered down (that is the
antialiasing: Pillow draws hard-edged shapes); text is queued and drawn afterwards on the
final-size image, where FreeType's own antialiasing keeps it sharp. Every coordinate the
canvas and the axes take is in final-image pixels (x right, y down).

Over 400 lines: the canvas, the axes and the rasteriser share one pixel convention and
are only used together.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image, ImageDraw, ImageFont

from insolegen.core.fonts import font_file

__all__ = [
    "GREYS",
    "LABEL_PT",
    "LEGEND_PT",
    "MINUS",
    "PLACE_RINGS_PX",
    "SCALE",
    "TICK_LEN",
    "TICK_PT",
    "TITLE_PT",
    "WHITE",
    "Array",
    "Axes",
    "Box",
    "Canvas",
    "Colour",
    "Dash",
    "colour_bar",
    "contour_segments",
    "dashes",
    "finite_runs",
    "font",
    "grey_ramp",
    "hex_rgb",
    "nice_ticks",
    "overlap",
    "overlaps_any",
    "padded",
    "rasterise",
    "tick_labels",
]

Colour = str | tuple[int, int, int]
Array = NDArray[np.float64]
Box = tuple[float, float, float, float]  # left, top, right, bottom (pixels)
Dash = tuple[float, float]  # on, off (pixels)

SCALE = 2
WHITE = (255, 255, 255)
# matplotlib's "Greys" (ColorBrewer): white at 0 to black at 1, in nine steps.
GREYS = (255, 240, 217, 189, 150, 115, 82, 37, 0)
MINUS = "\u2212"

TICK_PT = 11
LABEL_PT = 12
TITLE_PT = 13
LEGEND_PT = 10
TICK_LEN = 4


# The only module-level cache: a face is read and parsed from its TrueType file, and one
# picture asks for the same few sizes a hundred times. Faces are never changed once
# loaded, so sharing them between pictures (and threads) is safe.
@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_file()
    if path is not None:
        try:
            return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
        except OSError:
            pass
    return ImageFont.load_default(size)


def grey_ramp(t: ArrayLike) -> NDArray[np.uint8]:
    """Grey level (0-255) of the Greys ramp at t in [0, 1] (clipped)."""
    clipped = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    return np.interp(clipped, np.linspace(0.0, 1.0, len(GREYS)), GREYS).round().astype(np.uint8)


def hex_rgb(colour: Colour) -> tuple[int, int, int]:
    if isinstance(colour, tuple):
        return colour
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


# --------------------------------------------------------------------------- geometry


def dashes(points: ArrayLike, on: float, off: float) -> list[Array]:
    """A polyline cut into dashes ``on`` long with gaps ``off`` long (same units)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(pts) < 2:
        return []
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    out = []
    for a in np.arange(0.0, s[-1], on + off):
        b = min(a + on, s[-1])
        inner = pts[np.searchsorted(s, a, "right"): np.searchsorted(s, b, "left")]
        ends = np.column_stack([np.interp([a, b], s, pts[:, 0]), np.interp([a, b], s, pts[:, 1])])
        out.append(np.vstack([ends[:1], inner, ends[1:]]))
    return out


def finite_runs(points: ArrayLike) -> list[Array]:
    """A polyline split where a point is not finite (a NaN breaks the line)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    ok = np.isfinite(pts).all(axis=1)
    if ok.all():
        return [pts]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return [pts[a:b] for a, b in zip(edges[::2], edges[1::2])]


def contour_segments(xy: ArrayLike, z: ArrayLike, faces: ArrayLike, levels: ArrayLike,
                     tol: float = 1e-9) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Contour lines of a piecewise-linear surface, by marching triangles.

    A vertex counts as above a level when z >= level - tol (so a flat stretch lying on a
    level draws nothing rather than noise). Every triangle with vertices on both sides
    gives one segment between the points where the level crosses its two mixed edges.
    Returns segments (N, 2, 2) and each one's index into ``levels``.
    """
    xy = np.asarray(xy, dtype=float)[:, :2]
    z = np.asarray(z, dtype=float)
    faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    levels = np.asarray(levels, dtype=float).ravel()
    zt = z[faces]
    lo, hi = zt.min(axis=1), zt.max(axis=1)
    tri, lev = np.nonzero((lo[:, None] < levels[None, :] - tol) & (hi[:, None] >= levels[None, :] - tol))
    if len(tri) == 0:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
    level = levels[lev][:, None]
    za, zb = zt[tri], zt[tri][:, [1, 2, 0]]
    above_a, above_b = za >= level - tol, zb >= level - tol
    cross = above_a != above_b  # exactly two of the three edges
    pa, pb = xy[faces[tri]], xy[faces[tri][:, [1, 2, 0]]]
    t = np.divide(level - za, zb - za, out=np.zeros_like(za), where=cross)
    points = pa + np.clip(t, 0.0, 1.0)[:, :, None] * (pb - pa)
    pick = np.argsort(~cross, axis=1, kind="stable")[:, :2]
    return np.take_along_axis(points, pick[:, :, None], axis=1), lev.astype(np.int64)


def rasterise(xy: ArrayLike, z: ArrayLike, faces: ArrayLike, width: int, height: int) -> Array:
    """Linear interpolation of z over triangles onto a width x height pixel grid.

    ``xy`` are vertex positions in pixels of the grid (pixel (i, j) covers
    [i, i+1) x [j, j+1) and is sampled at its centre); where triangles overlap the
    highest wins; NaN where none covers a pixel centre. Vectorised: every pixel in each
    triangle's bounding box is a candidate, tested with barycentric coordinates.
    """
    xy = np.asarray(xy, dtype=float)[:, :2]
    z = np.asarray(z, dtype=float)
    faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    out = np.full(width * height, -np.inf)
    tri = xy[faces]
    x0 = np.clip(np.ceil(tri[:, :, 0].min(axis=1) - 0.5), 0, width).astype(np.int64)
    x1 = np.clip(np.floor(tri[:, :, 0].max(axis=1) - 0.5), -1, width - 1).astype(np.int64)
    y0 = np.clip(np.ceil(tri[:, :, 1].min(axis=1) - 0.5), 0, height).astype(np.int64)
    y1 = np.clip(np.floor(tri[:, :, 1].max(axis=1) - 0.5), -1, height - 1).astype(np.int64)
    nx, ny = np.maximum(x1 - x0 + 1, 0), np.maximum(y1 - y0 + 1, 0)
    counts = nx * ny
    if counts.sum() == 0:
        return np.full((height, width), np.nan)
    # Each triangle's edges and determinant once (the same arithmetic as per pixel), and
    # only the triangles with an area and a pixel centre in their box expanded to pixels.
    ax, ay = tri[:, 0, 0], tri[:, 0, 1]
    ux, uy, vx, vy = tri[:, 1, 0] - ax, tri[:, 1, 1] - ay, tri[:, 2, 0] - ax, tri[:, 2, 1] - ay
    det = ux * vy - vx * uy
    counts = np.where(det != 0, counts, 0)
    owner = np.repeat(np.arange(len(faces)), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    px = x0[owner] + local % nx[owner]
    py = y0[owner] + local // nx[owner]
    cx, cy = px + 0.5 - ax[owner], py + 0.5 - ay[owner]
    ux, uy, vx, vy, det = ux[owner], uy[owner], vx[owner], vy[owner], det[owner]
    l1 = (cx * vy - vx * cy) / det
    l2 = (ux * cy - cx * uy) / det
    eps = -1e-9
    inside = (l1 >= eps) & (l2 >= eps) & (l1 + l2 <= 1 - eps)
    zt = z[faces][owner[inside]]
    l1, l2 = l1[inside], l2[inside]
    value = zt[:, 0] + l1 * (zt[:, 1] - zt[:, 0]) + l2 * (zt[:, 2] - zt[:, 0])
    np.maximum.at(out, py[inside] * width + px[inside], value)
    out[~np.isfinite(out)] = np.nan
    return out.reshape(height, width)


def _ascending(lim: tuple[float, float]) -> tuple[float, float]:
    """An axis' limits low to high (an axis may run either way)."""
    lo, hi = sorted(lim)
    return lo, hi


def nice_ticks(lo: float, hi: float, most: int = 7) -> Array:
    """Round tick values within [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten,
    at most ``most`` of them."""
    span = hi - lo
    if not np.isfinite(span) or span <= 0:
        return np.array([lo])
    magnitude = 10.0 ** np.floor(np.log10(span / max(most - 1, 1)))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0, 20.0):
        step = m * magnitude
        first = np.ceil(lo / step - 1e-9) * step
        count = int(np.floor((hi - first) / step + 1e-9)) + 1
        if count <= most:
            break
    return first + step * np.arange(count)


def tick_labels(ticks: Array) -> list[str]:
    """Tick values with as many decimals as their step needs, minus signs typeset."""
    step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else 1.0
    decimals = next((d for d in range(7) if abs(step * 10**d - round(step * 10**d)) < 1e-6), 6)
    texts = [f"{t:.{decimals}f}" for t in ticks]
    return [(text.lstrip("-") if float(text) == 0 else text).replace("-", MINUS) for text in texts]


def padded(lo: float, hi: float, margin: float = 0.05) -> tuple[float, float]:
    """Data limits with a margin on both sides (never empty)."""
    if hi <= lo:
        return lo - 1.0, hi + 1.0
    pad = (hi - lo) * margin
    return lo - pad, hi + pad


def overlap(a: Box, b: Box) -> float:
    """Area two boxes share."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def overlaps_any(boxes: np.ndarray, taken: list[Box]) -> np.ndarray:
    """For each of ``boxes`` (N, 4), whether it shares any area with one of ``taken``:
    ``overlap`` over every pair at once, the same arithmetic (a preview places a contour
    label by testing thousands of spots against every note)."""
    if not taken:
        return np.zeros(len(boxes), dtype=bool)
    a, b = np.asarray(boxes, dtype=float)[:, None, :], np.asarray(taken, dtype=float)[None, :, :]
    w = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    h = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    return (np.maximum(w, 0.0) * np.maximum(h, 0.0) > 0).any(axis=1)


# --------------------------------------------------------------------------- canvas


@dataclass
class _Text:
    xy: tuple[float, float]
    text: str
    size: int
    colour: Colour
    anchor: str
    rotate: bool
    box: tuple[Colour, Colour | None, float, float] | None  # fill, edge, alpha, pad
    spacing: int


class Canvas:
    """A picture: shapes drawn at ``scale`` times the size, text queued for the end."""

    def __init__(self, width: int, height: int, scale: int = SCALE, background: Colour = WHITE) -> None:
        self.width, self.height, self.scale = width, height, scale
        self.image = Image.new("RGB", (width * scale, height * scale), hex_rgb(background))
        self._draw = ImageDraw.Draw(self.image)
        self._texts: list[_Text] = []
        self._measure = ImageDraw.Draw(Image.new("L", (1, 1)))

    def _scaled(self, points: ArrayLike) -> list[float]:
        return (np.asarray(points, dtype=float).reshape(-1, 2) * self.scale).ravel().tolist()

    def _width(self, width: float) -> int:
        return max(1, round(width * self.scale))

    def polyline(self, points: ArrayLike, colour: Colour, width: float = 1.0, dash: Dash | None = None) -> None:
        """A line through points (NaN points break it), optionally dashed."""
        for run in finite_runs(points):
            pieces = dashes(run, *dash) if dash else [run]
            for piece in pieces:
                if len(piece) >= 2:
                    self._draw.line(self._scaled(piece), fill=hex_rgb(colour), width=self._width(width), joint="curve")

    def segments(self, segments: ArrayLike, colour: Colour, width: float = 0.5) -> None:
        """Separate straight segments (N, 2, 2)."""
        w, fill = self._width(width), hex_rgb(colour)
        # What ImageDraw.line does for each segment, its ink looked up once: a preview's
        # contours are about ten thousand segments, and the per-call lookup was half their time.
        ink = self._draw._getink(fill)[0]
        if ink is None or w == 0:
            return
        for seg in (np.asarray(segments, dtype=float).reshape(-1, 4) * self.scale).tolist():
            self._draw.draw.draw_lines(seg, ink, w)

    def polygon(self, points: ArrayLike, fill: Colour | None = None, edge: Colour | None = None,
                width: float = 1.0, alpha: float = 1.0) -> None:
        """A closed polygon, filled and/or edged, blended with ``alpha``."""
        pts = np.asarray(points, dtype=float).reshape(-1, 2) * self.scale
        if len(pts) < 3:
            return
        if alpha >= 1.0:
            xy = pts.ravel().tolist()
            if fill is not None:
                self._draw.polygon(xy, fill=hex_rgb(fill))
            if edge is not None:
                self._draw.line(xy + xy[:2], fill=hex_rgb(edge), width=self._width(width), joint="curve")
            return
        # Translucent: a mask over the polygon's box, and the colour pasted through it.
        w = self._width(width)
        lo = np.floor(pts.min(axis=0)).astype(int) - w
        hi = np.ceil(pts.max(axis=0)).astype(int) + w + 1
        lo, hi = np.maximum(lo, 0), np.minimum(hi, self.image.size)
        if np.any(hi <= lo):
            return
        level = round(255 * alpha)
        local = (pts - lo).ravel().tolist()
        for colour, draw in ((fill, "fill"), (edge, "edge")):
            if colour is None:
                continue
            mask = Image.new("L", tuple(hi - lo), 0)
            pen = ImageDraw.Draw(mask)
            if draw == "fill":
                pen.polygon(local, fill=level)
            else:
                pen.line(local + local[:2], fill=level, width=w, joint="curve")
            self.image.paste(hex_rgb(colour), (int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])), mask)

    def rectangle(self, box: Box, fill: Colour | None = None, edge: Colour | None = None, width: float = 1.0) -> None:
        s = self.scale
        xy = [box[0] * s, box[1] * s, box[2] * s - 1, box[3] * s - 1]
        self._draw.rectangle(xy, fill=None if fill is None else hex_rgb(fill),
                             outline=None if edge is None else hex_rgb(edge), width=self._width(width) if edge else 0)

    def dots(self, points: ArrayLike, radius: float, colour: Colour) -> None:
        r = radius * self.scale
        for x, y in (np.asarray(points, dtype=float).reshape(-1, 2) * self.scale).tolist():
            self._draw.ellipse([x - r, y - r, x + r, y + r], fill=hex_rgb(colour))

    def picture(self, rgb: NDArray[np.uint8], box: Box, mask: NDArray[np.bool_] | None = None) -> None:
        """An RGB array stretched over a box (smoothly), where ``mask`` is true."""
        s = self.scale
        left, top = round(box[0] * s), round(box[1] * s)
        size = (max(1, round(box[2] * s) - left), max(1, round(box[3] * s) - top))
        image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
        if image.size != size:
            image = image.resize(size, Image.Resampling.BILINEAR)
        stencil = None
        if mask is not None:
            stencil = Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), "L")
            if stencil.size != size:
                stencil = stencil.resize(size, Image.Resampling.BILINEAR)
        self.image.paste(image, (left, top), stencil)

    # Text: measured now, drawn at the end on the final-size image.

    def text(self, xy: tuple[float, float], text: str, size: int, colour: Colour = "#000000", anchor: str = "mm",
             rotate: bool = False, box: tuple[Colour, Colour | None, float, float] | None = None,
             spacing: int = 2) -> Box:
        """Queue text at xy (Pillow anchor: "la", "mm", "rs" ...); ``rotate`` turns it a
        quarter to read upwards (anchor then refers to the turned block: only "mm").
        ``box``: (fill, edge or None, alpha, padding) behind it. Returns its box."""
        self._texts.append(_Text((float(xy[0]), float(xy[1])), text, size, colour, anchor, rotate, box, spacing))
        return self.text_box(xy, text, size, anchor, rotate, box[3] if box else 0.0, spacing)

    def text_box(self, xy: tuple[float, float], text: str, size: int, anchor: str = "mm", rotate: bool = False,
                 pad: float = 0.0, spacing: int = 2) -> Box:
        if rotate:
            w, h = self.text_size(text, size, spacing)
            return (xy[0] - h / 2 - pad, xy[1] - w / 2 - pad, xy[0] + h / 2 + pad, xy[1] + w / 2 + pad)
        left, top, right, bottom = self._measure.multiline_textbbox(xy, text, font=font(size), anchor=anchor,
                                                                    spacing=spacing)
        return (left - pad, top - pad, right + pad, bottom + pad)

    def text_size(self, text: str, size: int, spacing: int = 2) -> tuple[float, float]:
        left, top, right, bottom = self._measure.multiline_textbbox((0, 0), text, font=font(size), anchor="la",
                                                                    spacing=spacing)
        return right - left, bottom - top

    def texts(self) -> list[str]:
        """Every text queued so far, in the order drawn."""
        return [item.text for item in self._texts]

    def render(self) -> Image.Image:
        """The final picture: shapes box-filtered down, then the text on top."""
        small = self.image.reduce(self.scale) if self.scale > 1 else self.image.copy()
        pen = ImageDraw.Draw(small)
        for item in self._texts:
            face = font(item.size)
            colour = hex_rgb(item.colour)
            if item.rotate:
                w, h = self.text_size(item.text, item.size, item.spacing)
                stamp = Image.new("L", (int(np.ceil(w)) + 4, int(np.ceil(h)) + 4), 0)
                ImageDraw.Draw(stamp).multiline_text((2, 2), item.text, font=face, fill=255, anchor="la",
                                                     spacing=item.spacing)
                stamp = stamp.rotate(90, expand=True)
                at = (round(item.xy[0] - stamp.width / 2), round(item.xy[1] - stamp.height / 2))
                small.paste(colour, (*at, at[0] + stamp.width, at[1] + stamp.height), stamp)
                continue
            if item.box is not None:
                fill, edge, alpha, pad = item.box
                left, top, right, bottom = self.text_box(item.xy, item.text, item.size, item.anchor,
                                                         pad=pad, spacing=item.spacing)
                region = (int(np.floor(left)), int(np.floor(top)), int(np.ceil(right)), int(np.ceil(bottom)))
                patch = small.crop(region)
                small.paste(Image.blend(patch, Image.new("RGB", patch.size, hex_rgb(fill)), alpha), region[:2])
                if edge is not None:
                    pen.rectangle([region[0], region[1], region[2] - 1, region[3] - 1], outline=hex_rgb(edge))
            align = {"m": "center", "r": "right"}.get(item.anchor[0], "left")
            pen.multiline_text(item.xy, item.text, font=face, fill=colour, anchor=item.anchor, spacing=item.spacing,
                               align=align)
        return small

    def png(self, compress_level: int = 6) -> bytes:
        out = io.BytesIO()
        self.render().save(out, format="PNG", compress_level=compress_level)
        return out.getvalue()


# --------------------------------------------------------------------------- axes


@dataclass
class Axes:
    """A plotting box: data (xlim, ylim) mapped linearly onto pixels ``box``."""

    canvas: Canvas
    box: Box
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    taken: list[Box] = field(default_factory=list)  # boxes of text already placed inside
    drawn: list[Array] = field(default_factory=list)  # pixel points of what was plotted

    @classmethod
    def equal(cls, canvas: Canvas, room: Box, xlim: tuple[float, float], ylim: tuple[float, float]) -> Axes:
        """Equal scale on both axes: the largest box of the data's shape inside ``room``,
        centred across it and set at its top."""
        dx, dy = xlim[1] - xlim[0], ylim[1] - ylim[0]
        scale = min((room[2] - room[0]) / dx, (room[3] - room[1]) / dy)
        w, h = dx * scale, dy * scale
        left = (room[0] + room[2] - w) / 2
        return cls(canvas, (left, room[1], left + w, room[1] + h), xlim, ylim)

    @property
    def left(self) -> float:
        return self.box[0]

    @property
    def top(self) -> float:
        return self.box[1]

    @property
    def right(self) -> float:
        return self.box[2]

    @property
    def bottom(self) -> float:
        return self.box[3]

    def x_px(self, x: ArrayLike) -> Array:
        (x0, x1), (left, right) = self.xlim, (self.box[0], self.box[2])
        return left + (np.asarray(x, dtype=float) - x0) * ((right - left) / (x1 - x0))

    def y_px(self, y: ArrayLike) -> Array:
        (y0, y1), (top, bottom) = self.ylim, (self.box[1], self.box[3])
        return bottom - (np.asarray(y, dtype=float) - y0) * ((bottom - top) / (y1 - y0))

    def px(self, x: ArrayLike, y: ArrayLike) -> Array:
        """Data (x, y) to pixel (column, row) points, shape (N, 2)."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.column_stack([self.x_px(x.ravel()), self.y_px(y.ravel())])

    def at(self, fx: float, fy: float) -> tuple[float, float]:
        """Pixel at a fraction of the box (0, 0 bottom left; 1, 1 top right)."""
        return (self.box[0] + fx * (self.box[2] - self.box[0]), self.box[3] - fy * (self.box[3] - self.box[1]))

    def plot(self, x: ArrayLike, y: ArrayLike, colour: Colour, width: float = 1.3, dash: Dash | None = None) -> None:
        points = self.px(x, y)
        self.drawn.append(points[np.isfinite(points).all(axis=1)])
        self.canvas.polyline(points, colour, width, dash)

    def hline(self, y: float, colour: Colour = "#000000", width: float = 0.8) -> None:
        row = float(self.y_px(y))
        self.canvas.polyline([(self.box[0], row), (self.box[2], row)], colour, width)

    def note(self, xy: tuple[float, float], text: str, size: int, colour: Colour = "#000000", anchor: str = "mm",
             box: tuple[Colour, Colour | None, float, float] | None = None) -> Box:
        """Text inside the axes (pixel position), remembered so a legend keeps off it."""
        placed = self.canvas.text(xy, text, size, colour, anchor, box=box)
        self.taken.append(placed)
        return placed

    def place(self, anchor: tuple[float, float], text: str, size: int, colour: Colour = "#000000",
              box: tuple[Colour, Colour | None, float, float] | None = None, leader: Colour | None = None) -> Box:
        """A note as near ``anchor`` (pixels) as it goes without covering another note or
        leaving the axes: tried at the anchor, then on rings around it, further out each
        time; with ``leader``, a thin line from the anchor to a note that had to move.
        Where nothing is free, the spot that covers the least."""
        w, h = self.canvas.text_size(text, size)
        w, h = w + 6, h + 6  # the box a note's frame adds, and a little air
        left, top, right, bottom = self.box
        inner = (left + 2, top + 2, right - 2, bottom - 2)
        best: tuple[float, tuple[float, float]] | None = None
        for radius in PLACE_RINGS_PX:
            for k in range(1 if radius == 0 else 12):
                angle = 2 * np.pi * k / 12 + np.pi / 2  # above first, then round
                # an ellipse as wide as the note is long: a wide note moves further sideways
                stretch = max(1.0, 0.5 * w / h)
                cx, cy = anchor[0] + radius * stretch * np.cos(angle), anchor[1] - radius * np.sin(angle)
                spot = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                outside = max(0.0, inner[0] - spot[0]) + max(0.0, spot[2] - inner[2]) + max(
                    0.0, inner[1] - spot[1]) + max(0.0, spot[3] - inner[3])
                covered = sum(overlap(spot, t) for t in self.taken) + 1000.0 * outside
                if best is None or covered < best[0]:
                    best = (covered, (cx, cy))
                if covered == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        cx, cy = best[1]
        if leader is not None and np.hypot(cx - anchor[0], cy - anchor[1]) > max(w, h) / 2:
            # to the nearest point of the note's box
            edge = (float(np.clip(anchor[0], cx - w / 2, cx + w / 2)), float(np.clip(anchor[1], cy - h / 2, cy + h / 2)))
            self.canvas.polyline([anchor, edge], leader, 0.8)
        return self.note((cx, cy), text, size, colour, box=box)

    def frame(self, title: str = "", xlabel: str = "", ylabel: str = "", xticks: Array | None = None,
              yticks: Array | None = None) -> None:
        """Box, ticks with labels outside, axis labels and title (above, centred)."""
        c = self.canvas
        left, top, right, bottom = self.box
        c.rectangle((left - 0.5, top - 0.5, right + 0.5, bottom + 0.5), edge="#000000", width=0.8)
        xt = nice_ticks(*_ascending(self.xlim)) if xticks is None else xticks
        yt = nice_ticks(*_ascending(self.ylim)) if yticks is None else yticks
        cols, rows = self.x_px(xt), self.y_px(yt)
        lowest = bottom + TICK_LEN + 2
        for col, label in zip(cols, tick_labels(xt)):
            c.polyline([(col, bottom), (col, bottom + TICK_LEN)], "#000000", 0.8)
            lowest = max(lowest, c.text((col, bottom + TICK_LEN + 2), label, TICK_PT, anchor="ma")[3])
        widest = 0.0
        for row, label in zip(rows, tick_labels(yt)):
            c.polyline([(left - TICK_LEN, row), (left, row)], "#000000", 0.8)
            placed = c.text((left - TICK_LEN - 3, row), label, TICK_PT, anchor="rm")
            widest = max(widest, placed[2] - placed[0])
        if xlabel:
            c.text(((left + right) / 2, lowest + 3), xlabel, LABEL_PT, anchor="ma")
        if ylabel:
            c.text((left - TICK_LEN - 3 - widest - 10, (top + bottom) / 2), ylabel, LABEL_PT, rotate=True)
        if title:
            c.text(((left + right) / 2, top - 7), title, TITLE_PT, anchor="md")

    def legend(self, entries: Sequence[tuple[str, Colour, Dash | None]], where: str = "best") -> Box:
        """A legend box with a line sample per entry. ``where``: "best" (the corner or
        side that covers the fewest plotted points and notes), or one of
        upper/lower/center + right/left/center."""
        c = self.canvas
        sample, gap, pad, row_gap = 24.0, 6.0, 5.0, 3.0
        sizes = [c.text_size(label, LEGEND_PT) for label, _, _ in entries]
        row_h = max(h for _, h in sizes) + row_gap
        w = pad * 2 + sample + gap + max(w for w, _ in sizes)
        h = pad * 2 + row_h * len(entries) - row_gap
        left, top, right, bottom = self.box
        inset = 6.0
        spots = {
            "upper right": (right - inset - w, top + inset), "upper left": (left + inset, top + inset),
            "lower left": (left + inset, bottom - inset - h), "lower right": (right - inset - w, bottom - inset - h),
            "center right": (right - inset - w, (top + bottom - h) / 2),
            "center left": (left + inset, (top + bottom - h) / 2),
            "lower center": ((left + right - w) / 2, bottom - inset - h),
            "upper center": ((left + right - w) / 2, top + inset),
        }
        if where == "best":
            points = np.vstack(self.drawn) if self.drawn else np.zeros((0, 2))

            def cost(spot: tuple[float, float]) -> float:
                """Plotted points covered, and far worse: text covered."""
                x, y = spot
                inside = (points[:, 0] >= x) & (points[:, 0] <= x + w) & (points[:, 1] >= y) & (points[:, 1] <= y + h)
                hidden = [overlap((x, y, x + w, y + h), t) for t in self.taken]
                return float(inside.sum()) + sum(1000.0 + a for a in hidden if a > 0)

            where = min(spots, key=lambda k: cost(spots[k]))
        x, y = spots[where]
        placed = (x, y, x + w, y + h)
        c.polygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], fill="#ffffff", alpha=0.85)
        c.rectangle(placed, edge="#cccccc", width=0.8)
        for k, (label, colour, dash) in enumerate(entries):
            row = y + pad + k * row_h + (row_h - row_gap) / 2
            c.polyline([(x + pad, row), (x + pad + sample, row)], colour, 1.3, dash)
            c.text((x + pad + sample + gap, row), label, LEGEND_PT, anchor="lm")
        self.taken.append(placed)
        return placed


PLACE_RINGS_PX = (0.0, 9.0, 16.0, 24.0, 34.0, 46.0, 60.0)  # Axes.place: the rings a moved note is tried on


def colour_bar(canvas: Canvas, box: Box, vmax: float, label: str) -> None:
    """A vertical Greys bar for 0..vmax (bottom to top), ticks and label to its right."""
    left, top, right, bottom = box
    rows = max(2, round((bottom - top) * canvas.scale))
    ramp = grey_ramp(np.linspace(1.0, 0.0, rows))
    rgb = np.repeat(np.repeat(ramp[:, None, None], 3, axis=2), 2, axis=1)
    canvas.picture(rgb, box)
    canvas.rectangle((left - 0.5, top - 0.5, right + 0.5, bottom + 0.5), edge="#000000", width=0.8)
    ticks = nice_ticks(0.0, vmax)
    widest = 0.0
    for value, text in zip(ticks, tick_labels(ticks)):
        row = bottom - value / vmax * (bottom - top)
        canvas.polyline([(right, row), (right + TICK_LEN, row)], "#000000", 0.8)
        placed = canvas.text((right + TICK_LEN + 3, row), text, TICK_PT, anchor="lm")
        widest = max(widest, placed[2] - placed[0])
    canvas.text((right + TICK_LEN + 3 + widest + 10, (top + bottom) / 2), label, LABEL_PT, rotate=True)
