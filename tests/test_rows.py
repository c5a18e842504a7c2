"""core.rows against numpy's own: unique_rows against np.unique(axis=0) (the same
distinct rows in the same order, the same inverse, counts that add up), row_spans and
column_spans against np.ptp; swept over shapes, dtypes, how often rows repeat, NaN and
infinities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from insolegen.core.rows import column_spans, first_of_each, row_cross, row_maxima, row_minima, row_spans, unique_rows, used_mask

# Few distinct values, so rows repeat often; no -0.0 (numpy keeps whichever zero sorts
# first) and no NaN (the readers refuse them before merging).
VALUES = st.sampled_from([-2.5, -1.0, 0.0, 0.1, 1.0, 3.0, 1e6])


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(0, 60), st.integers(1, 4)), elements=VALUES))
def test_float_rows_merge_as_numpy_merges_them(rows):
    points, inverse, counts = unique_rows(rows)
    expected, expected_inverse, expected_counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    assert np.array_equal(points, expected)
    assert np.array_equal(inverse, expected_inverse.reshape(-1))
    assert np.array_equal(counts, expected_counts)
    assert np.array_equal(points[inverse], rows)  # every row rebuilt from its index


@settings(max_examples=100, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 80), st.just(2)), elements=st.integers(-3, 3)))
def test_integer_edges_merge_as_numpy_merges_them(edges):
    points, inverse, counts = unique_rows(edges)
    expected, expected_counts = np.unique(edges, axis=0, return_counts=True)
    assert np.array_equal(points, expected) and np.array_equal(counts, expected_counts)
    assert counts.sum() == len(edges) and np.array_equal(points[inverse], edges)


def test_float32_corners_that_differ_in_the_last_bit_stay_apart():
    a = np.float32(1.0)
    b = np.nextafter(a, np.float32(2.0))
    rows = np.array([[a, 0, 0], [b, 0, 0], [a, 0, 0]], dtype=np.float32)
    points, inverse, counts = unique_rows(rows)
    assert len(points) == 2 and inverse.tolist() == [0, 1, 0] and counts.tolist() == [2, 1]


def test_a_flat_array_is_refused():
    with pytest.raises(ValueError, match="2-D"):
        unique_rows(np.zeros(3))


SPAN_VALUES = st.floats(allow_nan=True, allow_infinity=True, width=64, min_value=None, max_value=None)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 4)), elements=SPAN_VALUES))
def test_spans_are_numpys_ptp(rows):
    with np.errstate(invalid="ignore", over="ignore"):
        assert np.array_equal(row_spans(rows), np.ptp(rows, axis=1), equal_nan=True)
        assert np.array_equal(column_spans(rows), np.ptp(rows, axis=0), equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 3), st.integers(1, 3)), elements=SPAN_VALUES))
def test_row_extremes_of_triangles_are_numpys(triangles):
    assert np.array_equal(row_minima(triangles), triangles.min(axis=1), equal_nan=True)
    assert np.array_equal(row_maxima(triangles), triangles.max(axis=1), equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(arrays(np.int64, st.integers(0, 200), elements=st.integers(-5, 5)))
def test_first_of_each_is_numpys_index_and_inverse(keys):
    first, inverse = first_of_each(keys)
    _, expected_first, expected_inverse = np.unique(keys, return_index=True, return_inverse=True)
    assert np.array_equal(first, expected_first)
    assert np.array_equal(inverse, expected_inverse.reshape(-1))


def test_column_spans_of_float32_are_the_float64_spans():
    rows = np.array([[16777216.0, 0.1], [1.0, -0.3]], dtype=np.float32)  # 2**24 - 1 is not a float32
    assert np.array_equal(column_spans(rows), np.ptp(rows.astype(np.float64), axis=0))
    assert column_spans(rows).dtype == np.float64


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@given(arrays(np.float64, st.tuples(st.integers(0, 40), st.just(3)), elements=SPAN_VALUES),
       arrays(np.float64, st.tuples(st.integers(0, 40), st.just(3)), elements=SPAN_VALUES))
def test_row_cross_is_numpys_cross_bit_for_bit(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    assert np.array_equal(row_cross(a, b), np.cross(a, b), equal_nan=True)
    assert np.array_equal(row_cross(a[:1], b), np.cross(a[:1], b), equal_nan=True)  # broadcast, as numpy
    assert row_cross(a.astype(np.float32), b.astype(np.float32)).dtype == np.float32


def test_row_cross_refuses_rows_not_of_3():
    with pytest.raises(ValueError, match="rows of 3"):
        row_cross(np.zeros((2, 2)), np.zeros((2, 2)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), arrays(np.int64, st.integers(0, 60),
                                                                          elements=st.integers(0, n - 1)))))
def test_used_mask_is_numpys_unique_as_a_mask(case):
    n, indices = case
    mask = used_mask(indices.reshape(-1, 3) if len(indices) % 3 == 0 else indices, n)
    assert mask.shape == (n,) and mask.dtype == bool
    assert np.array_equal(np.flatnonzero(mask), np.unique(indices))
