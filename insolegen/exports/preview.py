"""preview.png: what a clinician checks at a glance.

Top views (the top shaded by height with contours every 2 mm, the firmness zones and
their infill, the lift layer's extent), a medial side view with the heel cup rim, heel,
arch apex and metatarsal heads marked and the lift layer drawn in, and cross sections at
the heel centre, arch apex and metatarsal heads; left and right side by side, the top
views at one scale and the side views on one height range, so the sides compare by
eye. What it says of zones and the lift is read off the zone solids the 3MF files are
written from. Drawn with Pillow (exports/drawing.py),
not matplotlib: importing and drawing take a fraction of a second, so the preview can
stay on by default. ``insolegen build --no-preview`` still skips it.

Over 400 lines: one picture's panels, which share its scales and layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from insolegen.build.parts import BuildResult, SidePart
from insolegen.exports.drawing import (
    Axes,
    Box,
    Canvas,
    Dash,
    colour_bar,
    contour_segments,
    grey_ramp,
    overlap,
    overlaps_any,
    padded,
    rasterise,
)
from insolegen.exports.zone_text import lift_height_text, lift_zone, lift_zones_text
from insolegen.geometry.measure import top_heights
from insolegen.geometry.modifications import modification_label
from insolegen.geometry.outline import cut_offset_mm
from insolegen.geometry.zones import to_manifold

__all__ = [
    "CONTOUR_MM",
    "CUSTOM_COLOUR",
    "DASHED",
    "LANDMARKS",
    "LIFT_ALPHA",
    "LIFT_RED",
    "MODIFICATION_COLOUR",
    "MODIFICATION_EDGE",
    "ONE_COLUMN",
    "PLATEAU_MM2",
    "PLATEAU_TOLERANCE_MM",
    "PRESSURE_LINE",
    "PRESSURE_RED",
    "PRESSURE_STEP_MM",
    "SECTIONS",
    "SECTION_COLUMNS",
    "SECTION_ROOM",
    "SHADE_HEADROOM",
    "SIDE_ROOM",
    "TOP_ROOM",
    "TWO_COLUMNS",
    "UNDERSIDE_GREY",
    "ZONE_ALPHA",
    "ZONE_COLOURS",
    "Preview",
    "Probed",
    "draw_preview",
    "preview_png",
    "top_contours",
]

ZONE_COLOURS = {"heel": "#4cc9f0", "arch": "#f77f00", "forefoot": "#90be6d", "toes": "#c7f9cc", "lift": "#9d0208"}
CUSTOM_COLOUR = "#ffd60a"
ZONE_ALPHA = 0.35
LIFT_RED = "#9d0208"
FIRST, SECOND = "#1f77b4", "#ff7f0e"  # left / medial line, right / mid-line
DASHED: Dash = (6.0, 3.5)
CONTOUR_MM = 2.0
# A level that a flat of the top lies on (the heel seat of a 6 mm lift on a 3 mm base, at
# 9 mm) is not drawn: its "contour" would be wherever the mesh, true to 0.05 mm, strays a
# hair below the flat, a line wandering across the seat. A flat is top triangles within
# this of one height, together larger than PLATEAU_MM2.
PLATEAU_TOLERANCE_MM = 0.05
PLATEAU_MM2 = 50.0
LIFT_ALPHA = 0.30
SHADE_HEADROOM = 1.3  # the highest point is a dark grey, not black: contours stay visible

WIDTH, HEIGHT = 1200, 1000
TOP_ROOM = (82.0, 300.0)  # each row's axes, top to bottom (pixels)
SIDE_ROOM = (375.0, 590.0)
SECTION_ROOM = (668.0, 935.0)
TWO_COLUMNS = ((62.0, 542.0), (632.0, 1112.0))
ONE_COLUMN = ((62.0, 1112.0),)
SECTION_COLUMNS = ((62.0, 382.0), (447.0, 767.0), (832.0, 1152.0))
FRONT_SECTION_BEHIND_MM = 5.0  # a three-quarter insole's third section: this far behind its front edge
SECTIONS = (("heel_centre", "heel centre"), ("arch_apex", "arch apex"), ("metatarsal_heads", "metatarsal heads"))
LANDMARKS = ("heel_cup_rim", "heel_centre", "arch_apex", "met_pad_apex", "metatarsal_heads")
NOTE_PT, ZONE_PT, CONTOUR_PT, SUPTITLE_PT = 10, 11, 9, 18


def _mirror(part: SidePart) -> float:
    return -1.0 if part.spec.side == "left" else 1.0


def _top_faces(part: SidePart) -> np.ndarray:
    """The faces turned upwards (their normal's z above zero)."""
    tri = part.mesh.vertices[part.mesh.faces]
    u, w = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    return part.mesh.faces[u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0] > 1e-9]


@dataclass(frozen=True)
class Probed:
    """One side's heights for the side view and the sections: top heights along the
    medial line (90 % across) and the heel mid-line, at the landmarks, and across the
    foot at each section; all from one batch of vertical rays against the top faces."""

    top_faces: np.ndarray
    xs: np.ndarray
    medial: np.ndarray
    middle: np.ndarray
    landmarks: dict[str, tuple[float, float]]  # name -> (x, height); NaN where a ray missed
    sections: dict[str, tuple[float, np.ndarray, np.ndarray]]  # name -> (x, across (medial +), height)
    lift: np.ndarray | None  # the lift zone's top along the heel mid-line (NaN off it); None without
    section_labels: dict[str, str] = field(default_factory=dict)  # a section shown elsewhere than its name says


def _probe(part: SidePart) -> Probed:
    faces = _top_faces(part)
    xs = np.linspace(0, part.mesh.vertices[:, 0].max(), 500)
    lat, med = part.outline.edges_at(xs)
    points = part.landmark_points()
    names = [n for n in LANDMARKS if n in points]
    cuts = {}
    relabel = {}
    for name, _ in SECTIONS:
        x = points[name][0] if name in points else None
        if x is None and name == "metatarsal_heads" and part.spec.length == "three-quarter":
            # no heads on a three-quarter insole: the section shows its skived front instead
            lm = part.outline.landmarks
            x = lm.mth_mid[0] + cut_offset_mm(lm, "three-quarter") - FRONT_SECTION_BEHIND_MM
            relabel[name] = f"front edge ({FRONT_SECTION_BEHIND_MM:g} mm behind it mid-width)"
        if x is not None:
            cut_lat, cut_med = part.outline.edges_at(np.array([x]))
            cuts[name] = (x, np.linspace(cut_lat[0] - 2, cut_med[0] + 2, 300))
    queries = [np.column_stack([xs, lat + 0.9 * (med - lat)]), np.column_stack([xs, np.zeros_like(xs)]),
               np.array([points[n] for n in names], dtype=float).reshape(-1, 2)]
    queries += [np.column_stack([np.full_like(ys, x), ys]) for x, ys in cuts.values()]
    xy = np.vstack(queries) * [1.0, _mirror(part)]  # right-foot frame -> the side's own
    heights = np.split(top_heights(part.mesh.vertices, faces, xy), np.cumsum([len(q) for q in queries])[:-1])
    lift = lift_zone(part)
    return Probed(
        top_faces=faces, xs=xs, medial=heights[0], middle=heights[1],
        landmarks={n: (points[n][0], float(z)) for n, z in zip(names, heights[2])},
        sections={name: (x, ys, z) for (name, (x, ys)), z in zip(cuts.items(), heights[3:])},
        section_labels=relabel,
        lift=None if lift is None else top_heights(lift.mesh.vertices, lift.mesh.faces, queries[1]),
    )


# --------------------------------------------------------------------------- top view


def _shade(ax: Axes, part: SidePart, faces: np.ndarray, vmax: float) -> None:
    """The top surface in greys by height. Rasterised at the final resolution and
    stretched smoothly onto the supersampled canvas: the shading has no sharp edges of
    its own (the outline is drawn over its rim), and this is a quarter of the work."""
    v = part.mesh.vertices
    width, height = round(ax.right - ax.left), round(ax.bottom - ax.top)
    z = rasterise(ax.px(v[:, 0], v[:, 1]) - [ax.left, ax.top], v[:, 2], faces, width, height)
    grey = grey_ramp(np.nan_to_num(z) / (vmax * SHADE_HEADROOM))
    ax.canvas.picture(np.repeat(grey[:, :, None], 3, axis=2), ax.box, np.isfinite(z))


def _zone_rings(part: SidePart) -> list[tuple[str, float, str, list[np.ndarray]]]:
    """(name, infill %, colour, footprint rings in the side's frame) per cushioning zone."""
    out = []
    for zone in part.zones:
        if zone.kind in ("lift", "cover"):  # under and over the others: named in the title
            continue
        rings = [np.asarray(r, dtype=float) for r in to_manifold(zone.mesh).project().to_polygons()]
        # Projecting a zone cut by the lift leaves zero-area rings along the cut: they
        # draw nothing but would pull the label off the zone's middle.
        rings = [r for r in rings if abs(_ring_area(r)) > 1.0]
        colour = _band_colour(part, zone.infill_pct) if zone.kind == "pressure" else ZONE_COLOURS.get(zone.name,
                                                                                                      CUSTOM_COLOUR)
        out.append((zone.name, zone.infill_pct, colour, rings))
    return out


BAND_FIRM, BAND_SOFT = np.array([0x1d, 0x35, 0x57]), np.array([0xfc, 0xbf, 0x49])  # firm blue -> soft amber
PRESSURE_RED = "#d00000"
PRESSURE_LINE = "#3a0ca3"
PRESSURE_STEP_MM = 1.5


def _band_colour(part: SidePart, infill_pct: float) -> str:
    """A pressure band's colour: from firm (blue) to soft (amber) across the bands' range."""
    asked = part.spec.pressure
    lo, hi = (asked.softest_pct, asked.firmest_pct) if asked is not None else (0.0, 100.0)
    t = float(np.clip((infill_pct - lo) / max(hi - lo, 1e-9), 0.0, 1.0))
    rgb = np.round(BAND_SOFT + t * (BAND_FIRM - BAND_SOFT)).astype(int)
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _pressure_contours(ax: Axes, part: SidePart) -> list[tuple[str, str, Dash | None]]:
    """The registered map's isobars over the top view: the relief threshold in red, the
    bands' edges (or every 50 kPa) thin; the legend entries they need."""
    import contourpy

    relief = part.surface.pressure_relief
    if relief is None:
        return []
    asked = part.spec.pressure
    x0, y0, x1, y1 = part.outline.polygon.bounds
    gx = np.arange(x0 - 2, x1 + 2, PRESSURE_STEP_MM)
    gy = np.arange(y0 - 2, y1 + 2, PRESSURE_STEP_MM)
    xx, yy = np.meshgrid(gx, gy)
    z = relief.field.kpa(xx, yy)
    import shapely

    inside = shapely.contains_xy(part.outline.polygon, xx, yy)
    z = np.where(inside, z, 0.0)
    generator = contourpy.contour_generator(gx, gy, z, line_type=contourpy.LineType.Separate)
    if asked is not None and asked.graded_zones:
        from insolegen.geometry.pressure_field import band_edges_kpa

        levels = [float(v) for v in band_edges_kpa(asked.relief_above_kpa, asked.bands)[:-1]]
    else:
        levels = [float(v) for v in np.arange(50.0, relief.threshold_kpa, 50.0)]
    mirror = _mirror(part)
    for level, colour, width in [(v, PRESSURE_LINE, 0.7) for v in levels] + [(relief.threshold_kpa, PRESSURE_RED, 1.8)]:
        # LineType.Separate: one (N, 2) array per line (the stub gives every line type's union)
        for line in cast("list[np.ndarray]", generator.lines(level)):
            ax.canvas.polyline(ax.px(line[:, 0], line[:, 1] * mirror), colour, width)
    step = f"{levels[1] - levels[0]:.0f} kPa" if len(levels) > 1 else ""
    return [(f"pressure {relief.threshold_kpa:g} kPa: relieved above", PRESSURE_RED, None),
            (f"isobars every {step}" if step else "isobars", PRESSURE_LINE, None)]


def _ring_area(ring: np.ndarray) -> float:
    """Signed area of a closed ring (shoelace), mm2."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.sum(x * np.roll(y, -1)) - np.sum(y * np.roll(x, -1))) / 2  # not np.dot: BLAS (exact.py)


def _inside_points(ax: Axes, ring: np.ndarray, step_px: float = 6.0) -> np.ndarray:
    """Pixel points every ``step_px`` over the area inside ``ring`` (data units)."""
    import shapely

    outline = shapely.Polygon(ax.px(ring[:, 0], ring[:, 1]))
    x0, y0, x1, y1 = outline.bounds
    xs, ys = np.meshgrid(np.arange(x0, x1, step_px), np.arange(y0, y1, step_px))
    points = np.column_stack([xs.ravel(), ys.ravel()])
    return points[shapely.contains_xy(outline, points[:, 0], points[:, 1])]


def _contour_labels(ax: Axes, segments: np.ndarray, which: np.ndarray, levels: np.ndarray,
                    keep_off: list[tuple[float, float]]) -> None:
    """A label on every other level: at the middle of its line, unless crowded (then
    the free-most point of it)."""
    placed = list(keep_off)
    inner = (ax.left + 12, ax.top + 8, ax.right - 12, ax.bottom - 8)
    for k in range(0, len(levels), 2):
        mids = segments[which == k].mean(axis=1)
        if len(mids) == 0:
            continue
        points = ax.px(mids[:, 0], mids[:, 1])
        points = points[(points[:, 0] > inner[0]) & (points[:, 0] < inner[2])
                        & (points[:, 1] > inner[1]) & (points[:, 1] < inner[3])]
        if len(points) == 0:
            continue
        centre = points[np.argmin(np.linalg.norm(points - np.median(points, axis=0), axis=1))]
        score = -0.02 * np.linalg.norm(points - centre, axis=1)
        if placed:
            gaps = np.linalg.norm(points[:, None, :] - np.asarray(placed)[None, :, :], axis=2).min(axis=1)
            score += np.minimum(gaps, 45.0)
        # a number may not cover another note (a zone's, a modification's name)
        w, h = ax.canvas.text_size(f"{levels[k]:g}", CONTOUR_PT)
        boxes = np.column_stack([points[:, 0] - w / 2 - 2, points[:, 1] - h / 2 - 2,
                                 points[:, 0] + w / 2 + 2, points[:, 1] + h / 2 + 2])
        free = ~overlaps_any(boxes, ax.taken)
        if not free.any():
            continue
        x, y = points[int(np.argmax(np.where(free, score, -np.inf)))]
        ax.note((x, y), f"{levels[k]:g}", CONTOUR_PT, box=("#ffffff", None, 0.75, 1.0))
        placed.append((x, y))


def top_contours(part: SidePart, faces: np.ndarray, vmax: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The top's contour lines every CONTOUR_MM (odd millimetres: 1, 3, 5 ...), but for
    levels a flat lies on: segments (N, 2, 2) in the side's frame, each one's level
    index, and the levels drawn."""
    v = part.mesh.vertices
    levels = np.arange(1.0, vmax + 1.0, CONTOUR_MM)
    tri = v[faces]
    z = tri[:, :, 2]
    u, w = tri[:, 1, :2] - tri[:, 0, :2], tri[:, 2, :2] - tri[:, 0, :2]
    area = np.abs(u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0]) / 2
    flat = np.ptp(z, axis=1) < PLATEAU_TOLERANCE_MM
    on_level = np.abs(z.mean(axis=1)[flat, None] - levels[None, :]) < PLATEAU_TOLERANCE_MM
    levels = levels[(area[flat, None] * on_level).sum(axis=0) < PLATEAU_MM2]
    segments, which = contour_segments(v[:, :2], v[:, 2], faces, levels)
    return segments, which, levels


def _top_view(canvas: Canvas, room: Box, part: SidePart, faces: np.ndarray, xlim: tuple[float, float],
              ylim: tuple[float, float], vmax: float, pattern: str, kpa_per_mm: dict[str, float]) -> Axes:
    ax = Axes.equal(canvas, room, xlim, ylim)
    _shade(ax, part, faces, vmax)
    zones = _zone_rings(part)
    for _, _, colour, rings in zones:
        for ring in rings:
            canvas.polygon(ax.px(ring[:, 0], ring[:, 1]), fill=colour, edge=colour, width=1.0, alpha=ZONE_ALPHA)
    segments, which, levels = top_contours(part, faces, vmax)
    canvas.segments(np.stack([ax.px(segments[:, i, 0], segments[:, i, 1]) for i in (0, 1)], axis=1), "#000000", 0.55)
    ring = part.outline.boundary * [1.0, _mirror(part)]
    canvas.polyline(ax.px(np.append(ring[:, 0], ring[0, 0]), np.append(ring[:, 1], ring[0, 1])), "#000000", 1.3)
    ax.drawn.append(_inside_points(ax, ring))  # a legend keeps off the foot, not just its outline
    lift = lift_zone(part)
    if lift is not None:  # the lift layer's extent, clipped to the insole
        import shapely

        footprint = shapely.MultiPolygon([shapely.Polygon(r) for r in to_manifold(lift.mesh).project().to_polygons()])
        inside = footprint.intersection(shapely.Polygon(ring))
        for piece in shapely.get_parts(inside):
            edge = np.asarray(piece.exterior.coords)
            canvas.polyline(ax.px(edge[:, 0], edge[:, 1]), LIFT_RED, 1.6, dash=DASHED)
    _modification_outlines(ax, part, faces)
    legend = _pressure_contours(ax, part)
    centres = []
    for name, infill, colour, rings in zones:
        if name.startswith("pressure_"):  # bands: named in the legend, from soft to firm
            continue
        if rings:
            cx, cy = np.vstack(rings).mean(axis=0)
            centre = ax.px(cx, cy)[0]
            firmness = f"{infill:g} %" + (f"\n{kpa_per_mm[name]:.0f} kPa/mm" if name in kpa_per_mm else "")
            placed = ax.place((float(centre[0]), float(centre[1])), f"{name}\n{firmness}", ZONE_PT,
                              box=("#ffffff", colour, 0.8, 2.0))
            centres.append(((placed[0] + placed[2]) / 2, (placed[1] + placed[3]) / 2))
    _contour_labels(ax, segments, which, levels, centres)
    title = f"{part.spec.side}: zones ({pattern} infill), contours every {CONTOUR_MM:g} mm"
    if kpa_per_mm:
        title += "\nkPa/mm: each zone's stiffness at its median height (small strain; README, Firmness)"
    cover = next((z for z in part.zones if z.kind == "cover"), None)
    if cover is not None:
        title += (f"\n{modification_label('top_cover_mm')} {part.spec.modifications.top_cover_mm:g} mm over the "
                  f"whole top: own zone, {cover.infill_pct:g} %"
                  + (f", extruder {cover.extruder}" if cover.extruder != 1 else ""))
    lift_text = lift_zones_text(part)
    if lift_text is not None:
        title += f"\n{lift_text} (red dashes)"
    relief = part.surface.pressure_relief
    if relief is not None:
        bands = [(n, p) for n, p, _, _ in zones if n.startswith("pressure_")]
        title += f"\npressure map {relief.field.file}: peak {float(np.nanmax(relief.field.grid.kpa)):.0f} kPa"
        if bands:
            title += (f"; {len(bands)} bands of infill: {bands[-1][1]:g} % at the highest pressure, "
                      f"{bands[0][1]:g} % at the lowest")
            legend += [(f"{n.replace('pressure_', 'band ')}: {p:g} %", _band_colour(part, p), None)
                       for n, p in bands[::max(1, len(bands) // 4)]]
    ax.frame(title, "x (mm)", "y (mm)")
    if legend:
        ax.legend(legend, where="best")
    return ax


MODIFICATION_COLOUR = "#7209b7"
UNDERSIDE_GREY = "#6c757d"
MODIFICATION_EDGE = 0.1  # a modification's outline: where it reaches this share of its height


def _modification_outlines(ax: Axes, part: SidePart, faces: np.ndarray) -> None:
    """Each modification's outline (where it reaches MODIFICATION_EDGE of its height or
    depth) and its name at the point where it is measured."""
    terms = part.surface.modification_terms
    if not terms:
        return
    mirror = _mirror(part)
    v = part.mesh.vertices
    dots: list[tuple[float, float]] = []
    for term in terms:
        value = np.abs(term.height_mm(v[:, 0], v[:, 1] * mirror))
        segments, _ = contour_segments(v, value, faces, [MODIFICATION_EDGE * abs(term.asked_mm)])
        if len(segments):
            ax.canvas.segments(np.stack([ax.px(segments[:, i, 0], segments[:, i, 1]) for i in (0, 1)], axis=1),
                               MODIFICATION_COLOUR, 1.3)
        x, y = term.at
        px = ax.px(x, y * mirror)[0]
        ax.canvas.dots([tuple(px)], 2.5, MODIFICATION_COLOUR)
        dots.append((float(px[0]), float(px[1])))
    # the dots first, so no name covers another's dot; each name as near its dot as is free
    ax.taken.extend((px - 3, py - 3, px + 3, py + 3) for px, py in dots)
    for term, (px, py) in zip(terms, dots):
        ax.place((px, py - 9), f"{modification_label(term.key)} {abs(term.asked_mm):g}", NOTE_PT, MODIFICATION_COLOUR,
                 box=("#ffffff", None, 0.7, 1.0), leader=MODIFICATION_COLOUR)


# --------------------------------------------------------------------------- side view


def _annotate(ax: Axes, marks: list[tuple[float, float, str]]) -> None:
    """Landmarks: a dot each and a label with a leader line, above the dot if there is
    room, else beside or below it, else above and moved up past what is in the way."""
    canvas = ax.canvas
    dots = [ax.px(x, z)[0] for x, z, _ in marks]
    ax.taken.extend((px - 4, py - 4, px + 4, py + 4) for px, py in dots)
    for (px, py), (_, _, text) in zip(dots, marks):
        w, h = canvas.text_size(text, NOTE_PT)

        def box(cx: float, bottom: float, w: float = w, h: float = h) -> Box:
            cx = float(np.clip(cx, ax.left + w / 2 + 3, ax.right - w / 2 - 3))
            return (cx - w / 2 - 2, bottom - h - 2, cx + w / 2 + 2, bottom + 2)

        def free(b: Box) -> bool:
            return b[1] >= ax.top and b[3] <= ax.bottom and not any(overlap(b, t) > 0 for t in ax.taken)

        spots = [box(px, py - 16), box(px + w / 2 + 10, py - 12), box(px - w / 2 - 10, py - 12), box(px, py + 18 + h)]
        chosen = next((b for b in spots if free(b)), None)
        if chosen is None:
            chosen = spots[0]
            while hits := [t for t in ax.taken if overlap(chosen, t) > 0]:
                chosen = box(px, min(t[1] for t in hits) - 5)
        ax.note(((chosen[0] + chosen[2]) / 2, chosen[3] - 2), text, NOTE_PT, anchor="md")
        end = (float(np.clip(px, chosen[0] + 2, chosen[2] - 2)), chosen[3] if chosen[3] <= py else chosen[1])
        if np.hypot(end[0] - px, end[1] - py) > 6:
            start = np.array([px, py]) + 4 * (np.subtract(end, (px, py)) / np.hypot(end[0] - px, end[1] - py))
            canvas.polyline([tuple(start), end], "#000000", 0.6)
        canvas.dots([(px, py)], 3.0, "#000000")


def _side_view(canvas: Canvas, room: Box, part: SidePart, probed: Probed, xlim: tuple[float, float],
               ylim: tuple[float, float]) -> Axes:
    ax = Axes(canvas, room, xlim, ylim)
    under = part.surface.footbed_mm(probed.xs)  # 0, or the shoe's footbed the underside follows
    lift = lift_zone(part)
    if probed.lift is not None and lift is not None:
        # The lift layer under the heel mid-line, from the bed to the lift zone's top.
        ok = np.isfinite(probed.lift)
        edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(np.int8), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            xs, zs = probed.xs[a:b], probed.lift[a:b]
            outline = ax.px(np.r_[xs, xs[::-1]], np.r_[zs, under[a:b][::-1]])
            canvas.polygon(outline, fill=LIFT_RED, alpha=LIFT_ALPHA)
            ax.drawn += [ax.px(xs, zs * f) for f in (0.25, 0.5, 0.75, 1.0)]  # the legend keeps off it
        ax.note(ax.at(0.015, 0.93), f"{lift_zones_text(part)}:\n{lift_height_text(part)}", NOTE_PT,
                LIFT_RED, anchor="lm")
    ax.hline(0.0)
    ax.plot(probed.xs, probed.medial, FIRST)
    ax.plot(probed.xs, probed.middle, SECOND, dash=DASHED)
    legend = [("medial (90 % across)", FIRST, None), ("heel mid-line", SECOND, DASHED)]
    if part.surface.has_footbed:
        ax.plot(probed.xs, under, UNDERSIDE_GREY)
        legend.append(("underside (the shoe's footbed)", UNDERSIDE_GREY, None))
    # heights above the underside, as build.json gives them
    _annotate(ax, [(x, z, f"{name.replace('_', ' ')}\n{z - float(part.surface.footbed_mm(np.array(x))):.1f} mm")
                   for name, (x, z) in probed.landmarks.items() if np.isfinite(z)])
    ax.legend(legend)
    ax.frame(f"{part.spec.side}: medial side view", "x (mm)", "height (mm)")
    return ax


# --------------------------------------------------------------------------- sections


def _section(canvas: Canvas, room: Box, parts: list[SidePart], probes: list[Probed], name: str, label: str) -> Axes:
    lines = []
    label = next((p.section_labels[name] for p in probes if name in p.section_labels), label)
    for part, probed, colour, dash in zip(parts, probes, (FIRST, SECOND), (None, DASHED)):
        if name in probed.sections:
            x, ys, zs = probed.sections[name]
            lines.append((ys, zs, colour, dash, f"{part.spec.side} (x = {x:.0f} mm)"))
    if lines:
        ys = np.concatenate([line[0] for line in lines])
        zs = np.concatenate([line[1] for line in lines])
        top = float(np.nanmax(zs)) if np.isfinite(zs).any() else 1.0
        ax = Axes(canvas, room, padded(float(ys.min()), float(ys.max())), (0.0, max(top * 1.08, 1.0)))
    else:
        ax = Axes(canvas, room, (-1.0, 1.0), (0.0, 1.0))
        ax.note(ax.at(0.5, 0.5), f"no {label} on this insole", NOTE_PT)
    ax.hline(0.0)
    for ys, zs, colour, dash, _ in lines:
        ax.plot(ys, zs, colour, dash=dash)
    if lines:
        ax.legend([(text, colour, dash) for _, _, colour, dash, text in lines])
    ax.frame(f"section at the {label} (lateral \u2190 \u2192 medial)", "across the foot (mm, medial +)", "height (mm)")
    return ax


# --------------------------------------------------------------------------- picture


@dataclass
class Preview:
    """The drawn picture (text still queued) and its panels, for finding things in it."""

    canvas: Canvas
    top_views: list[Axes]
    side_views: list[Axes]
    sections: list[Axes]

    def png(self, compress_level: int = 6) -> bytes:
        return self.canvas.png(compress_level)


def draw_preview(result: BuildResult) -> Preview:
    """Draw the preview of a built profile: one column per side, sections across."""
    parts = list(result.parts)
    spec = parts[0].spec
    size = spec.size or (f"{foot.kind} {foot.info.get('file')}" if (foot := spec.foot) else
                         f"{spec.foot_length_mm:.0f} mm")
    canvas = Canvas(WIDTH, HEIGHT)
    sides = " + ".join(p.spec.side for p in parts)
    canvas.text((WIDTH / 2, 24), f"{result.profile.name}: {sides} - {size}", SUPTITLE_PT)
    columns = TWO_COLUMNS if len(parts) == 2 else ONE_COLUMN * len(parts)
    probes = [_probe(p) for p in parts]
    # Top views on one scale (both outlines fit), shaded on one height scale.
    vmax = max(float(p.mesh.vertices[:, 2].max()) for p in parts)
    rings = np.vstack([p.outline.boundary * [1.0, _mirror(p)] for p in parts])
    xlim, ylim = padded(rings[:, 0].min(), rings[:, 0].max()), padded(rings[:, 1].min(), rings[:, 1].max())
    pattern = result.profile.zones.pattern
    stiffness = [{z.name: z.stiffness.kpa_per_mm for z in side.zones if z.stiffness is not None}
                 for side in result.record.sides]
    tops = [_top_view(canvas, (c[0], TOP_ROOM[0], c[1], TOP_ROOM[1]), p, probed.top_faces, xlim, ylim, vmax, pattern,
                      kpa)
            for p, probed, c, kpa in zip(parts, probes, columns, stiffness)]
    last = tops[-1]
    colour_bar(canvas, (last.right + 14, last.top, last.right + 26, last.bottom), vmax * SHADE_HEADROOM,
               "top height (mm)")
    # Side views on one height scale too, so the two sides compare by eye.
    heights = np.concatenate([np.r_[p.medial, p.middle] for p in probes])
    highest = float(np.nanmax(heights)) if np.isfinite(heights).any() else 0.0
    side_ylim = (0.0, max(highest * 1.05, 10.0) * 1.35)
    side_xlim = padded(0.0, max(float(p.xs[-1]) for p in probes))
    sides_drawn = [_side_view(canvas, (c[0], SIDE_ROOM[0], c[1], SIDE_ROOM[1]), part, probed, side_xlim, side_ylim)
                   for part, probed, c in zip(parts, probes, columns)]
    sections = [_section(canvas, (c[0], SECTION_ROOM[0], c[1], SECTION_ROOM[1]), parts, probes, name, label)
                for (name, label), c in zip(SECTIONS, SECTION_COLUMNS)]
    return Preview(canvas, tops, sides_drawn, sections)


def preview_png(result: BuildResult, compress_level: int = 6) -> bytes:
    """The preview picture for a built profile, as PNG bytes."""
    return draw_preview(result).png(compress_level)
