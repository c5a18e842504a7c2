"""The label engraved into each part's underside: its side ("L" / "R") and the
patient's id (or the build's file name), so a lift is never worn in the wrong shoe.

LABEL_DEPTH_MM deep, capitals LABEL_HEIGHT_MM tall in DejaVu Sans Bold (its strokes and
counters stay over a millimetre wide at that size: printable on the first layers),
mirrored so that it reads from below, along the foot at the midfoot (ahead of the lift's
firm heel, where the base is thickest after the heel), at least EDGE_CLEARANCE_MM from
the edge. Text that does not fit is shortened from the end; the side letter always fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity
from numpy.typing import NDArray

from insolegen.core.fonts import font_file
from insolegen.geometry.recess import recess_underside
from insolegen.geometry.solid import Mesh

__all__ = [
    "CUT_TOLERANCE_MM",
    "EDGE_CLEARANCE_MM",
    "LABEL_CENTRE_FRACTION",
    "LABEL_DEPTH_MM",
    "LABEL_HEIGHT_MM",
    "MAX_CHARS",
    "MIN_ISLAND_MM2",
    "MIN_LAND_MM",
    "PX_PER_MM",
    "TRACE_TOLERANCE_MM",
    "Label",
    "engrave",
    "label_text",
    "place_label",
    "printable_cut",
    "text_outline_mm",
]

LABEL_DEPTH_MM = 0.6
LABEL_HEIGHT_MM = 7.0  # capital height
EDGE_CLEARANCE_MM = 3.0
LABEL_CENTRE_FRACTION = 0.47  # of foot length from the heel
PX_PER_MM = 12  # the text is drawn this finely (0.083 mm pixels), then traced and simplified
TRACE_TOLERANCE_MM = 0.15  # under two pixels: the staircase goes, the letters stay (a 0.4 mm nozzle draws them)
MAX_CHARS = 16
CUT_TOLERANCE_MM = 0.05  # the cut simplified this much: a third of the trace's own tolerance
MIN_LAND_MM = 1.6  # material left between the cuts: over the printable minimum (1.2 mm), with room
MIN_ISLAND_MM2 = MIN_LAND_MM ** 2  # a counter smaller than a land's square is cut away
HAIR_MM = 0.05  # after simplifying, land under twice this wide is cut too (a hairline wedge)


@dataclass(frozen=True)
class Label:
    """What is engraved where: the text, its outline on the bed (the part's own frame,
    mirrored to read from below) and its centre."""

    text: str
    outline: shapely.Geometry
    centre: tuple[float, float]


def label_text(side: str, patient_id: str | None, file_stem: str, variant: int | None = None) -> str:
    """'R P-2291', or 'L ana-lima' without an id; a variant of a fitting (--vary) puts
    its number after the side, 'R v2 P-2291', where shortening never reaches it;
    printable ASCII only."""
    name = patient_id or (file_stem.removesuffix(f"-v{variant}") if variant else file_stem)
    name = "".join(c for c in name if 32 < ord(c) < 127)[:MAX_CHARS]
    number = f" v{variant}" if variant else ""
    return f"{'L' if side == 'left' else 'R'}{number} {name}".strip()


def text_outline_mm(text: str, height_mm: float = LABEL_HEIGHT_MM) -> shapely.Geometry:
    """The text's glyphs as polygons in mm (x along the text, y up), centred on the origin."""
    from PIL import Image, ImageDraw, ImageFont

    path = font_file("DejaVuSans-Bold.ttf")
    if path is None:
        raise RuntimeError("DejaVu Sans Bold is missing (it comes with matplotlib): cannot engrave labels")
    cap_px = height_mm * PX_PER_MM
    font = ImageFont.truetype(path, round(cap_px / 0.73))  # DejaVu's capitals are 0.73 em
    left, top, right, bottom = font.getbbox(text)
    # (FreeType's box is whole pixels, though typed as floats)
    image = Image.new("1", (int(right - left + 4), int(bottom - top + 4)), 0)
    ImageDraw.Draw(image).text((2 - left, 2 - top), text, font=font, fill=1)
    ink = np.asarray(image, dtype=bool)
    # Each row's runs of ink, a run carried on down while the rows below repeat it: a
    # rectangle per run of rows, not per pixel row (a tenth as many to unite).
    boxes = []
    open_runs: dict[tuple[int, int], int] = {}  # (first column, end column) -> first row
    for row in range(ink.shape[0] + 1):
        runs: set[tuple[int, int]] = set()
        if row < ink.shape[0]:
            line = np.r_[False, ink[row], False]
            edges = np.flatnonzero(line[1:] != line[:-1])
            runs = set(zip(edges[::2].tolist(), edges[1::2].tolist()))
        for run in [r for r in open_runs if r not in runs]:
            first = open_runs.pop(run)
            boxes.append(shapely.box(run[0], -row, run[1], -first))
        for run in runs:
            open_runs.setdefault(run, row)
    if not boxes:
        return shapely.Polygon()
    glyphs = shapely.union_all(boxes)
    glyphs = shapely.affinity.scale(glyphs, 1 / PX_PER_MM, 1 / PX_PER_MM, origin=(0, 0))
    glyphs = glyphs.simplify(TRACE_TOLERANCE_MM)
    (x0, y0, x1, y1) = glyphs.bounds
    return shapely.affinity.translate(glyphs, -(x0 + x1) / 2, -(y0 + y1) / 2)


def printable_cut(glyphs: shapely.Geometry) -> shapely.Geometry:
    """The region to cut for ``glyphs``: the glyphs, and any material left between them
    narrower than MIN_LAND_MM (a sliver between two letters, a counter too small to
    print), so that what stays is as wide as any other wall of the part."""
    if glyphs.is_empty:
        return glyphs
    near = shapely.box(*glyphs.bounds).buffer(3.0, join_style="mitre")
    land = near.difference(glyphs)
    kept = land.buffer(-MIN_LAND_MM / 2, quad_segs=8).buffer(MIN_LAND_MM / 2, quad_segs=8)
    slivers = land.difference(kept).intersection(shapely.box(*glyphs.bounds).buffer(0.5))
    # A closing fills any hair of material left between two of the parts (simplifying
    # them one by one could leave one); mitred, it adds no arcs of micrometre segments
    # (each would be a wall of needles in the underside). Then one simplify of the whole,
    # which keeps its rings apart.
    closed = shapely.union_all([glyphs, slivers]).buffer(0.05, join_style="mitre").buffer(-0.05, join_style="mitre")
    # Simplified piece by piece, two letters' pieces may touch, or a counter shrink to
    # a speck: made valid again, and a counter under MIN_ISLAND_MM2 (no printable
    # island) cut away.
    simple = shapely.make_valid(closed.simplify(CUT_TOLERANCE_MM))
    pieces = [shapely.Polygon(p.exterior, [h for h in p.interiors if shapely.Polygon(h).area >= MIN_ISLAND_MM2])
              for p in shapely.get_parts(simple) if isinstance(p, shapely.Polygon) and p.area > 0]
    cut = shapely.union_all(pieces)
    # The simplify may leave a wedge of land micrometres wide where it moved two vertices
    # of one ring towards each other ("20.8%" and "64.8%" on the coupons' tabs kept a
    # 0.0013 mm one, found by a ray from every face): a second mitred closing, after it,
    # cuts land under 2 HAIR_MM wide and leaves every other corner where it was.
    closed_again = shapely.make_valid(cut.buffer(HAIR_MM, join_style="mitre").buffer(-HAIR_MM, join_style="mitre"))
    again = [p for p in shapely.get_parts(closed_again) if isinstance(p, shapely.Polygon) and p.area > 0]
    return shapely.union_all(again) if again else cut


def place_label(text: str, footprint: shapely.Polygon, foot_length_mm: float) -> Label:
    """The label on this footprint (the part's own frame): centred across the outline
    at LABEL_CENTRE_FRACTION, mirrored in y to read from below, shortened until it
    clears the edge by EDGE_CLEARANCE_MM."""
    x = LABEL_CENTRE_FRACTION * foot_length_mm
    y0, y1 = footprint.bounds[1] - 1, footprint.bounds[3] + 1
    chord = footprint.intersection(shapely.LineString([(x, y0), (x, y1)]))
    y = (chord.bounds[1] + chord.bounds[3]) / 2 if not chord.is_empty else 0.0
    room = footprint.buffer(-EDGE_CLEARANCE_MM)
    prefix = re.match(r"[LR]( v\d+)?", text)  # the side and a variant's number are never shortened
    keep = len(prefix.group(0)) if prefix else 1
    while True:
        glyphs = printable_cut(shapely.affinity.scale(text_outline_mm(text), 1.0, -1.0, origin=(0, 0)))
        placed = shapely.affinity.translate(glyphs, x, y)
        if room.contains(placed) or len(text) <= keep:
            return Label(text, placed, (x, y))
        text = text[:-1].rstrip()


def engrave(mesh: Mesh, label: Label, floor: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None) -> Mesh:
    """``mesh`` with the label cut LABEL_DEPTH_MM up into its underside: z = 0, or
    ``floor(x)`` for an underside that follows a shoe's footbed (the cut's ceiling then
    follows it at the same depth)."""
    return recess_underside(mesh, label.outline, LABEL_DEPTH_MM, floor)
