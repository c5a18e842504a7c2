"""PLY, ASCII or binary (either byte order): vertices and faces, or points only (a
phone's scan), for scans."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from insolegen.formats.limits import (
    EXPORT_AGAIN,
    MAX_ELEMENTS,
    MAX_POLYGON_CORNERS,
    MAX_TRIANGLES,
    MB,
    PLY_HEADER_MAX_BYTES,
    MeshFileError,
)
from insolegen.formats.text import _check_indices, _check_text, _fan, _line_of, _line_with, _quoted, _text_chunks, _to_floats

__all__ = ["PLY_FACE_LISTS", "PLY_FORMATS", "PLY_TYPES", "PlyElement", "PlyProperty", "ply_mesh"]

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
