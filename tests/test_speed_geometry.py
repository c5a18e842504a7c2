"""The fast geometry core (issue 13) against numbers derived by hand.

Speed itself is measured in benchmarks/bench_build.py, never asserted here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
import triangle
from catalogue import PROFILES
from hypothesis import given, settings
from hypothesis import strategies as st
from meshtools import assert_solid
from sweeps import cases

from insolegen.build.side import side_outline
from insolegen.geometry.distance import CAP_MARGIN_CELLS, LEBESGUE_CUBIC_SPLINE, distance_field
from insolegen.geometry.solid import Resolution, _edge_keys, _split, extrude_height_field, quadratic_gap_max, triangulate_top
from insolegen.geometry.surfaces import (
    CUP_FIELD_STEP_MM,
    CUP_RIM_FRACTION_OF_HEEL,
    CUP_RIM_TOP_MM,
    REARFOOT_END_FRACTION,
    top_surface,
)
from insolegen.profile import profile_from_dict

MAX_TRIANGLES = 20_000
MAX_DEVIATION_MM = 0.05


def field_bound_mm(sagitta_mm: float, step_mm: float, rho_mm: float) -> float:
    """How far the B-spline distance field can be from the exact polyline distance.

    Cubic-spline interpolation I is exact at the nodes and linear, and amplifies a data
    error at most L = 1.5486 times per axis (its Lebesgue constant; L**2 on a 2-D grid).
    Write the polyline distance as d = d_s + e, with d_s the distance to the smooth
    curve through the vertices and |e| <= sagitta (how far a chord strays from its arc).
    Then |I d - d| <= |I e| + |e| + |I d_s - d_s| <= (L**2 + 1) sagitta + E, where E, the
    spline's own error on the smooth d_s, is at most (1 + L) 5/384 h**4 M4 (one axis
    after the other; 5/384 h**4 M4 is the cubic spline's error on one axis), and M4,
    the fourth derivative of a distance to a circle along any line, is at most 3 / rho**3
    at radius rho from its centre. The cap (data held at cap_mm beyond the band) is a
    kink whose influence decays by 0.268 per node: after CAP_MARGIN_CELLS nodes it is
    below 0.268**5 h."""
    lebesgue = LEBESGUE_CUBIC_SPLINE
    smooth = (1 + lebesgue) * 5 / 384 * step_mm**4 * 3 / rho_mm**3
    cap = 0.268**CAP_MARGIN_CELLS * step_mm
    return (lebesgue**2 + 1) * sagitta_mm + smooth + cap


def exact_distance(ring: np.ndarray, points: np.ndarray) -> np.ndarray:
    return shapely.distance(shapely.LinearRing(ring), shapely.points(points))


def test_distance_field_on_a_circle_is_within_the_hand_bound():
    radius, spacing, needed = 40.0, 1.0, 20.0
    n = math.ceil(2 * math.pi * radius / spacing)
    angle = np.linspace(0, 2 * math.pi, n, endpoint=False)
    ring = radius * np.column_stack([np.cos(angle), np.sin(angle)])
    field = distance_field(ring, x_max_mm=radius, needed_mm=needed, step_mm=CUP_FIELD_STEP_MM)
    rng = np.random.default_rng(0)
    r = radius - needed * np.sqrt(rng.random(20000))
    t = rng.uniform(0, 2 * math.pi, len(r))
    points = np.column_stack([r * np.cos(t), r * np.sin(t)])
    error = np.abs(field.distance_mm(points[:, 0], points[:, 1]) - exact_distance(ring, points))
    sagitta = radius * (1 - math.cos(math.pi / n))
    rho = radius - needed - CAP_MARGIN_CELLS * CUP_FIELD_STEP_MM
    bound = field_bound_mm(sagitta, CUP_FIELD_STEP_MM, rho)
    assert bound < 0.015  # about the figure quoted in distance.py for a 1 mm outline
    assert error.max() <= bound
    # Signed: negative outside, so it is smooth across the edge.
    assert field.distance_mm(np.array([radius + 2.0]), np.array([0.0]))[0] == pytest.approx(-2.0, abs=bound)


@pytest.mark.parametrize("key", cases(["plain-eu42", "small-thin", "large-wide-valgus", "sulcus-womens"], 2))
def test_cup_distance_field_on_the_catalogue_is_within_the_hand_bound(key):
    spec = profile_from_dict(PROFILES[key]).sides[-1]
    outline = side_outline(spec)
    surface = top_surface(spec, outline)
    ring = outline.boundary
    rim = CUP_RIM_FRACTION_OF_HEEL * spec.heel_width_mm
    x_end = REARFOOT_END_FRACTION * spec.foot_length_mm
    # Sagitta from the outline's own turning angles: a chord of length s on a curve
    # turning by theta per vertex strays s * theta / 8 from it.
    seg = np.roll(ring, -1, axis=0) - ring
    length = np.linalg.norm(seg, axis=1)
    before = np.roll(seg, 1, axis=0)
    cross = before[:, 0] * seg[:, 1] - before[:, 1] * seg[:, 0]
    turn = np.abs(np.arctan2(cross, np.einsum("ij,ij->i", before, seg)))
    rear = ring[:, 0] <= x_end + rim
    sagitta = float(np.max(length[rear] * turn[rear] / 8))
    # The heel's radius (~0.14 of the length) less the band and the cap's margin.
    rho = 0.5 * spec.heel_width_mm - rim - CAP_MARGIN_CELLS * CUP_FIELD_STEP_MM
    bound = field_bound_mm(sagitta, CUP_FIELD_STEP_MM, max(rho, 5.0))
    rng = np.random.default_rng(1)
    points = rng.uniform(ring.min(axis=0), [x_end, ring[:, 1].max()], size=(60000, 2))
    points = points[shapely.contains_xy(outline.polygon, points[:, 0], points[:, 1])]
    exact = exact_distance(ring, points)
    band = exact <= rim
    field = surface._cup_distance.distance_mm(points[band, 0], points[band, 1])
    assert np.abs(field - exact[band]).max() <= bound
    assert bound < 0.03
    # The cup's slope is at most 2 depth / (rim - rim top), so its height moves by at
    # most that times the distance's error.
    slope = 2 * spec.heel_cup_depth_mm / (rim - CUP_RIM_TOP_MM)
    cup = surface.heel_cup_mm(points[:, 0], points[:, 1])
    assert np.abs(cup - surface.heel_cup_exact_mm(points[:, 0], points[:, 1])).max() <= slope * bound


def test_height_is_the_sum_of_its_terms_everywhere():
    """The fast sum (each term only where it can be non-zero) against the terms."""
    for key in ("orthotic", "lld-right-full-length", "large-wide-valgus", "three-quarter"):
        for spec in profile_from_dict(PROFILES[key]).sides:
            outline = side_outline(spec)
            s = top_surface(spec, outline)
            p = np.random.default_rng(2).uniform(outline.boundary.min(0) - 5, outline.boundary.max(0) + 5, (30000, 2))
            x, y = p[:, 0], p[:, 1]
            terms = (s.base_mm(x, y) + s.sole_mm(x, y) + s.lift_mm(x, y) + s.heel_cup_mm(x, y) + s.arch_mm(x, y)
                     + s.medial_wall_mm(x, y) + s.met_pad_mm(x, y) + s.posts_mm(x, y))
            terms = s.front_taper_mm(x, y, terms) + spec.modifications.top_cover_mm
            assert np.abs(s.height_mm(x, y) - terms).max() < 1e-12
            # Scalars in, a scalar out; arrays keep their shape.
            assert float(s.height_mm(50.0, 0.0)) == s.height_mm(np.array([50.0]), np.array([0.0]))[0]
            assert s.height_mm(x.reshape(100, 300), y.reshape(100, 300)).shape == (100, 300)


def test_quadratic_gap_max_is_exact_for_quadratics():
    """For a quadratic surface the gap inside a flat triangle is a quadratic that
    vanishes at the corners; its largest |value| is what the midpoints predict."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        corners = rng.normal(size=(3, 2))
        h = rng.normal(size=(2, 2))
        h = h + h.T
        g = rng.normal(size=2)

        def f(p, h=h, g=g):
            return 0.5 * np.einsum("...i,ij,...j->...", p, h, p) + p @ g

        mids = 0.5 * (corners + corners[[1, 2, 0]])
        gaps = f(mids) - 0.5 * (f(corners) + f(corners[[1, 2, 0]]))
        w = rng.dirichlet([1, 1, 1], size=20000)
        w = np.vstack([w, np.eye(3), [[1 / 3] * 3]])
        p = w @ corners
        dense = np.abs(f(p) - w @ f(corners)).max()
        model = float(quadratic_gap_max(*gaps[:, None])[0])
        assert dense <= model + 1e-12
        assert model <= dense * 1.02 + 1e-12
    # By hand: equal curvature k on an equilateral triangle of side s: every midpoint
    # gap is -k s^2 / 8 and the centroid's is -k s^2 / 6 = 4/3 of it.
    g = np.array([-1 / 8])
    assert quadratic_gap_max(g, g, g)[0] == pytest.approx(1 / 6)


def test_edge_splitting_keeps_a_conforming_consistently_wound_mesh():
    square = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    mesh = triangle.triangulate({"vertices": square, "segments": [[0, 1], [1, 2], [2, 3], [3, 0]]}, "pqa2")
    points, tris, segments = mesh["vertices"], mesh["triangles"].astype(np.int64), mesh["segments"].astype(np.int64)
    z = np.zeros(len(points))
    edges = np.sort(np.vstack([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), axis=1)
    keys = np.unique((edges[:, 0] << 31) | edges[:, 1])
    table = (keys, np.zeros(len(keys)))
    bad = np.random.default_rng(4).random(len(tris)) < 0.3
    errors = np.where(bad, 1.0, 0.0)
    for _ in range(3):  # split repeatedly, as later rounds do
        points, z, tris, segments, kept = _split(points, z, tris, _edge_keys(tris), segments, bad, errors, table)
        assert kept.sum() <= len(tris)
        edges = np.sort(np.vstack([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), axis=1)
        keys = np.unique((edges[:, 0] << 31) | edges[:, 1])
        table = (keys, np.zeros(len(keys)))
        bad = np.random.default_rng(5).random(len(tris)) < 0.2
        errors = np.where(bad, 1.0, 0.0)
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    assert np.all(cross > 0)  # every triangle keeps Triangle's counter-clockwise order
    assert 0.5 * cross.sum() == pytest.approx(100.0)  # and together they tile the square
    # Conforming: every directed edge inside appears once each way; the rest is the boundary.
    directed = np.vstack([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    forward = set(map(tuple, directed.tolist()))
    assert len(forward) == len(directed)
    boundary = [e for e in forward if (e[1], e[0]) not in forward]
    assert sorted(map(sorted, boundary)) == sorted(map(sorted, segments.tolist()))
    length = sum(np.linalg.norm(points[i] - points[j]) for i, j in boundary)
    assert length == pytest.approx(40.0)


def test_the_mesher_meets_its_tolerance_on_a_known_surface():
    """A dome of curvature k: the largest gap over every triangle (dense samples) stays
    within the tolerance, and the count is near what k asks for. An equilateral triangle
    of area A under curvature k has its worst gap, k A / 2.6, at its centre, so a disc of
    area D needs at least k D / (2.6 tolerance) triangles. Triangle's triangles under one
    area limit spread in size and shape (their worst gaps over a factor of ~2), and the
    ones over the tolerance are split, so the mesh has about twice that."""
    k, tolerance, radius = 0.2, 0.04, 40.0
    angle = np.linspace(0, 2 * math.pi, 252, endpoint=False)
    boundary = radius * np.column_stack([np.cos(angle), np.sin(angle)])

    def height(x, y):
        return 200.0 - 0.5 * k * (x**2 + y**2)

    points, z, tris, _ring = triangulate_top(boundary, height, Resolution(tolerance_mm=tolerance))
    w = np.random.default_rng(6).dirichlet([1, 1, 1], size=(len(tris), 30))
    p = np.einsum("tsk,tkd->tsd", w, points[tris])
    gap = np.abs(height(p[..., 0], p[..., 1]) - np.einsum("tsk,tk->ts", w, z[tris]))
    assert gap.max() <= tolerance
    ideal = k * math.pi * radius**2 / (2.6 * tolerance)
    assert ideal < len(tris) < 2.5 * ideal
    mesh = extrude_height_field(boundary, height, Resolution(tolerance_mm=tolerance))
    assert_solid(mesh.vertices, mesh.faces)


def _top_deviation_mm(part, per_face: int = 30) -> float:  # type: ignore[no-untyped-def]
    v = part.mesh.vertices * ([1, -1, 1] if part.spec.side == "left" else [1, 1, 1])
    tri = v[part.mesh.faces]
    normal_z = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2]
    top = tri[(normal_z < -1e-12) if part.spec.side == "left" else (normal_z > 1e-12)]
    w = np.random.default_rng(7).dirichlet([1, 1, 1], size=(len(top), per_face))
    p = np.einsum("tsk,tkd->tsd", w, top).reshape(-1, 3)
    return float(np.abs(part.surface.top_mm(p[:, 0], p[:, 1]) - p[:, 2]).max())  # a footbed included


@pytest.mark.parametrize("key", cases(sorted(PROFILES), 4))
def test_catalogue_triangles_and_deviation(built, key):
    """Issue 13: at most 20,000 triangles per parametric insole, top within 0.05 mm."""
    for part in built(key).parts:
        assert part.mesh.triangle_count <= MAX_TRIANGLES, (key, part.spec.side)
        assert _top_deviation_mm(part) <= MAX_DEVIATION_MM, (key, part.spec.side)


@settings(max_examples=80, deadline=None)
@given(side=st.floats(5, 200), step=st.floats(0.3, 7), limit=st.floats(0.5, 60),
       px=st.lists(st.floats(-150, 350), min_size=1, max_size=60),
       py=st.lists(st.floats(-150, 350), min_size=1, max_size=60))
def test_polyline_distance_to_a_square_is_the_distance_by_hand(side, step, limit, px, py):
    """A square from (0, 0) to (side, side), its edges cut into vertices every ``step``:
    the distance to it by hand is the distance to the nearest edge, outside or in."""
    from insolegen.geometry.distance import polyline_distance_mm

    n = max(int(side / step), 1)
    t = np.linspace(0, side, n, endpoint=False)
    ring = np.concatenate([np.column_stack([t, 0 * t]), np.column_stack([0 * t + side, t]),
                           np.column_stack([side - t, 0 * t + side]), np.column_stack([0 * t, side - t])])
    m = min(len(px), len(py))
    x, y = np.array(px[:m]), np.array(py[:m])
    dx = np.maximum(np.maximum(-x, x - side), 0)
    dy = np.maximum(np.maximum(-y, y - side), 0)
    outside = np.hypot(dx, dy)
    inside = np.minimum(np.minimum(x, side - x), np.minimum(y, side - y))
    by_hand = np.where((dx > 0) | (dy > 0), outside, inside)
    got = polyline_distance_mm(ring, x, y, limit)
    near = by_hand <= limit - 1e-9
    far = by_hand > limit + 1e-9
    assert np.allclose(got[near], by_hand[near], atol=1e-9)
    assert np.all(np.isinf(got[far]))
    assert np.allclose(polyline_distance_mm(ring, x, y), by_hand, atol=1e-9)
