"""The open edges of a scanned surface: a plantar-surface scan (a podiatry scanner's
sole, its sides cut off some way up) is an open sheet whose cut edge runs round the
whole foot; a positive scan of the foot is closed, or open only at the ankle; holes
in a scan are small. The long rim tells which side of the sheet the foot was on."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from insolegen.core.rows import row_cross

__all__ = ["RIM_SPAN_SHARE", "dish_opening", "long_rim"]

# An open edge spanning this share of the scan's length runs round the sole (a cut
# round the foot); an ankle's cut spans about a third, a hole in the sole a few mm.
RIM_SPAN_SHARE = 0.6


def long_rim(vertices: NDArray[np.float64], faces: NDArray[np.int64],
             long_axis: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """The points of the scan's open edges (edges of one triangle only) that belong to
    loops spanning at least RIM_SPAN_SHARE of the scan's extent along ``long_axis``;
    None when there are none (a closed scan, or one open at the ankle or in holes)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(faces) == 0:
        return None
    # each edge one integer (its lower vertex x n + its higher), so counting them is a
    # 1-D sort (as checks.meshcheck counts edges): three times faster than merging rows
    # on a large scan's 10 million edges
    n = len(vertices)
    following = np.roll(faces, -1, axis=1)
    keys, counts = np.unique((np.minimum(faces, following) * n + np.maximum(faces, following)).ravel(),
                             return_counts=True)
    once = keys[counts == 1]
    open_edges = np.column_stack([once // n, once % n])
    if len(open_edges) == 0:
        return None
    used, local = np.unique(open_edges, return_inverse=True)
    local = local.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(local)), (local[:, 0], local[:, 1])), shape=(len(used), len(used)))
    count, label = connected_components(graph, directed=False)
    along = vertices[used] @ long_axis
    length = float(np.ptp(vertices @ long_axis))
    lo = np.full(count, np.inf)
    hi = np.full(count, -np.inf)
    np.minimum.at(lo, label, along)
    np.maximum.at(hi, label, along)
    long_loops = np.flatnonzero(hi - lo >= RIM_SPAN_SHARE * length)
    if len(long_loops) == 0:
        return None
    return vertices[used[np.isin(label, long_loops)]]


def dish_opening(vertices: NDArray[np.float64], faces: NDArray[np.int64],
                 rim: NDArray[np.float64]) -> NDArray[np.float64]:
    """The way an open sheet opens: the normal of the plane through its long open edge
    (least squares), turned toward the side away from the sheet's area (the sheet's
    faces weighted by their area, so a finely meshed heel cup does not outweigh a
    coarse forefoot). A sole cut round the foot and an insole's top both open toward
    the foot."""
    from insolegen.core import exact

    centre = rim.mean(axis=0)
    normal = exact.symmetric_eigh(exact.covariance(rim - centre))[1][:, 0]
    tri = vertices[faces]
    area = 0.5 * np.linalg.norm(row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    side = float(np.sum(((tri.mean(axis=1) - centre) @ normal) * area))
    return -normal if side > 0 else normal
