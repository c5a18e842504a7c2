"""Measurements taken on a finished mesh, independent of how it was built.

Vertical rays find the top surface's height at a point and the part's thinnest
vertical section; the footprint on z = 0 gives the outline's length and widths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core.rays import grid_hits, segment_hits, vertical_hits
from insolegen.core.rows import row_cross

__all__ = [
    "WALL_FACING_DEG",
    "WALL_RAY_START_MM",
    "WALL_REACH_MM",
    "Array",
    "Footprint",
    "bottom_heights",
    "footprint",
    "thinnest_vertical_mm",
    "thinnest_wall_mm",
    "top_heights",
    "volumes_within_mm3",
]

Array = NDArray[np.float64]

# A wall is two surfaces facing opposite ways; a ray from one face that ends on a face
# turned more than this from opposite has crossed a corner, not a wall. Near a convex
# edge (a sloping top meeting the vertical side at 45 degrees, say) the inward ray of
# a point a hair from the edge hits the side wall after 0.1 mm: that measures the
# edge's sharpness, which a printer handles layer by layer, not a wall it cannot lay.
WALL_FACING_DEG = 20.0
# Walls are looked for this deep: far beyond any printable minimum, and short rays
# keep the search local (a long ray through a ball meets thousands of triangles).
WALL_REACH_MM = 5.0
WALL_RAY_START_MM = 1e-4
# The same holds for vertical sections: near the silhouette of a rounded part a
# vertical ray cuts a short chord between two steep faces; that is no floor or roof
# too thin to print. Only sections between faces within WALL_FACING_DEG of level count.


def top_heights(vertices: Array, faces: NDArray[np.int64], xy: Array) -> Array:
    """Height of the highest surface above each (x, y); NaN where a ray misses."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    hits = vertical_hits(vertices, faces, xy)
    out = np.full(len(xy), -np.inf)
    np.maximum.at(out, hits.ray, hits.z)
    return np.where(np.isfinite(out), out, np.nan)


def bottom_heights(vertices: Array, faces: NDArray[np.int64], xy: Array) -> Array:
    """Height of the lowest surface under each (x, y); NaN where a ray misses."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    hits = vertical_hits(vertices, faces, xy)
    out = np.full(len(xy), np.inf)
    np.minimum.at(out, hits.ray, hits.z)
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
    if len(gx) == 0 or len(gy) == 0:
        return float("inf")
    hits = grid_hits(vertices, faces, (float(gx[0]), float(gy[0])), spacing, (len(gx), len(gy)))
    order = np.lexsort((hits.z, hits.ray))
    ray, z, up = hits.ray[order], hits.z[order], hits.up[order]
    level = hits.level[order] >= np.cos(np.radians(WALL_FACING_DEG))
    # A closed, outward-wound solid alternates enter (facing down) / leave (facing up).
    pair = (ray[:-1] == ray[1:]) & ~up[:-1] & up[1:] & level[:-1] & level[1:]
    if not pair.any():
        return float("inf")
    return float((z[1:] - z[:-1])[pair].min())


def thinnest_wall_mm(vertices: Array, faces: NDArray[np.int64], samples: int = 4000,
                     reach_mm: float = WALL_REACH_MM) -> float:
    """Thinnest wall: from the centres of about ``samples`` faces (the same for the same
    mesh), the distance along the inward normal to the opposite surface (a face turned
    within WALL_FACING_DEG of the opposite way); the smallest of them. Walls are looked
    for up to ``reach_mm`` deep: inf means none is thinner."""
    if len(faces) == 0:
        return float("nan")
    tri = vertices[faces]
    cross = row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area = 0.5 * np.linalg.norm(cross, axis=1)
    if area.sum() <= 0:
        return float("nan")
    # Half the points systematically by area (evenly spaced along the faces' running
    # total of area, each choosing the face it falls in), half by count (every k-th
    # face): area alone leaves small features unsampled, where the finest walls are
    # (the land between a label's letters); no random numbers to make either.
    half = max(samples // 2, 1)
    running = np.cumsum(area)
    by_area = np.searchsorted(running, (np.arange(half) + 0.5) * (running[-1] / half))
    by_count = np.linspace(0, len(faces) - 1, min(half, len(faces))).astype(np.int64)
    chosen = np.unique(np.minimum(np.r_[by_area, by_count], len(faces) - 1))
    chosen = chosen[area[chosen] > 0]
    normals = cross[chosen] / (2 * area[chosen])[:, None]
    # Just inside the surface, so the ray does not stop on the face it starts from.
    origins = tri[chosen].mean(axis=1) - normals * WALL_RAY_START_MM
    ray, face, t = segment_hits(vertices, faces, origins, -normals, reach_mm)
    face_normals = cross[face] / np.maximum(2 * area[face], 1e-300)[:, None]
    facing = np.einsum("ij,ij->i", normals[ray], face_normals) <= -np.cos(np.radians(WALL_FACING_DEG))
    if not facing.any():
        return float("inf")
    return float(t[facing].min() + WALL_RAY_START_MM)


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


def footprint(vertices: Array, faces: NDArray[np.int64], tolerance_mm: float = 1e-6,
              floor: Callable[[Array], Array] | None = None) -> Footprint:
    """The region the part covers on the bed: union of its faces lying on z = 0, or on
    ``floor(x)`` for an underside that follows a shoe's footbed."""
    tri = vertices[faces]
    under = floor(tri[:, :, 0]) if floor is not None else 0.0
    on_bed = np.all(np.abs(tri[:, :, 2] - under) <= tolerance_mm, axis=1)
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


def volumes_within_mm3(vertices: Array, faces: NDArray[np.int64], areas: Sequence[shapely.Geometry]) -> list[float]:
    """Volume of a closed, outward-wound mesh inside the vertical prism over each of
    ``areas``, exactly (to rounding), without a boolean: by the divergence theorem with
    the field (0, 0, z), the volume is the sum over faces of +-(z integrated over the
    part of the face's shadow inside the area), + for faces facing up. Faces on z = 0
    and vertical faces add nothing; a face wholly inside counts its whole shadow; only
    the faces an area's edge crosses are clipped."""
    tri = vertices[faces]
    xy = tri[:, :, :2]
    shadow = 0.5 * ((xy[:, 1, 0] - xy[:, 0, 0]) * (xy[:, 2, 1] - xy[:, 0, 1])
                    - (xy[:, 2, 0] - xy[:, 0, 0]) * (xy[:, 1, 1] - xy[:, 0, 1]))  # signed: + facing up
    adds = (np.abs(shadow) > 1e-12) & np.any(tri[:, :, 2] != 0.0, axis=1)
    tri, xy, shadow = tri[adds], xy[adds], shadow[adds]
    whole = tri[:, :, 2].mean(axis=1) * shadow  # each face's whole contribution
    triangles = shapely.polygons(np.concatenate([xy, xy[:, :1]], axis=1))
    volumes = []
    for area in areas:
        if len(tri) == 0 or area.is_empty:
            volumes.append(0.0)
            continue
        shapely.prepare(area)
        inside = shapely.contains_properly(area, triangles)
        cut = ~inside & shapely.intersects(area, triangles)
        total = float(whole[inside].sum())
        if cut.any():
            # z is linear over a face, so its integral over a piece of the shadow is the
            # piece's area times z at the piece's centroid.
            pieces = shapely.intersection(triangles[cut], area)
            piece_area = shapely.area(pieces)
            has = piece_area > 0
            centre = shapely.get_coordinates(shapely.centroid(pieces[has]))
            t, det = tri[cut][has], 2 * shadow[cut][has]
            a, b, c = t[:, 0], t[:, 1], t[:, 2]
            w1 = ((centre[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (centre[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])) / det
            w2 = ((b[:, 0] - a[:, 0]) * (centre[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (centre[:, 0] - a[:, 0])) / det
            z = (1 - w1 - w2) * a[:, 2] + w1 * b[:, 2] + w2 * c[:, 2]
            total += float(np.sum(np.sign(det) * piece_area[has] * z))
        volumes.append(total)
    return volumes
