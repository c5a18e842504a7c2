"""From outline and top surface to a closed, outward-wound triangle mesh.

The top is a constrained Delaunay triangulation of the outline (Shewchuk's Triangle),
refined where the surface curves until the flat triangles stay within ``tolerance_mm``
of the smooth surface. The bottom is the same outline flat on z = 0, the side a wall
of quads between them. Both caps share the outline's vertices, so the solid is
watertight by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import triangle
from numpy.typing import NDArray

Array = NDArray[np.float64]
HeightFn = Callable[[Array, Array], Array]

@dataclass(frozen=True)
class Mesh:
    """A triangle mesh: (V, 3) float vertices in mm, (F, 3) int faces, outward normals."""

    vertices: Array
    faces: NDArray[np.int64]

    def mirrored_y(self) -> "Mesh":
        """The mirror image in y (right foot -> left foot), rewound so normals point out."""
        vertices = self.vertices * np.array([1.0, -1.0, 1.0])
        return Mesh(vertices=vertices, faces=self.faces[:, ::-1].copy())

    @property
    def triangle_count(self) -> int:
        return int(len(self.faces))


@dataclass(frozen=True)
class Resolution:
    """Mesh quality, passed explicitly (no global setting).

    ``tolerance_mm``: largest allowed gap between the flat triangles and the smooth top
    (default 0.035, under the 0.05 mm target: the probes can miss a triangle's worst point). ``edge_spacing_mm``: outline vertex spacing
    (default 1.0). ``start_area_mm2``: triangle area before refinement (default 12).
    """

    tolerance_mm: float = 0.035
    edge_spacing_mm: float = 1.0
    start_area_mm2: float = 12.0
    max_rounds: int = 10


# Inner probes (barycentric), halfway from the centroid to each corner.
_INNER = np.array([[2 / 3, 1 / 6, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3]])


def _triangle_errors(points: Array, z: Array, tris: NDArray[np.int64], height: HeightFn) -> Array:
    """Largest gap between each flat triangle and the surface, probed at the edge
    midpoints (shared between neighbours, so each is evaluated once) and the centroid."""
    edges = np.sort(tris[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    keys, inverse = np.unique(edges[:, 0] * len(points) + edges[:, 1], return_inverse=True)
    unique = np.column_stack([keys // len(points), keys % len(points)])
    mid = 0.5 * (points[unique[:, 0]] + points[unique[:, 1]])
    centroid = points[tris].mean(axis=1)
    probes = np.vstack([mid, centroid])
    true = height(probes[:, 0], probes[:, 1])
    edge_gap = np.abs(true[: len(unique)] - 0.5 * (z[unique[:, 0]] + z[unique[:, 1]]))
    centroid_gap = np.abs(true[len(unique):] - z[tris].mean(axis=1))
    return np.maximum(edge_gap[inverse.reshape(-1, 3)].max(axis=1), centroid_gap)


# Inner probes (barycentric), halfway from the centroid to each corner.
_INNER = np.array([[2 / 3, 1 / 6, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3]])


def _inner_errors(points: Array, z: Array, tris: NDArray[np.int64], height: HeightFn) -> Array:
    """The gap at three inner points of each triangle: on textured surfaces the worst
    point can sit between the edge and centroid probes."""
    inner = np.einsum("pk,tkd->tpd", _INNER, points[tris]).reshape(-1, 2)
    linear = np.einsum("pk,tk->tp", _INNER, z[tris])
    return np.abs(height(inner[:, 0], inner[:, 1]).reshape(linear.shape) - linear).max(axis=1)


def _add_inner(errors: Array, among: NDArray[np.bool_], points: Array, z: Array, tris: NDArray[np.int64],
               height: HeightFn, target: float) -> None:
    """Raise ``errors`` in place by the inner probes, for the triangles ``among`` whose
    cheap estimate is within half of ``target``: far below it, the inner points cannot
    reach it on a smooth surface."""
    near = np.flatnonzero(among & (errors > 0.5 * target))
    if len(near):
        errors[near] = np.maximum(errors[near], _inner_errors(points, z, tris[near], height))


def _triangle_keys(tris: NDArray[np.int64]) -> NDArray[np.int64]:
    """One integer per triangle, the same whatever its vertex order (indices < 2**21)."""
    t = np.sort(tris, axis=1)
    return (t[:, 0] << 42) | (t[:, 1] << 21) | t[:, 2]


def _areas(points: Array, tris: NDArray[np.int64]) -> Array:
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    return 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def triangulate_top(
    boundary: Array, height: HeightFn, resolution: Resolution
) -> tuple[Array, Array, NDArray[np.int64], NDArray[np.int64]]:
    """Points (N, 2), their heights (N,), the top cap's triangles, and the indices of the
    outline's vertices in counter-clockwise order. Refinement may add outline vertices
    (on the original straight segments) where the surface curves along the edge."""
    n = len(boundary)
    segments = np.column_stack([np.arange(n), (np.arange(n) + 1) % n])
    mesh = triangle.triangulate(
        {"vertices": boundary, "segments": segments}, f"pqa{resolution.start_area_mm2:.6f}"
    )
    target = resolution.tolerance_mm
    known_keys = np.empty(0, dtype=np.int64)
    known_errors = np.empty(0)
    z = np.empty(0)
    previous = np.empty((0, 2))
    inner_probes = False
    for _ in range(resolution.max_rounds):
        points, tris = mesh["vertices"], mesh["triangles"].astype(np.int64)
        if not np.array_equal(points[: len(previous)], previous):
            raise RuntimeError("refinement moved existing vertices")
        previous = points
        # Triangle keeps earlier vertices in place and appends new ones, so only new
        # vertices and triangles need the (costly) surface evaluated.
        z = np.concatenate([z, height(points[len(z):, 0], points[len(z):, 1])])
        keys = _triangle_keys(tris)
        seen = np.isin(keys, known_keys)
        errors = np.empty(len(tris))
        errors[seen] = known_errors[np.searchsorted(known_keys, keys[seen])]
        errors[~seen] = _triangle_errors(points, z, tris[~seen], height)
        if inner_probes:
            _add_inner(errors, ~seen, points, z, tris, height, target)
        bad = errors > target
        if not bad.any() and not inner_probes:
            # Converged on the cheap probes: check inside once, and from then on probe
            # new triangles inside too.
            inner_probes = True
            _add_inner(errors, np.ones(len(tris), dtype=bool), points, z, tris, height, target)
            bad = errors > target
        order = np.argsort(keys)
        known_keys, known_errors = keys[order], errors[order]
        if not bad.any():
            break
        # Linear interpolation error scales with area, so shrink each bad triangle by
        # the ratio it is over, with a margin; -1 leaves good triangles alone.
        shrink = np.clip(0.7 * target / np.maximum(errors, 1e-12), 0.01, 0.5)
        mesh["triangle_max_area"] = np.where(bad, _areas(points, tris) * shrink, -1.0)
        mesh = triangle.triangulate(mesh, "rpqa")
    points, tris = mesh["vertices"], mesh["triangles"].astype(np.int64)
    z = np.concatenate([z, height(points[len(z):, 0], points[len(z):, 1])])
    return points, z, tris, _ring(points, mesh["segments"])


def _ring(points: Array, segments: NDArray[np.int64]) -> NDArray[np.int64]:
    """Chain the boundary segments into one counter-clockwise loop of vertex indices."""
    neighbours: dict[int, list[int]] = {}
    for a, b in segments.tolist():
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    if any(len(n) != 2 for n in neighbours.values()):
        raise RuntimeError("the outline is not a single loop")
    start = int(segments[0, 0])
    ring, previous, current = [start], start, neighbours[start][0]
    while current != start:
        ring.append(current)
        a, b = neighbours[current]
        previous, current = current, (b if a == previous else a)
    ring_arr = np.array(ring, dtype=np.int64)
    if len(ring_arr) != len(neighbours):
        raise RuntimeError("the outline is not a single loop")
    xy = points[ring_arr]
    signed = np.sum(xy[:, 0] * np.roll(xy[:, 1], -1) - np.roll(xy[:, 0], -1) * xy[:, 1])
    return ring_arr if signed > 0 else ring_arr[::-1]


def _ccw(points: Array, tris: NDArray[np.int64]) -> NDArray[np.int64]:
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    return np.where((cross < 0)[:, None], tris[:, ::-1], tris)


def extrude_height_field(boundary: Array, height: HeightFn, resolution: Resolution = Resolution()) -> Mesh:
    """A closed solid: flat bottom on z = 0, top z = height(x, y), vertical sides.

    ``boundary`` is the CCW outline (N, 2) in mm; height must be positive on it.
    """
    top_xy, top_z, top_tris, ring = triangulate_top(boundary, height, resolution)
    top_tris = _ccw(top_xy, top_tris)
    if np.min(top_z) <= 0:
        raise ValueError("top surface touches the bed")
    n = len(ring)
    i = np.arange(n)
    segments = np.column_stack([i, (i + 1) % n])
    bottom = triangle.triangulate({"vertices": top_xy[ring], "segments": segments}, "pqY")
    bottom_xy, bottom_tris = bottom["vertices"], _ccw(bottom["vertices"], bottom["triangles"].astype(np.int64))

    offset = len(top_xy)
    vertices = np.vstack(
        [np.column_stack([top_xy, top_z]), np.column_stack([bottom_xy, np.zeros(len(bottom_xy))])]
    )
    # Bottom vertex k (k < n) lies under top vertex ring[k]. The outline runs CCW from
    # above, so the outside is to the right of each edge k -> k + 1.
    j = (i + 1) % n
    walls = np.vstack(
        [
            np.column_stack([offset + i, offset + j, ring[j]]),
            np.column_stack([offset + i, ring[j], ring[i]]),
        ]
    )
    faces = np.vstack([top_tris, bottom_tris[:, ::-1] + offset, walls])
    return Mesh(vertices=vertices, faces=faces)
