"""Read a traced foot outline from SVG, DXF or CSV, in millimetres.

Well-kept readers do the parsing: svgelements (paths, shapes, transforms, document
units) and ezdxf (LWPOLYLINE, POLYLINE, SPLINE and other curves, $INSUNITS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import shapely
from numpy.typing import NDArray

from ..units import FOOT_LENGTH_RANGE_MM, UNIT_MM
from .errors import InputFileError

DXF_UNITS = {1: "in", 4: "mm", 5: "cm", 6: "m"}  # $INSUNITS codes we accept
SIMILAR_LOOPS = 0.8  # a second loop this close in area to the largest is ambiguous


@dataclass(frozen=True)
class OutlineRead:
    """The chosen loop (mm, input orientation), the units used and where they came from."""

    points: NDArray[np.float64]
    units: str
    units_from: str  # "profile", "file" or "default"
    loops_found: int


def read_outline_file(path: Path, units: Optional[str] = None) -> OutlineRead:
    """The largest closed loop in an SVG, DXF or CSV file, converted to mm."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path}: the file is empty")
    kind = path.suffix.lower()
    if kind == ".svg":
        loops, file_units = _svg_loops(path, units)
    elif kind == ".dxf":
        loops, file_units = _dxf_loops(path)
    elif kind in (".csv", ".txt"):
        loops, file_units = _csv_loops(path), None
    else:
        raise InputFileError(f"{path}: unknown outline format {kind!r}: use an .svg, .dxf or .csv file")
    if units is not None:
        scale_units, source = units, "profile"
    elif file_units is not None:
        scale_units, source = file_units, "file"
    else:
        scale_units, source = "mm", "default"
    # SVG loops come back in mm already unless the profile named the units (then raw).
    factor = 1.0 if (kind == ".svg" and units is None) else UNIT_MM[scale_units]
    closed = [loop * factor for loop in loops]
    return OutlineRead(_largest_loop(path, closed), scale_units, source, len(closed))


def _largest_loop(path: Path, loops: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    if not loops:
        raise InputFileError(f"{path}: no closed outline found: draw the foot as one closed path or polyline")
    polygons = []
    for loop in loops:
        polygon = shapely.Polygon(loop)
        if not polygon.is_valid:
            polygon = max(shapely.get_parts(shapely.make_valid(polygon)), key=lambda g: g.area, default=polygon)
        polygons.append(polygon)
    order = np.argsort([-p.area for p in polygons])
    best = polygons[order[0]]
    if best.area <= 0 or best.geom_type != "Polygon":
        raise InputFileError(f"{path}: the closed paths enclose no area")
    if len(order) > 1 and polygons[order[1]].area >= SIMILAR_LOOPS * best.area and not best.contains(polygons[order[1]]):
        raise InputFileError(
            f"{path}: found {len(loops)} closed loops of similar size ({best.area:.0f} and "
            f"{polygons[order[1]].area:.0f} square units): keep only the foot's outline in the file"
        )
    points = shapely.get_coordinates(best.exterior)[:-1]
    length = float(np.ptp(points @ _long_axis(points), axis=0))
    lo, hi = FOOT_LENGTH_RANGE_MM
    if not lo <= length <= hi:
        hints = [f'outline_units = "{u}"' for u, f in UNIT_MM.items() if lo <= length * f / 1.0 <= hi and u != "mm"]
        raise InputFileError(
            f"{path}: the outline is {length:.4g} mm long, not a foot ({lo:g}-{hi:g} mm)"
            + (f": if it was drawn in other units, pass {' or '.join(hints)}" if hints else "")
        )
    return points


def _long_axis(points: NDArray[np.float64]) -> NDArray[np.float64]:
    centred = points - points.mean(axis=0)
    return np.linalg.eigh(centred.T @ centred)[1][:, -1]


def _svg_loops(path: Path, units: Optional[str]) -> tuple[list[NDArray[np.float64]], Optional[str]]:
    """Closed subpaths in mm (the document's units), or in raw user units when the
    profile names the units (the file's own width/height then ignored)."""
    from svgelements import SVG, Path as SvgPath, Shape

    text = path.read_text(encoding="utf-8", errors="replace")
    root = re.search(r"<svg\b[^>]*>", text)
    if root is None:
        raise InputFileError(f"{path}: not an SVG file (no <svg> element)")
    says_units = bool(re.search(r'\bwidth\s*=\s*["\']\s*[\d.]+\s*(mm|cm|in|pt|pc)\s*["\']', root.group(0)))
    if units is not None:  # user units are in the profile's unit: drop the document size
        stripped = re.sub(r'\s(width|height)\s*=\s*("[^"]*"|\'[^\']*\')', "", root.group(0))
        text = text.replace(root.group(0), stripped, 1)
    try:
        import io

        # ppi 25.4: one CSS "px" (a bare user unit) is one millimetre; physical units
        # (mm, cm, in) in the document convert exactly.
        svg = SVG.parse(io.StringIO(text), ppi=25.4, reify=True)
    except Exception as exc:  # svgelements raises many kinds on broken XML
        raise InputFileError(f"{path}: not a readable SVG ({exc.__class__.__name__}: {exc})") from None
    loops = []
    for element in svg.elements():
        if not isinstance(element, Shape):
            continue
        shape = SvgPath(element)
        for sub in shape.as_subpaths():
            sub = SvgPath(sub)
            if len(sub) == 0:
                continue
            count = max(64, int(sub.length(error=1e-3) / 0.5))
            pts = np.asarray(sub.npoint(np.linspace(0, 1, count)), dtype=np.float64)
            pts = pts * [1.0, -1.0]  # SVG's y axis points down the page; ours points up
            if len(pts) >= 3 and np.hypot(*(pts[0] - pts[-1])) <= 1e-6 * max(1.0, np.ptp(pts)):
                loops.append(pts[:-1])
            elif len(pts) >= 3 and sub[-1].__class__.__name__ == "Close":
                loops.append(pts)
    return loops, ("mm" if says_units else None)


def _dxf_loops(path: Path) -> tuple[list[NDArray[np.float64]], Optional[str]]:
    import ezdxf
    from ezdxf import path as dxfpath

    try:
        doc = ezdxf.readfile(str(path))
    except (OSError, ezdxf.DXFError) as exc:
        raise InputFileError(f"{path}: not a readable DXF ({exc.__class__.__name__}: {exc})") from None
    code = doc.header.get("$INSUNITS", 0)
    units = DXF_UNITS.get(code)
    if code not in (0, *DXF_UNITS):
        raise InputFileError(f"{path}: DXF units code $INSUNITS = {code} is not mm, cm, m or in: pass outline_units")
    loops = []
    for entity in doc.modelspace():
        if entity.dxftype() not in ("LWPOLYLINE", "POLYLINE", "SPLINE", "CIRCLE", "ELLIPSE"):
            continue
        try:
            curve = dxfpath.make_path(entity)
        except Exception:  # an entity ezdxf cannot turn into a path is skipped
            continue
        pts = np.array([(v.x, v.y) for v in curve.flattening(distance=0.05)], dtype=np.float64)
        if len(pts) < 3:
            continue
        closed = bool(getattr(entity, "closed", False) or getattr(entity, "is_closed", False))
        if np.hypot(*(pts[0] - pts[-1])) <= 1e-6 * max(1.0, float(np.ptp(pts))):
            pts, closed = pts[:-1], True
        if closed:
            loops.append(pts)
    return loops, units


def _csv_loops(path: Path) -> list[NDArray[np.float64]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [c for c in re.split(r"[,;\s]+", line) if c]
        try:
            x, y = float(cells[0]), float(cells[1])
        except (ValueError, IndexError):
            if rows:
                raise InputFileError(f"{path}: line {number} is not 'x,y': {line[:40]!r}") from None
            continue  # a header line
        rows.append((x, y))
    if len(rows) < 3:
        raise InputFileError(f"{path}: found {len(rows)} x,y points: an outline needs at least 3, one 'x,y' per line")
    points = np.array(rows)
    if np.hypot(*(points[0] - points[-1])) < 1e-9:
        points = points[:-1]
    return [points]
