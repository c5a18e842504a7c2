"""A 3MF model part's XML streamed through expat: objects, meshes (vertices and triangles
read in blocks and checked as numbers), components, build items and metadata, every
count and depth bounded (insolegen.formats.threemf.limits).

Over 400 lines: one streaming parser's handlers, element by element, sharing its state."""

from __future__ import annotations

import operator
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.parsers import expat

import numpy as np
from numpy.typing import NDArray

from insolegen.core.paths import shown
from insolegen.formats.threemf import limits  # read at each use: the tests lower them
from insolegen.formats.threemf.names import CORE_NS, PRODUCTION_NS
from insolegen.formats.threemf.package import _NS_SEP, ThreeMFError, _brief, _Package, _safe_expat, _size

__all__ = ["UNITS_MM", "Matrix"]

UNITS_MM = {"micron": 0.001, "millimeter": 1.0, "centimeter": 10.0, "inch": 25.4, "foot": 304.8,
            "meter": 1000.0}


_MODEL = f"{CORE_NS} model"


_RESOURCES = f"{CORE_NS} resources"


_OBJECT = f"{CORE_NS} object"


_MESH = f"{CORE_NS} mesh"


_VERTICES = f"{CORE_NS} vertices"


_VERTEX = f"{CORE_NS} vertex"


_TRIANGLES = f"{CORE_NS} triangles"


_TRIANGLE = f"{CORE_NS} triangle"


_COMPONENTS = f"{CORE_NS} components"


_COMPONENT = f"{CORE_NS} component"


_BUILD = f"{CORE_NS} build"


_ITEM = f"{CORE_NS} item"


_METADATAGROUP = f"{CORE_NS} metadatagroup"


_METADATA = f"{CORE_NS} metadata"


_PATH_ATTR = f"{PRODUCTION_NS} path"


_DOCUMENT = "#document"  # bottom of the element stack


_IGNORED = "#ignored"  # an element outside the places the reader looks at


_NUMBER_ERRORS = (ValueError, TypeError, OverflowError)


Matrix = NDArray[np.float64]  # 4x4, row vectors: [x y z 1] @ M


@dataclass(frozen=True)
class _Ref:
    """A build item or component: which object (in which model part), placed how."""

    objectid: str | None
    transform: str | None
    path: str | None  # production extension: the model part holding the object
    part: str  # the model part where the reference is written
    label: str  # "build item 2", "component 1 of object 7", for messages


@dataclass
class _Object:
    part: str
    id: str
    name: str | None
    vertices: NDArray[np.float64] | None = None  # None: no mesh
    faces: NDArray[np.int64] | None = None
    components: list[_Ref] | None = None  # None: no <components>
    cura: dict[str, str] = field(default_factory=dict)


@dataclass
class _Counts:
    """Totals over every model part of the file, for the caps."""

    vertices: int = 0
    triangles: int = 0
    objects: int = 0
    components: int = 0
    items: int = 0
    elements: int = 0


@dataclass
class _ModelPart:
    name: str
    unit_mm: float
    objects: dict[str, _Object]
    items: list[_Ref]


_xyz = operator.itemgetter("x", "y", "z")


_corners = operator.itemgetter("v1", "v2", "v3")


class _ModelParser:
    """A model part parsed as a stream: vertices and triangles gathered as strings and
    turned into arrays a batch at a time (no Python float per coordinate kept), the
    element stack tracking where each element is, so a vertex counts only inside
    model/resources/object/mesh/vertices."""

    def __init__(self, part: str, where: str, counts: _Counts) -> None:
        self.part = part
        self.label = f"{where}: {shown(part, 60)}"
        self.counts = counts
        self.unit_mm = 1.0
        self.objects: dict[str, _Object] = {}
        self.items: list[_Ref] = []
        self._object: _Object | None = None
        self._vertex_blocks: list[NDArray[np.float64]] = []
        self._face_blocks: list[NDArray[np.int64]] = []
        self._vertex_count = self._face_count = 0
        self._pending_vertices: list[tuple[str, str, str]] = []
        self._pending_faces: list[tuple[str, str, str]] = []
        self._text: list[str] = []
        self._text_size = 0
        self._metadata_name = ""
        self._run = 0  # bytes since the last '>'
        self._equals = 0  # '=' signs so far: at least one per attribute
        self._structure: dict[tuple[str, str], Callable[[dict[str, str]], str]] = {
            (_MODEL, _RESOURCES): lambda a: _RESOURCES,
            (_MODEL, _BUILD): lambda a: _BUILD,
            (_RESOURCES, _OBJECT): self._begin_object,
            (_OBJECT, _MESH): self._begin_mesh,
            (_MESH, _VERTICES): lambda a: _VERTICES,
            (_MESH, _TRIANGLES): lambda a: _TRIANGLES,
            (_OBJECT, _COMPONENTS): self._begin_components,
            (_COMPONENTS, _COMPONENT): self._component,
            (_BUILD, _ITEM): self._item,
            (_OBJECT, _METADATAGROUP): lambda a: _METADATAGROUP,
            (_METADATAGROUP, _METADATA): self._begin_metadata,
        }
        self._parser = _safe_expat(self.label, namespaces=True)
        self._parser.buffer_text = True
        self._parser.StartElementHandler, self._parser.EndElementHandler = self._handlers()

    def _handlers(self) -> tuple[Callable[[str, dict[str, str]], None], Callable[[str], None]]:
        # The hot path (a vertex or triangle, millions of them) is a closure over local
        # names: attribute lookups on self cost a third of the parse.
        stack = [_DOCUMENT]
        push, pop = stack.append, stack.pop
        add_vertex, add_face = self._pending_vertices.append, self._pending_faces.append
        other, end_other = self._start_other, self._end_other

        def start(name: str, attrs: dict[str, str]) -> None:
            parent = stack[-1]
            if parent is _VERTICES and name == _VERTEX:
                try:
                    add_vertex(_xyz(attrs))
                except KeyError:  # "" is refused with the others when the batch is converted
                    add_vertex((attrs.get("x", ""), attrs.get("y", ""), attrs.get("z", "")))
                push(_VERTEX)
            elif parent is _TRIANGLES and name == _TRIANGLE:
                try:
                    add_face(_corners(attrs))
                except KeyError:
                    add_face((attrs.get("v1", ""), attrs.get("v2", ""), attrs.get("v3", "")))
                push(_TRIANGLE)
            else:
                push(other(name, attrs, parent, len(stack)))

        def end(name: str) -> None:
            token = pop()
            if token is not _VERTEX and token is not _TRIANGLE:
                end_other(token)

        return start, end

    def refuse(self, message: str) -> ThreeMFError:
        return ThreeMFError(f"{self.label}: {message}")

    # -- feeding ----------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        self._check_tag_run(chunk)
        self._check_attributes(chunk)
        try:
            self._parser.Parse(chunk, False)
        except (expat.ExpatError, ValueError, LookupError) as exc:
            raise self.refuse(f"not valid XML ({_brief(exc)})") from None
        self._flush()

    def close(self) -> _ModelPart:
        try:
            self._parser.Parse(b"", True)
        except (expat.ExpatError, ValueError, LookupError) as exc:
            raise self.refuse(f"not valid XML ({_brief(exc)})") from None
        return _ModelPart(self.part, self.unit_mm, self.objects, self.items)

    def _check_attributes(self, chunk: bytes) -> None:
        """Attributes cost the most to parse (a dict entry each, millions of them fit in a
        few MB of tag): cap them before expat sees them, by their '=' signs."""
        self._equals += chunk.count(b"=")
        if self._equals > limits.MAX_ATTRIBUTES:
            raise self.refuse(f"more than {limits.MAX_ATTRIBUTES:,} attributes")

    def _check_tag_run(self, chunk: bytes) -> None:
        """Expat holds a whole tag (or run of text) in memory before handing it over:
        a gigabyte-long attribute would take gigabytes. Refuse long runs without '>'."""
        first = chunk.find(b">")
        if first < 0:
            self._run += len(chunk)
        else:
            self._run += first
            if self._run <= limits.MAX_TAG_BYTES:
                self._run = len(chunk) - chunk.rfind(b">") - 1
        if self._run > limits.MAX_TAG_BYTES:
            raise self.refuse(f"a single tag or text runs over {_size(limits.MAX_TAG_BYTES)}")

    # -- elements other than vertex and triangle --------------------------------------

    def _start_other(self, name: str, attrs: dict[str, str], parent: str, depth: int) -> str:
        """The token pushed for this element: its name where the reader looks inside it,
        else _IGNORED (so a <vertex> under anything but model/.../vertices is not one)."""
        self.counts.elements += 1
        if self.counts.elements > limits.MAX_OTHER_ELEMENTS:
            raise self.refuse(f"more than {limits.MAX_OTHER_ELEMENTS:,} elements besides vertices and triangles")
        if depth > limits.MAX_XML_DEPTH:
            raise self.refuse(f"elements nest more than {limits.MAX_XML_DEPTH} deep")
        if parent is _DOCUMENT:
            return self._begin_model(name, attrs)
        handler = self._structure.get((parent, name))
        return _IGNORED if handler is None else handler(attrs)

    def _end_other(self, token: str) -> None:
        if token is _OBJECT:
            self._end_object()
        elif token is _METADATA:
            self._end_metadata()

    def _begin_model(self, name: str, attrs: dict[str, str]) -> str:
        if name != _MODEL:
            tag = shown(name.replace(_NS_SEP, "}"), 80)
            raise self.refuse(f"the root element is <{tag}>, not a 3MF <model> in the 3MF core namespace")
        unit = attrs.get("unit", "millimeter")
        if unit not in UNITS_MM:
            raise self.refuse(f"unknown unit {shown(unit, limits.MAX_SHOWN_VALUE_CHARS)!r} (a 3MF uses one of "
                              f"{', '.join(UNITS_MM)})")
        self.unit_mm = UNITS_MM[unit]
        return _MODEL

    def _begin_object(self, attrs: dict[str, str]) -> str:
        self.counts.objects += 1
        if self.counts.objects > limits.MAX_OBJECTS:
            raise self.refuse(f"more than {limits.MAX_OBJECTS} objects")
        object_id = attrs.get("id")
        if not object_id:
            raise self.refuse(f"object {len(self.objects) + 1} has no id")
        if object_id in self.objects:
            raise self.refuse(f"two objects have the id {shown(object_id, limits.MAX_SHOWN_VALUE_CHARS)!r}")
        self._object = _Object(self.part, object_id, attrs.get("name"))
        self.objects[object_id] = self._object
        return _OBJECT

    def _begin_mesh(self, attrs: dict[str, str]) -> str:
        assert self._object is not None  # a mesh token only exists under an object token
        if self._object.vertices is not None:
            raise self.refuse(f"{self._what()} has two meshes")
        self._object.vertices = np.empty((0, 3))
        self._object.faces = np.empty((0, 3), dtype=np.int64)
        return _MESH

    def _begin_components(self, attrs: dict[str, str]) -> str:
        assert self._object is not None
        if self._object.components is None:
            self._object.components = []
        return _COMPONENTS

    def _component(self, attrs: dict[str, str]) -> str:
        assert self._object is not None and self._object.components is not None
        self.counts.components += 1
        if self.counts.components > limits.MAX_COMPONENTS:
            raise self.refuse(f"more than {limits.MAX_COMPONENTS} components")
        number = len(self._object.components) + 1
        self._object.components.append(_Ref(attrs.get("objectid"), attrs.get("transform"), attrs.get(_PATH_ATTR),
                                            self.part, f"component {number} of {self._what()}"))
        return _COMPONENT

    def _item(self, attrs: dict[str, str]) -> str:
        self.counts.items += 1
        if self.counts.items > limits.MAX_ITEMS:
            raise self.refuse(f"more than {limits.MAX_ITEMS} build items")
        self.items.append(_Ref(attrs.get("objectid"), attrs.get("transform"), attrs.get(_PATH_ATTR), self.part,
                               f"build item {len(self.items) + 1}"))
        return _ITEM

    def _begin_metadata(self, attrs: dict[str, str]) -> str:
        # Text is gathered only here (Cura's per-mesh settings), not between vertices.
        self._metadata_name = attrs.get("name", "")
        self._text, self._text_size = [], 0
        self._parser.CharacterDataHandler = self._add_text
        return _METADATA

    def _add_text(self, text: str) -> None:
        self._text_size += len(text)
        if self._text_size > limits.MAX_METADATA_CHARS:
            raise self.refuse(f"a metadata value of {self._what()} is longer than {limits.MAX_METADATA_CHARS} characters")
        self._text.append(text)

    def _end_metadata(self) -> None:
        self._parser.CharacterDataHandler = None
        assert self._object is not None
        self._object.cura[self._metadata_name.replace("cura:", "")] = "".join(self._text)

    def _what(self) -> str:
        return f"object {shown(self._object.id, limits.MAX_SHOWN_VALUE_CHARS)}" if self._object else "an object"

    # -- vertices and triangles -----------------------------------------------------

    def _flush(self) -> None:
        """Turn the strings gathered so far into arrays (each batch at most what one chunk
        of XML holds), checking numbers and caps as they come."""
        if self._pending_vertices:
            block = self._vertex_block(self._pending_vertices)
            self._pending_vertices.clear()
            self.counts.vertices += len(block)
            if self.counts.vertices > limits.MAX_VERTICES:
                raise self.refuse(f"more than {limits.MAX_VERTICES:,} vertices (the most check reads)")
            self._vertex_blocks.append(block)
            self._vertex_count += len(block)
        if self._pending_faces:
            face_block = self._face_block(self._pending_faces)
            self._pending_faces.clear()
            self.counts.triangles += len(face_block)
            if self.counts.triangles > limits.MAX_TRIANGLES:
                raise self.refuse(f"more than {limits.MAX_TRIANGLES:,} triangles (the most check reads)")
            self._face_blocks.append(face_block)
            self._face_count += len(face_block)

    def _vertex_block(self, rows: list[tuple[str, str, str]]) -> NDArray[np.float64]:
        try:
            block = np.array(rows, dtype=np.float64).reshape(-1, 3)
        except _NUMBER_ERRORS:
            index, axis, value = _first_bad(rows, float)
            raise self.refuse(f"{self._what()}: vertex {self._vertex_count + index} has "
                              f"{_value_text(axis, value, 'xyz')}, not a number") from None
        bad = ~np.isfinite(block)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise self.refuse(f"{self._what()}: vertex {self._vertex_count + row} has {'xyz'[col]} = "
                              f"{block[row, col]}, not a finite number")
        return block

    def _face_block(self, rows: list[tuple[str, str, str]]) -> NDArray[np.int64]:
        try:
            return np.array(rows, dtype=np.int64).reshape(-1, 3)
        except _NUMBER_ERRORS:
            index, corner, value = _first_bad(rows, _int64)
            names = ("v1", "v2", "v3")
            raise self.refuse(f"{self._what()}: triangle {self._face_count + index} has "
                              f"{_value_text(corner, value, names)}, not a vertex index") from None

    def _end_object(self) -> None:
        self._flush()
        obj = self._object
        assert obj is not None
        if obj.vertices is not None:
            obj.vertices = np.concatenate(self._vertex_blocks) if self._vertex_blocks else np.empty((0, 3))
            obj.faces = (np.concatenate(self._face_blocks) if self._face_blocks
                         else np.empty((0, 3), dtype=np.int64))
            self._check_indices(obj.faces, len(obj.vertices))
        self._vertex_blocks, self._face_blocks = [], []
        self._vertex_count = self._face_count = 0
        self._object = None

    def _check_indices(self, faces: NDArray[np.int64], vertex_count: int) -> None:
        bad = (faces < 0) | (faces >= vertex_count)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            has = f"{vertex_count} vertices (0 to {vertex_count - 1})" if vertex_count else "no vertices"
            raise self.refuse(f"{self._what()}: triangle {row} refers to vertex {faces[row, col]}, but the mesh "
                              f"has {has}")


def _first_bad(rows: list[tuple[str, str, str]], kind: Callable[[str], object]) -> tuple[int, int, str]:
    """Where a batch that numpy refused goes wrong: (row, column, value)."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            try:
                kind(value)
            except _NUMBER_ERRORS:
                return i, j, value
    return 0, 0, rows[0][0] if rows else ""  # numpy and Python disagree: name the first


def _int64(text: str) -> int:
    """int() as numpy reads it into int64: out of range is an error too."""
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise OverflowError(text)
    return value


def _value_text(column: int, value: str, names: tuple[str, ...] | str) -> str:
    if value == "":
        return f"no {names[column]}"
    return f"{names[column]} = {shown(value, limits.MAX_SHOWN_VALUE_CHARS)!r}"


def _parse_models(package: _Package, root: zipfile.ZipInfo) -> dict[str, _ModelPart]:
    """The root model part and every part its items and components name by p:path."""
    counts = _Counts()
    parts: dict[str, _ModelPart] = {}
    queue = [root]
    while queue:
        info = queue.pop()
        if info.filename in parts:
            continue
        if len(parts) >= limits.MAX_MODEL_PARTS:
            raise package.refuse(f"more than {limits.MAX_MODEL_PARTS} model files are referenced")
        parser = _ModelParser(info.filename, package.where, counts)
        for chunk in package.chunks(info):
            parser.feed(chunk)
        part = parts[info.filename] = parser.close()
        refs = part.items + [c for o in part.objects.values() for c in o.components or ()]
        for ref in refs:
            target = package.find(ref.path) if ref.path else None
            if target is not None and target.filename not in parts:
                queue.append(target)
    return parts


def _whole_number(text: str | None, what: str, label: str) -> int:
    try:
        return int(str(text))
    except _NUMBER_ERRORS:
        raise ThreeMFError(f"{label}: {what} is {shown(text, limits.MAX_SHOWN_VALUE_CHARS)!r}, not a whole number") from None


def _matrix(text: str | None, label: str) -> Matrix:
    """A 3MF transform ("m00 m01 m02 m10 ... m32", row vectors) as a 4x4 matrix."""
    matrix = np.eye(4)
    if text is None or not text.strip():
        return matrix
    values = text.split(maxsplit=12)
    if len(values) != 12:
        count = "more than 12" if len(values) > 12 else str(len(values))
        raise ThreeMFError(f"{label}: the transform has {count} numbers, not 12")
    try:
        numbers = np.array([float(v) for v in values])
    except _NUMBER_ERRORS:
        bad = next(v for v in values if not _is_float(v))
        raise ThreeMFError(f"{label}: the transform has {shown(bad, limits.MAX_SHOWN_VALUE_CHARS)!r}, not a number") from None
    if not np.isfinite(numbers).all():
        raise ThreeMFError(f"{label}: the transform has a number that is not finite")
    matrix[:, :3] = numbers.reshape(4, 3)
    return matrix


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except _NUMBER_ERRORS:
        return False
