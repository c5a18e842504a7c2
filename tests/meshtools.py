"""Independent checks used by the tests (trimesh and manifold3d directly)."""

from __future__ import annotations

import manifold3d
import numpy as np
import trimesh


def assert_solid(vertices: np.ndarray, faces: np.ndarray) -> trimesh.Trimesh:
    """Watertight, consistently wound, positive volume: by trimesh and by manifold3d."""
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    assert mesh.is_watertight
    assert mesh.is_winding_consistent
    assert mesh.is_volume
    assert mesh.volume > 0
    solid = manifold3d.Manifold(
        manifold3d.Mesh(vert_properties=vertices.astype(np.float32), tri_verts=faces.astype(np.uint32))
    )
    assert solid.status() == manifold3d.Error.NoError
    assert solid.volume() == np.float32(solid.volume())  # a number
    assert abs(solid.volume() - mesh.volume) <= 1e-4 * mesh.volume
    return mesh


def top_face_samples(vertices, faces, per_face=12, seed=0):
    """Random points on the upward-facing triangles: (N, 3)."""
    tri = vertices[faces]
    normal_z = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2]
    top = tri[normal_z > 1e-12]
    w = np.random.default_rng(seed).dirichlet([1, 1, 1], size=(len(top), per_face))
    return np.einsum("tsk,tkd->tsd", w, top).reshape(-1, 3)


def thinnest_wall_everywhere_mm(vertices: np.ndarray, faces: np.ndarray, reach_mm: float) -> float:
    """The thinnest wall by a ray from every face along its inward normal, not the
    checks' few thousand samples (a sliver a few triangles wide is missed by those):
    inf when no wall is thinner than ``reach_mm``."""
    from insolegen.geometry.measure import thinnest_wall_mm

    return thinnest_wall_mm(vertices, faces, samples=2 * len(faces), reach_mm=reach_mm)
