"""Parsing a text mesh format a few megabytes at a time: chunks, line numbers for the
messages, numbers checked as they are read, polygons fanned into triangles and their
indices checked."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from insolegen.core.paths import shown
from insolegen.formats import limits  # read at each call: the tests shrink the chunk
from insolegen.formats.limits import (
    EXPORT_AGAIN,
    MAX_POLYGON_CORNERS,
    MB,
    SHOWN_TOKEN_CHARS,
    MeshFileError,
    _check_triangle_count,
)

__all__ = ["shown_text"]


def _text_chunks(data: bytes, name: str, what: str, start: int = 0,
                 after: re.Pattern | None = None) -> Iterator[tuple[int, bytes]]:
    """(offset, chunk) pieces of about limits.TEXT_CHUNK_BYTES that end at a line end (after a
    match of ``after`` if given), so that no line (or record) is split between chunks.
    No real file has a line (or record) of megabytes: such a file is refused rather than
    parsed in one piece."""
    chunk = limits.TEXT_CHUNK_BYTES
    while len(data) - start > 2 * chunk:
        cut = start + chunk
        if after is not None:
            found = after.search(data, cut, cut + chunk)
            cut = -1 if found is None else found.end()
        stop = -1 if cut < 0 else data.find(b"\n", cut, cut + chunk)
        if stop < 0:
            raise MeshFileError(f"{name}: not a readable {what}: no line (or record) ends within "
                                f"{chunk // MB} MB after byte {start + chunk:,}: {EXPORT_AGAIN}")
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


def shown_text(line: str, limit: int = 40) -> str:
    """A line of a user's file in a message: quoted, cut short."""
    return repr(line if len(line) <= limit else line[:limit] + "...")
