"""Reading a user's mesh file (STL, binary or ASCII) for ``insolegen check`` and scans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray


class MeshFileError(Exception):
    """A file that is not a readable triangle mesh."""


def sniff_stl(path: Path) -> None:
    """Refuse files that are neither a size-consistent binary STL nor ASCII STL text."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(84)
    if size >= 84:
        count = int.from_bytes(head[80:84], "little")
        if 84 + 50 * count == size:
            return
    if head.lstrip().lower().startswith(b"solid"):
        return
    detail = (
        f"its header says {int.from_bytes(head[80:84], 'little')} triangles "
        f"({84 + 50 * int.from_bytes(head[80:84], 'little')} bytes) but it has {size} bytes"
        if size >= 84
        else f"it has only {size} bytes"
    )
    raise MeshFileError(f"{path}: not a readable STL: not binary STL ({detail}) and not ASCII STL ('solid ...')")


def load_mesh_file(path: Path) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Read an STL (binary or ASCII) with coincident vertices merged."""
    import trimesh

    path = Path(path)
    if not path.is_file():
        raise MeshFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise MeshFileError(f"{path}: the file is empty")
    if path.suffix.lower() != ".stl":
        raise MeshFileError(f"{path}: not an STL file (expected the .stl extension)")
    sniff_stl(path)
    try:
        with path.open("rb") as handle:
            loaded = trimesh.exchange.stl.load_stl(handle)
    except Exception as exc:  # trimesh raises many kinds for garbage input
        raise MeshFileError(f"{path}: not a readable STL ({exc.__class__.__name__}: {exc})") from None
    vertices = np.asarray(loaded.get("vertices", []), dtype=np.float64).reshape(-1, 3)
    faces = np.asarray(loaded.get("faces", []), dtype=np.int64).reshape(-1, 3)
    if len(faces) and not np.isfinite(vertices).all():
        raise MeshFileError(f"{path}: the STL has non-finite coordinates (NaN or infinity)")
    # STL stores each triangle's corners separately; merge equal corners to recover
    # the connectivity the checks need.
    unique, inverse = np.unique(vertices, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1)[faces]
