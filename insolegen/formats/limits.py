"""What any mesh file may hold, and the one error every reader raises: the caps that
keep memory proportional to the file whatever its header claims, and the file read once
through insolegen.core.paths (no hang on a FIFO or device, a size cap)."""

from __future__ import annotations

from pathlib import Path

from insolegen.core.paths import UnusablePathError, read_input_bytes, shown

__all__ = [
    "EXPORT_AGAIN",
    "MAX_CLOUD_POINTS",
    "MAX_ELEMENTS",
    "MAX_MESH_BYTES",
    "MAX_PART_COORDINATE_MM",
    "MAX_POLYGON_CORNERS",
    "MAX_TRIANGLES",
    "MB",
    "PLY_HEADER_MAX_BYTES",
    "SHOWN_TOKEN_CHARS",
    "TEXT_CHUNK_BYTES",
    "MeshFileError",
    "read_mesh_bytes",
]

MB = 1024 * 1024


MAX_MESH_BYTES = 1024 * MB  # 1 GB: a 20-million-triangle binary STL


MAX_TRIANGLES = 20_000_000  # a 3-million-triangle scan reads in ~10 s; this many in ~1 min and ~5 GB


MAX_ELEMENTS = 3 * MAX_TRIANGLES  # vertices or faces a PLY header may declare


MAX_POLYGON_CORNERS = 1000  # corners of one OBJ/PLY face (fanned into triangles)


TEXT_CHUNK_BYTES = 8 * MB  # text formats are parsed this much at a time


PLY_HEADER_MAX_BYTES = 1 * MB  # a PLY header (comments included) is at most this long


MAX_PART_COORDINATE_MM = 1e6  # an STL to check beyond this (1 km) is no printable part; its sums overflow


SHOWN_TOKEN_CHARS = 40  # a bad number or line is quoted at most this long


EXPORT_AGAIN = "export it again"


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


def _check_triangle_count(count: int, name: str) -> None:
    if count > MAX_TRIANGLES:
        raise MeshFileError(f"{name}: the mesh has {count:,} triangles: at most {MAX_TRIANGLES:,} are read: "
                            "decimate it (fewer, larger triangles) and export it again")


MAX_CLOUD_POINTS = 20_000_000  # as many points as the largest mesh has triangles
