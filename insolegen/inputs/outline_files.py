"""Read a traced foot outline from SVG, DXF or CSV, in millimetres.

Well-kept readers do the parsing: svgelements (paths, shapes, transforms, document
units) and ezdxf (LWPOLYLINE, POLYLINE, SPLINE and other curves, $INSUNITS).

The file is a stranger's: it is read once through :func:`read_input_bytes` (size
capped, never a device or FIFO) and parsed from memory. Everything the parsers would
amplify is bounded first (XML entities, ``<use>`` copies, nesting, CSS, point counts,
absurd coordinates), so every broken or hostile file ends in one
:class:`InputFileError` line, in bounded time and memory.

Over 400 lines: three formats' readers, each with the bounds its parser needs (SVG's
guards are half of it); issue 23's readers split it by format.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import io
import itertools
import logging
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core import exact
from insolegen.core.paths import MB, UnusablePathError, read_input_bytes, shown
from insolegen.core.units import FOOT_LENGTH_RANGE_MM, UNIT_MM
from insolegen.inputs.align import MAX_OUTLINE_POINTS, plain_number
from insolegen.inputs.errors import InputFileError

__all__ = [
    "BINARY_DXF_SIGNATURE",
    "BINARY_PROBE_BYTES",
    "CSV_MAX_HEADER_LINES",
    "CURVE_SPACING_MM",
    "DXF_MAX_ENTITIES",
    "DXF_MAX_SPLINE_DEGREE",
    "DXF_SAGITTA_MM",
    "DXF_SAGITTA_OF_SIZE",
    "DXF_UNITS",
    "MAX_ABS_COORDINATE",
    "MAX_CLOSED_SHAPES",
    "MAX_FILE_BYTES",
    "MAX_POINTS_PER_CURVE",
    "SHOWN_LINE_CHARS",
    "SIMILAR_LOOPS",
    "SLIVER_SHARE",
    "SVG_CHEAP_CHARS",
    "SVG_CSS_WORK_DIVISOR",
    "SVG_ELEMENT_WORK",
    "SVG_MAX_CSS_CHARS",
    "SVG_MAX_DEPTH",
    "SVG_MAX_ELEMENTS",
    "SVG_MAX_NUMBERS",
    "SVG_MAX_PARSE_WORK",
    "SVG_MAX_REGEX_ATTRIBUTE_CHARS",
    "SVG_MAX_TRANSFORM_CHARS",
    "SVG_NAMESPACE",
    "TRANSFORM_ARITY",
    "OutlineRead",
    "read_outline_file",
]

DXF_UNITS = {1: "in", 4: "mm", 5: "cm", 6: "m"}  # $INSUNITS codes we accept
SIMILAR_LOOPS = 0.8  # a second loop this close in area to the largest is ambiguous
SLIVER_SHARE = 0.9  # a loop crossing itself is kept when its main piece has this share of the area

# Bytes read per format. SVG allows an embedded photo of the traced foot; a DXF or CSV
# outline is a few hundred kB, and ezdxf needs ~10x the file size in memory.
MAX_FILE_BYTES = {".svg": 50 * MB, ".dxf": 20 * MB, ".csv": 20 * MB, ".txt": 20 * MB}

# Coordinates as written in the file (before units): 1e6 is a kilometre in mm, a
# foot's tracing never strays that far; beyond it floats lose the precision a
# millimetre needs and areas overflow.
MAX_ABS_COORDINATE = 1e6
MAX_CLOSED_SHAPES = 5_000  # a tracing holds one loop, a drawing a few dozen
CURVE_SPACING_MM = 0.5  # SVG curves are sampled this finely (straight lines keep their vertices)
MAX_POINTS_PER_CURVE = 10_000  # a curve longer than 5 m is no foot: sampled coarser
DXF_SAGITTA_MM = 0.05  # DXF curves are flattened to this deviation...
DXF_SAGITTA_OF_SIZE = 1e-6  # ...or this fraction of the curve's size, if coarser
DXF_MAX_SPLINE_DEGREE = 10  # ezdxf's cost grows with the square of the degree
# ezdxf loads ~25 000 entities a second into ~3 kB each; an outline file holds a few,
# a CAD drawing around it a few thousand.
DXF_MAX_ENTITIES = 50_000

# SVG amplification limits, checked on the XML before svgelements builds anything.
SVG_MAX_ELEMENTS = 20_000  # counting every copy a <use> makes
SVG_MAX_DEPTH = 32  # nesting, through <use> references too (Inkscape layers: < 10)
SVG_MAX_NUMBERS = 2 * MAX_OUTLINE_POINTS  # numbers in path data and point lists, copies included
# What svgelements will parse, in characters of path data, transforms and styles
# (~1 us each, measured), copies and inherited transforms included: ~6 s at most.
SVG_MAX_PARSE_WORK = 6_000_000
SVG_CHEAP_CHARS = 100  # other attributes (ids, embedded images) cost this many characters per unit
SVG_MAX_TRANSFORM_CHARS = 2_000  # one element's transform with its ancestors' (svgelements' regex is quadratic)
SVG_MAX_REGEX_ATTRIBUTE_CHARS = 4_000  # style and clip-path values (also parsed by quadratic regexes)
SVG_MAX_CSS_CHARS = 10_000  # <style> text: svgelements' CSS regex is quadratic (10 k chars: 0.6 s)
SVG_ELEMENT_WORK = 16  # parse cost of an element (and of copying one inherited attribute), in characters
SVG_CSS_WORK_DIVISOR = 150  # CSS of n characters costs ~n**2 / 150 characters' worth (measured)

CSV_MAX_HEADER_LINES = 3  # text lines allowed before the first x,y row
SHOWN_LINE_CHARS = 40
BINARY_PROBE_BYTES = 65_536  # undecodable text: binary if these hold a control byte
# A group code 0 line and the name after it: one per entity, table entry or section.
_DXF_CODE_ZERO = re.compile(rb"^[ \t]*0[ \t]*\r?\n[ \t]*[A-Za-z_$]", re.MULTILINE)
# Bytes no text file holds (C0 controls but tab, LF, VT, FF, CR; DEL); Ctrl-Z (0x1a)
# is allowed: old DOS files end with it.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_XML_DECLARATION = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["'][^>]*\?>""")
_TRANSFORM_SYNTAX = re.compile(r"[\s,]*(?:[A-Za-z]+\s*\([^()]*\)[\s,]*)*")  # linear: no overlapping repeats
_TRANSFORM_STEP = re.compile(r"([A-Za-z]+)\s*\(([^()]*)\)")
# Numbers each transform takes (svgelements fails with an IndexError on fewer)
TRANSFORM_ARITY = {"matrix": (6,), "translate": (1, 2), "translatex": (1,), "translatey": (1,), "scale": (1, 2),
                   "scalex": (1,), "scaley": (1,), "rotate": (1, 3), "skew": (1, 2), "skewx": (1,), "skewy": (1,)}
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
BINARY_DXF_SIGNATURE = b"AutoCAD Binary DXF\r\n\x1a\x00"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class OutlineRead:
    """The chosen loop (mm, input orientation), the units used and where they came from."""

    points: NDArray[np.float64]
    units: str
    units_from: str  # "profile", "file" or "default"
    loops_found: int


def read_outline_file(path: Path | str, units: str | None = None) -> OutlineRead:
    """The largest closed loop in an SVG, DXF or CSV file, converted to mm."""
    name = shown(path)
    if units is not None and units not in UNIT_MM:
        raise InputFileError(f"outline_units = {shown(units)!r} is not one of {', '.join(UNIT_MM)}")
    kind = Path(str(path)).suffix.lower() if str(path) else ""
    if kind not in MAX_FILE_BYTES:
        # Said after the path is checked: a folder or a device is named as such.
        _read(path, max(MAX_FILE_BYTES.values()))
        found = repr(shown(kind)) if kind else "(no extension)"
        raise InputFileError(f"{name}: unknown outline format {found}: use an .svg, .dxf or .csv file")
    data = _read(path, MAX_FILE_BYTES[kind])
    if not data.strip():
        raise InputFileError(f"{name}: the file is empty" + (" (only blank space)" if data else ""))
    budget = _PointBudget(name)
    with _quiet_parsers():
        if kind == ".svg":
            loops, file_units = _svg_loops(name, data, units, budget)
        elif kind == ".dxf":
            loops, file_units = _dxf_loops(name, data, units, budget)
        else:
            loops, file_units = _csv_loops(name, data, budget), None
        if units is not None:
            scale_units, source = units, "profile"
        elif file_units is not None:
            scale_units, source = file_units, "file"
        else:
            scale_units, source = "mm", "default"
        # SVG loops come back in mm already unless the profile named the units (then raw).
        factor = 1.0 if (kind == ".svg" and units is None) else UNIT_MM[scale_units]
        closed = [loop * factor for loop in loops]
        return OutlineRead(_largest_loop(name, closed, factor), scale_units, source, len(closed))


@contextlib.contextmanager
def _quiet_parsers() -> Iterator[None]:
    """Silence what parsers print on their own (ezdxf logs each repair of a damaged
    file, numpy warns on overflow): the user gets our one line, not pages after it."""
    logger = logging.getLogger("ezdxf")
    was_disabled = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.disabled = was_disabled


def _failure(exc: BaseException) -> str:
    """What a parser's exception says, in a few words (some say nothing at all)."""
    if isinstance(exc, (StopIteration, EOFError)):
        return "the file ends too early (cut short?)"
    text = shown(exc, 80)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _read(path: Path | str, max_bytes: int) -> bytes:
    try:
        return read_input_bytes(path, max_bytes=max_bytes, what="outline")
    except UnusablePathError as exc:
        raise InputFileError(str(exc)) from None


class _PointBudget:
    """Points read from one file, over all its shapes: refused past MAX_OUTLINE_POINTS,
    before anything larger is allocated."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.used = 0
        self.loops = 0

    @property
    def left(self) -> int:
        return MAX_OUTLINE_POINTS - self.used

    def take(self, count: int) -> None:
        self.used += count
        self.check(0)

    def check(self, count: int) -> None:
        """Refuse if ``count`` more points would not fit (without taking them)."""
        if self.used + count > MAX_OUTLINE_POINTS:
            raise InputFileError(
                f"{self.name}: more than {MAX_OUTLINE_POINTS:,} points in the file (all shapes, curves as "
                "sampled): a foot outline needs a few thousand: simplify it or keep only the outline"
            )

    def add_loop(self) -> None:
        self.loops += 1
        if self.loops > MAX_CLOSED_SHAPES:
            raise InputFileError(f"{self.name}: more than {MAX_CLOSED_SHAPES:,} closed shapes: "
                                 "keep only the foot's outline in the file")


def _check_coordinates(name: str, points: NDArray[np.float64], what: str) -> None:
    """Refuse a shape with NaN, infinite or absurdly large coordinates (file units)."""
    if points.size == 0:
        return
    finite = np.isfinite(points)
    if not finite.all():
        bad = points[~finite][0]
        raise InputFileError(f"{name}: {what} has a coordinate that is not a finite number ({bad}): "
                             "fix or remove that shape")
    reach = float(np.abs(points).max())
    if reach > MAX_ABS_COORDINATE:
        raise InputFileError(
            f"{name}: {what} reaches {plain_number(reach)} units from the origin: a foot drawing lies within "
            f"±{MAX_ABS_COORDINATE:,.0f} (check the drawing's scale, or draw it nearer the origin)"
        )


def _format_mm(value: float) -> str:
    """A length as a user writes it: 0.1 mm, no trailing zeros; huge ones in powers of ten."""
    if not math.isfinite(value) or abs(value) >= 1e6:
        return plain_number(value)
    return f"{round(value, 1):.1f}".rstrip("0").rstrip(".")


def _largest_loop(name: str, loops: list[NDArray[np.float64]], factor: float) -> NDArray[np.float64]:
    if not loops:
        raise InputFileError(f"{name}: no closed outline found: draw the foot as one closed path or polyline")
    polygons = [_loop_polygon(name, loop) for loop in loops]
    order = np.argsort([-p.area for p in polygons])
    best = polygons[order[0]]
    if best.area <= 0 or best.geom_type != "Polygon":
        raise InputFileError(f"{name}: the closed outline encloses no area ({_summary(loops[order[0]])}): "
                             "draw the foot's outline as one closed loop")
    second = polygons[order[1]] if len(order) > 1 else None
    if second is not None and second.area >= SIMILAR_LOOPS * best.area and not best.contains(second):
        raise InputFileError(
            f"{name}: found {len(loops)} closed loops of similar size ({best.area:.0f} and "
            f"{second.area:.0f} square mm): keep only the foot's outline in the file"
        )
    points = shapely.get_coordinates(best.exterior)[:-1]
    length = float(np.ptp(exact.transform(points, _long_axis(points)), axis=0))
    lo, hi = FOOT_LENGTH_RANGE_MM
    # Judged as printed (0.1 mm), so a refusal never reads "150 mm long, not 150-350 mm".
    if not lo <= round(length, 1) <= hi:
        raw = length / factor
        hints = [f'outline_units = "{u}"' for u, f in UNIT_MM.items() if lo <= round(raw * f, 1) <= hi and f != factor]
        raise InputFileError(
            f"{name}: the outline is {_format_mm(length)} mm long, not a foot ({lo:g}-{hi:g} mm)"
            + (f": if it was drawn in other units, pass {' or '.join(hints)}" if hints else "")
        )
    return points


def _loop_polygon(name: str, loop: NDArray[np.float64]) -> shapely.Geometry:
    """The loop as a polygon. A loop crossing itself keeps its main piece when the
    crossing cuts off only slivers (a hand tracing's overlap at the start); else it is
    refused: which piece is the foot is not ours to guess."""
    polygon = shapely.Polygon(loop)
    if polygon.is_valid:
        return polygon
    pieces = [g for g in shapely.get_parts(shapely.make_valid(polygon)) if g.geom_type == "Polygon"]
    if not pieces:
        return polygon  # no area at all: refused with the count of points
    main = max(pieces, key=lambda g: g.area)
    if main.area < SLIVER_SHARE * sum(g.area for g in pieces):
        spot = re.search(r"\[([-\d.e+]+) ([-\d.e+]+)", shapely.is_valid_reason(polygon))
        near = f" near ({float(spot.group(1)):.1f}, {float(spot.group(2)):.1f})" if spot else ""
        raise InputFileError(f"{name}: the outline crosses itself{near}, making {len(pieces)} separate areas: "
                             "redraw it as one loop that does not cross")
    return main


def _summary(points: NDArray[np.float64], first: int = 3) -> str:
    """A short account of many points: their count and the first few."""
    head = ", ".join(f"({plain_number(x)}, {plain_number(y)})" for x, y in points[:first])
    return f"{len(points)} points: {head}{', ...' if len(points) > first else ''}"


def _long_axis(points: NDArray[np.float64]) -> NDArray[np.float64]:
    return exact.symmetric_eigh(exact.covariance(points))[1][:, -1]


def _close_loop(points: NDArray[np.float64], closed: bool) -> NDArray[np.float64] | None:
    """The loop without a repeated end point, or None when the shape is open (or has
    fewer than 3 points: no polygon)."""
    if len(points) < 3:
        return None
    if np.hypot(*(points[0] - points[-1])) <= 1e-6 * max(1.0, float(np.ptp(points))):
        return points[:-1] if len(points) > 3 else None
    return points if closed else None


# --- text ------------------------------------------------------------------------------


def _refuse_binary(name: str, text: str, format_name: str) -> None:
    """Refuse text holding bytes no text file has (a binary file renamed, a damaged copy)."""
    found = _CONTROL.search(text)
    if found is not None:
        raise InputFileError(
            f"{name}: binary data (byte 0x{ord(found.group()):02x} at character {found.start()}), "
            f"not a text {format_name} file: export the outline again as {format_name}"
        )


def _decode_svg(name: str, data: bytes) -> str:
    """SVG text: a byte-order mark or the XML declaration names the encoding, else UTF-8."""
    for bom, codec in _BYTE_ORDER_MARKS:
        if data.startswith(bom):
            data, declared = data[len(bom):], codec
            break
    else:
        match = _XML_DECLARATION.match(data[:200].decode("ascii", "replace"))
        declared = match.group(1) if match else "utf-8"
    try:
        if not getattr(codecs.lookup(declared), "_is_text_encoding", True):  # "rot13", "zlib"
            raise LookupError(declared)
    except LookupError:
        raise InputFileError(f"{name}: the SVG declares an unknown text encoding {shown(declared)!r}: "
                             "save it as UTF-8") from None
    try:
        text = data.decode(declared)
    except UnicodeDecodeError as exc:
        _refuse_binary(name, data[:BINARY_PROBE_BYTES].decode("latin-1"), "SVG")
        raise InputFileError(f"{name}: not {declared} text (byte 0x{data[exc.start]:02x} at offset {exc.start}): "
                             "save the SVG as UTF-8") from None
    _refuse_binary(name, text, "SVG")
    # The text is decoded: the declaration's encoding would now mislead the parser.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


# --- SVG -------------------------------------------------------------------------------


@dataclass
class _SvgNode:
    """One XML element as the pre-scan sees it: what svgelements will parse for it."""

    tag: str
    children: list[int] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)  # ids a <use> copies (href and xlink:href: both counted)
    numbers: int = 0  # numbers in its path data or point list
    work: int = SVG_ELEMENT_WORK  # characters svgelements parses for it
    inherited: int = 0  # characters each descendant copies because of it
    transform: int = 0  # length of its own transform, which each descendant re-parses


@dataclass(frozen=True)
class _Expanded:
    """A subtree with every <use> copy made, as svgelements will build it."""

    elements: int
    depth: int
    numbers: int
    work: int
    transform_chain: int  # longest transform text an element in it ends up with


class _SvgScan:
    """A pass of expat over the SVG before svgelements sees it: refuses entity
    declarations (billion laughs, external entities) and counts what the ``<use>``
    copies, nesting, attributes and CSS would cost, refusing past the limits."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.nodes: list[_SvgNode] = []
        self.ids: dict[str, int] = {}
        self.stack: list[int] = []
        self.roots: list[int] = []
        self.css_chars = 0
        self.root_namespace = ""

    def run(self, text: str) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.EntityDeclHandler = self._entity
        try:
            parser.Parse(text, True)
        except expat.ExpatError as exc:
            raise InputFileError(f"{self.name}: not a readable SVG: XML error at line {exc.lineno}, column "
                                 f"{exc.offset}: {expat.ErrorString(exc.code)}") from None
        if not self.nodes or self.nodes[0].tag != "svg":
            found = shown(self.nodes[0].tag, 40) if self.nodes else "nothing"
            raise InputFileError(f"{self.name}: not an SVG file (the document is <{found}>, not <svg>)")
        if self.root_namespace not in ("", SVG_NAMESPACE):
            raise InputFileError(f"{self.name}: not an SVG file (its <svg> is in namespace "
                                 f"{shown(self.root_namespace, 60)!r}, not {SVG_NAMESPACE!r})")
        whole = self._expand()
        # Every element is matched against the CSS (svgelements splits the matching rules' text for each).
        self._check(dataclasses.replace(whole, work=whole.work + self.css_chars * whole.elements))

    def _refuse(self, found: str, fix: str = "keep only the foot's outline in the file") -> None:
        raise InputFileError(f"{self.name}: {found}: {fix}")

    def _entity(self, *_args: object) -> None:
        self._refuse("the SVG declares XML entities (<!ENTITY>), which are not read for safety",
                     "save it again as plain SVG")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if len(self.nodes) >= SVG_MAX_ELEMENTS:
            self._refuse(f"the SVG has more than {SVG_MAX_ELEMENTS:,} elements")
        if len(self.stack) >= SVG_MAX_DEPTH:
            self._refuse(f"the SVG nests elements more than {SVG_MAX_DEPTH} deep", "flatten its groups")
        namespace, _, tag = name.rpartition(" ")
        if not self.nodes:
            self.root_namespace = namespace
        node = _SvgNode(tag)
        for key, value in attributes.items():
            self._attribute(node, key.rsplit(" ", 1)[-1], key, value)
        index = len(self.nodes)
        self.nodes.append(node)
        if "id" in attributes:
            self.ids[attributes["id"]] = index
        (self.nodes[self.stack[-1]].children if self.stack else self.roots).append(index)
        self.stack.append(index)

    def _attribute(self, node: _SvgNode, local: str, key: str, value: str) -> None:
        parsed = local in ("d", "points", "transform", "style", "clip-path")
        node.work += len(key) + (len(value) if parsed else len(value) // SVG_CHEAP_CHARS)
        node.inherited += SVG_ELEMENT_WORK  # svgelements copies inherited attributes into each child
        if local in ("d", "points"):
            node.numbers += len(_NUMBER.findall(value))
        elif local == "transform":
            self._check_transform(value)
            node.transform += len(value)
        elif local in ("style", "clip-path") and len(value) > SVG_MAX_REGEX_ATTRIBUTE_CHARS:
            self._refuse(f"a {local!r} attribute has {len(value):,} characters "
                         f"(at most {SVG_MAX_REGEX_ATTRIBUTE_CHARS:,} are read)", "save it again as plain SVG")
        elif local == "href" and node.tag == "use":
            node.refs.append(value[1:])  # "#id", as svgelements reads it
        if local == "style":  # a transform can hide in a style too
            for declaration in value.split(";"):
                parts = declaration.split(":")
                if len(parts) == 2 and parts[0].strip() == "transform":
                    self._check_transform(parts[1].strip())
                    node.transform += len(parts[1])

    def _end(self, _name: str) -> None:
        self.stack.pop()

    def _text(self, data: str) -> None:
        if self.stack and self.nodes[self.stack[-1]].tag == "style":
            before = self.css_chars
            self.css_chars += len(data)
            if self.css_chars > SVG_MAX_CSS_CHARS:
                self._refuse(f"its <style> CSS has more than {SVG_MAX_CSS_CHARS:,} characters",
                             "save it again as plain SVG (styles as attributes)")
            # svgelements parses CSS with a quadratic regex, again for every copy.
            self.nodes[self.stack[-1]].work += (self.css_chars**2 - before**2) // SVG_CSS_WORK_DIVISOR

    def _check_transform(self, value: str) -> None:
        if len(value) > SVG_MAX_TRANSFORM_CHARS:
            self._refuse(f"a transform has {len(value):,} characters (at most {SVG_MAX_TRANSFORM_CHARS:,})",
                         "save it again as plain SVG")
        if not _TRANSFORM_SYNTAX.fullmatch(value):
            self._refuse(f"a transform is not valid SVG ({shown(value, 40)!r})", "fix or remove it")
        for step in _TRANSFORM_STEP.finditer(value):
            allowed = TRANSFORM_ARITY.get(step.group(1).lower())
            if allowed is not None and len(_NUMBER.findall(step.group(2))) not in allowed:
                self._refuse(f"a transform is not valid SVG ({shown(step.group(0), 40)!r} takes "
                             f"{' or '.join(map(str, allowed))} numbers)", "fix or remove it")

    def _expand(self) -> _Expanded:
        """The whole document's counts with every <use> copy made, computed once per
        element (memo) without making them; refuses cycles and excess on the way."""
        memo: dict[int, _Expanded] = {}
        active: set[int] = set()

        def too_deep() -> None:
            self._refuse(f"the SVG nests elements (through <use> copies) more than {SVG_MAX_DEPTH} deep")

        def visit(index: int, above: int) -> _Expanded:
            if index in memo:
                if above + memo[index].depth > SVG_MAX_DEPTH:
                    too_deep()
                return memo[index]
            if index in active:
                self._refuse("a <use> element copies itself (directly or through its parents)", "remove that <use>")
            if above + 1 > SVG_MAX_DEPTH:
                too_deep()
            active.add(index)
            node = self.nodes[index]
            kids = node.children + [self.ids[ref] for ref in node.refs if ref in self.ids]
            elements, depth, numbers, work, chain = 1, 0, node.numbers, node.work, 0
            for kid in kids:
                sub = visit(kid, above + 1)
                elements, numbers = elements + sub.elements, numbers + sub.numbers
                depth, chain = max(depth, sub.depth), max(chain, sub.transform_chain)
                # Every element below re-parses this one's transform and copies its attributes.
                work += sub.work + (node.transform + node.inherited) * sub.elements
                self._check(_Expanded(elements, depth + 1, numbers, work, node.transform + chain))
            active.discard(index)
            memo[index] = _Expanded(elements, depth + 1, numbers, work, node.transform + chain)
            return memo[index]

        parts = [visit(root, 0) for root in self.roots]
        return _Expanded(sum(p.elements for p in parts), max(p.depth for p in parts), sum(p.numbers for p in parts),
                         sum(p.work for p in parts), max(p.transform_chain for p in parts))

    def _check(self, seen: _Expanded) -> None:
        if seen.elements > SVG_MAX_ELEMENTS:
            self._refuse(f"the SVG has more than {SVG_MAX_ELEMENTS:,} elements once its <use> copies are made")
        if seen.numbers > SVG_MAX_NUMBERS:
            self._refuse(f"the SVG's paths hold more than {SVG_MAX_NUMBERS:,} numbers (copies included): "
                         f"at most {MAX_OUTLINE_POINTS:,} points are read", "simplify the outline")
        if seen.transform_chain > SVG_MAX_TRANSFORM_CHARS:
            self._refuse(f"nested transforms add up to more than {SVG_MAX_TRANSFORM_CHARS:,} characters",
                         "save it again as plain SVG")
        if seen.work > SVG_MAX_PARSE_WORK:
            self._refuse("the SVG is too costly to read (its <use> copies, styles and transforms amount to "
                         f"over {SVG_MAX_PARSE_WORK / 1e6:g} million characters to parse)")


def _svg_loops(
    name: str, data: bytes, units: str | None, budget: _PointBudget
) -> tuple[list[NDArray[np.float64]], str | None]:
    """Closed subpaths in mm (the document's units), or in raw user units when the
    profile names the units (the file's own width/height then ignored)."""
    from svgelements import SVG, Shape

    text = _decode_svg(name, data)
    root = re.search(r"<([\w.-]+:)?svg\b[^>]*>", text)
    if root is None:
        raise InputFileError(f"{name}: not an SVG file (no <svg> element)")
    _SvgScan(name).run(text)
    says_units = bool(re.search(r'\bwidth\s*=\s*["\']\s*[\d.]+\s*(mm|cm|in|pt|pc)\s*["\']', root.group(0)))
    if units is not None:  # user units are in the profile's unit: drop the document size
        stripped = re.sub(r'\s(width|height)\s*=\s*("[^"]*"|\'[^\']*\')', "", root.group(0))
        text = text.replace(root.group(0), stripped, 1)
    # Curves are sampled in the coordinates' own unit: mm, or the profile's unit.
    spacing = CURVE_SPACING_MM / (UNIT_MM[units] if units is not None else 1.0)
    try:
        # ppi 25.4: one CSS "px" (a bare user unit) is one millimetre; physical units
        # (mm, cm, in) in the document convert exactly.
        svg = SVG.parse(_WholeText(text), ppi=25.4, reify=True)
        shapes = [element for element in svg.elements() if isinstance(element, Shape)]
    except Exception as exc:  # noqa: BLE001 (svgelements raises many kinds on broken geometry)
        raise InputFileError(f"{name}: not a readable SVG ({_failure(exc)})") from None
    loops = []
    for element in shapes:
        what = _svg_element_name(element)
        try:
            for points, closes in _svg_subpaths(name, element, what, spacing, budget):
                loop = _close_loop(points, closes)
                if loop is not None:
                    budget.add_loop()
                    loops.append(loop * [1.0, -1.0])  # SVG's y axis points down the page; ours points up
        except InputFileError:
            raise
        except Exception as exc:  # noqa: BLE001 (svgelements geometry fails many ways on odd input: zero radii, overflow)
            raise InputFileError(f"{name}: {what} cannot be read ({_failure(exc)}): "
                                 "fix or remove that shape") from None
    return loops, ("mm" if says_units else None)


class _WholeText(io.StringIO):
    """Text handed over in one piece whatever size is asked for. ElementTree's
    iterparse feeds expat 16 kB at a time, and expat (before 2.6) re-scans an
    unfinished token from its start on every feed: a 30 MB embedded photo took 40 s."""

    def read(self, size: int | None = -1) -> str:
        return super().read(-1)


def _svg_element_name(element: object) -> str:
    values = getattr(element, "values", None) or {}
    tag = shown(values.get("tag", "shape"), 20)
    ident = values.get("id")
    return f"the <{tag} id={shown(ident, 30)!r}>" if ident else f"a <{tag}>"


def _svg_subpaths(
    name: str, element: object, what: str, spacing: float, budget: _PointBudget
) -> Iterator[tuple[NDArray[np.float64], bool]]:
    """Each subpath's points (straight segments keep their vertices, curves are sampled
    every ``spacing``) and whether it ends with a close command."""
    from svgelements import Close, Linear, Move
    from svgelements import Path as SvgPath

    for sub in SvgPath(element).as_subpaths():
        chunks: list[NDArray[np.float64]] = []
        closes = False
        for segment in SvgPath(sub):
            if isinstance(segment, (Move, Linear)):
                if segment.end is None:
                    continue
                chunks.append(np.array([[segment.end.x, segment.end.y]], dtype=np.float64))
                closes = isinstance(segment, Close)
            else:
                chunks.append(_sample_curve(name, segment, what, spacing, budget))
                closes = False
            budget.take(len(chunks[-1]))
        if chunks:
            points = np.concatenate(chunks)
            _check_coordinates(name, points, what)
            yield points, closes


def _sample_curve(name: str, segment: object, what: str, spacing: float, budget: _PointBudget) -> NDArray[np.float64]:
    """Points along a curve, without its start. Its size is checked on a coarse sampling
    first, so an absurd radius never sets the count."""
    coarse = np.asarray(segment.npoint(np.linspace(0.0, 1.0, 17)), dtype=np.float64)  # type: ignore[attr-defined]
    _check_coordinates(name, coarse, what)
    length = float(np.hypot(*np.diff(coarse, axis=0).T).sum())
    count = int(min(MAX_POINTS_PER_CURVE, budget.left + 1, max(4, math.ceil(length / spacing))))
    fine = segment.npoint(np.linspace(0.0, 1.0, count + 1)[1:])  # type: ignore[attr-defined]
    return np.asarray(fine, dtype=np.float64)


# --- DXF -------------------------------------------------------------------------------


def _dxf_document(name: str, data: bytes) -> object:
    """The ezdxf document, from ASCII or binary DXF in memory (as ``ezdxf.readfile``
    does from a file)."""
    import ezdxf
    from ezdxf.document import Drawing
    from ezdxf.filemanagement import dxf_stream_info
    from ezdxf.lldxf.tagger import binary_tags_loader
    from ezdxf.lldxf.validator import is_dxf_stream

    if data.startswith(BINARY_DXF_SIGNATURE):
        try:
            _refuse_many_entities(name, (tag for tag in binary_tags_loader(data) if tag.code == 0))
            return Drawing.load(binary_tags_loader(data))
        except InputFileError:
            raise
        except Exception as exc:  # noqa: BLE001 (ezdxf raises many kinds on damaged binary data)
            raise InputFileError(f"{name}: a binary DXF that cannot be read ({_failure(exc)}): "
                                 "save it as ASCII DXF") from None
    probe = data.decode("utf-8", errors="replace")
    _refuse_binary(name, probe, "DXF")
    _refuse_many_entities(name, _DXF_CODE_ZERO.finditer(data))
    try:
        if not is_dxf_stream(io.StringIO(probe)):
            raise InputFileError(f"{name}: not a readable DXF (no SECTION found: not a DXF file): "
                                 "export the outline as ASCII DXF")
        encoding = dxf_stream_info(io.StringIO(probe)).encoding
        del probe
        try:
            text = data.decode(encoding, errors="replace")
        except LookupError:  # an encoding Python does not know: the DXF default
            text = data.decode("cp1252", errors="replace")
        return ezdxf.read(io.StringIO(text))
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 (DXFStructureError and the many kinds garbage raises)
        raise InputFileError(f"{name}: not a readable DXF ({_failure(exc)}): "
                             "export the outline again as ASCII DXF") from None


def _refuse_many_entities(name: str, starts: Iterator[object]) -> None:
    """Refuse a DXF with more entities than DXF_MAX_ENTITIES, counted on its tags
    before ezdxf builds any (``starts``: one item per group code 0)."""
    if sum(1 for _ in itertools.islice(starts, DXF_MAX_ENTITIES + 1)) > DXF_MAX_ENTITIES:
        raise InputFileError(f"{name}: the DXF holds more than {DXF_MAX_ENTITIES:,} entities: "
                             "export only the foot's outline")


def _dxf_loops(
    name: str, data: bytes, units: str | None, budget: _PointBudget
) -> tuple[list[NDArray[np.float64]], str | None]:
    doc = _dxf_document(name, data)
    code = doc.header.get("$INSUNITS", 0)  # type: ignore[attr-defined]
    known = isinstance(code, int) and code in (0, *DXF_UNITS)
    if not known and units is None:
        raise InputFileError(f"{name}: DXF units code $INSUNITS = {shown(code, 20)} is not mm, cm, m or in: "
                             "pass outline_units")
    file_units = DXF_UNITS.get(code) if known else None
    sagitta = DXF_SAGITTA_MM / UNIT_MM[units or file_units or "mm"]
    loops = []
    for entity in doc.modelspace():  # type: ignore[attr-defined]
        loop = _dxf_entity_loop(name, entity, sagitta, budget)
        if loop is not None:
            budget.add_loop()
            loops.append(loop)
    return loops, file_units


def _dxf_entity_loop(name: str, entity: object, sagitta: float, budget: _PointBudget) -> NDArray[np.float64] | None:
    """A closed curve's flattened points (file units), or None for other entities."""
    from ezdxf import path as dxfpath

    kind = entity.dxftype()  # type: ignore[attr-defined]
    if kind not in ("LWPOLYLINE", "POLYLINE", "SPLINE", "CIRCLE", "ELLIPSE"):
        return None
    what = f"the {kind} (handle {shown(entity.dxf.get('handle', '?'), 12)})"  # type: ignore[attr-defined]
    budget.check(_dxf_vertex_count(entity))  # before ezdxf builds anything from them
    if kind == "SPLINE":
        degree = entity.dxf.get("degree", 3)  # type: ignore[attr-defined]
        if not (isinstance(degree, int) and 1 <= degree <= DXF_MAX_SPLINE_DEGREE):
            raise InputFileError(f"{name}: {what} has degree {shown(degree, 12)}: at most "
                                 f"{DXF_MAX_SPLINE_DEGREE} is read: convert it to a polyline")
    try:
        curve = dxfpath.make_path(entity)
    except Exception:  # noqa: BLE001 (an entity ezdxf cannot turn into a path, a mesh or an empty one, is skipped)
        return None
    controls = np.array([(v.x, v.y) for v in curve.control_vertices()], dtype=np.float64).reshape(-1, 2)
    _check_coordinates(name, controls, what)
    if len(controls) == 0:
        return None
    distance = max(sagitta, float(np.ptp(controls, axis=0).max()) * DXF_SAGITTA_OF_SIZE)
    try:
        flat = itertools.islice(curve.flattening(distance=distance), budget.left + 2)  # + the closing repeat
        points = np.array([(v.x, v.y) for v in flat], dtype=np.float64).reshape(-1, 2)
    except Exception as exc:  # noqa: BLE001 (ezdxf refuses curves it cannot flatten, in many kinds)
        raise InputFileError(f"{name}: {what} cannot be flattened ({_failure(exc)}): "
                             "convert it to a polyline") from None
    closed = bool(getattr(entity, "closed", False) or getattr(entity, "is_closed", False))
    loop = _close_loop(points, closed)
    budget.take(len(points) if loop is None else len(loop))
    return loop


def _dxf_vertex_count(entity: object) -> int:
    """How many points an entity stores, read without building anything from them."""
    kind = entity.dxftype()  # type: ignore[attr-defined]
    if kind == "LWPOLYLINE":
        return len(entity)  # type: ignore[arg-type]
    if kind == "POLYLINE":
        return len(entity.vertices)  # type: ignore[attr-defined]
    if kind == "SPLINE":
        return len(entity.control_points) + len(entity.fit_points)  # type: ignore[attr-defined]
    return 1


# --- CSV -------------------------------------------------------------------------------


def _csv_loops(name: str, data: bytes, budget: _PointBudget) -> list[NDArray[np.float64]]:
    text = data.decode("utf-8", errors="replace").rstrip("\x1a")  # Ctrl-Z: a DOS end of file
    _refuse_binary(name, text, "CSV")
    rows: list[tuple[float, float]] = []
    header_lines = 0
    # Lazily (a file of millions of lines); newline=None: old Mac files end lines with CR alone.
    for number, raw in enumerate(io.StringIO(text, newline=None), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        cells = re.split(r"[,;\s]+", line, maxsplit=2)
        try:
            x, y = float(cells[0]), float(cells[1])
        except (ValueError, IndexError):
            header_lines += 1
            if rows or header_lines > CSV_MAX_HEADER_LINES:
                raise InputFileError(f"{name}: line {number} is not 'x,y': {shown(line, SHOWN_LINE_CHARS)!r}") from None
            continue  # a header line
        if not (math.isfinite(x) and math.isfinite(y)):
            raise InputFileError(f"{name}: line {number}: {shown(cells[0], 20)}, {shown(cells[1], 20)} is not a "
                                 "finite point: each line must be 'x,y' with two numbers")
        if max(abs(x), abs(y)) > MAX_ABS_COORDINATE:
            point = f"{plain_number(x)}, {plain_number(y)}"
            raise InputFileError(f"{name}: line {number}: {point} lies beyond ±{MAX_ABS_COORDINATE:,.0f}: "
                                 "a foot drawing lies near its origin (check the units and scale)")
        budget.take(1)
        rows.append((x, y))
    if len(rows) < 3:
        raise InputFileError(f"{name}: found {len(rows)} x,y points: an outline needs at least 3, one 'x,y' per line")
    loop = _close_loop(np.array(rows), closed=True)
    if loop is None:
        raise InputFileError(f"{name}: found 3 x,y points, the last repeating the first: an outline needs at least "
                             "3 different points")
    budget.add_loop()
    return [loop]
