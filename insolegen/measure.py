"""Measurements taken on a finished mesh, independent of how it was built.

Vertical rays find the top surface's height at a point and the part's thinnest
vertical section; the footprint on z = 0 gives the outline's length and widths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

Array = NDArray[np.float64]

# A wall is two surfaces facing opposite ways; a ray from one face that ends on a face
# turned more than this from opposite has crossed a corner, not a wall. Near a convex
# edge (a sloping top meeting the vertical side at 45 degrees, say) the inward ray of
# a point a hair from the edge hits the side wall after 0.1 mm: that measures the
# edge's sharpness, which a printer handles layer by layer, not a wall it cannot lay.
WALL_FACING_DEG = 20.0
WALL_RAY_BATCH = 250  # rays per ray query in thinnest_wall_mm (bounds its memory)
# The same holds for vertical sections: near the silhouette of a rounded part a
# vertical ray cuts a short chord between two steep faces; that is no floor or roof
# too thin to print. Only sections between faces within WALL_FACING_DEG of level count.


@dataclass(frozen=True)
class Hits:
    """Where vertical rays cross the surface: ray index, z, and whether the face there
    faces up (the ray leaves the solid) or down (it enters)."""

    ray: NDArray[np.int64]
    z: Array
    up: NDArray[np.bool_]
    level: Array  # |cos| of the face's tilt from horizontal: 1 for a flat face


def _expand(counts: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For runs of the given lengths: (run index, position within the run) per item."""
    run = np.repeat(np.arange(len(counts)), counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return run, within


def vertical_hits(vertices: Array, faces: NDArray[np.int64], xy: Array) -> Hits:
    """Intersect vertical lines through each (x, y) in ``xy`` with every triangle.

    Rays are binned in a uniform grid of cells about one triangle across, so each
    triangle is tested only against the rays in the cells its bounding box covers.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    tri = vertices[faces]  # (F, 3, 3)
    a, b, c = tri[:, 0, :2], tri[:, 1, :2], tri[:, 2, :2]
    det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    lo, hi = tri[:, :, :2].min(axis=1), tri[:, :, :2].max(axis=1)
    if len(xy) == 0 or len(faces) == 0:
        return Hits(np.empty(0, np.int64), np.empty(0), np.empty(0, bool), np.empty(0))

    origin, top = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(top - origin, 1e-9)
    cell = max(float(np.median(hi - lo)), float(np.sqrt(np.prod(span) / len(xy))), 1e-6)
    cell = max(cell, float(np.sqrt(np.prod(span) / 4e6)))  # at most ~4 million cells
    shape = (np.floor(span / cell).astype(np.int64) + 1)
    ray_cell = np.minimum(np.floor((xy - origin) / cell).astype(np.int64), shape - 1)
    ray_id = ray_cell[:, 0] * shape[1] + ray_cell[:, 1]
    order = np.argsort(ray_id, kind="stable")
    first = np.searchsorted(ray_id[order], np.arange(shape[0] * shape[1]))
    count = np.diff(np.r_[first, len(xy)])

    # Vertical walls (det = 0) are never crossed by a vertical ray; skip boxes that
    # miss every ray.
    usable = (np.abs(det) > 1e-12) & np.all(hi >= origin, axis=1) & np.all(lo <= top, axis=1)
    cell_lo = np.clip(np.floor((lo - origin) / cell).astype(np.int64), 0, shape - 1)
    cell_hi = np.clip(np.floor((hi - origin) / cell).astype(np.int64), 0, shape - 1)
    extent = cell_hi - cell_lo + 1
    face_idx, k = _expand(np.where(usable, extent[:, 0] * extent[:, 1], 0))
    cx = cell_lo[face_idx, 0] + k // extent[face_idx, 1]
    cy = cell_lo[face_idx, 1] + k % extent[face_idx, 1]
    cells = cx * shape[1] + cy
    pair, k = _expand(count[cells])
    face_idx = face_idx[pair]
    ray_idx = order[first[cells[pair]] + k]

    p = xy[ray_idx]
    fa, fb, fc, d = a[face_idx], b[face_idx], c[face_idx], det[face_idx]
    w1 = ((p[:, 0] - fa[:, 0]) * (fc[:, 1] - fa[:, 1]) - (p[:, 1] - fa[:, 1]) * (fc[:, 0] - fa[:, 0])) / d
    w2 = ((fb[:, 0] - fa[:, 0]) * (p[:, 1] - fa[:, 1]) - (fb[:, 1] - fa[:, 1]) * (p[:, 0] - fa[:, 0])) / d
    w0 = 1 - w1 - w2
    eps = -1e-9
    inside = (w0 >= eps) & (w1 >= eps) & (w2 >= eps)
    face_idx, ray_idx = face_idx[inside], ray_idx[inside]
    w = np.column_stack([w0[inside], w1[inside], w2[inside]])
    z = np.einsum("ij,ij->i", w, tri[face_idx, :, 2])
    hit = tri[face_idx]
    normal = np.cross(hit[:, 1] - hit[:, 0], hit[:, 2] - hit[:, 0])
    level = np.abs(normal[:, 2]) / np.maximum(np.linalg.norm(normal, axis=1), 1e-300)
    return Hits(ray=ray_idx, z=z, up=det[face_idx] > 0, level=level)


def top_heights(vertices: Array, faces: NDArray[np.int64], xy: Array) -> Array:
    """Height of the highest surface above each (x, y); NaN where a ray misses."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    hits = vertical_hits(vertices, faces, xy)
    out = np.full(len(xy), -np.inf)
    np.maximum.at(out, hits.ray, hits.z)
    return np.where(np.isfinite(out), out, np.nan)


def thinnest_vertical_mm(vertices: Array, faces: NDArray[np.int64], spacing_mm: float = 1.0) -> float:
    """Thinnest vertical section of a closed mesh, sampled on a grid of vertical rays.

    Each ray's crossings are paired (enter, leave) in height order; the smallest gap
    over all rays is returned (inf for an empty or open mesh with no pairs). The grid
    is offset by an irrational fraction so rays avoid shared edges.
    """
    lo, hi = vertices[:, :2].min(axis=0), vertices[:, :2].max(axis=0)
    spacing = max(spacing_mm, float(np.sqrt(np.prod(hi - lo + 1e-9) / 60000.0)))
    gx = np.arange(lo[0] + spacing * 0.3183, hi[0], spacing)
    gy = np.arange(lo[1] + spacing * 0.2718, hi[1], spacing)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    if len(grid) == 0:
        return float("inf")
    hits = vertical_hits(vertices, faces, grid)
    order = np.lexsort((hits.z, hits.ray))
    ray, z, up = hits.ray[order], hits.z[order], hits.up[order]
    level = hits.level[order] >= np.cos(np.radians(WALL_FACING_DEG))
    # A closed, outward-wound solid alternates enter (facing down) / leave (facing up).
    pair = (ray[:-1] == ray[1:]) & ~up[:-1] & up[1:] & level[:-1] & level[1:]
    if not pair.any():
        return float("inf")
    return float((z[1:] - z[:-1])[pair].min())




def thinnest_wall_mm(vertices: Array, faces: NDArray[np.int64], samples: int = 4000, seed: int = 0) -> float:
    """Thinnest wall: from points spread over the surface (by area), the distance along
    the inward normal to the opposite surface (a face turned within WALL_FACING_DEG of
    the opposite way); the smallest of them, inf when no ray crosses a wall. Uses
    trimesh's ray casting (rtree index)."""
    import trimesh

    mesh = trimesh.Trimesh(vertices, faces, process=False)
    area = mesh.area_faces
    if len(faces) == 0 or area.sum() <= 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(faces), size=min(samples, len(faces)), replace=False, p=area / area.sum())
    normals = mesh.face_normals[chosen]
    origins = mesh.triangles_center[chosen] - normals * 1e-4
    thinnest = float("inf")
    # Rays in batches: trimesh's ray query holds candidate pairs for a whole batch,
    # and on a fine curved mesh one batch of 4000 asked for several GB.
    for start in range(0, len(chosen), WALL_RAY_BATCH):
        part = slice(start, start + WALL_RAY_BATCH)
        hits, rays, hit_faces = mesh.ray.intersects_location(origins[part], -normals[part], multiple_hits=False)
        if len(rays) == 0:
            continue
        facing = (np.einsum("ij,ij->i", normals[part][rays], mesh.face_normals[hit_faces])
                  <= -np.cos(np.radians(WALL_FACING_DEG)))
        if facing.any():
            gaps = np.linalg.norm(hits[facing] - origins[part][rays[facing]], axis=1)
            thinnest = min(thinnest, float(gaps.min()) + 1e-4)
    return thinnest


@dataclass(frozen=True)
class Footprint:
    """The outline as measured on the mesh's bottom face (mm)."""

    length_mm: float
    width_mm: float
    area_mm2: float
    polygon: shapely.Polygon

    def chord_at(self, x_mm: float) -> float:
        """Width across the footprint at a given x (total length of the cut)."""
        y0, y1 = self.polygon.bounds[1] - 1, self.polygon.bounds[3] + 1
        return float(self.polygon.intersection(shapely.LineString([(x_mm, y0), (x_mm, y1)])).length)


def footprint(vertices: Array, faces: NDArray[np.int64], tolerance_mm: float = 1e-6) -> Footprint:
    """The region the part covers on the bed: union of its faces lying on z = 0."""
    on_bed = np.all(np.abs(vertices[faces][:, :, 2]) <= tolerance_mm, axis=1)
    bottom = faces[on_bed]
    edges = np.sort(bottom[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    n = len(vertices)
    keys, counts = np.unique(edges @ np.array([n, 1]), return_counts=True)
    once = keys[counts == 1]
    rim = np.column_stack([once // n, once % n])
    lines = shapely.linestrings(vertices[rim][:, :, :2])
    polygons = list(shapely.get_parts(shapely.polygonize(list(lines))))
    if not polygons:
        return Footprint(0.0, 0.0, 0.0, shapely.Polygon())
    polygon = max(polygons, key=lambda p: p.area)
    x0, y0, x1, y1 = polygon.bounds
    return Footprint(length_mm=x1 - x0, width_mm=y1 - y0, area_mm2=polygon.area, polygon=polygon)
