"""From outline and top surface to a closed, outward-wound triangle mesh.

The top is a constrained Delaunay triangulation of the outline (Shewchuk's Triangle),
sized up front from the surface's curvature and then split where a triangle's gap to
the smooth surface exceeds ``tolerance_mm``. The bottom is the same outline flat on
z = 0, the side a wall of quads between them. Both caps share the outline's vertices,
so the solid is watertight by construction.

Over 400 lines: triangulation, refinement and the closed solid are one algorithm whose
steps share the edge tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import triangle
from numpy.typing import NDArray

__all__ = [
    "AREA_PER_CURVATURE",
    "DEFAULT_RESOLUTION",
    "MARK_FRACTION",
    "MIN_AREA_MM2",
    "Array",
    "HeightFn",
    "Mesh",
    "Resolution",
    "SizeGrid",
    "Table",
    "counter_clockwise",
    "extrude_between",
    "extrude_height_field",
    "quadratic_gap_max",
    "ring_of",
    "triangle_areas",
    "triangulate_top",
]

Array = NDArray[np.float64]
HeightFn = Callable[[Array, Array], Array]


@dataclass(frozen=True)
class Mesh:
    """A triangle mesh: (V, 3) float vertices in mm, (F, 3) int faces, outward normals."""

    vertices: Array
    faces: NDArray[np.int64]

    def mirrored_y(self) -> Mesh:
        """The mirror image in y (right foot -> left foot), rewound so normals point out."""
        vertices = self.vertices * np.array([1.0, -1.0, 1.0])
        return Mesh(vertices=vertices, faces=self.faces[:, ::-1].copy())

    @property
    def triangle_count(self) -> int:
        return len(self.faces)


@dataclass(frozen=True)
class Resolution:
    """Mesh quality, passed explicitly (no global setting).

    ``tolerance_mm``: largest allowed gap between the flat triangles and the smooth top,
    as the mesher estimates it (default 0.04, under the 0.05 mm target: the estimate is
    exact for a surface that is quadratic over each triangle, and a scan's textured sole
    is not quite). ``edge_spacing_mm``: outline vertex spacing (default 1.0).
    ``start_area_mm2``: the largest triangle anywhere (default 30). ``max_rounds``: most
    rounds of splitting. ``size_step_mm``: spacing of the curvature samples that size
    the first mesh (default 2.0).
    """

    tolerance_mm: float = 0.04
    edge_spacing_mm: float = 1.0
    start_area_mm2: float = 30.0
    max_rounds: int = 10
    size_step_mm: float = 2.0


# The default quality, one shared instance for the functions' defaults (it is frozen).
DEFAULT_RESOLUTION = Resolution()

# Triangles no smaller than this are asked for (mm^2): a floor that keeps a surface
# with a true step (scans' foam-box walls) from being refined without end.
MIN_AREA_MM2 = 1e-4
# The size field asks for AREA_PER_CURVATURE * tolerance / curvature. An equilateral
# triangle meets the tolerance at 2.6 (its worst gap is curvature * area / 2.6 for a
# quadratic with equal curvatures), but under an area limit Triangle's triangles come
# out at ~0.65 of it on average and spread in shape, so more is asked and the few over
# the tolerance are split afterwards: the fewest triangles overall (measured from 2 to 6).
AREA_PER_CURVATURE = 4.0
# A bad triangle's edges are split when they carry at least this share of its error,
# and its longest edge always: mostly its worst edge and its longest (the finest step
# that fixes it: fewer triangles than splitting all three, and the longest-edge split
# keeps the shapes from degrading).
MARK_FRACTION = 0.95
# Inner probes (barycentric): the centroid, and halfway from it to each corner.
_INNER = np.array([[1 / 3, 1 / 3, 1 / 3], [2 / 3, 1 / 6, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3]])


def quadratic_gap_max(g01: Array, g12: Array, g20: Array) -> Array:
    """Largest |surface - flat triangle| over a triangle, for a surface that is quadratic
    over it, from the gaps at its three edge midpoints (g01 on the edge from corner 0 to
    corner 1, ...). Exact in that case; probed and verified otherwise.

    The gap is then e(b) = 4 (g01 b0 b1 + g12 b1 b2 + g20 b2 b0) in barycentric
    coordinates b (zero at the corners, g on each edge's midpoint, where it peaks along
    the edge). Inside, e is stationary where grad e is normal to the plane b0+b1+b2 = 1:
    with a, b, c = g01, g12, g20, at b ~ (b(a + c - b), c(a + b - c), a(b + c - a)) / D
    with D = 2(ab + bc + ca) - a^2 - b^2 - c^2, where e = 4abc / D. The largest |e| is at
    that point when it lies inside, else at an edge midpoint.
    """
    a, b, c = g01, g12, g20
    edge = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.abs(c))
    d = 2.0 * (a * b + b * c + c * a) - a * a - b * b - c * c
    w0, w1, w2 = b * (a + c - b), c * (a + b - c), a * (b + c - a)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = (np.abs(d) > 1e-300) & (w0 * d > 0) & (w1 * d > 0) & (w2 * d > 0)
        interior = np.where(inside, np.abs(4.0 * a * b * c / d), 0.0)
    return np.maximum(edge, interior)


SizeGrid = tuple[Array, tuple[float, float], float]  # allowed areas, grid origin, step


def _curvature_areas(boundary: Array, height: HeightFn, resolution: Resolution) -> SizeGrid:
    """The allowed triangle area on a grid over the outline, from the surface's largest
    curvature there (second differences of samples ``size_step_mm`` apart). Returns the
    grid, its origin and its step."""
    step = resolution.size_step_mm
    lo = boundary.min(axis=0) - step
    hi = boundary.max(axis=0) + step
    nx, ny = (np.ceil((hi - lo) / step).astype(int) + 1).tolist()
    xs = lo[0] + step * np.arange(nx)
    ys = lo[1] + step * np.arange(ny)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    h = np.asarray(height(gx.ravel(), gy.ravel()), dtype=float).reshape(nx, ny)
    c = h[1:-1, 1:-1]
    hxx = (h[2:, 1:-1] - 2 * c + h[:-2, 1:-1]) / step**2
    hyy = (h[1:-1, 2:] - 2 * c + h[1:-1, :-2]) / step**2
    hxy = (h[2:, 2:] - h[2:, :-2] - h[:-2, 2:] + h[:-2, :-2]) / (4 * step**2)
    # Largest |eigenvalue| of the Hessian [[hxx, hxy], [hxy, hyy]].
    curvature = np.abs(0.5 * (hxx + hyy)) + np.sqrt(0.25 * (hxx - hyy) ** 2 + hxy**2)
    curvature = np.pad(curvature, 1, mode="edge")
    with np.errstate(divide="ignore"):
        area = AREA_PER_CURVATURE * resolution.tolerance_mm / curvature
    area = np.clip(np.nan_to_num(area, nan=resolution.start_area_mm2, posinf=resolution.start_area_mm2),
                   MIN_AREA_MM2, resolution.start_area_mm2)
    return area, (float(lo[0]), float(lo[1])), step


def _lookup(field: SizeGrid, xy: Array) -> Array:
    """The grid value of the cell nearest each point."""
    grid, (x0, y0), step = field
    i = np.clip(np.rint((xy[..., 0] - x0) / step).astype(np.int64), 0, grid.shape[0] - 1)
    j = np.clip(np.rint((xy[..., 1] - y0) / step).astype(np.int64), 0, grid.shape[1] - 1)
    return grid[i, j]


def _edge_keys(tris: NDArray[np.int64]) -> NDArray[np.int64]:
    """(T, 3) keys of each triangle's edges 0-1, 1-2, 2-0, the same from either side
    (vertex indices < 2**31)."""
    a, b = tris, tris[:, [1, 2, 0]]
    return (np.minimum(a, b) << 31) | np.maximum(a, b)


def triangle_areas(points: Array, tris: NDArray[np.int64]) -> Array:
    """Each planar triangle's area (2-D points)."""
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    return 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def _find(sorted_keys: NDArray[np.int64], keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Where each of ``keys`` sits in ``sorted_keys``, and whether it is there."""
    if len(sorted_keys) == 0:
        return np.zeros(keys.shape, dtype=np.int64), np.zeros(keys.shape, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return at, sorted_keys[at] == keys


Table = tuple[NDArray[np.int64], Array]  # sorted int64 keys and their values


def _merge(table: Table, keys: NDArray[np.int64], values: Array) -> Table:
    """A (sorted keys, values) table with sorted, new ``keys`` merged in (a linear merge,
    not a sort of the whole table: the table grows every round)."""
    known_keys, known_values = table
    at = np.searchsorted(known_keys, keys)
    return np.insert(known_keys, at, keys), np.insert(known_values, at, values)


def _edge_gaps(points: Array, z: Array, tris: NDArray[np.int64], height: HeightFn,
               known: Table) -> tuple[Array, Table]:
    """(T, 3) surface minus chord at each edge's midpoint, and the updated table of known
    gaps (sorted edge keys, gaps). Only edges not in the table are evaluated: neighbours
    share an edge, and most edges outlive a refinement round (vertices never move)."""
    keys = _edge_keys(tris).ravel()
    at, found = _find(known[0], keys)
    new, inverse = np.unique(keys[~found], return_inverse=True)
    a, b = new >> 31, new & ((1 << 31) - 1)
    mid = 0.5 * (points[a] + points[b])
    new_gaps = np.asarray(height(mid[:, 0], mid[:, 1]), dtype=float) - 0.5 * (z[a] + z[b])
    gaps = np.empty(len(keys))
    gaps[found] = known[1][at[found]]
    gaps[~found] = new_gaps[inverse]
    return gaps.reshape(-1, 3), _merge(known, new, new_gaps)


def _inner_gaps(points: Array, z: Array, tris: NDArray[np.int64], height: HeightFn, probes: Array) -> Array:
    """Largest |surface - flat triangle| at the given barycentric ``probes`` of each
    triangle."""
    inner = np.einsum("pk,tkd->tpd", probes, points[tris]).reshape(-1, 2)
    linear = np.einsum("pk,tk->tp", probes, z[tris])
    true = np.asarray(height(inner[:, 0], inner[:, 1]), dtype=float).reshape(linear.shape)
    return np.abs(true - linear).max(axis=1)


def _triangle_errors(points: Array, z: Array, tris: NDArray[np.int64], height: HeightFn,
                     known: Table, target: float) -> tuple[Array, Table]:
    """Each triangle's largest gap to the surface, as estimated from its edge midpoints
    (exact for a quadratic surface) and, near ``target``, checked inside: at the centroid
    always, and where the centroid disagrees with the quadratic estimate (a scan's
    texture, a bend in the heel cup's profile: the worst point can hide from the edge
    probes) at three more inner points."""
    gaps, known = _edge_gaps(points, z, tris, height, known)
    a, b, c = gaps[:, 0], gaps[:, 1], gaps[:, 2]
    errors = quadratic_gap_max(a, b, c)
    # Far below the tolerance, the inner points cannot reach it on a smooth surface.
    near = np.flatnonzero(errors > 0.5 * target)
    if len(near):
        centroid = _inner_gaps(points, z, tris[near], height, _INNER[:1])
        # How far the surface strays from the quadratic the midpoints describe, as seen
        # at the centroid, is added to the estimate: the worst point can be off by that.
        miss = np.abs(centroid - np.abs(4.0 / 9.0 * (a[near] + b[near] + c[near])))
        errors[near] = np.maximum(errors[near], centroid) + miss
        doubt = near[miss > 0.1 * target]
        if len(doubt):
            errors[doubt] = np.maximum(errors[doubt], _inner_gaps(points, z, tris[doubt], height, _INNER[1:])
                                       + miss[np.searchsorted(near, doubt)])
    return errors, known


def triangulate_top(
    boundary: Array, height: HeightFn, resolution: Resolution
) -> tuple[Array, Array, NDArray[np.int64], NDArray[np.int64]]:
    """Points (N, 2), their heights (N,), the top cap's triangles, and the indices of the
    outline's vertices in counter-clockwise order. Refinement may add outline vertices
    (on the original straight segments) where the surface curves along the edge.

    Two stages. Sizing: the surface's curvature, sampled on a grid, says how large a
    triangle may be everywhere, and Triangle refines to that before any triangle is
    probed. Checking: every triangle's largest gap is estimated from its edge midpoints
    (exact for a locally quadratic surface) and, where that comes near the tolerance,
    probed inside too; triangles over the tolerance are split at their worst and
    longest edges' midpoints, until none is.
    """
    n = len(boundary)
    segments = np.column_stack([np.arange(n), (np.arange(n) + 1) % n])
    target = resolution.tolerance_mm
    pslg = {"vertices": boundary, "segments": segments}
    mesh = triangle.triangulate(pslg, f"pqa{resolution.start_area_mm2:.6f}")
    sizes = _curvature_areas(boundary, height, resolution)
    # One sizing pass: Triangle gives the pieces of a split triangle its limit, so the
    # few triangles it leaves larger than their own spot asks are left to the check.
    points, tris = mesh["vertices"], mesh["triangles"].astype(np.int64)
    corners = points[tris]
    allowed = np.minimum(_lookup(sizes, corners).min(axis=1), _lookup(sizes, corners.sum(axis=1) / 3.0))
    over = triangle_areas(points, tris) > 1.05 * allowed
    if over.any():
        mesh["triangle_max_area"] = np.where(over, allowed, -1.0)
        mesh = triangle.triangulate(mesh, "rpqa")

    known_edges: Table = (np.empty(0, dtype=np.int64), np.empty(0))
    points, tris = mesh["vertices"], mesh["triangles"].astype(np.int64)
    segments = mesh["segments"].astype(np.int64)
    z = np.asarray(height(points[:, 0], points[:, 1]), dtype=float)
    errors, known_edges = _triangle_errors(points, z, tris, height, known_edges, target)
    edges = _edge_keys(tris)
    for _ in range(resolution.max_rounds):
        bad = errors > target
        if not bad.any():
            break
        # Split at edge midpoints whose heights are known already (no pass of Triangle,
        # no new evaluation there); the triangles left alone come first and keep their
        # errors and edge keys, only the new ones are probed.
        points, z, tris, segments, kept = _split(points, z, tris, edges, segments, bad, errors, known_edges)
        new = tris[int(kept.sum()):]
        new_errors, known_edges = _triangle_errors(points, z, new, height, known_edges, target)
        errors = np.concatenate([errors[kept], new_errors])
        edges = np.vstack([edges[kept], _edge_keys(new)])
    return points, z, tris, ring_of(points, segments)


def _split(points: Array, z: Array, tris: NDArray[np.int64], edges: NDArray[np.int64], segments: NDArray[np.int64],
           bad: NDArray[np.bool_], errors: Array, known_edges: Table
           ) -> tuple[Array, Array, NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Red-green refinement: each bad triangle's longest edge and every edge carrying
    MARK_FRACTION or more of its error are split at their midpoints; a triangle with
    three split edges becomes four (similar to it), with two three, with one two, so the
    mesh stays conforming. The midpoints' heights come from the gaps table (height =
    gap + mean of the ends). ``edges`` are the triangles' edge keys (``_edge_keys``).
    Returns the new mesh, the untouched triangles first, and which of the old
    triangles those are."""
    bad_edges = edges[bad]  # (B, 3), edge j from corner j to j + 1
    gaps = known_edges[1][_find(known_edges[0], bad_edges.ravel())[0]].reshape(-1, 3)
    corners = points[tris[bad]]
    lengths = np.linalg.norm(corners - corners[:, [1, 2, 0]], axis=2)
    chosen = (np.abs(gaps) >= MARK_FRACTION * errors[bad][:, None]) | (lengths == lengths.max(axis=1, keepdims=True))
    marked = np.unique(bad_edges[chosen])
    a, b = marked >> 31, marked & ((1 << 31) - 1)
    base = len(points)
    points = np.vstack([points, 0.5 * (points[a] + points[b])])
    mid_gap = known_edges[1][_find(known_edges[0], marked)[0]]
    z = np.concatenate([z, mid_gap + 0.5 * (z[a] + z[b])])

    # Only a triangle with two corners on split edges can have one: look up just those.
    on_split = np.zeros(base, dtype=bool)
    on_split[a] = on_split[b] = True
    near = np.flatnonzero(on_split[tris].sum(axis=1) >= 2)
    at, hit = _find(marked, edges[near].ravel())
    hit = hit.reshape(-1, 3)
    cut = near[hit.any(axis=1)]
    kept = np.ones(len(tris), dtype=bool)
    kept[cut] = False
    inside = hit.any(axis=1)
    hit, mid, old = hit[inside], (base + at.reshape(-1, 3))[inside], tris[cut]
    count = hit.sum(axis=1)
    # Rotate each split triangle so its pattern is canonical: one split edge as edge 0,
    # two with the unsplit one as edge 2 (edge j runs from corner j to corner j + 1).
    first = np.argmax(hit, axis=1)
    unsplit = np.argmin(hit, axis=1)
    shift = np.where(count == 2, (unsplit + 1) % 3, np.where(count == 1, first, 0))
    cols = (shift[:, None] + np.arange(3)) % 3
    v = np.take_along_axis(old, cols, axis=1)
    m = np.take_along_axis(mid, cols, axis=1)
    v0, v1, v2, m0, m1, m2 = v[:, 0], v[:, 1], v[:, 2], m[:, 0], m[:, 1], m[:, 2]
    one, two, three = count == 1, count == 2, count == 3
    # The quad left beside the corner triangle is cut along its shorter diagonal.
    short = np.linalg.norm(points[v0] - points[m1], axis=1) <= np.linalg.norm(points[m0] - points[v2], axis=1)
    pieces = [tris[kept],
              np.column_stack([v0, m0, v2])[one], np.column_stack([m0, v1, v2])[one],
              np.column_stack([m0, v1, m1])[two],
              np.column_stack([v0, m0, m1])[two & short], np.column_stack([v0, m1, v2])[two & short],
              np.column_stack([v0, m0, v2])[two & ~short], np.column_stack([m0, m1, v2])[two & ~short]]
    pieces += [np.column_stack(c)[three] for c in ((v0, m0, m2), (m0, v1, m1), (m2, m1, v2), (m0, m1, m2))]

    seg_keys = (np.minimum(segments[:, 0], segments[:, 1]) << 31) | np.maximum(segments[:, 0], segments[:, 1])
    at, split = _find(marked, seg_keys)
    mids = base + at[split]
    halves = np.column_stack([segments[split, 0], mids, mids, segments[split, 1]]).reshape(-1, 2)
    return points, z, np.vstack(pieces), np.vstack([segments[~split], halves]), kept


def ring_of(points: Array, segments: NDArray[np.int64]) -> NDArray[np.int64]:
    """Chain the boundary segments into one counter-clockwise loop of vertex indices."""
    segments = np.asarray(segments, dtype=np.int64)
    ends = segments.ravel()
    vertices, counts = np.unique(ends, return_counts=True)
    if np.any(counts != 2):
        raise RuntimeError("the outline is not a single loop")
    # Each vertex's two neighbours, by sorting the segments' ends by vertex.
    order = np.argsort(ends, kind="stable")
    other = segments[:, ::-1].ravel()[order].reshape(-1, 2)
    slot = np.full(int(vertices.max()) + 1, -1, dtype=np.int64)
    slot[vertices] = np.arange(len(vertices))
    first, second = other[:, 0].tolist(), other[:, 1].tolist()
    where = slot.tolist()
    start = int(vertices[0])
    ring, previous, current = [start], start, first[where[start]]
    while current != start:
        ring.append(current)
        k = where[current]
        previous, current = current, (second[k] if first[k] == previous else first[k])
        if len(ring) > len(vertices):
            raise RuntimeError("the outline is not a single loop")
    ring_arr = np.array(ring, dtype=np.int64)
    if len(ring_arr) != len(vertices):
        raise RuntimeError("the outline is not a single loop")
    xy = points[ring_arr]
    signed = np.sum(xy[:, 0] * np.roll(xy[:, 1], -1) - np.roll(xy[:, 0], -1) * xy[:, 1])
    return ring_arr if signed > 0 else ring_arr[::-1]


def counter_clockwise(points: Array, tris: NDArray[np.int64]) -> NDArray[np.int64]:
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    return np.where((cross < 0)[:, None], tris[:, ::-1], tris)


def extrude_height_field(boundary: Array, height: HeightFn, resolution: Resolution = DEFAULT_RESOLUTION,
                         floor: HeightFn | None = None, floor_curvature_per_mm: float = 0.0) -> Mesh:
    """A closed solid: flat bottom on z = 0, top z = height(x, y), vertical sides; with
    ``floor``, standing on floor(x, y) instead (a curved underside whose largest
    curvature is ``floor_curvature_per_mm``), its top at floor + height.

    ``boundary`` is the CCW outline (N, 2) in mm; height must be positive on it.
    """
    if floor is not None:
        def top(x: Array, y: Array) -> Array:
            return floor(x, y) + height(x, y)

        return extrude_between(boundary, floor, top, top, resolution, floor_curvature_per_mm=floor_curvature_per_mm)
    top_xy, top_z, top_tris, ring = triangulate_top(boundary, height, resolution)
    top_tris = counter_clockwise(top_xy, top_tris)
    if np.min(top_z) <= 0:
        raise ValueError("top surface touches the bed")
    n = len(ring)
    i = np.arange(n)
    segments = np.column_stack([i, (i + 1) % n])
    bottom = triangle.triangulate({"vertices": top_xy[ring], "segments": segments}, "pq10Y")
    bottom_xy = bottom["vertices"]
    bottom_tris = counter_clockwise(bottom_xy, bottom["triangles"].astype(np.int64))

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


def extrude_between(boundary: Array, floor: HeightFn, ceiling: HeightFn, sized_by: HeightFn,
                    resolution: Resolution = DEFAULT_RESOLUTION, floor_curvature_per_mm: float | None = None) -> Mesh:
    """A closed solid between two surfaces over the outline: z from floor(x, y) to
    ceiling(x, y), vertical sides. The top cap is refined to ``resolution`` for
    ``sized_by`` (whichever of the two is curved, or the one that carries the other's
    curvature too). The bottom cap stands on the same triangulation, or, given the
    floor's largest curvature (1/mm), on its own coarser one over the same outline
    vertices, with triangles small enough that a surface that curved stays within half
    the tolerance (a chord of length h strays kappa h^2 / 8). Both share the outline's
    vertices, so the solid is watertight by construction. ceiling must stay above floor."""
    xy, _, tris, ring = triangulate_top(boundary, sized_by, resolution)
    tris = counter_clockwise(xy, tris)
    high = np.asarray(ceiling(xy[:, 0], xy[:, 1]), dtype=float) + np.zeros(len(xy))
    n, offset = len(ring), len(xy)
    i = np.arange(n)
    j = (i + 1) % n
    if floor_curvature_per_mm is None:
        bottom_xy, bottom_tris, under = xy, tris, ring
    else:
        # half the tolerance: the top's own error adds to the bottom's in the thickness
        edge = np.sqrt(4 * resolution.tolerance_mm / max(floor_curvature_per_mm, 1e-9))
        segments = np.column_stack([i, j])
        bottom = triangle.triangulate({"vertices": xy[ring], "segments": segments},
                                      f"pq20Ya{min(edge * edge / 4, 1e6):.6f}")
        bottom_xy = bottom["vertices"]
        bottom_tris = counter_clockwise(bottom_xy, bottom["triangles"].astype(np.int64))
        under = i  # Triangle keeps the given vertices first, in order: bottom vertex k under ring[k]
    low = np.asarray(floor(bottom_xy[:, 0], bottom_xy[:, 1]), dtype=float) + np.zeros(len(bottom_xy))
    if np.any(high[ring] - low[under] <= 0):
        raise ValueError("the ceiling meets the floor")
    vertices = np.vstack([np.column_stack([xy, high]), np.column_stack([bottom_xy, low])])
    walls = np.vstack([
        np.column_stack([offset + under[i], offset + under[j], ring[j]]),
        np.column_stack([offset + under[i], ring[j], ring[i]]),
    ])
    faces = np.vstack([tris, bottom_tris[:, ::-1] + offset, walls])
    return Mesh(vertices=vertices, faces=faces)
