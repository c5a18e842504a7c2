"""Rays against triangle meshes, in numpy: vertical lines (heights, sections, scans) and
short segments along surface normals (wall thickness). Pure functions of arrays; no
index kept between calls. A leaf module: readers and geometry both use it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from insolegen.core.rows import row_cross, row_maxima, row_minima

__all__ = ["SCAN_MARGIN", "SEGMENT_CELL_FRACTION", "Array", "Hits", "grid_hits", "segment_hits", "vertical_hits"]

Array = NDArray[np.float64]

SEGMENT_CELL_FRACTION = 0.3
PAIR_CHUNK = 2_000_000  # candidate ray-triangle pairs tested at once: ~0.5 GB of temporaries
# A grid triangle's rows and columns are widened by this much (in grid steps), so a
# ray on an edge is still tested; the barycentric test then decides exactly.
SCAN_MARGIN = 1e-6


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
    lo, hi = row_minima(tri[:, :, :2]), row_maxima(tri[:, :, :2])
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
    return _hits(tri, det, face_idx[inside], ray_idx[inside], w0[inside], w1[inside], w2[inside])


def _hits(tri: Array, det: Array, face: NDArray[np.int64], ray: NDArray[np.int64],
          w0: Array, w1: Array, w2: Array) -> Hits:
    """Hits from the faces crossed, the rays and the barycentric weights there."""
    hit = tri[face]
    z = w0 * hit[:, 0, 2] + w1 * hit[:, 1, 2] + w2 * hit[:, 2, 2]
    normal = row_cross(hit[:, 1] - hit[:, 0], hit[:, 2] - hit[:, 0])
    level = np.abs(normal[:, 2]) / np.maximum(np.linalg.norm(normal, axis=1), 1e-300)
    return Hits(ray=ray, z=z, up=det[face] > 0, level=level)


def grid_hits(vertices: Array, faces: NDArray[np.int64], corner_xy: tuple[float, float],
              spacing_mm: float, shape: tuple[int, int]) -> Hits:
    """:func:`vertical_hits` for rays on a regular grid: ray ``j * nx + i`` stands at
    ``corner_xy + (i, j) * spacing_mm`` for ``shape = (nx, ny)``, the order of
    ``np.meshgrid(xs, ys)`` flattened. A grid needs no binning: each triangle is
    scanned column by column, and in each grid column only the rows between the
    triangle's edges there are tested. (Testing the whole bounding box tested ten
    times the rays needed: the flat underside's long triangles cover a whole foot.)"""
    nx, ny = shape
    empty = Hits(np.empty(0, np.int64), np.empty(0), np.empty(0, bool), np.empty(0))
    if nx <= 0 or ny <= 0 or len(faces) == 0:
        return empty
    tri = vertices[faces]
    a, b, c = tri[:, 0, :2], tri[:, 1, :2], tri[:, 2, :2]
    det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    corner = np.asarray(corner_xy, dtype=float)
    # grid units, with the corner ray at (0, 0)
    g = (tri[:, :, :2] - corner) / spacing_mm
    first_col = np.maximum(np.ceil(row_minima(g[:, :, 0]) - SCAN_MARGIN), 0).astype(np.int64)
    last_col = np.minimum(np.floor(row_maxima(g[:, :, 0]) + SCAN_MARGIN), nx - 1).astype(np.int64)
    # Vertical walls (det = 0) are never crossed by a vertical ray.
    columns = np.where(np.abs(det) > 1e-12, np.maximum(last_col - first_col + 1, 0), 0)
    face, k = _expand(columns)
    ix = first_col[face] + k
    # Where the column's line crosses each edge that spans it: the triangle's rows there.
    x = ix.astype(np.float64)
    gf = g[face]
    p, q = gf, gf[:, [1, 2, 0]]
    dx = q[:, :, 0] - p[:, :, 0]
    spans = (np.minimum(p[:, :, 0], q[:, :, 0]) <= x[:, None] + SCAN_MARGIN) & (
        np.maximum(p[:, :, 0], q[:, :, 0]) >= x[:, None] - SCAN_MARGIN) & (np.abs(dx) > 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = p[:, :, 1] + (np.clip(x[:, None], np.minimum(p[:, :, 0], q[:, :, 0]), np.maximum(p[:, :, 0], q[:, :, 0]))
                          - p[:, :, 0]) * (q[:, :, 1] - p[:, :, 1]) / np.where(spans, dx, 1.0)
    y_lo = row_minima(np.where(spans, y, np.inf))
    y_hi = row_maxima(np.where(spans, y, -np.inf))
    first_row = np.maximum(np.ceil(y_lo - SCAN_MARGIN), 0)
    last_row = np.minimum(np.floor(y_hi + SCAN_MARGIN), ny - 1)
    rows = np.where(np.isfinite(y_lo) & np.isfinite(y_hi), np.maximum(last_row - first_row + 1, 0), 0).astype(np.int64)
    pair, k = _expand(rows)
    face, ix = face[pair], ix[pair]
    iy = first_row[pair].astype(np.int64) + k
    px, py = corner[0] + ix * spacing_mm, corner[1] + iy * spacing_mm
    fa, fb, fc, d = a[face], b[face], c[face], det[face]
    w1 = ((px - fa[:, 0]) * (fc[:, 1] - fa[:, 1]) - (py - fa[:, 1]) * (fc[:, 0] - fa[:, 0])) / d
    w2 = ((fb[:, 0] - fa[:, 0]) * (py - fa[:, 1]) - (fb[:, 1] - fa[:, 1]) * (px - fa[:, 0])) / d
    w0 = 1 - w1 - w2
    eps = -1e-9
    inside = (w0 >= eps) & (w1 >= eps) & (w2 >= eps)
    return _hits(tri, det, face[inside], iy[inside] * nx + ix[inside], w0[inside], w1[inside], w2[inside])


def segment_hits(vertices: Array, faces: NDArray[np.int64], origins: Array, directions: Array,
                 length_mm: float) -> tuple[NDArray[np.int64], NDArray[np.int64], Array]:
    """Where segments ``origin + t * direction`` (unit directions, 0 < t <= length_mm)
    cross the triangles: (segment index, face index, t) for every crossing.

    Triangles and segments are binned in a uniform 3-D grid of cells at least
    ``SEGMENT_CELL_FRACTION * length_mm`` across, so a segment is tested only against
    the triangles of the few cells its bounding box touches (with fewer segment cells
    than triangles, only the triangles whose box meets one of those cells are binned:
    _touching); then Moller-Trumbore on the candidate pairs, all vectorised. Suited to
    short segments (wall thickness)."""
    # Over 60 lines: a vectorised ray cast whose steps share the candidate arrays (bounded in memory
    # chunk by chunk).
    origins = np.asarray(origins, dtype=np.float64).reshape(-1, 3)
    directions = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    if len(origins) == 0 or len(faces) == 0:
        return empty
    tri = vertices[faces]
    t_lo, t_hi = row_minima(tri), row_maxima(tri)
    ends = origins + directions * length_mm
    s_lo, s_hi = np.minimum(origins, ends), np.maximum(origins, ends)
    origin = np.minimum(t_lo.min(axis=0), s_lo.min(axis=0))
    span = np.maximum(np.maximum(t_hi.max(axis=0), s_hi.max(axis=0)) - origin, 1e-9)
    # Cells of 0.3 x the length: a segment then meets ~4x fewer candidate triangles
    # than in cells a whole length across, for ~4x more cell entries (measured: the
    # wall check 40-60 % faster on insoles and scans; smaller gains nothing).
    cell = max(SEGMENT_CELL_FRACTION * length_mm, float(np.median(row_maxima(t_hi - t_lo))), 1e-6)
    cell = max(cell, float(np.cbrt(np.prod(span) / 8e6)))  # at most ~8 million cells
    shape = np.floor(span / cell).astype(np.int64) + 1

    def box_of(lo: Array, hi: Array) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The first and last cell of each item's box, along each axis."""
        return (np.clip(np.floor((lo - origin) / cell).astype(np.int64), 0, shape - 1),
                np.clip(np.floor((hi - origin) / cell).astype(np.int64), 0, shape - 1))

    def cells_of(c_lo: NDArray[np.int64], c_hi: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(item, cell id) for every cell of each item's box."""
        extent = c_hi - c_lo + 1
        item, k = _expand(extent.prod(axis=1))
        e = extent[item]
        cx = c_lo[item, 0] + k // (e[:, 1] * e[:, 2])
        cy = c_lo[item, 1] + (k // e[:, 2]) % e[:, 1]
        cz = c_lo[item, 2] + k % e[:, 2]
        return item, (cx * shape[1] + cy) * shape[2] + cz

    seg_item, seg_cell = cells_of(*box_of(s_lo, s_hi))  # ordered by segment (_expand's runs)
    t_box = box_of(t_lo, t_hi)
    near = _touching(t_box, seg_cell, shape) if len(seg_cell) < len(faces) else np.arange(len(faces))
    tri_item, tri_cell = cells_of(t_box[0][near], t_box[1][near])
    tri_item = near[tri_item]
    order = np.argsort(tri_cell, kind="stable")
    tri_item, tri_cell = tri_item[order], tri_cell[order]
    first = np.searchsorted(tri_cell, seg_cell, side="left")
    count = np.searchsorted(tri_cell, seg_cell, side="right") - first
    # The candidate pairs are made and tested a bounded number at a time, whole segments
    # per chunk: a small dense mesh (a scan in metres read as mm) pairs every ray with
    # every face within reach, tens of millions of pairs, gigabytes at once.
    cum = np.cumsum(count)
    found: list[tuple[NDArray[np.int64], NDArray[np.int64], Array]] = []
    start = 0
    while start < len(seg_item):
        done_pairs = int(cum[start - 1]) if start else 0
        stop = max(int(np.searchsorted(cum, done_pairs + PAIR_CHUNK, side="right")), start + 1)
        if stop < len(seg_item):  # end the chunk on a segment's last cell
            stop = int(np.searchsorted(seg_item, seg_item[stop - 1], side="right"))
        found.append(_test_pairs(tri, len(faces), origins, directions, length_mm, seg_item[start:stop],
                                 tri_item, first[start:stop], count[start:stop]))
        start = stop
    if not found:
        return empty
    return (np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found]),
            np.concatenate([f[2] for f in found]))


def _touching(box: tuple[NDArray[np.int64], NDArray[np.int64]], cells: NDArray[np.int64],
              shape: NDArray[np.int64]) -> NDArray[np.int64]:
    """The items whose box of cells (first, last along each axis) holds any of ``cells``,
    by a 3-D running total of those cells (eight lookups an item). A check's few
    thousand rays on a lattice's 630,000 triangles meet a few per cent of them; the rest
    were each spread over their 10-30 cells and sorted for nothing (half the wall check)."""
    occupied = np.zeros(int(np.prod(shape)), dtype=np.int32)
    occupied[cells] = 1
    total = np.zeros(tuple(int(n) + 1 for n in shape), dtype=np.int32)
    total[1:, 1:, 1:] = occupied.reshape(tuple(int(n) for n in shape)).cumsum(0, dtype=np.int32).cumsum(
        1, dtype=np.int32).cumsum(2, dtype=np.int32)
    (x0, y0, z0), (x1, y1, z1) = box[0].T, box[1].T + 1
    held = (total[x1, y1, z1] - total[x0, y1, z1] - total[x1, y0, z1] - total[x1, y1, z0]
            + total[x0, y0, z1] + total[x0, y1, z0] + total[x1, y0, z0] - total[x0, y0, z0])
    return np.flatnonzero(held > 0)


def _test_pairs(tri: Array, face_count: int, origins: Array, directions: Array, length_mm: float,
                seg_item: NDArray[np.int64], tri_item: NDArray[np.int64], first: NDArray[np.int64],
                count: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64], Array]:
    """Moller-Trumbore on the candidate pairs of some segments' cells: (segment, face, t)
    of each crossing, ordered by segment then face."""
    pair, k = _expand(count)
    seg = seg_item[pair]
    face = tri_item[first[pair] + k]
    if len(seg) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    # A triangle shared by two cells of one segment is a duplicate pair: drop it.
    key = seg * face_count + face
    key, unique = np.unique(key, return_index=True)
    seg, face = seg[unique], face[unique]

    v0, e1, e2 = tri[face, 0], tri[face, 1] - tri[face, 0], tri[face, 2] - tri[face, 0]
    d, o = directions[seg], origins[seg]
    p = row_cross(d, e2)
    det = np.einsum("ij,ij->i", e1, p)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    tv = o - v0
    u = np.einsum("ij,ij->i", tv, p) * inv
    q = row_cross(tv, e1)
    v = np.einsum("ij,ij->i", d, q) * inv
    t = np.einsum("ij,ij->i", e2, q) * inv
    eps = -1e-9
    hit = ok & (u >= eps) & (v >= eps) & (u + v <= 1 - eps) & (t > 0) & (t <= length_mm)
    return seg[hit], face[hit], t[hit]
