"""A shallow recess cut up into a solid's underside (the label), built by
re-triangulating the underside around it instead of by a boolean.

The underside of every part is its own cap (solid.extrude_height_field): the faces
that look down, ringed by the outline's vertices. The cap is triangulated anew with
the recess's rings as constrained edges; the triangles inside the recess are lifted by
its depth, and vertical walls join each ring's two copies. Nothing else of the mesh
moves, so the top, the walls and the outline stay exactly as built, and the solid is
closed by construction: every new edge has its two faces. A manifold3d boolean did the
same in 2-3 times the time and left micrometre slivers to collapse afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
import triangle
from numpy.typing import NDArray

from insolegen.core.rows import unique_rows
from insolegen.geometry.solid import Mesh, counter_clockwise, ring_of, triangle_areas

__all__ = ["KEEP_CLEAR_MM", "SLIVER_AREA_MM2", "STRAIGHT_MM", "Array", "RecessError", "recess_underside"]

Array = NDArray[np.float64]


KEEP_CLEAR_MM = 1.0  # the old cap's points this near the recess give way to its rings
SLIVER_AREA_MM2 = 1e-6  # a thousand times the checks' zero area (meshcheck)
STRAIGHT_MM = 1e-6  # a ring's point this close to the line through its neighbours is dropped


class RecessError(ValueError):
    """The recess cannot be cut: it leaves the underside, or its rings touch."""


def recess_underside(mesh: Mesh, area: shapely.Geometry, depth_mm: float,
                     floor: Callable[[Array], Array] | None = None) -> Mesh:
    """``mesh`` with ``area`` (polygons, holes kept: a letter's counter stays solid) cut
    ``depth_mm`` up into its underside: the flat cap, or one that follows ``floor(x)``
    (up to a constant: a part set down onto its lowest vertex), where the recess's
    ceiling follows the floor at the same depth. ``area`` must lie inside the underside
    and its rings must not touch one another (RecessError otherwise)."""
    # Over 60 lines: one boolean-free cut in steps that share the underside's triangulation.
    v, f = mesh.vertices, mesh.faces
    tri = v[f]
    up = ((tri[:, 1, 0] - tri[:, 0, 0]) * (tri[:, 2, 1] - tri[:, 0, 1])
          - (tri[:, 1, 1] - tri[:, 0, 1]) * (tri[:, 2, 0] - tri[:, 0, 0]))
    cap = up < 0  # the walls are vertical (exactly 0), the top looks up
    # The cap's boundary: its edges whose reverse is not in the cap.
    directed = f[cap][:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    n = len(v)
    keys = directed[:, 0] * n + directed[:, 1]
    boundary = directed[~np.isin(keys, directed[:, 1] * n + directed[:, 0])]
    outline = ring_of(v[:, :2], boundary)  # counter-clockwise from above

    if not area.is_valid:
        raise RecessError(f"the recess's outline is not a valid polygon ({shapely.is_valid_reason(area)})")
    rings = _rings(area)
    ring_xy = np.vstack(rings)
    points, inverse, _ = unique_rows(ring_xy)
    if len(points) != len(ring_xy):
        raise RecessError("the recess's rings touch one another")
    if not shapely.Polygon(v[outline, :2]).contains(area):
        raise RecessError("the recess leaves the underside")
    m = len(outline)
    segments = [np.column_stack([np.arange(m), (np.arange(m) + 1) % m])]
    start = 0
    for ring in rings:
        k = m + inverse.ravel()[start:start + len(ring)]
        segments.append(np.column_stack([k, np.roll(k, -1)]))
        start += len(ring)
    given = np.vstack(segments)
    if floor is None:
        # A flat cap needs no points of its own: the rings alone, constrained Delaunay
        # (a quarter fewer triangles than a quality mesh), unless that leaves a sliver
        # near zero area (points in line along the outline), then the quality mesh.
        xy, tris = _triangulated(np.vstack([v[outline, :2], points]), given, "pYY")
        if triangle_areas(xy, tris).min() < SLIVER_AREA_MM2:
            xy, tris = _triangulated(np.vstack([v[outline, :2], points]), given, "pq10YY")
        inner = np.empty(0, dtype=np.int64)
    else:
        # A curved cap keeps its own points where the recess leaves room (their heights
        # with them: the lowest point the part was set down on) and the size its
        # triangles were made to (the floor's curvature).
        inner = np.setdiff1d(np.unique(f[cap]), outline)
        inner = inner[~shapely.dwithin(area, shapely.points(v[inner, :2]), KEEP_CLEAR_MM)]
        cap_area = 0.5 * np.abs(up[cap])
        xy, tris = _triangulated(np.vstack([v[outline, :2], points, v[inner, :2]]), given,
                                 f"pq10YYa{float(cap_area.max()):.6f}")
    centre = xy[tris].mean(axis=1)
    inside = shapely.contains_xy(area, centre[:, 0], centre[:, 1])

    # Heights: the cap's own (the outline's vertices keep theirs), the recess's ceiling
    # depth_mm above it.
    shift = float(np.median(v[outline, 2] - (floor(v[outline, 0]) if floor is not None else 0.0)))
    base = (floor(xy[:, 0]) if floor is not None else np.zeros(len(xy))) + shift
    # A new point may fall lower on the floor than any of the old (the part was set
    # down onto its lowest vertex): held at that level, so the part rests where it did.
    base = np.maximum(base, float(v[f[cap], 2].min()))
    base[:m] = v[outline, 2]
    base[m + len(points):m + len(points) + len(inner)] = v[inner, 2]
    # Each new point gets a copy on the cap and one on the ceiling where it is used:
    # a ring's point has both, joined by the wall.
    on_cap = np.zeros(len(xy), dtype=bool)
    on_cap[tris[~inside].ravel()] = True
    on_ceiling = np.zeros(len(xy), dtype=bool)
    on_ceiling[tris[inside].ravel()] = True
    if on_ceiling[:m].any():
        raise RecessError("the recess reaches the underside's edge")
    kept = np.ones(n, dtype=bool)
    kept[f[cap].ravel()] = False
    kept[f[~cap].ravel()] = True  # the outline's vertices (on the walls) stay
    old = np.flatnonzero(kept)
    index = np.full(n, -1, dtype=np.int64)
    index[old] = np.arange(len(old))
    cap_id = np.full(len(xy), -1, dtype=np.int64)
    cap_id[:m] = index[outline]
    fresh = np.flatnonzero(on_cap[m:]) + m
    cap_id[fresh] = len(old) + np.arange(len(fresh))
    lifted = np.flatnonzero(on_ceiling)
    ceiling_id = np.full(len(xy), -1, dtype=np.int64)
    ceiling_id[lifted] = len(old) + len(fresh) + np.arange(len(lifted))
    vertices = np.vstack([v[old],
                          np.column_stack([xy[fresh], base[fresh]]),
                          np.column_stack([xy[lifted], base[lifted] + depth_mm])])

    ccw = counter_clockwise(xy, tris)[:, ::-1]  # both the cap and the ceiling look down
    walls = []
    for seg in segments[1:]:  # each ring runs with the recess on its left
        a, b = seg[:, 0], seg[:, 1]
        walls.append(np.column_stack([cap_id[a], ceiling_id[b], cap_id[b]]))
        walls.append(np.column_stack([cap_id[a], ceiling_id[a], ceiling_id[b]]))
    faces = np.vstack([index[f[~cap]], cap_id[ccw[~inside]], ceiling_id[ccw[inside]], *walls])
    return Mesh(vertices=vertices, faces=faces)


def _rings(area: shapely.Geometry) -> list[Array]:
    """Every ring of ``area``'s polygons, each running with the polygon on its left
    (outer rings counter-clockwise, holes clockwise), without the closing point or any
    point in line with its neighbours."""
    rings = []
    for polygon in shapely.get_parts(shapely.orient_polygons(area)):
        rings.append(_without_straight_points(np.asarray(polygon.exterior.coords)[:-1, :2]))
        rings.extend(_without_straight_points(np.asarray(hole.coords)[:-1, :2]) for hole in polygon.interiors)
    return rings


def _without_straight_points(ring: Array) -> Array:
    """``ring`` without the points that lie within STRAIGHT_MM of the line through their
    neighbours: the walls could not be joined to them without a zero-area triangle
    between two segments that Triangle may not split."""
    while len(ring) > 3:
        before, after = np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0)
        chord = after - before
        off = np.abs(chord[:, 0] * (ring[:, 1] - before[:, 1]) - chord[:, 1] * (ring[:, 0] - before[:, 0]))
        straight = off <= STRAIGHT_MM * np.maximum(np.hypot(chord[:, 0], chord[:, 1]), 1e-300)
        straight &= ~np.roll(straight, 1)  # never two neighbours at once: each is judged by the other
        if not straight.any():
            break
        ring = ring[~straight]
    return ring


def _triangulated(start_xy: Array, segments: NDArray[np.int64], switches: str) -> tuple[Array, NDArray[np.int64]]:
    """Triangle's mesh of the points and segments; YY keeps every segment whole, and it
    keeps the given points first, in order (the walls and the outline rely on both)."""
    new = triangle.triangulate({"vertices": start_xy, "segments": segments}, switches)
    xy, tris = new["vertices"], new["triangles"].astype(np.int64)
    if not np.array_equal(xy[:len(start_xy)], start_xy) or len(new["segments"]) != len(segments):
        raise RecessError("the underside's outline or the recess's rings were not kept whole")
    return xy, tris

