"""Reading a user's mesh file into arrays: STL (binary or ASCII) for ``insolegen check``
and for scans, OBJ and PLY for scans.

Every way a file can be unusable ends in one :class:`MeshFileError` whose one-line
message names the file, says what was found and what to do. A file is read once, through
:mod:`insolegen.core.paths` (no hang on a FIFO or device, a size cap), and parsed from
memory; text is parsed a few megabytes at a time and counts declared in a file never size
an allocation, so memory stays proportional to the file, whatever its header claims.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from insolegen.core.paths import shown
from insolegen.core.rows import unique_rows
from insolegen.formats.limits import EXPORT_AGAIN, MAX_CLOUD_POINTS, MAX_PART_COORDINATE_MM, MeshFileError, read_mesh_bytes
from insolegen.formats.stl import stl_triangles
from insolegen.formats.text import shown_text

__all__ = ["load_mesh_file", "xyz_points"]


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
        unique, inverse, _ = unique_rows(vertices)
    except MemoryError:
        # within the caps (~350 bytes a triangle) but more than this machine has
        count = "" if corners is None else f" ({len(corners):,} triangles)"
        raise MeshFileError(f"{name}: not enough memory to read this STL{count}: decimate it and export it again") from None
    return unique, inverse.reshape(-1)[faces]


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
