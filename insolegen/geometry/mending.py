"""Mending the near-zero-area triangles a boolean of large meshes can leave (the
lattice's union): a needle (a very short edge) is collapsed, a cap (a corner on its
long edge) flipped, moving the surface by no more than NEEDLE_EDGE_MM / CAP_HEIGHT_MM.
The checks refuse either as a degenerate triangle (meshcheck.DEGENERATE_AREA_MM2)."""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import NDArray

from insolegen.core import exact
from insolegen.core.rows import row_cross, unique_rows, used_mask
from insolegen.geometry.solid import Mesh

__all__ = [
    "CAP_HEIGHT_MM", "MAX_MENDS", "MERGE_MM", "NEEDLE_AREA_MM2", "NEEDLE_EDGE_MM", "SHORT_EDGE_MM",
    "collapse_needles", "collapse_short_edges", "drop_specks", "fill_sealed_voids", "merge_coincident",
    "welded_as_stl",
]

NEEDLE_AREA_MM2 = 1e-8  # ten times the checks' zero area (meshcheck.DEGENERATE_AREA_MM2)
NEEDLE_EDGE_MM = 5e-3
SHORT_EDGE_MM = 1e-3  # a micrometre: 30 times an STL's float32 step at 300 mm
MERGE_MM = 1e-3  # a micrometre: a boolean's specks are a tenth of that across
MAX_MENDS = 1000  # a mesh with more is not mended (the checks then refuse it)
CAP_HEIGHT_MM = 1e-5  # a cap's corner this close to its long edge is on it (10 nanometres)


def merge_coincident(mesh: Mesh, within_mm: float = MERGE_MM) -> Mesh:
    """``mesh`` with each speck (a near-zero-area triangle whose every edge is under
    ``within_mm``) shrunk to one point, with any specks it touches, and the triangles
    that then repeat a corner dropped; unchanged unless every edge then still joins
    exactly two triangles the opposite way round."""
    v, f = mesh.vertices, mesh.faces
    tri = v[f]
    area = _areas(tri)
    longest = np.linalg.norm(tri - np.roll(tri, -1, axis=1), axis=2).max(axis=1)
    specks = f[(area <= NEEDLE_AREA_MM2) & (longest < within_mm)]
    if len(specks) == 0:
        return mesh
    parent = np.arange(len(v))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, c in specks.tolist():
        ra, rb, rc = root(a), root(b), root(c)
        parent[rb] = ra
        parent[rc] = ra
    roots = np.array([root(i) for i in range(len(v))])
    g = roots[f]
    g = g[(g[:, 0] != g[:, 1]) & (g[:, 1] != g[:, 2]) & (g[:, 2] != g[:, 0])]
    if not _closed(g, len(v)):
        return mesh
    moved = v.copy()
    for r in np.unique(roots[specks.ravel()]):
        members = np.flatnonzero(roots == r)
        moved[r] = v[members].mean(axis=0)
    return _compacted(moved, g)


def _compacted(v: np.ndarray, f: np.ndarray) -> Mesh:
    """The mesh of faces ``f`` with only the corners they use, renumbered in order."""
    used = np.flatnonzero(used_mask(f, len(v)))  # np.unique(f), without its hashing (five times a side)
    remap = np.full(len(v), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return Mesh(vertices=v[used], faces=remap[f])


def _areas(tri: np.ndarray) -> np.ndarray:
    """Each triangle's area, from its corners (n, 3, 3)."""
    return 0.5 * np.linalg.norm(row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)


def _closed(f: np.ndarray, n: int) -> bool:
    """Every directed edge once, and its reverse there too (sorted keys: np.unique's
    hashing took 2 s on a lattice's 2.4 million edges, sorting a tenth of that)."""
    directed = f[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2).astype(np.int64)
    forward = np.sort(directed[:, 0] * n + directed[:, 1])
    backward = np.sort(directed[:, 1] * n + directed[:, 0])
    return bool(np.all(forward[1:] != forward[:-1]) and np.array_equal(forward, backward))


def collapse_needles(mesh: Mesh) -> Mesh:
    """``mesh`` with each near-zero-area triangle mended, one at a time where it is safe:
    a needle (an edge under NEEDLE_EDGE_MM) by collapsing that edge to its middle when
    its ends share no neighbour but the two across it (the link condition: the surface
    stays a manifold), a cap (a corner within CAP_HEIGHT_MM of its long edge) by flipping
    the long edge when the new edge is not there already. A triangle neither way mends
    is left (the checks then name it). ``mesh`` itself comes back unless the result is
    closed, every edge joining two triangles the opposite way round."""
    v, f = mesh.vertices.copy(), mesh.faces.copy()
    skipped: set[tuple[int, ...]] = set()
    changed = False
    for _ in range(MAX_MENDS):
        tri = v[f]
        area = _areas(tri)
        needles = [int(i) for i in np.flatnonzero(area <= NEEDLE_AREA_MM2) if tuple(sorted(f[i])) not in skipped]
        if not needles:
            break
        index = needles[0]
        face = f[index]
        edges = [(int(face[k]), int(face[(k + 1) % 3]), int(face[(k + 2) % 3])) for k in range(3)]
        length = [exact.norm(v[a] - v[b]) for a, b, _ in edges]
        a, b, _ = edges[int(np.argmin(length))]
        if min(length) < NEEDLE_EDGE_MM:
            around_a = set(np.unique(f[np.any(f == a, axis=1)]).tolist()) - {a}
            around_b = set(np.unique(f[np.any(f == b, axis=1)]).tolist()) - {b}
            on_edge = f[np.any(f == a, axis=1) & np.any(f == b, axis=1)]
            across = set(on_edge.ravel().tolist()) - {a, b}
            if around_a & around_b == across and len(on_edge) == 2:
                v[a] = (v[a] + v[b]) / 2
                f = np.where(f == b, a, f)
                f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])]
                changed = True
                continue
        a, b, c = edges[int(np.argmax(length))]
        if 2 * area[index] / max(max(length), 1e-300) <= CAP_HEIGHT_MM:
            # the other triangle on a -> b runs b -> a: (b, a, d) in some rotation
            across_face = np.flatnonzero(np.any((f == b) & (np.roll(f, -1, axis=1) == a), axis=1))
            if len(across_face) == 1:
                other = f[across_face[0]]
                d = int(other[~np.isin(other, [a, b])][0])
                if not np.any(np.any(f == c, axis=1) & np.any(f == d, axis=1)):
                    f[index], f[across_face[0]] = (c, a, d), (c, d, b)
                    changed = True
                    continue
        skipped.add(tuple(sorted(face.tolist())))
    if not changed or not _closed(f, len(v)):
        return mesh
    return _compacted(v, f)


def collapse_short_edges(mesh: Mesh, below_mm: float = SHORT_EDGE_MM) -> Mesh:
    """``mesh`` with its edges shorter than ``below_mm`` collapsed to their middles, in
    rounds of edges whose neighbourhoods do not touch, each only where the link condition
    holds (its ends share no neighbour but the two across it: the surface stays a
    manifold). A boolean leaves such edges (tens of nanometres) where surfaces cross near
    a corner: in an STL's float32 they fall to a point. ``mesh`` itself comes back
    unless the result is closed."""
    v, f = mesh.vertices.copy(), mesh.faces.copy()
    changed = False
    for _ in range(8):
        directed = f[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
        length = np.linalg.norm(v[directed[:, 0]] - v[directed[:, 1]], axis=1)
        short = directed[length < below_mm]
        if len(short) == 0:
            break
        short = unique_rows(np.sort(short, axis=1))[0]
        # the faces of each end of a short edge, found by sorting those ends' corners once
        # a round (in order of position, as a stable sort of every corner would list them;
        # sorting all 1.9 million of a lattice's took 0.1 s a round)
        corners = f.ravel()
        hit = np.flatnonzero(used_mask(short, len(v))[corners])
        order = hit[np.argsort(corners[hit], kind="stable")]
        starts = np.searchsorted(corners[order], np.arange(len(v) + 1))

        def faces_of(i: int, order: np.ndarray = order, starts: np.ndarray = starts) -> np.ndarray:
            return order[starts[i]:starts[i + 1]] // 3

        taken: set[int] = set()
        merges: list[tuple[int, int]] = []
        for a, b in short.tolist():
            if a in taken or b in taken:
                continue
            fa, fb = faces_of(a), faces_of(b)
            ring_a = set(f[fa].ravel().tolist()) - {a}
            ring_b = set(f[fb].ravel().tolist()) - {b}
            # a handful of faces: sets, not intersect1d's sorting and hashing
            on_edge = np.array(sorted(set(fa.tolist()) & set(fb.tolist())), dtype=np.int64)
            across = set(f[on_edge].ravel().tolist()) - {a, b}
            if len(on_edge) == 2 and ring_a & ring_b == across and not (ring_a | ring_b) & taken:
                merges.append((a, b))
                taken |= ring_a | ring_b | {a, b}
        if not merges:
            break
        pairs = np.array(merges)
        v[pairs[:, 0]] = (v[pairs[:, 0]] + v[pairs[:, 1]]) / 2
        target = np.arange(len(v))
        target[pairs[:, 1]] = pairs[:, 0]
        f = target[f]
        f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])]
        changed = True
    if not changed or not _closed(f, len(v)):
        return mesh
    return _compacted(v, f)


def _pieces(mesh: Mesh) -> tuple[int, NDArray[np.int64] | None, NDArray[np.float64] | None]:
    """(how many closed pieces, connected by edges; each face's piece; each piece's
    signed volume: negative for a sealed void's inward-facing shell). One piece: no
    volumes (nothing to tell apart)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    v, f = mesh.vertices, mesh.faces
    edges = f[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(len(v), len(v)))
    count, label = connected_components(graph, directed=False)
    if count == 1:
        return count, None, None
    tri = v[f]
    signed = np.einsum("ij,ij->i", tri[:, 0], row_cross(tri[:, 1], tri[:, 2])) / 6.0
    piece = label[f[:, 0]]
    # weighted, bincount sums floats (numpy's stub says ints)
    return count, piece, cast("NDArray[np.float64]", np.bincount(piece, weights=signed, minlength=count))


def drop_specks(mesh: Mesh, below_mm3: float) -> Mesh:
    """``mesh`` without its closed pieces (connected by edges) enclosing less than
    ``below_mm3``, solid or hollow: a boolean's specks. The rest, the solid and its
    sealed voids, stay as they are."""
    count, piece, volume = _pieces(mesh)
    if count == 1:
        return mesh
    assert piece is not None and volume is not None  # given for more than one piece
    keep = np.abs(volume[piece]) >= below_mm3
    return _compacted(mesh.vertices, mesh.faces[keep])


def fill_sealed_voids(mesh: Mesh, below_mm3: float) -> tuple[Mesh, float]:
    """``mesh`` with its sealed voids (closed pieces enclosing negative volume) smaller
    than ``below_mm3`` filled, i.e. their shells taken out; and the volume filled."""
    count, piece, volume = _pieces(mesh)
    if count == 1:
        return mesh, 0.0
    assert piece is not None and volume is not None  # given for more than one piece
    small = (volume < 0) & (volume > -below_mm3)
    if not small.any():
        return mesh, 0.0
    return _compacted(mesh.vertices, mesh.faces[~small[piece]]), float(-volume[small].sum())


def welded_as_stl(mesh: Mesh) -> Mesh:
    """``mesh`` as an STL reader sees it: corners rounded to float32 (the STL's numbers)
    and welded wherever they then fall on one point. Checking this, not the mesh in
    memory, shows a pinch (two corners at one point) that the STL turns into an edge of
    four triangles."""
    rounded = mesh.vertices.astype(np.float32)
    points, index, _ = unique_rows(rounded)
    return Mesh(vertices=points.astype(np.float64), faces=index.reshape(-1)[mesh.faces])
