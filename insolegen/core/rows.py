"""What numpy does slowly on the tall, narrow arrays of meshes (millions of rows of 2 or 3
numbers), done column by column with the same results. A leaf module.

- Equal rows merged: what ``np.unique(a, axis=0, return_inverse=True)`` gives, the same
  rows in the same order, about six times faster. numpy's version sorts a structured
  view of the rows one field comparison at a time (2.4 s for an STL's 1.9 million
  corners); a lexsort of the columns does the same ordering in 0.4 s. Exact: rows are
  equal only when every column compares equal.
- Least, greatest and span (max - min) of each row, and span of each column: numpy
  reduces a 3-wide axis (a triangle's corners) eight times slower than two element-wise
  minima, and a tall array's columns twice slower than one column at a time. The same
  numbers: a minimum or maximum is exact whatever the order."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["column_spans", "row_maxima", "row_minima", "row_spans", "unique_rows"]

ScalarT = TypeVar("ScalarT", bound=np.generic)


def unique_rows(rows: NDArray[ScalarT]) -> tuple[NDArray[ScalarT], NDArray[np.int64], NDArray[np.int64]]:
    """(the distinct rows in lexicographic order, each input row's index among them,
    how many input rows each distinct row stands for)."""
    rows = np.asarray(rows)
    if rows.ndim != 2:
        raise ValueError(f"unique_rows takes a 2-D array, not {rows.ndim}-D")
    if len(rows) == 0:
        return rows.copy(), np.empty(0, np.int64), np.empty(0, np.int64)
    # lexsort's last key sorts first: column 0 leads, as in np.unique's row order
    order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(len(rows))
    ranked = rows[order]
    starts = np.empty(len(rows), dtype=bool)
    starts[0] = True
    np.any(ranked[1:] != ranked[:-1], axis=1, out=starts[1:])
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    counts = np.diff(np.r_[np.flatnonzero(starts), len(rows)])
    return ranked[starts], inverse, counts


def row_minima(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """rows.min(axis=1), exactly (rows of any trailing shape: a (F, 3, 3) array of
    triangles gives each triangle's least x, y and z)."""
    rows = np.asarray(rows)
    low = rows[:, 0].copy()
    for k in range(1, rows.shape[1]):
        np.minimum(low, rows[:, k], out=low)
    return low


def row_maxima(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """rows.max(axis=1), exactly (as row_minima)."""
    rows = np.asarray(rows)
    high = rows[:, 0].copy()
    for k in range(1, rows.shape[1]):
        np.maximum(high, rows[:, k], out=high)
    return high


def row_spans(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each row's largest minus its smallest entry: np.ptp(rows, axis=1), exactly."""
    return row_maxima(rows) - row_minima(rows)


def column_spans(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each column's largest minus its smallest entry: np.ptp(rows, axis=0), exactly."""
    rows = np.asarray(rows)
    return np.array([rows[:, k].max() - rows[:, k].min() for k in range(rows.shape[1])])
