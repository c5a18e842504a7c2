"""Read a 3MF back for ``insolegen check``: the printed parts (placed as the file says)
and any zone modifiers with their settings, for PrusaSlicer's layout (volumes cut out of
one object by triangle ranges), Orca/Bambu's (components with model_settings.config,
objects possibly in other model parts by the production extension's ``p:path``) and
plain 3MF (every object a part).

A 3MF comes from anyone, so every way it can be hostile or broken ends in
:class:`ThreeMFError` with one line, in bounded time and memory:

- the file is opened through :mod:`insolegen.core.paths` (no FIFO, device, folder or
  symlink loop) and read whole, at most :data:`MAX_FILE_BYTES`;
- zip members are decompressed in chunks and counted as they come (a zip bomb is
  stopped at :data:`MAX_MEMBER_BYTES`, whatever its header says); encrypted members and
  compression methods a 3MF may not use are refused;
- XML is parsed by expat, the model as a stream, and a DOCTYPE is refused outright:
  without one there are no entities, so no "billion laughs" and no external files;
- every count (vertices, triangles, objects, components, items, elements, placed
  triangles) is capped, and every number, index, reference, transform and range is
  checked before it is used.

Over 400 lines: one reader's defences against a hostile file (zip, XML, three layouts),
in the order a file is read; its limits are the module's constants, which the hostile
tests tune, so it stays whole.
"""

from __future__ import annotations

import io
import itertools
import operator
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

import numpy as np
from numpy.typing import NDArray

from insolegen.core.paths import UnusablePathError, read_input_bytes, shown
from insolegen.formats.threemf.names import CORE_NS, MODEL_PATH, ORCA_CONFIG_PATH, PRODUCTION_NS, PRUSA_CONFIG_PATH, WALL_METADATA

__all__ = [
    "ALLOWED_COMPRESSION",
    "COMPRESSION_NAMES",
    "DEFAULT_MODEL",
    "MAX_ATTRIBUTES",
    "MAX_COMPONENTS",
    "MAX_COMPONENT_DEPTH",
    "MAX_COORDINATE_MM",
    "MAX_FILE_BYTES",
    "MAX_ITEMS",
    "MAX_MEMBER_BYTES",
    "MAX_METADATA_CHARS",
    "MAX_MODEL_PARTS",
    "MAX_NAME_CHARS",
    "MAX_OBJECTS",
    "MAX_OTHER_ELEMENTS",
    "MAX_PLACED_TRIANGLES",
    "MAX_PLACED_VERTICES",
    "MAX_PLACED_VOLUMES",
    "MAX_PLACEMENTS",
    "MAX_SHOWN_VALUE_CHARS",
    "MAX_SMALL_XML_BYTES",
    "MAX_SMALL_XML_ELEMENTS",
    "MAX_TAG_BYTES",
    "MAX_TOTAL_BYTES",
    "MAX_TRIANGLES",
    "MAX_VERTICES",
    "MAX_XML_DEPTH",
    "MAX_ZIP_ENTRIES",
    "MB",
    "MODEL_RELATIONSHIP_SUFFIX",
    "ORCA_CONFIG",
    "PRUSA_CONFIG",
    "PRUSA_SKIPPED_KEYS",
    "READ_CHUNK_BYTES",
    "RELS",
    "UNITS_MM",
    "WALL_LOOK_BYTES",
    "ZIP_CENTRAL_ENTRY_SIGNATURE",
    "ZIP_ENCRYPTED_FLAG",
    "Matrix",
    "ThreeMFError",
    "Volume",
    "declared_wall_3mf_mm",
    "read_3mf",
]

MB = 1024 * 1024

# -- Limits --------------------------------------------------------------------------------
# Far above any insole (ours hold ~30k triangles in ~2 MB of XML), low enough that the
# worst file allowed is read in seconds and checked in about a minute (check takes
# ~50 us a triangle) within well under a GB. Module constants, so tests can lower them.
MAX_FILE_BYTES = 256 * MB  # the .3mf itself, compressed
MAX_MEMBER_BYTES = 512 * MB  # one zip member, decompressed
MAX_TOTAL_BYTES = 1024 * MB  # all members read, decompressed
MAX_SMALL_XML_BYTES = 16 * MB  # configs and relationships are parsed whole into a tree
MAX_SMALL_XML_ELEMENTS = 200_000
MAX_ZIP_ENTRIES = 10_000
MAX_MODEL_PARTS = 256  # model files: the root one and those named by p:path
MAX_VERTICES = 1_000_000  # in the whole file
MAX_TRIANGLES = 1_000_000  # in the whole file
MAX_OBJECTS = 10_000
MAX_COMPONENTS = 10_000
MAX_ITEMS = 256
MAX_OTHER_ELEMENTS = 1_000_000  # model elements that are neither vertex nor triangle
MAX_ATTRIBUTES = 10_000_000  # counted as '=' signs, in C: expat builds a dict of them per element
MAX_XML_DEPTH = 64  # a 3MF model nests 6 deep; expat itself has no limit
MAX_TAG_BYTES = 16 * MB  # bytes between two '>': one tag, or text, held whole by expat
MAX_METADATA_CHARS = 65_536
MAX_COMPONENT_DEPTH = 16  # components inside components
MAX_PLACEMENTS = 10_000  # objects visited while expanding items and components
MAX_PLACED_VOLUMES = 512  # volumes handed to check, each checked on its own
MAX_PLACED_TRIANGLES = 1_000_000  # an object placed N times counts N times
MAX_PLACED_VERTICES = 2_000_000  # likewise: each placement is a copy of the object's vertices
MAX_COORDINATE_MM = 1e6  # a kilometre from the origin: garbage, not a part
MAX_NAME_CHARS = 100  # names and settings are shown to the user, cut to this
MAX_SHOWN_VALUE_CHARS = 40  # a bad value quoted in a message
READ_CHUNK_BYTES = 1 * MB  # at most MAX_TAG_BYTES: runs are checked across chunks

MODEL_RELATIONSHIP_SUFFIX = "/3dmodel"  # the Type of the relationship to the root model
DEFAULT_MODEL = MODEL_PATH
RELS = "_rels/.rels"
PRUSA_CONFIG = PRUSA_CONFIG_PATH
ORCA_CONFIG = ORCA_CONFIG_PATH
ZIP_CENTRAL_ENTRY_SIGNATURE = b"PK\x01\x02"
ZIP_ENCRYPTED_FLAG = 0x1
ALLOWED_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}  # 3MF spec, 2.1
COMPRESSION_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64"}

UNITS_MM = {"micron": 0.001, "millimeter": 1.0, "centimeter": 10.0, "inch": 25.4, "foot": 304.8,
            "meter": 1000.0}
PRUSA_SKIPPED_KEYS = ("name", "volume_type", "matrix", "modifier")

# Expat names elements "namespace-URI local-name" with this separator.
_NS_SEP = " "
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

# Errors the zip module raises for damaged archives (it has no single base class).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
               struct.error, NotImplementedError, RuntimeError, UnicodeDecodeError, IndexError, KeyError)
_NUMBER_ERRORS = (ValueError, TypeError, OverflowError)

Matrix = NDArray[np.float64]  # 4x4, row vectors: [x y z 1] @ M


class ThreeMFError(Exception):
    """A file that is not a readable 3MF; the message is one line naming the problem."""


@dataclass
class Volume:
    name: str
    role: str  # "part" or "modifier"
    vertices: NDArray[np.float64]  # placed on the bed, in mm
    faces: NDArray[np.int64]
    settings: dict[str, str] = field(default_factory=dict)


def read_3mf(path: Path | str) -> list[Volume]:
    """The volumes a 3MF places on the bed, or :class:`ThreeMFError`."""
    where = shown(path)
    data = _read_file(path)
    archive = _open_zip(data, where)
    with archive:
        package = _Package(archive, where)
        root = package.root_model()
        parts = _parse_models(package, root)
        prusa = package.small_xml(PRUSA_CONFIG)
        orca = package.small_xml(ORCA_CONFIG) if prusa is None else None
    return _Assembler(parts, root, where, prusa, orca).volumes()


def declared_wall_3mf_mm(path: Path | str) -> float | None:
    """The thinnest wall a 3MF says its part was made to (insolegen's lattice parts do,
    in the model's metadata, WALL_METADATA), or None. Read after read_3mf has accepted
    the file: the first few kilobytes of its model, where the metadata comes first."""
    import re

    try:
        with zipfile.ZipFile(path) as archive, archive.open(MODEL_PATH) as model:
            head = model.read(WALL_LOOK_BYTES)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return None
    found = re.search(rb'<metadata name="' + WALL_METADATA.encode() + rb'">(\d{1,2}\.\d\d)</metadata>', head)
    return float(found.group(1)) if found else None


WALL_LOOK_BYTES = 4096


# -- The zip ------------------------------------------------------------------------------


def _read_file(path: Path | str) -> bytes:
    try:
        return read_input_bytes(path, max_bytes=MAX_FILE_BYTES, what="3MF")
    except UnusablePathError as exc:
        raise ThreeMFError(str(exc)) from None


def _open_zip(data: bytes, where: str) -> zipfile.ZipFile:
    # ZipFile holds an object per entry of the central directory: count the entries'
    # signatures first (an upper bound, in C) so millions of them are never built.
    if data.count(ZIP_CENTRAL_ENTRY_SIGNATURE) > MAX_ZIP_ENTRIES:
        raise ThreeMFError(f"{where}: not a readable 3MF: the zip has more than {MAX_ZIP_ENTRIES} entries")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise ThreeMFError(f"{where}: not a readable 3MF: not a zip archive ({_brief(exc)})") from None
    if len(archive.infolist()) > MAX_ZIP_ENTRIES:
        raise ThreeMFError(f"{where}: not a readable 3MF: the zip has more than {MAX_ZIP_ENTRIES} entries")
    return archive


def _size(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size} bytes"


def _brief(exc: BaseException) -> str:
    """An exception in a few words on one line."""
    return shown(f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__, 100)


class _Package:
    """The zip's members by (case-insensitive) name, read under the size caps."""

    def __init__(self, archive: zipfile.ZipFile, where: str) -> None:
        self.archive = archive
        self.where = where
        self._by_name: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            self._by_name.setdefault(info.filename.lower(), info)
        self._budget = MAX_TOTAL_BYTES

    def find(self, name: str) -> zipfile.ZipInfo | None:
        """A member by its OPC part name ("/3D/3dmodel.model") or zip name."""
        return self._by_name.get(name.lstrip("/").lower())

    def refuse(self, message: str) -> ThreeMFError:
        return ThreeMFError(f"{self.where}: {message}")

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's content in chunks, stopped at the caps however much the zip's
        header claims (a bomb's header can lie)."""
        self._check_member(info)
        name = shown(info.filename, 60)
        limit = MAX_MEMBER_BYTES
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(READ_CHUNK_BYTES):
                    self._budget -= len(chunk)
                    if self._budget < 0:
                        raise self.refuse(f"the zip's members expand to more than {_size(MAX_TOTAL_BYTES)} "
                                          "in total (a zip bomb?)")
                    limit -= len(chunk)
                    if limit < 0:
                        raise self.refuse(f"{name} expands to more than {_size(MAX_MEMBER_BYTES)} "
                                          "(a zip bomb?)")
                    yield chunk
        except _ZIP_ERRORS as exc:
            raise self.refuse(f"not a readable 3MF: {name} is damaged in the zip ({_brief(exc)})") from None

    def read(self, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
        if info.file_size > max_bytes:
            raise self.refuse(f"{shown(info.filename, 60)} expands to {_size(info.file_size)}: at most "
                              f"{_size(max_bytes)} is read")
        out, size = [], 0
        for chunk in self.chunks(info):
            size += len(chunk)
            if size > max_bytes:
                raise self.refuse(f"{shown(info.filename, 60)} expands to more than {_size(max_bytes)}")
            out.append(chunk)
        return b"".join(out)

    def _check_member(self, info: zipfile.ZipInfo) -> None:
        name = shown(info.filename, 60)
        if info.flag_bits & ZIP_ENCRYPTED_FLAG:
            raise self.refuse(f"{name} is encrypted in the zip: a 3MF cannot be password-protected")
        if info.compress_type not in ALLOWED_COMPRESSION:
            method = COMPRESSION_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise self.refuse(f"{name} is compressed with {method}: a 3MF may use only stored or deflate")
        if info.file_size > MAX_MEMBER_BYTES:  # early; the real size is counted while reading
            raise self.refuse(f"{name} expands to {_size(info.file_size)}: at most "
                              f"{_size(MAX_MEMBER_BYTES)} is read (a zip bomb?)")

    def small_xml(self, name: str) -> ET.Element | None:
        """A small XML member (a slicer config) as a tree, or None when absent."""
        info = self.find(name)
        if info is None:
            return None
        return _parse_small_xml(self.read(info, MAX_SMALL_XML_BYTES), f"{self.where}: {name}")

    def root_model(self) -> zipfile.ZipInfo:
        """3D/3dmodel.model, as slicers read it whatever the relationships say; else the
        model part the relationships name; else the only model part."""
        info = self.find(DEFAULT_MODEL)
        if info is not None:
            return info
        for target in self._relationship_targets():
            info = self.find(target)
            if info is not None and target.lower().endswith(".model"):
                return info
        models = [i for i in self._by_name.values() if i.filename.lower().endswith(".model")]
        if len(models) == 1:
            return models[0]
        if not models:
            raise self.refuse(f"not a 3MF: the zip holds no 3D model ({DEFAULT_MODEL})")
        raise self.refuse(f"not a 3MF: no {DEFAULT_MODEL} and {len(models)} other model files, none named "
                          f"by {RELS}")

    def _relationship_targets(self) -> list[str]:
        """The root model's name in _rels/.rels; a broken one is no reason to refuse."""
        try:
            rels = self.small_xml(RELS)
        except ThreeMFError:
            return []
        if rels is None:
            return []
        return [r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"
                and r.get("Type", "").endswith(MODEL_RELATIONSHIP_SUFFIX)]


# -- XML ----------------------------------------------------------------------------------


def _safe_expat(label: str, namespaces: bool) -> expat.XMLParserType:
    """An expat parser that refuses any DOCTYPE: entities can only be declared in one,
    so none can expand ("billion laughs") or read a file or URL."""
    parser = expat.ParserCreate(namespace_separator=_NS_SEP) if namespaces else expat.ParserCreate()

    def refuse_doctype(*_: object) -> None:
        raise ThreeMFError(f"{label} declares a DOCTYPE, which a 3MF never has (refused: its entities could "
                           "expand to gigabytes or read other files)")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _local(tag: str) -> str:
    """An element's name without namespace or prefix."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].rsplit(_NS_SEP, 1)[-1]


def _parse_small_xml(data: bytes, label: str) -> ET.Element:
    """A small document as an ElementTree, element count and depth capped."""
    parser = _safe_expat(label, namespaces=False)
    builder = ET.TreeBuilder()
    depth = count = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > MAX_XML_DEPTH:
            raise ThreeMFError(f"{label} nests elements more than {MAX_XML_DEPTH} deep")
        if count > MAX_SMALL_XML_ELEMENTS:
            raise ThreeMFError(f"{label} has more than {MAX_SMALL_XML_ELEMENTS} elements")
        builder.start(name, attrs)

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(name)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        return builder.close()
    except (expat.ExpatError, ValueError, LookupError) as exc:
        raise ThreeMFError(f"{label} is not valid XML ({_brief(exc)})") from None
    except AssertionError:  # TreeBuilder.close() with nothing built: an empty document
        raise ThreeMFError(f"{label} is not valid XML (no element)") from None


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
        if self._equals > MAX_ATTRIBUTES:
            raise self.refuse(f"more than {MAX_ATTRIBUTES:,} attributes")

    def _check_tag_run(self, chunk: bytes) -> None:
        """Expat holds a whole tag (or run of text) in memory before handing it over:
        a gigabyte-long attribute would take gigabytes. Refuse long runs without '>'."""
        first = chunk.find(b">")
        if first < 0:
            self._run += len(chunk)
        else:
            self._run += first
            if self._run <= MAX_TAG_BYTES:
                self._run = len(chunk) - chunk.rfind(b">") - 1
        if self._run > MAX_TAG_BYTES:
            raise self.refuse(f"a single tag or text runs over {_size(MAX_TAG_BYTES)}")

    # -- elements other than vertex and triangle --------------------------------------

    def _start_other(self, name: str, attrs: dict[str, str], parent: str, depth: int) -> str:
        """The token pushed for this element: its name where the reader looks inside it,
        else _IGNORED (so a <vertex> under anything but model/.../vertices is not one)."""
        self.counts.elements += 1
        if self.counts.elements > MAX_OTHER_ELEMENTS:
            raise self.refuse(f"more than {MAX_OTHER_ELEMENTS:,} elements besides vertices and triangles")
        if depth > MAX_XML_DEPTH:
            raise self.refuse(f"elements nest more than {MAX_XML_DEPTH} deep")
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
            raise self.refuse(f"unknown unit {shown(unit, MAX_SHOWN_VALUE_CHARS)!r} (a 3MF uses one of "
                              f"{', '.join(UNITS_MM)})")
        self.unit_mm = UNITS_MM[unit]
        return _MODEL

    def _begin_object(self, attrs: dict[str, str]) -> str:
        self.counts.objects += 1
        if self.counts.objects > MAX_OBJECTS:
            raise self.refuse(f"more than {MAX_OBJECTS} objects")
        object_id = attrs.get("id")
        if not object_id:
            raise self.refuse(f"object {len(self.objects) + 1} has no id")
        if object_id in self.objects:
            raise self.refuse(f"two objects have the id {shown(object_id, MAX_SHOWN_VALUE_CHARS)!r}")
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
        if self.counts.components > MAX_COMPONENTS:
            raise self.refuse(f"more than {MAX_COMPONENTS} components")
        number = len(self._object.components) + 1
        self._object.components.append(_Ref(attrs.get("objectid"), attrs.get("transform"), attrs.get(_PATH_ATTR),
                                            self.part, f"component {number} of {self._what()}"))
        return _COMPONENT

    def _item(self, attrs: dict[str, str]) -> str:
        self.counts.items += 1
        if self.counts.items > MAX_ITEMS:
            raise self.refuse(f"more than {MAX_ITEMS} build items")
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
        if self._text_size > MAX_METADATA_CHARS:
            raise self.refuse(f"a metadata value of {self._what()} is longer than {MAX_METADATA_CHARS} characters")
        self._text.append(text)

    def _end_metadata(self) -> None:
        self._parser.CharacterDataHandler = None
        assert self._object is not None
        self._object.cura[self._metadata_name.replace("cura:", "")] = "".join(self._text)

    def _what(self) -> str:
        return f"object {shown(self._object.id, MAX_SHOWN_VALUE_CHARS)}" if self._object else "an object"

    # -- vertices and triangles -----------------------------------------------------

    def _flush(self) -> None:
        """Turn the strings gathered so far into arrays (each batch at most what one chunk
        of XML holds), checking numbers and caps as they come."""
        if self._pending_vertices:
            block = self._vertex_block(self._pending_vertices)
            self._pending_vertices.clear()
            self.counts.vertices += len(block)
            if self.counts.vertices > MAX_VERTICES:
                raise self.refuse(f"more than {MAX_VERTICES:,} vertices (the most check reads)")
            self._vertex_blocks.append(block)
            self._vertex_count += len(block)
        if self._pending_faces:
            face_block = self._face_block(self._pending_faces)
            self._pending_faces.clear()
            self.counts.triangles += len(face_block)
            if self.counts.triangles > MAX_TRIANGLES:
                raise self.refuse(f"more than {MAX_TRIANGLES:,} triangles (the most check reads)")
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
    return f"{names[column]} = {shown(value, MAX_SHOWN_VALUE_CHARS)!r}"


def _parse_models(package: _Package, root: zipfile.ZipInfo) -> dict[str, _ModelPart]:
    """The root model part and every part its items and components name by p:path."""
    counts = _Counts()
    parts: dict[str, _ModelPart] = {}
    queue = [root]
    while queue:
        info = queue.pop()
        if info.filename in parts:
            continue
        if len(parts) >= MAX_MODEL_PARTS:
            raise package.refuse(f"more than {MAX_MODEL_PARTS} model files are referenced")
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


# -- Placing objects ----------------------------------------------------------------------


def _whole_number(text: str | None, what: str, label: str) -> int:
    try:
        return int(str(text))
    except _NUMBER_ERRORS:
        raise ThreeMFError(f"{label}: {what} is {shown(text, MAX_SHOWN_VALUE_CHARS)!r}, not a whole number") from None


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
        raise ThreeMFError(f"{label}: the transform has {shown(bad, MAX_SHOWN_VALUE_CHARS)!r}, not a number") from None
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


@dataclass(frozen=True)
class _PrusaRange:
    first: int
    last: int
    name: str
    role: str
    settings: dict[str, str]


class _Assembler:
    """Items and components expanded into placed volumes, with the slicer configs'
    roles, names and settings."""

    def __init__(self, parts: dict[str, _ModelPart], root: zipfile.ZipInfo, where: str,
                 prusa: ET.Element | None, orca: ET.Element | None) -> None:
        self.parts = parts
        self.root = parts[root.filename]
        self.where = where
        self.prusa = prusa
        self.prusa_label = f"{where}: {PRUSA_CONFIG}"
        self.orca_parts, self.all_orca_parts = _orca_parts(orca)
        self._prusa_ranges: dict[str, list[_PrusaRange]] = {}
        self.placements = self.placed_triangles = self.placed_vertices = self.placed_volumes = 0

    def refuse(self, message: str) -> ThreeMFError:
        return ThreeMFError(f"{self.where}: {message}")

    def volumes(self) -> list[Volume]:
        if not self.root.items:
            raise self.refuse("the 3MF has no build items (nothing to print)")
        out: list[Volume] = []
        for item in self.root.items:
            obj = self._resolve(item)
            matrix = _matrix(item.transform, f"{self.where}: {item.label}")
            for leaf, placement, top in self._leaves(obj, matrix, (), obj.id):
                out += self._leaf_volumes(leaf, placement, top, direct=leaf is obj)
        return out

    def _resolve(self, ref: _Ref) -> _Object:
        if not ref.objectid:
            raise self.refuse(f"{ref.label} names no object (objectid is missing)")
        part = self.parts.get(ref.part)
        if ref.path:
            info_name = next((p for p in self.parts if p.lower() == ref.path.lstrip("/").lower()), None)
            part = self.parts.get(info_name) if info_name else None
            if part is None:
                raise self.refuse(f"{ref.label} refers to the model file {shown(ref.path, 60)!r}, which is not "
                                  "in the zip")
        obj = part.objects.get(ref.objectid) if part else None
        if obj is None:
            raise self.refuse(f"{ref.label} refers to object {shown(ref.objectid, MAX_SHOWN_VALUE_CHARS)}, "
                              "which is not in the file")
        return obj

    def _leaves(self, obj: _Object, matrix: Matrix, trail: tuple[tuple[str, str], ...],
                top: str) -> Iterator[tuple[_Object, Matrix, str]]:
        """Every mesh object under ``obj`` with its placement, following components
        (cycles, depth and the number of placements bounded)."""
        key = (obj.part, obj.id)
        what = f"object {shown(obj.id, MAX_SHOWN_VALUE_CHARS)}"
        if key in trail:
            chain = " -> ".join(shown(i, 20) for _, i in trail[trail.index(key):] + (key,))
            raise self.refuse(f"{what} contains itself through its components ({chain})")
        if len(trail) > MAX_COMPONENT_DEPTH:
            raise self.refuse(f"components nest more than {MAX_COMPONENT_DEPTH} deep")
        self.placements += 1
        if self.placements > MAX_PLACEMENTS:
            raise self.refuse(f"the build items and components place objects more than {MAX_PLACEMENTS} times")
        has_mesh, components = obj.vertices is not None, obj.components
        if has_mesh and components:
            raise self.refuse(f"{what} has both a mesh and components (a 3MF object has one or the other)")
        if not has_mesh and not components:
            raise self.refuse(f"{what} has neither a mesh nor components")
        if has_mesh:
            yield obj, matrix, top
            return
        for component in components or ():
            child = self._resolve(component)
            placement = _matrix(component.transform, f"{self.where}: {component.label}") @ matrix
            yield from self._leaves(child, placement, trail + (key,), top)

    def _leaf_volumes(self, obj: _Object, matrix: Matrix, top: str, direct: bool) -> list[Volume]:
        assert obj.vertices is not None and obj.faces is not None
        what = f"object {shown(obj.id, MAX_SHOWN_VALUE_CHARS)}"
        if len(obj.faces) == 0:
            raise self.refuse(f"{what} has a mesh with no triangles")
        self.placed_triangles += len(obj.faces)
        if self.placed_triangles > MAX_PLACED_TRIANGLES:
            raise self.refuse(f"the build places more than {MAX_PLACED_TRIANGLES:,} triangles in all (the most "
                              "check takes; an object placed N times counts N times)")
        self.placed_vertices += len(obj.vertices)
        if self.placed_vertices > MAX_PLACED_VERTICES:
            raise self.refuse(f"the build places more than {MAX_PLACED_VERTICES:,} vertices in all (an object "
                              "placed N times counts N times)")
        ranges = self._prusa_volumes(obj) if obj.part == self.root.name else []
        self._count_volumes(max(len(ranges), 1))
        vertices = self._place(obj.vertices, matrix, what)
        faces = _wound_for(matrix, obj.faces)
        if ranges:
            return [_cut(vertices, faces, r) for r in ranges]
        subtype, keys = self._orca_part(top, obj.id)
        cura = obj.cura
        role = "part" if subtype == "normal_part" and cura.get("infill_mesh") != "True" else "modifier"
        settings = _printable({k: v for k, v in keys.items() if k != "name"})
        settings.update(_printable({f"cura:{k}": v for k, v in cura.items()}))
        name = keys.get("name") or obj.name or ("object" if direct else "part")
        return [Volume(shown(name, MAX_NAME_CHARS), role, vertices, faces, settings)]

    def _count_volumes(self, count: int) -> None:
        self.placed_volumes += count
        if self.placed_volumes > MAX_PLACED_VOLUMES:
            raise self.refuse(f"the build places more than {MAX_PLACED_VOLUMES} parts and zones (the most check "
                              "takes)")

    def _place(self, vertices: NDArray[np.float64], matrix: Matrix, what: str) -> NDArray[np.float64]:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught just below
            placed = (vertices @ matrix[:3, :3] + matrix[3, :3]) * self.root.unit_mm
        if not (np.isfinite(placed).all() and np.abs(placed).max(initial=0.0) <= MAX_COORDINATE_MM):
            raise self.refuse(f"{what} is placed more than {MAX_COORDINATE_MM / 1e6:g} km from the origin "
                              "(garbage coordinates or transform)")
        return placed

    def _orca_part(self, top: str, object_id: str) -> tuple[str, dict[str, str]]:
        found = self.orca_parts.get(top, {}).get(object_id) or self.all_orca_parts.get(object_id)
        return found or ("normal_part", {})

    def _prusa_volumes(self, obj: _Object) -> list[_PrusaRange]:
        """PrusaSlicer's volumes of this object: triangle ranges, checked to lie inside
        the mesh and not to overlap. Empty when the config says nothing of it."""
        if self.prusa is None:
            return []
        if obj.id not in self._prusa_ranges:
            entry = next((o for o in self.prusa.iterfind("object") if o.get("id") == obj.id), None)
            ranges = [] if entry is None else self._prusa_ranges_of(entry, obj)
            self._prusa_ranges[obj.id] = ranges
        return self._prusa_ranges[obj.id]

    def _prusa_ranges_of(self, entry: ET.Element, obj: _Object) -> list[_PrusaRange]:
        assert obj.faces is not None
        count = len(obj.faces)
        what = f"object {shown(obj.id, MAX_SHOWN_VALUE_CHARS)}"
        ranges = []
        for number, volume in enumerate(entry.iterfind("volume"), start=1):
            keys = {m.get("key", ""): m.get("value", "") for m in volume.iterfind("metadata")}
            name = shown(keys.get("name") or f"volume {number}", MAX_NAME_CHARS)
            label = f"{self.prusa_label}: volume {name!r} of {what}"
            first = _whole_number(volume.get("firstid", "0"), "firstid", label)
            last = _whole_number(volume.get("lastid", str(count - 1)), "lastid", label)
            if not 0 <= first <= last < count:
                raise ThreeMFError(f"{label} spans triangles {first} to {last}, but the mesh has {count} "
                                   f"triangles (0 to {count - 1})")
            role = "part" if keys.get("volume_type", "ModelPart") == "ModelPart" else "modifier"
            settings = _printable({k: v for k, v in keys.items()
                                   if k not in PRUSA_SKIPPED_KEYS and not k.startswith("source")})
            ranges.append(_PrusaRange(first, last, name, role, settings))
        ordered = sorted(ranges, key=lambda r: r.first)
        for a, b in itertools.pairwise(ordered):
            if b.first <= a.last:
                raise ThreeMFError(f"{self.prusa_label}: volumes {a.name!r} (triangles {a.first} to {a.last}) and "
                                   f"{b.name!r} ({b.first} to {b.last}) of {what} overlap")
        return ranges


def _wound_for(matrix: Matrix, faces: NDArray[np.int64]) -> NDArray[np.int64]:
    """A mirroring placement (negative determinant) turns a solid inside out unless
    its triangles are turned too, as slicers do (a mirrored insole for the other foot)."""
    if np.linalg.det(matrix[:3, :3]) < 0:
        return np.ascontiguousarray(faces[:, ::-1])
    return faces


def _printable(settings: dict[str, str]) -> dict[str, str]:
    """Settings are shown to the user: one printable line each, kept short."""
    return {shown(k, MAX_NAME_CHARS): shown(v, MAX_NAME_CHARS) for k, v in settings.items()}


def _cut(vertices: NDArray[np.float64], faces: NDArray[np.int64], r: _PrusaRange) -> Volume:
    """One PrusaSlicer volume: its triangles and only the vertices they use."""
    used, local = np.unique(faces[r.first:r.last + 1], return_inverse=True)
    return Volume(r.name, r.role, vertices[used], local.reshape(-1, 3), dict(r.settings))


def _orca_parts(config: ET.Element | None) -> tuple[dict[str, dict[str, tuple[str, dict[str, str]]]],
                                                    dict[str, tuple[str, dict[str, str]]]]:
    """Orca/Bambu's parts: by the assembly object's id then the part's (= component's
    object) id, and by part id alone for files whose ids do not nest that way."""
    by_object: dict[str, dict[str, tuple[str, dict[str, str]]]] = {}
    every: dict[str, tuple[str, dict[str, str]]] = {}
    if config is None:
        return by_object, every
    for entry in config.iterfind("object"):
        parts = by_object.setdefault(entry.get("id", ""), {})
        for part in entry.iterfind("part"):
            found = (part.get("subtype", "normal_part"),
                     {m.get("key", ""): m.get("value", "") for m in part.iterfind("metadata")})
            parts[part.get("id", "")] = every[part.get("id", "")] = found
    return by_object, every
