"""Binary STL in millimetres."""

from __future__ import annotations

import numpy as np

from insolegen.core.rows import row_cross
from insolegen.formats.stl import STL_HEADER_BYTES, STL_RECORD
from insolegen.geometry.solid import Mesh

__all__ = ["stl_bytes"]


def stl_bytes(mesh: Mesh, header: str = "insolegen") -> bytes:
    """A binary STL of ``mesh`` (units: mm), with facet normals from the winding."""
    tri = mesh.vertices[mesh.faces].astype(np.float64)
    normals = row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-300)
    data = np.zeros(len(tri), dtype=STL_RECORD)
    data["normal"] = normals
    data["corners"] = tri
    head = header.encode("ascii", "replace")[:STL_HEADER_BYTES].ljust(STL_HEADER_BYTES, b" ")
    return head + np.uint32(len(tri)).tobytes() + data.tobytes()
