"""Mending the near-zero-area triangles a boolean of large meshes can leave (the
lattice's union): a needle (a very short edge) is collapsed, a cap (a corner on its
long edge) flipped, moving the surface by no more than NEEDLE_EDGE_MM / CAP_HEIGHT_MM.
The checks refuse either as a degenerate triangle (meshcheck.DEGENERATE_AREA_MM2)."""

from __future__ import annotations

import numpy as np

from .solid import Mesh

NEEDLE_AREA_MM2 = 1e-8  # ten times the checks' zero area (meshcheck.DEGENERATE_AREA_MM2)
NEEDLE_EDGE_MM = 5e-3
MERGE_MM = 1e-3  # a micrometre: a boolean's specks are a tenth of that across
MAX_MENDS = 1000  # a mesh with more is not mended (the checks then refuse it)
CAP_HEIGHT_MM = 1e-6  # a cap's corner this close to its long edge is on it


def merge_coincident(mesh: Mesh, within_mm: float = MERGE_MM) -> Mesh:
    """``mesh`` with vertices in the same ``within_mm`` cube merged (snapped to its
    grid) and the triangles that then repeat a corner dropped (a boolean's specks and
    zero-length edges); unchanged unless every edge then still joins exactly two
    triangles the opposite way round."""
    v, f = mesh.vertices, mesh.faces
    snapped = np.round(v / within_mm) * within_mm
    unique, index = np.unique(snapped, axis=0, return_inverse=True)
    if len(unique) == len(v):
        return mesh
    g = index.ravel()[f]
    g = g[(g[:, 0] != g[:, 1]) & (g[:, 1] != g[:, 2]) & (g[:, 2] != g[:, 0])]
    if not _closed(g, len(unique)):
        return mesh
    used = np.unique(g)
    remap = np.full(len(unique), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return Mesh(vertices=unique[used], faces=remap[g])


def _closed(f: np.ndarray, n: int) -> bool:
    directed = f[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    forward, counts = np.unique(directed @ np.array([n, 1]), return_counts=True)
    backward = np.unique(directed[:, ::-1] @ np.array([n, 1]))
    return bool(np.all(counts == 1) and np.array_equal(forward, backward))


def collapse_needles(mesh: Mesh) -> Mesh:
    """``mesh`` with each near-zero-area triangle mended: a needle (an edge under
    NEEDLE_EDGE_MM) by collapsing that edge (its ends merged at their middle; the two
    triangles on it go), a cap (a corner within CAP_HEIGHT_MM of the long edge) by
    flipping the long edge, which moves the surface by no more than that. Kept only if
    every edge still joins exactly two triangles the opposite way round; otherwise
    ``mesh`` unchanged (the build's checks then refuse it)."""
    v, f = mesh.vertices.copy(), mesh.faces.copy()
    for _ in range(MAX_MENDS):
        tri = v[f]
        area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
        needles = np.flatnonzero(area <= NEEDLE_AREA_MM2)
        if len(needles) == 0:
            break
        index = int(needles[0])
        face = f[index]
        edges = [(face[k], face[(k + 1) % 3], face[(k + 2) % 3]) for k in range(3)]  # (from, to, opposite)
        length = [float(np.linalg.norm(v[a] - v[b])) for a, b, _ in edges]
        a, b, _ = edges[int(np.argmin(length))]
        if min(length) < NEEDLE_EDGE_MM:
            v[a] = (v[a] + v[b]) / 2
            f = np.where(f == b, a, f)
            f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])]
            continue
        a, b, c = edges[int(np.argmax(length))]
        if 2 * area[index] / max(length) > CAP_HEIGHT_MM:
            return mesh
        # the other triangle on a -> b runs b -> a: (b, a, d) in some rotation
        across = np.flatnonzero(np.any((f == b) & (np.roll(f, -1, axis=1) == a), axis=1))
        if len(across) != 1:
            return mesh
        other = f[across[0]]
        d = int(other[~np.isin(other, [a, b])][0])
        f[index], f[across[0]] = (c, a, d), (c, d, b)
    directed = f[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    n = len(v)
    forward, counts = np.unique(directed @ np.array([n, 1]), return_counts=True)
    backward = np.unique(directed[:, ::-1] @ np.array([n, 1]))
    if np.any(counts != 1) or not np.array_equal(forward, backward):
        return mesh
    used = np.unique(f)
    remap = np.full(n, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return Mesh(vertices=v[used], faces=remap[f])
