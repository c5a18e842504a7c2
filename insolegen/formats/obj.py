"""Wavefront OBJ: vertices and faces (any polygon, fanned), for scans."""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import NDArray

from insolegen.formats.limits import EXPORT_AGAIN, MAX_ELEMENTS, MAX_TRIANGLES, MeshFileError, _check_triangle_count
from insolegen.formats.text import _check_indices, _check_text, _fan, _line_with, _parses, _quoted, _text_chunks, _to_floats

__all__ = ["OBJ_INDEX_TAIL", "OBJ_LINE", "obj_mesh"]

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
