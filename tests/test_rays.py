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


def _every_pair(v, f, origins, directions, length):
    """Moller-Trumbore on every segment and every triangle: (segment, face) of each
    crossing, and its t (the reference segment_hits must agree with)."""
    tri = v[f]
    found = []
    for s, (o, d) in enumerate(zip(origins, directions)):
        e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
        p = np.cross(d, e2)
        det = np.einsum("ij,ij->i", e1, p)
        with np.errstate(all="ignore"):
            inv = 1.0 / det
            tv = o - tri[:, 0]
            u = np.einsum("ij,ij->i", tv, p) * inv
            q = np.cross(tv, e1)
            w = (q @ d) * inv
            t = np.einsum("ij,ij->i", e2, q) * inv
        hit = (np.abs(det) > 1e-12) & (u >= -1e-9) & (w >= -1e-9) & (u + w <= 1 + 1e-9) & (t > 0) & (t <= length)
        found += [(s, int(k), float(t[k])) for k in np.flatnonzero(hit)]
    return found


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), segments=st.sampled_from([3, 40, 400]), length=st.floats(0.3, 6.0))
def test_segments_meet_exactly_the_triangles_every_pair_meets(seed, segments, length):
    """Binned (and, with few segments among many triangles, pruned to the triangles near
    a segment) against every segment tried on every triangle."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 20, (300, 3))
    v = (centres[:, None, :] + rng.normal(0, 1.0, (300, 3, 3))).reshape(-1, 3)
    f = np.arange(900, dtype=np.int64).reshape(-1, 3)
    origins = rng.uniform(0, 20, (segments, 3))
    directions = rng.normal(size=(segments, 3))
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    seg, face, t = segment_hits(v, f, origins, directions, length)
    expected = _every_pair(v, f, origins, directions, length)
    assert sorted(zip(seg.tolist(), face.tolist())) == [(s, k) for s, k, _ in sorted(expected)]
    assert np.allclose(t[np.lexsort((face, seg))], [x for _, _, x in sorted(expected)], atol=1e-9)
