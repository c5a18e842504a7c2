"""Reading a user's mesh file into arrays: STL (binary or ASCII) for ``insolegen check``
and for scans, OBJ and PLY for scans.

Every way a file can be unusable ends in one :class:`MeshFileError` whose one-line
message names the file, says what was found and what to do. A file is read once, through
:mod:`insolegen.core.paths` (no hang on a FIFO or device, a size cap), and parsed from
memory; text is parsed a few megabytes at a time and counts declared in a file never size
an allocation, so memory stays proportional to the file, whatever its header claims.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from insolegen.core.paths import UnusablePathError, read_input_bytes, shown

MB = 1024 * 1024
MAX_MESH_BYTES = 1024 * MB  # 1 GB: a 20-million-triangle binary STL
MAX_TRIANGLES = 20_000_000  # a 3-million-triangle scan reads in ~10 s; this many in ~1 min and ~5 GB
MAX_ELEMENTS = 3 * MAX_TRIANGLES  # vertices or faces a PLY header may declare
MAX_POLYGON_CORNERS = 1000  # corners of one OBJ/PLY face (fanned into triangles)
STL_HEADER_BYTES = 80
STL_RECORD_BYTES = 50  # normal, three corners (12 float32) and a 2-byte attribute
STL_RECORD = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attr", "<u2")])
ASCII_SNIFF_BYTES = 4096  # ASCII STL has no NUL byte here; binary STL almost surely does
ASCII_TAIL_BYTES = 65536  # where ASCII STL's closing 'endsolid' must be
TEXT_CHUNK_BYTES = 8 * MB  # text formats are parsed this much at a time
PLY_HEADER_MAX_BYTES = 1 * MB  # a PLY header (comments included) is at most this long
MAX_PART_COORDINATE_MM = 1e6  # an STL to check beyond this (1 km) is no printable part; its sums overflow
SHOWN_TOKEN_CHARS = 40  # a bad number or line is quoted at most this long
EXPORT_AGAIN = "export it again"


# A lattice part's STL header starts with this (the wall it was made to, for check)
STL_WALL_MARK = "insolegen walls>={:.2f}mm"
_WALL_MARK = re.compile(rb"insolegen walls>=(\d{1,2}\.\d\d)mm")


def declared_wall_mm(path: Path | str) -> float | None:
    """The thinnest wall an STL's header says its part was made to (insolegen's lattice
    parts say so), or None: any other file, or one that cannot be read (checking it
    then says why)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(STL_HEADER_BYTES)
    except OSError:
        return None
    found = _WALL_MARK.match(head)
    return float(found.group(1)) if found else None


class MeshFileError(Exception):
    """A file that is not a readable triangle mesh."""


def read_mesh_bytes(path: Path | str, *, what: str) -> bytes:
    """The whole file, or MeshFileError saying why its path is unusable (missing, a folder,
    a FIFO or device, a symlink loop, a NUL byte, a name too long, unreadable, too large)."""
    try:
        data = read_input_bytes(path, max_bytes=MAX_MESH_BYTES, what=what)
    except UnusablePathError as exc:
        too_large = f"{MAX_MESH_BYTES // MB} MB" in str(exc)
        fix = "decimate the mesh (fewer triangles) and export it again" if too_large else "check the path"
        raise MeshFileError(f"{exc}: {fix}") from None
    if not data:
        raise MeshFileError(f"{shown(path)}: the file is empty")
    return data


# -- STL ------------------------------------------------------------------------------------


def _stl_declared(data: bytes) -> int:
    return int.from_bytes(data[STL_HEADER_BYTES:STL_HEADER_BYTES + 4], "little")


def _is_binary_stl(data: bytes) -> bool:
    """The binary layout fits exactly: 84 bytes, then 50 per triangle the header counts.
    (A binary header may start with "solid" too; the size decides.)"""
    return len(data) >= STL_HEADER_BYTES + 4 and len(data) == STL_HEADER_BYTES + 4 + STL_RECORD_BYTES * _stl_declared(data)


def _looks_like_ascii_stl(data: bytes) -> bool:
    return data[:1024].lstrip().lower().startswith(b"solid") and b"\0" not in data[:ASCII_SNIFF_BYTES]


def _not_stl_message(data: bytes, name: str) -> str:
    size = len(data)
    if size < STL_HEADER_BYTES + 4:
        found = f"it has only {size} bytes, too few for binary STL (84 at least), and is not ASCII STL text ('solid ...')"
    else:
        count = _stl_declared(data)
        layout = (f"its header says {count} triangles ({STL_HEADER_BYTES + 4 + STL_RECORD_BYTES * count} bytes) "
                  f"but it has {size} bytes")
        if data[:1024].lstrip().lower().startswith(b"solid"):
            found = (f"a binary STL whose 80-byte header starts with 'solid' (as ASCII STL does), "
                     f"cut short or damaged: {layout}")
        else:
            found = f"not binary STL ({layout}) and not ASCII STL ('solid ...')"
    return f"{name}: not a readable STL: {found}: {EXPORT_AGAIN}"


def sniff_stl_bytes(data: bytes, name: str) -> str:
    """'binary' or 'ascii', or MeshFileError for a file that is neither."""
    if _is_binary_stl(data):
        return "binary"
    if _looks_like_ascii_stl(data):
        return "ascii"
    raise MeshFileError(_not_stl_message(data, name))


def stl_triangles(data: bytes, name: str) -> NDArray[np.float64]:
    """The corners of every triangle of a binary or ASCII STL, (n, 3, 3); n may be 0."""
    if sniff_stl_bytes(data, name) == "binary":
        count = _stl_declared(data)
        _check_triangle_count(count, name)
        records = np.frombuffer(data, dtype=STL_RECORD, count=count, offset=STL_HEADER_BYTES + 4)
        with np.errstate(invalid="ignore"):  # signalling NaNs: the callers refuse them in words
            return records["corners"].astype(np.float64)
    return _ascii_stl_triangles(data, name)


def _check_triangle_count(count: int, name: str) -> None:
    if count > MAX_TRIANGLES:
        raise MeshFileError(f"{name}: the mesh has {count:,} triangles: at most {MAX_TRIANGLES:,} are read: "
                            "decimate it (fewer, larger triangles) and export it again")


def _text_chunks(data: bytes, name: str, what: str, start: int = 0,
                 after: re.Pattern | None = None) -> Iterator[tuple[int, bytes]]:
    """(offset, chunk) pieces of about TEXT_CHUNK_BYTES that end at a line end (after a
    match of ``after`` if given), so that no line (or record) is split between chunks.
    No real file has a line (or record) of megabytes: such a file is refused rather than
    parsed in one piece."""
    while len(data) - start > 2 * TEXT_CHUNK_BYTES:
        cut = start + TEXT_CHUNK_BYTES
        if after is not None:
            found = after.search(data, cut, cut + TEXT_CHUNK_BYTES)
            cut = -1 if found is None else found.end()
        stop = -1 if cut < 0 else data.find(b"\n", cut, cut + TEXT_CHUNK_BYTES)
        if stop < 0:
            raise MeshFileError(f"{name}: not a readable {what}: no line (or record) ends within "
                                f"{TEXT_CHUNK_BYTES // MB} MB after byte {start + TEXT_CHUNK_BYTES:,}: {EXPORT_AGAIN}")
        yield start, data[start:stop + 1]
        start = stop + 1
    if start < len(data):
        yield start, data[start:]


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, max(offset, 0)) + 1


def _line_with(data: bytes, token: bytes, start: int) -> int:
    """The line where ``token`` first appears from ``start`` (the chunk's first line if
    it was seen only in a lower-cased copy)."""
    at = data.find(token, start)
    return _line_of(data, at if at >= 0 else start)


def _quoted(token: bytes) -> str:
    return repr(shown(token.decode("latin-1"), SHOWN_TOKEN_CHARS))


def _to_floats(tokens: list, name: str, data: bytes, where: int, what: str) -> NDArray[np.float64]:
    """Number tokens (bytes) to float64; a bad one is quoted with its line."""
    try:
        return np.array(tokens, dtype=np.bytes_).astype(np.float64)
    except ValueError:
        flat = list(np.array(tokens, dtype=np.bytes_).ravel())
        bad = next((t for t in flat if not _parses(float, t)), flat[0])
        raise MeshFileError(f"{name}: not a readable {what}: {_quoted(bad)} on line "
                            f"{_line_with(data, bad, where)} is not a number: {EXPORT_AGAIN}") from None


def _parses(kind: type, token: bytes) -> bool:
    try:
        value = kind(token)
    except ValueError:
        return False
    return kind is not int or -(2**63) <= value < 2**63


# One facet's loop, whitespace-free of layout (some writers put a facet on one line).
STL_LOOP = re.compile(rb"outer\s+loop" + rb"\s+vertex\s+(\S+)\s+(\S+)\s+(\S+)" * 3 + rb"\s+endloop")
STL_LOOP_END = re.compile(rb"endloop", re.I)
STL_VERTEX_WORD = re.compile(rb"\bvertex\b")
STL_SOLID_LINE = re.compile(rb"^[ \t]*(?:end)?solid\b[^\n]*", re.M)  # may hold any name


def _ascii_stl_triangles(data: bytes, name: str) -> NDArray[np.float64]:
    """ASCII STL: every 'outer loop' of three 'vertex x y z', checked against the count of
    'vertex' words so that no damaged facet is skipped; parsed a chunk at a time (a 1 GB
    text file never becomes one list of tokens)."""
    parts: list[NDArray[np.float64]] = []
    corners = 0
    for offset, chunk in _text_chunks(data, name, "STL", after=STL_LOOP_END):
        # blank the solid lines (same length, so offsets hold): their names are free text
        body = STL_SOLID_LINE.sub(lambda m: b" " * len(m.group()), chunk.lower())
        loops = STL_LOOP.findall(body)
        words = [m.start() for m in STL_VERTEX_WORD.finditer(body)]
        if 3 * len(loops) != len(words):
            where = _first_outside(words, [m.span() for m in STL_LOOP.finditer(body)])
            raise MeshFileError(f"{name}: not a readable STL: a facet near line {_line_of(data, offset + where)} "
                                f"is not 'outer loop', three 'vertex x y z', 'endloop': the file is damaged: "
                                f"{EXPORT_AGAIN}")
        if loops:
            parts.append(_to_floats(loops, name, data, offset, "STL"))
        corners += 3 * len(loops)
        _check_triangle_count(corners // 3, name)
    if corners and b"endsolid" not in data[-ASCII_TAIL_BYTES:].lower():
        raise MeshFileError(f"{name}: not a readable STL: ASCII STL without the closing 'endsolid': "
                            f"the file is cut short: {EXPORT_AGAIN}")
    if not parts:
        return np.empty((0, 3, 3))
    return np.concatenate(parts).reshape(-1, 3, 3)


def _first_outside(positions: list[int], spans: list[tuple[int, int]]) -> int:
    """The first position in none of the (sorted, disjoint) spans; 0 if none is."""
    starts = [a for a, _ in spans]
    for at in positions:
        i = bisect.bisect_right(starts, at) - 1
        if i < 0 or at >= spans[i][1]:
            return at
    return 0


def load_mesh_file(path: Path) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Read an STL (binary or ASCII) with coincident vertices merged."""
    name = shown(path)
    if Path(path).suffix.lower() != ".stl":
        raise MeshFileError(f"{name}: not an STL file (expected the .stl extension)")
    corners: NDArray[np.float64] | None = None
    try:
        corners = stl_triangles(read_mesh_bytes(path, what="STL"), name)
        vertices = corners.reshape(-1, 3)
        if not np.isfinite(vertices).all():
            raise MeshFileError(f"{name}: the STL has non-finite coordinates (NaN or infinity): {EXPORT_AGAIN}")
        largest = max(float(vertices.max()), -float(vertices.min())) if len(vertices) else 0.0  # no |v| copy
        if largest > MAX_PART_COORDINATE_MM:
            raise MeshFileError(f"{name}: the STL has coordinates as large as {largest:.3g} mm, no printable part: "
                                f"at most {MAX_PART_COORDINATE_MM:.0g} mm is checked: check its units and {EXPORT_AGAIN}")
        faces = np.arange(len(vertices), dtype=np.int64).reshape(-1, 3)
        # STL stores each triangle's corners separately; merge equal corners to recover
        # the connectivity the checks need.
        unique, inverse = np.unique(vertices, axis=0, return_inverse=True)
    except MemoryError:
        # within the caps (~350 bytes a triangle) but more than this machine has
        count = "" if corners is None else f" ({len(corners):,} triangles)"
        raise MeshFileError(f"{name}: not enough memory to read this STL{count}: decimate it and export it again") from None
    return unique, inverse.reshape(-1)[faces]


# -- faces shared by OBJ and PLY ----------------------------------------------------------------


def _fan(indices: NDArray[np.int64], counts: NDArray[np.int64], name: str, what: str) -> NDArray[np.int64]:
    """Polygons (flat ``indices``, ``counts`` corners each) as triangles (a, b, c),
    (a, c, d), ...: the triangles trimesh makes of a quad, so the same surface."""
    if len(counts) == 0:
        return np.empty((0, 3), np.int64)
    if counts.min() < 3 or counts.max() > MAX_POLYGON_CORNERS:
        bad = int(np.flatnonzero((counts < 3) | (counts > MAX_POLYGON_CORNERS))[0])
        raise MeshFileError(f"{name}: not a readable {what}: face {bad + 1} has {counts[bad]} corners "
                            f"(a face has 3 to {MAX_POLYGON_CORNERS}): {EXPORT_AGAIN}")
    per_polygon = counts - 2
    _check_triangle_count(int(per_polygon.sum()), name)
    if (counts == 3).all():
        return indices.reshape(-1, 3)
    polygon = np.repeat(np.arange(len(counts)), per_polygon)
    step = np.arange(len(polygon)) - np.repeat(np.cumsum(per_polygon) - per_polygon, per_polygon) + 1
    first = (np.cumsum(counts) - counts)[polygon]
    return np.column_stack([indices[first], indices[first + step], indices[first + step + 1]])


def _check_indices(faces: NDArray[np.int64], vertex_count: int, name: str, what: str, first: int) -> None:
    """Every face names a vertex of the file (``first``: how the format numbers them)."""
    bad = (faces < 0) | (faces >= vertex_count)
    if not bad.any():
        return
    face = int(np.flatnonzero(bad.any(axis=1))[0])
    index = int(faces[face][bad[face]][0]) + first
    raise MeshFileError(
        f"{name}: not a readable {what}: face {face + 1} refers to vertex {index}, but the file has "
        f"{vertex_count} vertices (numbered {first} to {vertex_count - 1 + first}): the file is damaged: {EXPORT_AGAIN}"
    )


def _check_text(data: bytes, name: str, what: str) -> None:
    if b"\0" in data:
        raise MeshFileError(f"{name}: not a readable {what}: it holds binary data (NUL bytes) where {what} "
                            f"text was expected: {EXPORT_AGAIN}")


# -- OBJ ---------------------------------------------------------------------------------------

OBJ_LINE = re.compile(rb"^[ \t]*([vf])[ \t]+([^\n#]*)", re.M)
OBJ_INDEX_TAIL = re.compile(rb"/\S*")  # 'f 1/2/3': the vertex is before the first slash


def obj_mesh(data: bytes, name: str) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """OBJ geometry: 'v x y z' and 'f a b c ...' (1-based; negative counts back from the
    latest vertex; 'a/t/n' forms), polygons fanned; everything else is ignored. Vertices
    no face uses are dropped, as trimesh does."""
    _check_text(data, name, "OBJ")
    if b"\\\n" in data or b"\\\r\n" in data:  # line continuations
        data = data.replace(b"\\\r\n", b"").replace(b"\\\n", b"")
    coordinates: list[NDArray[np.float64]] = []
    polygons: list[NDArray[np.int64]] = []
    corners: list[NDArray[np.int64]] = []
    seen = triangles = 0
    for offset, chunk in _text_chunks(data, name, "OBJ"):
        lines = OBJ_LINE.findall(chunk)
        is_vertex = np.array([kind == b"v" for kind, _ in lines], dtype=bool)
        vertex_text = [rest.split()[:3] for kind, rest in lines if kind == b"v"]
        if any(len(v) < 3 for v in vertex_text):
            bad = next(i for i, v in enumerate(vertex_text) if len(v) < 3)
            raise MeshFileError(f"{name}: not a readable OBJ: vertex {seen + bad + 1} has fewer than 3 coordinates: "
                                f"{EXPORT_AGAIN}")
        if vertex_text:
            coordinates.append(_to_floats(vertex_text, name, data, offset, "OBJ"))
        face_text = [rest for kind, rest in lines if kind == b"f"]
        if face_text:
            # OBJ counts a negative index back from the vertices read so far.
            before = seen + np.cumsum(is_vertex)[~is_vertex]
            index, count = _obj_indices(face_text, name, data, offset, before)
            polygons.append(index)
            corners.append(count)
            triangles += int((count - 2).sum())
            _check_triangle_count(triangles, name)
        seen += len(vertex_text)
        if seen > MAX_ELEMENTS:
            raise MeshFileError(f"{name}: the OBJ has more than {MAX_ELEMENTS:,} vertices: decimate the mesh "
                                f"(at most {MAX_TRIANGLES:,} triangles) and {EXPORT_AGAIN}")
    vertices = np.concatenate(coordinates) if coordinates else np.empty((0, 3))
    if not polygons:
        return vertices, np.empty((0, 3), np.int64)
    faces = _fan(np.concatenate(polygons), np.concatenate(corners), name, "OBJ")
    _check_indices(faces, len(vertices), name, "OBJ", first=1)
    used, faces = np.unique(faces, return_inverse=True)
    return vertices[used], faces.reshape(-1, 3)


def _obj_indices(face_text: list[bytes], name: str, data: bytes, offset: int,
                 before: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """0-based vertex indices of some 'f' lines (flat) and their corner counts."""
    count = np.array([len(rest.split()) for rest in face_text], dtype=np.int64)
    tokens = OBJ_INDEX_TAIL.sub(b"", b" ".join(face_text)).split()
    try:
        index = np.array(tokens, dtype=np.bytes_).astype(np.int64)
    except (ValueError, OverflowError):
        bad = next((t for t in tokens if not _parses(int, t)), tokens[0])
        raise MeshFileError(f"{name}: not a readable OBJ: face vertex {_quoted(bad)} on line "
                            f"{_line_with(data, bad, offset)} is not a vertex number: {EXPORT_AGAIN}") from None
    if (index == 0).any():
        raise MeshFileError(f"{name}: not a readable OBJ: a face refers to vertex 0, but OBJ numbers vertices "
                            f"from 1: the file is damaged: {EXPORT_AGAIN}")
    latest = np.repeat(before, count)
    if (latest + index < 0).any():
        at = int(np.flatnonzero(latest + index < 0)[0])
        raise MeshFileError(f"{name}: not a readable OBJ: a face refers to vertex {index[at]}, counting back from "
                            f"the {latest[at]} vertices before it: the file is damaged: {EXPORT_AGAIN}")
    return np.where(index > 0, index - 1, latest + index), count


# -- PLY ---------------------------------------------------------------------------------------

PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2", "int16": "i2",
    "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}
PLY_FORMATS = {"ascii": None, "binary_little_endian": "<", "binary_big_endian": ">"}
PLY_FACE_LISTS = ("vertex_indices", "vertex_index")


@dataclass(frozen=True)
class PlyProperty:
    name: str
    type: str  # numpy type code, without byte order
    count_type: str | None = None  # for a list: the type of its length


@dataclass(frozen=True)
class PlyElement:
    name: str
    count: int
    properties: tuple[PlyProperty, ...]


def _ply_header(data: bytes, name: str) -> tuple[str | None, list[PlyElement], int]:
    """(byte order or None for ASCII, elements, where the data starts)."""
    if not data.startswith(b"ply") or data[3:4] not in (b"\n", b"\r"):
        raise MeshFileError(f"{name}: not a readable PLY: it does not start with 'ply': {EXPORT_AGAIN}")
    end = re.search(rb"(^|\n)end_header[ \t\r]*(\n|$)", data[:PLY_HEADER_MAX_BYTES])
    if end is None:
        raise MeshFileError(f"{name}: not a readable PLY: no 'end_header' in its first "
                            f"{PLY_HEADER_MAX_BYTES // MB} MB: the header is cut short or damaged: {EXPORT_AGAIN}")
    lines = data[:end.start()].decode("latin-1").splitlines()[1:]
    order: str | None = ""
    elements: list[PlyElement] = []
    for number, line in enumerate(lines, start=2):
        words = line.split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        if words[0] == "format" and len(words) == 3 and words[1] in PLY_FORMATS:
            order = PLY_FORMATS[words[1]]
        elif words[0] == "element" and len(words) == 3:
            if words[1] in {e.name for e in elements}:
                raise MeshFileError(f"{name}: not a readable PLY: header line {number} declares the element "
                                    f"{_quoted(words[1].encode())} twice: {EXPORT_AGAIN}")
            elements.append(PlyElement(words[1], _ply_count(words[2], words[1], name), ()))
        elif words[0] == "property" and elements:
            prop = _ply_property(words, name, number)
            last = elements[-1]
            if prop.name in {p.name for p in last.properties}:
                raise MeshFileError(f"{name}: not a readable PLY: header line {number} repeats the {last.name} "
                                    f"property {_quoted(prop.name.encode())}: {EXPORT_AGAIN}")
            elements[-1] = PlyElement(last.name, last.count, last.properties + (prop,))
        else:
            raise MeshFileError(f"{name}: not a readable PLY: header line {number} "
                                f"{_quoted(line.encode('latin-1'))} is not PLY: {EXPORT_AGAIN}")
    if order == "":
        raise MeshFileError(f"{name}: not a readable PLY: the header has no 'format ascii 1.0' (or binary) line: "
                            f"{EXPORT_AGAIN}")
    return order, elements, end.end()


def _ply_count(text: str, element: str, name: str) -> int:
    if not text.isdigit():
        raise MeshFileError(f"{name}: not a readable PLY: the header gives {_quoted(text.encode())} {element} "
                            f"elements, not a count: {EXPORT_AGAIN}")
    count = int(text)
    if count > MAX_ELEMENTS:
        raise MeshFileError(f"{name}: the PLY header declares {count:,} {element} elements: at most "
                            f"{MAX_ELEMENTS:,} are read: decimate the mesh (at most {MAX_TRIANGLES:,} triangles)")
    return count


def _ply_property(words: list[str], name: str, number: int) -> PlyProperty:
    if len(words) == 3 and words[1] in PLY_TYPES:
        return PlyProperty(words[2], PLY_TYPES[words[1]])
    if (len(words) == 5 and words[1] == "list" and words[2] in PLY_TYPES and words[3] in PLY_TYPES
            and PLY_TYPES[words[2]][0] in "iu"):
        return PlyProperty(words[4], PLY_TYPES[words[3]], PLY_TYPES[words[2]])
    raise MeshFileError(f"{name}: not a readable PLY: header line {number} "
                        f"{_quoted(' '.join(words).encode())} is not a property PLY knows: {EXPORT_AGAIN}")


def ply_mesh(data: bytes, name: str) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """PLY geometry (ASCII or binary): vertex x, y, z and face vertex_indices, polygons
    fanned; other elements and properties are read past and ignored."""
    order, elements, start = _ply_header(data, name)
    vertex = next((e for e in elements if e.name == "vertex"), None)
    if vertex is None or not {"x", "y", "z"} <= {p.name for p in vertex.properties if p.count_type is None}:
        raise MeshFileError(f"{name}: not a readable PLY: the header has no 'element vertex' with x, y and z: "
                            f"{EXPORT_AGAIN}")
    face = next((e for e in elements if e.name == "face"), None)
    face_list = None if face is None else next((p for p in face.properties if p.name in PLY_FACE_LISTS
                                                and p.count_type is not None), None)
    if face is not None and face.count and face_list is None:
        raise MeshFileError(f"{name}: not a readable PLY: its faces have no vertex_indices list: {EXPORT_AGAIN}")
    wanted = {"vertex": ("x", "y", "z"), "face": (face_list.name,) if face_list else ()}
    if order is None:
        columns = _ply_ascii(data, start, elements, wanted, name)
    else:
        columns = _ply_binary(data, start, elements, wanted, order, name)
    with np.errstate(invalid="ignore"):  # signalling NaNs: the callers refuse them in words
        vertices = np.column_stack([columns[("vertex", axis)].astype(np.float64) for axis in "xyz"]).reshape(-1, 3)
    if face_list is None or ("face", face_list.name) not in columns:
        return vertices, np.empty((0, 3), np.int64)
    index, count = columns[("face", face_list.name)]
    faces = _fan(index.astype(np.int64), count.astype(np.int64), name, "PLY")
    _check_indices(faces, len(vertices), name, "PLY", first=0)
    return vertices, faces


def _cut_short(name: str, element: PlyElement, need: int, have: int, unit: str) -> MeshFileError:
    return MeshFileError(
        f"{name}: not a readable PLY: the header declares {element.count:,} {element.name} elements "
        f"({need:,} {unit} or more from here) but only {have:,} {unit} follow: the file is cut short "
        f"or its header is wrong: {EXPORT_AGAIN}"
    )


def _ply_binary(data: bytes, start: int, elements: list[PlyElement], wanted: dict, order: str,
                name: str) -> dict:
    """Binary PLY: each element is one structured array read in place. A list property's
    length is taken from the first record and must be the same in all (trimesh's rule:
    triangles, or all quads)."""
    offset, columns = start, {}
    for element in elements:
        # (name, type) for a value, (name, type, (length,)) for a list's items
        fields: list[tuple[str, str] | tuple[str, str, tuple[int]]] = []
        sizes: dict[str, int] = {}
        record = offset
        for prop in element.properties:
            if prop.count_type is None:
                fields.append((prop.name, order + prop.type))
                record += np.dtype(prop.type).itemsize
                continue
            count_type = np.dtype(order + prop.count_type)
            if element.count == 0:
                length = 0
            elif record + count_type.itemsize > len(data):
                raise _cut_short(name, element, record + count_type.itemsize - offset, len(data) - offset, "bytes")
            else:
                length = int(np.frombuffer(data, count_type, 1, record)[0])
            if not 0 <= length <= MAX_POLYGON_CORNERS:
                raise MeshFileError(f"{name}: not a readable PLY: a {element.name} list of {length} items "
                                    f"(at most {MAX_POLYGON_CORNERS}): the file is damaged: {EXPORT_AGAIN}")
            sizes[prop.name] = length
            fields += [(prop.name + " count", count_type.str), (prop.name, order + prop.type, (length,))]
            record += count_type.itemsize + length * np.dtype(prop.type).itemsize
        dtype = np.dtype(fields)
        need = element.count * dtype.itemsize
        if offset + need > len(data):
            raise _cut_short(name, element, need, len(data) - offset, "bytes")
        array = np.frombuffer(data, dtype, element.count, offset) if element.count else np.empty(0, dtype)
        offset += need
        for prop in element.properties:
            if prop.count_type is None or not element.count:
                continue
            lengths = array[prop.name + " count"]
            if (lengths != sizes[prop.name]).any():
                other = int(lengths[lengths != sizes[prop.name]][0])
                raise MeshFileError(
                    f"{name}: not a readable PLY: its {element.name} lists differ in length ({sizes[prop.name]}, "
                    f"then {other}): the header's counts are wrong, or the faces mix triangles and quads, which "
                    f"binary PLY is not read with: triangulate the mesh and {EXPORT_AGAIN}")
        for field in wanted.get(element.name, ()):
            if field in sizes:
                columns[(element.name, field)] = (array[field].reshape(-1), np.full(element.count, sizes[field]))
            else:
                columns[(element.name, field)] = array[field]
    if offset != len(data):
        raise MeshFileError(f"{name}: not a readable PLY: {len(data) - offset:,} bytes follow the data its header "
                            f"declares: the header's counts are wrong: {EXPORT_AGAIN}")
    return columns


def _ply_ascii(data: bytes, start: int, elements: list[PlyElement], wanted: dict, name: str) -> dict:
    """ASCII PLY: one element a line (as trimesh reads it), blank lines skipped."""
    _check_text(data, name, "PLY")
    lines = _ply_lines(data, start, name)
    columns: dict[tuple[str, str], Any] = {}  # an array, or a list's (items, counts)
    for element in elements:
        values: dict[str, list] = {field: [] for field in wanted.get(element.name, ())}
        left = element.count
        while left:
            block = next(lines, None)
            if block is None:
                raise _cut_short(name, element, element.count, element.count - left, "lines")
            offset, text = block
            used = text[:left]
            if len(used) < len(text):  # the rest belongs to the next element
                lines = _prepend(lines, (offset, text[left:]))
            _ply_ascii_block(used, element, values, name, data, offset)
            left -= len(used)
        for field, parts in values.items():
            prop = next(p for p in element.properties if p.name == field)
            if prop.count_type is None:
                # held in the declared type, as a binary file (and trimesh) would have it
                with np.errstate(invalid="ignore", over="ignore"):  # NaN or a value beyond the type: refused later
                    columns[(element.name, field)] = (np.concatenate(parts) if parts else np.empty(0)).astype(prop.type)
            else:
                index = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
                count = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
                columns[(element.name, field)] = (index, count)
    extra = next(lines, None)
    if extra is not None:
        raise MeshFileError(f"{name}: not a readable PLY: more data lines than its header declares "
                            f"(from line {_line_of(data, extra[0])}): the header's counts are wrong: {EXPORT_AGAIN}")
    return columns


def _prepend(rest: Iterator, first: tuple) -> Iterator:
    yield first
    yield from rest


def _ply_lines(data: bytes, start: int, name: str) -> Iterator[tuple[int, list[bytes]]]:
    """Blocks of non-blank lines (offset of the block, lines)."""
    for offset, chunk in _text_chunks(data, name, "PLY", start):
        lines = [line for line in chunk.split(b"\n") if line.strip()]
        if lines:
            yield offset, lines


def _ply_ascii_block(lines: list[bytes], element: PlyElement, values: dict, name: str, data: bytes,
                     offset: int) -> None:
    """Parse one element's lines into ``values`` (only the wanted fields are kept)."""
    props = element.properties
    if all(p.count_type is None for p in props):
        tokens = b" ".join(lines).split()
        if len(tokens) != len(props) * len(lines):
            bad = next(line for line in lines if len(line.split()) != len(props))
            raise MeshFileError(f"{name}: not a readable PLY: line {_line_with(data, bad, offset)} has "
                                f"{len(bad.split())} values where a {element.name} has {len(props)}: the header's "
                                f"counts or the data are wrong: {EXPORT_AGAIN}")
        table = _to_floats(tokens, name, data, offset, "PLY").reshape(len(lines), len(props))
        for field in values:
            values[field].append(table[:, [p.name for p in props].index(field)])
        return
    if len(props) == 1 and _ply_uniform_lists(lines, props[0], values):
        return
    rows: dict[str, list] = {field: [] for field in values}
    for line in lines:
        words = line.split()
        at = 0
        try:
            for prop in props:
                if prop.count_type is None:
                    value = words[at]
                    at += 1
                    if prop.name in rows:
                        rows[prop.name].append(value)
                    continue
                length = int(words[at])
                if not 0 <= length <= MAX_POLYGON_CORNERS:
                    raise ValueError
                items = [int(w) for w in words[at + 1:at + 1 + length]]
                if len(items) != length:
                    raise ValueError
                at += 1 + length
                if prop.name in rows:
                    rows[prop.name].append(items)
            if at != len(words):
                raise ValueError
        except (ValueError, IndexError):
            raise MeshFileError(f"{name}: not a readable PLY: line {_line_with(data, line, offset)} "
                                f"{_quoted(line)} is not a {element.name} as the header declares it: "
                                f"{EXPORT_AGAIN}") from None
    for prop in props:
        if prop.name not in values:
            continue
        if prop.count_type is None:
            values[prop.name].append(_to_floats(rows[prop.name], name, data, offset, "PLY"))
        else:
            lists = rows[prop.name]
            count = np.array([len(items) for items in lists], dtype=np.int64)
            flat = np.fromiter((i for items in lists for i in items), dtype=np.int64, count=int(count.sum()))
            values[prop.name].append((flat, count))


def _ply_uniform_lists(lines: list[bytes], prop: PlyProperty, values: dict) -> bool:
    """The usual face element, one list per line all of one length (triangles), parsed
    at once; False (nothing done) otherwise, and the line-by-line parse takes over."""
    width = len(lines[0].split())
    if width < 1 or any(len(line.split()) != width for line in lines):
        return False
    try:
        table = np.array(b" ".join(lines).split(), dtype=np.bytes_).astype(np.int64).reshape(len(lines), width)
    except (ValueError, OverflowError):
        return False
    if not (table[:, 0] == width - 1).all():
        return False
    if prop.name in values:
        values[prop.name].append((table[:, 1:].ravel(), np.full(len(lines), width - 1, dtype=np.int64)))
    return True


# -- XYZ point clouds -------------------------------------------------------------------------

MAX_CLOUD_POINTS = 20_000_000  # as many points as the largest mesh has triangles


def xyz_points(data: bytes, name: str) -> NDArray[np.float64]:
    """An XYZ text point cloud (phone apps, CloudCompare): one point per line, x y z
    first (separated by spaces, tabs, commas or semicolons), more columns (colour,
    normal) ignored; lines starting with # or // are comments."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MeshFileError(f"{name}: not a readable XYZ point cloud: it is not text (binary data?): "
                            f"{EXPORT_AGAIN} as XYZ text or PLY") from None
    rows = [line for line in text.replace(",", " ").replace(";", " ").splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "//"))]
    if len(rows) > MAX_CLOUD_POINTS:
        raise MeshFileError(f"{name}: {len(rows):,} points, more than the {MAX_CLOUD_POINTS:,} a foot "
                            "needs: thin the cloud out and export it again")
    if all(len(row.split()) == 3 for row in rows):  # the usual case, x y z only: parsed in one go
        words = " ".join(rows).split()
        try:
            return np.array(words, dtype=np.float64).reshape(-1, 3)
        except ValueError:
            pass  # a word that is no number: found and named below
    points = np.empty((len(rows), 3))
    for number, line in enumerate(rows):
        words = line.split()
        try:
            if len(words) < 3:
                raise ValueError
            points[number] = [float(w) for w in words[:3]]
        except ValueError:
            raise MeshFileError(f"{name}: not a readable XYZ point cloud: point {number + 1} is "
                                f"{shown_text(line)}, not three numbers x y z: {EXPORT_AGAIN}") from None
    return points


def shown_text(line: str, limit: int = 40) -> str:
    """A line of a user's file in a message: quoted, cut short."""
    return repr(line if len(line) <= limit else line[:limit] + "...")
