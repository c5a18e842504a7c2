"""The ray casters the checks stand on (insolegen/rays.py), against boxes whose every
crossing is known by hand, and against each other on a real insole."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from catalogue import PROFILES
from hypothesis import given, settings
from hypothesis import strategies as st

from insolegen.build.side import build_side
from insolegen.core.rays import grid_hits, segment_hits, vertical_hits
from insolegen.profile import profile_from_dict


def box(size, corner=(0.0, 0.0, 0.0)):
    mesh = trimesh.creation.box(extents=size)
    mesh.apply_translation(np.asarray(corner) - mesh.bounds[0])
    return np.asarray(mesh.vertices, dtype=float), np.asarray(mesh.faces, dtype=np.int64)


@settings(max_examples=60, deadline=None)
@given(sx=st.floats(3, 80), sy=st.floats(3, 80), sz=st.floats(0.5, 20),
       cx=st.floats(-50, 50), cy=st.floats(-50, 50), spacing=st.floats(0.7, 6),
       ox=st.floats(-9, 9), oy=st.floats(-9, 9))
def test_grid_rays_cross_a_box_twice_inside_and_never_outside(sx, sy, sz, cx, cy, spacing, ox, oy):
    v, f = box((sx, sy, sz), (cx, cy, 1.0))
    corner = (cx + ox + 0.1234, cy + oy + 0.2345)  # off the box's edges
    nx, ny = int(sx / spacing) + 8, int(sy / spacing) + 8
    hits = grid_hits(v, f, corner, spacing, (nx, ny))
    xs = corner[0] + spacing * np.arange(nx)
    ys = corner[1] + spacing * np.arange(ny)
    inside_x = (xs > cx) & (xs < cx + sx)
    inside_y = (ys > cy) & (ys < cy + sy)
    # by hand: the rays over the box, numbered j * nx + i
    expected = sorted(int(j * nx + i) for j in np.flatnonzero(inside_y) for i in np.flatnonzero(inside_x))
    assert sorted(set(hits.ray.tolist())) == expected
    assert len(hits.ray) == 2 * len(expected)  # the bottom and the top, once each
    assert np.allclose(np.sort(hits.z[hits.up]), 1.0 + sz) and np.allclose(hits.z[~hits.up], 1.0)
    assert np.allclose(hits.level, 1.0)


def test_grid_rays_agree_with_binned_rays_on_an_insole():
    spec = profile_from_dict(PROFILES["orthotic"]).sides[0]
    mesh = build_side(spec).mesh
    lo, hi = mesh.vertices[:, :2].min(axis=0), mesh.vertices[:, :2].max(axis=0)
    xs, ys = np.arange(lo[0] + 0.31, hi[0], 1.3), np.arange(lo[1] + 0.27, hi[1], 1.3)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    a = grid_hits(mesh.vertices, mesh.faces, (xs[0], ys[0]), 1.3, (len(xs), len(ys)))
    b = vertical_hits(mesh.vertices, mesh.faces, grid)
    assert len(a.ray) > 2 * 0.5 * len(grid)  # most rays cross the insole, twice or more
    order_a, order_b = np.lexsort((a.z, a.ray)), np.lexsort((b.z, b.ray))
    assert np.array_equal(a.ray[order_a], b.ray[order_b])
    assert np.allclose(a.z[order_a], b.z[order_b], atol=1e-9)
    assert np.array_equal(a.up[order_a], b.up[order_b])


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spacing=st.sampled_from([0.5, 1.0, 2.0]))
def test_grid_rays_on_vertices_and_edges_agree_with_binned_rays(seed, spacing):
    # Triangles with corners on the grid's own points: rays land exactly on vertices
    # and edges, where a scan of each triangle's rows could drop one.
    rng = np.random.default_rng(seed)
    v = np.column_stack([rng.integers(0, 12, (40, 2)) * spacing, rng.uniform(0, 5, 40)])
    f = rng.integers(0, 40, (60, 3))
    nx = ny = 13
    xs, ys = spacing * np.arange(nx), spacing * np.arange(ny)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    a = grid_hits(v, f, (0.0, 0.0), spacing, (nx, ny))
    b = vertical_hits(v, f, grid)
    key_a = sorted(zip(a.ray.tolist(), np.round(a.z, 9).tolist()))
    key_b = sorted(zip(b.ray.tolist(), np.round(b.z, 9).tolist()))
    assert key_a == key_b


@pytest.mark.parametrize("thickness", [0.6, 1.2, 3.0, 4.9])
def test_segments_down_from_a_plate_top_end_on_its_bottom(thickness):
    v, f = box((60.0, 40.0, thickness))
    rng = np.random.default_rng(1)
    starts = np.column_stack([rng.uniform(1, 59, 500), rng.uniform(1, 39, 500), np.full(500, thickness - 1e-4)])
    down = np.tile([0.0, 0.0, -1.0], (500, 1))
    seg, face, t = segment_hits(v, f, starts, down, 5.0)
    assert sorted(seg.tolist()) == list(range(500))  # each segment ends on the bottom, once
    assert np.allclose(t, thickness - 1e-4)
    assert np.allclose(v[f[face]][:, :, 2], 0.0)
    short = segment_hits(v, f, starts, down, thickness / 2)
    assert len(short[0]) == 0  # half as long: nothing reached
