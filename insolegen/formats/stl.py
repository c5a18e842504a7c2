"""STL, binary or ASCII: what ``insolegen check`` and the scan reader take, and the
wall a lattice part's header says it was made to."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from insolegen.formats.limits import EXPORT_AGAIN, MeshFileError, _check_triangle_count
from insolegen.formats.text import _line_of, _text_chunks, _to_floats

__all__ = [
    "ASCII_SNIFF_BYTES", "ASCII_TAIL_BYTES", "STL_HEADER_BYTES", "STL_LOOP", "STL_LOOP_END", "STL_RECORD",
    "STL_RECORD_BYTES", "STL_SOLID_LINE", "STL_VERTEX_WORD", "STL_WALL_MARK", "declared_wall_mm", "sniff_stl_bytes",
    "stl_triangles",
    "stl_triangles_as_written",
]

STL_HEADER_BYTES = 80


STL_RECORD_BYTES = 50  # normal, three corners (12 float32) and a 2-byte attribute


STL_RECORD = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attr", "<u2")])


ASCII_SNIFF_BYTES = 4096  # ASCII STL has no NUL byte here; binary STL almost surely does


ASCII_TAIL_BYTES = 65536  # where ASCII STL's closing 'endsolid' must be


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
        with np.errstate(invalid="ignore"):  # signalling NaNs: the callers refuse them in words
            return _binary_corners(data, name).astype(np.float64)
    return _ascii_stl_triangles(data, name)


def stl_triangles_as_written(data: bytes, name: str) -> NDArray[np.float32] | NDArray[np.float64]:
    """:func:`stl_triangles` with a binary STL's own float32 numbers: half the memory of
    a large scan's corners. Every float32 is exactly a float64, so a reader that widens
    them before any arithmetic gets the same results. An ASCII STL's, parsed from text,
    are float64."""
    if sniff_stl_bytes(data, name) == "binary":
        return _binary_corners(data, name).copy()  # a copy: the file's bytes can go
    return _ascii_stl_triangles(data, name)


def _binary_corners(data: bytes, name: str) -> NDArray[np.float32]:
    """A binary STL's corners, a view of ``data``."""
    count = _stl_declared(data)
    _check_triangle_count(count, name)
    records = np.frombuffer(data, dtype=STL_RECORD, count=count, offset=STL_HEADER_BYTES + 4)
    return records["corners"]


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
