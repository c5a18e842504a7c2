"""Geometry measured on the finished meshes against numbers derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from catalogue import FLAT, PROFILES
from meshtools import assert_solid, top_face_samples

from insolegen.build.side import build_side
from insolegen.geometry.measure import footprint, top_heights
from insolegen.geometry.outline import MTH1_FRACTION, MTH5_FRACTION, cut_line_x
from insolegen.geometry.surfaces import CUP_RIM_FRACTION_OF_HEEL
from insolegen.profile import profile_from_dict


def spec_of(doc: dict, side: str = "right"):
    profile = profile_from_dict(doc)
    return next(s for s in profile.sides if s.side == side)


def part_of(doc: dict, side: str = "right"):
    return build_side(spec_of(doc, side))


def test_flat_insole_volume_is_outline_area_times_thickness():
    part = part_of({"foot": {"size": "EU 42"}, "shape": dict(FLAT, thickness_mm=4.0)})
    mesh = assert_solid(part.mesh.vertices, part.mesh.faces)
    area = shapely.Polygon(part.outline.boundary).area
    assert mesh.volume == pytest.approx(area * 4.0, rel=1e-9)
    # A sanity bound by hand: a foot is between an ellipse and a rectangle of its size.
    assert math.pi / 4 * 265 * 100.7 * 0.8 < area < 265 * 100.7
    assert np.allclose(np.unique(np.round(part.mesh.vertices[:, 2], 9)), [0.0, 4.0])


@pytest.mark.parametrize("side", ["left", "right"])
def test_length_and_widths_follow_the_profile(side):
    doc = {"foot": {"length_mm": 271, "ball_width_mm": 104, "heel_width_mm": 69}}
    part = part_of(doc, side)
    foot = footprint(part.mesh.vertices, part.mesh.faces)
    assert foot.length_mm == pytest.approx(271, abs=1.0)
    assert foot.width_mm == pytest.approx(104, abs=1.0)
    assert foot.chord_at(0.16 * 271) == pytest.approx(69, abs=1.0)
    assert part.mesh.vertices[:, 0].min() == pytest.approx(0, abs=1e-9)
    assert part.mesh.vertices[:, 2].min() == 0.0


def test_default_widths_come_from_foot_proportions():
    part = part_of({"foot": {"size": "EU 42"}})
    foot = footprint(part.mesh.vertices, part.mesh.faces)
    assert foot.width_mm == pytest.approx(0.38 * 265, abs=1.0)
    assert foot.chord_at(0.16 * 265) == pytest.approx(0.27 * 265, abs=1.0)


def test_outline_is_foot_shaped():
    part = part_of({"foot": {"size": "EU 42"}})
    foot = footprint(part.mesh.vertices, part.mesh.faces)
    poly = foot.polygon
    # narrower at the waist (midfoot) than at heel and ball; concave on the arch side
    waist = foot.chord_at(0.40 * 265)
    assert waist < foot.chord_at(0.16 * 265) < foot.width_mm
    assert poly.convex_hull.area - poly.area > 0.02 * poly.area
    # the ball is widest medially near MTH1 and laterally near MTH5
    ys = part.mesh.vertices[:, 1]
    x_at_max_y = part.mesh.vertices[np.argmax(ys), 0]
    x_at_min_y = part.mesh.vertices[np.argmin(ys), 0]
    assert abs(x_at_max_y / 265 - MTH1_FRACTION) < 0.1
    assert abs(x_at_min_y / 265 - MTH5_FRACTION) < 0.05


def test_right_has_arch_on_plus_y_and_left_is_its_mirror():
    doc = {"foot": {"size": "EU 42"}, "shape": {"arch_height_mm": 20, "heel_cup_depth_mm": 0}}
    right, left = part_of(doc, "right"), part_of(doc, "left")
    for part, sign in ((right, 1), (left, -1)):
        v = part.mesh.vertices
        high = v[v[:, 2] > 18]
        assert len(high) and np.all(np.sign(high[:, 1]) == sign)
    right_solid = assert_solid(right.mesh.vertices, right.mesh.faces)
    left_solid = assert_solid(left.mesh.vertices, left.mesh.faces)
    assert left_solid.volume == pytest.approx(right_solid.volume, rel=1e-12)
    assert np.allclose(left.mesh.vertices, right.mesh.vertices * [1, -1, 1])


def test_lift_heights_at_heel_centre_and_metatarsal_heads():
    doc = {
        "foot": {"size": "EU 42"},
        "shape": {"thickness_mm": 3, "heel_thickness_mm": 4, "heel_cup_depth_mm": 12, "arch_height_mm": 15},
        "lift": {"side": "left", "heel_mm": 8, "forefoot_mm": 2},
    }
    part = part_of(doc, "left")
    points = part.landmark_points()
    hc, mth = points["heel_centre"], points["metatarsal_heads"]
    z = top_heights(part.mesh.vertices, part.mesh.faces, [[hc[0], -hc[1]], [mth[0], -mth[1]]])
    assert z[0] == pytest.approx(4 + 8, abs=0.1)
    assert z[1] == pytest.approx(3 + 2, abs=0.1)
    other = part_of(doc, "right")
    zr = top_heights(other.mesh.vertices, other.mesh.faces, [hc, mth])
    assert zr == pytest.approx([4, 3], abs=0.1)  # the lift is on the short side only


def test_lift_is_a_constant_slope_wedge_without_hump():
    doc = {"foot": {"size": "EU 42"}, "shape": dict(FLAT), "lift": {"side": "right", "heel_mm": 6}}
    part = part_of(doc)
    lm = part.outline.landmarks
    (x0, _), (x1, y1) = lm.heel_centre, lm.mth_mid
    xs = np.linspace(x0, x1, 60)
    ys = np.interp(xs, [x0, x1], [0, y1])
    z = top_heights(part.mesh.vertices, part.mesh.faces, np.column_stack([xs, ys]))
    assert z[0] == pytest.approx(3 + 6, abs=0.1) and z[-1] == pytest.approx(3, abs=0.1)
    assert np.all(np.diff(z) <= 1e-6)  # never rises toward the toes: no hump
    middle = slice(12, 48)  # away from the rounded ends
    fit = np.polyfit(xs[middle], z[middle], 1)
    assert np.abs(np.polyval(fit, xs[middle]) - z[middle]).max() < 0.05
    # slope of the straight part, by hand: 6 mm over 80 % of the ramp / (1 - 0.1)...
    assert fit[0] == pytest.approx(-6 / (x1 - x0) / 0.9, rel=0.02)
    # beyond the MTH line the forefoot is back to the base thickness
    toes = top_heights(part.mesh.vertices, part.mesh.faces, [[0.9 * 265, 0.0]])
    assert toes[0] == pytest.approx(3, abs=0.01)


def test_arch_apex_and_met_pad_heights():
    doc = {
        "foot": {"size": "EU 42"},
        "shape": {"thickness_mm": 3, "arch_height_mm": 18, "arch_apex_pct": 45, "met_pad_height_mm": 5},
    }
    part = part_of(doc)
    points = part.landmark_points()
    z = top_heights(part.mesh.vertices, part.mesh.faces, [points["arch_apex"], points["met_pad_apex"]])
    assert z[0] == pytest.approx(3 + 18, abs=0.1)
    assert z[1] == pytest.approx(3 + 5, abs=0.1)
    assert points["arch_apex"][0] == pytest.approx(0.45 * 265)
    # the pad's apex sits 8 mm behind the MTH line (domain.md: 5-10 mm) and ends on it
    lm = part.outline.landmarks
    pad_x, pad_y = points["met_pad_apex"]
    assert float(lm.mth_line_x(pad_y)) - pad_x == pytest.approx(8.0)
    on_line = top_heights(part.mesh.vertices, part.mesh.faces, [[float(lm.mth_line_x(pad_y)), pad_y]])
    assert on_line[0] == pytest.approx(3, abs=0.05)  # within the mesh tolerance


def test_heel_cup_rim_height():
    doc = {"foot": {"size": "EU 42"}, "shape": {"heel_cup_depth_mm": 14, "arch_height_mm": 0}}
    part = part_of(doc)
    rim = CUP_RIM_FRACTION_OF_HEEL * part.spec.heel_width_mm
    z = top_heights(part.mesh.vertices, part.mesh.faces, [[0.25, 0.0], [5.0, 0.0], [0.16 * 265, 0]])
    assert z[0] == pytest.approx(3 + 14, abs=0.05)  # the rim's flat top, 2 mm wide
    t = (5.0 - 2.0) / (rim - 2.0)  # < 0.5: on the upper parabola
    assert z[1] == pytest.approx(3 + 14 * (1 - 2 * t * t), abs=0.1)
    assert z[2] == pytest.approx(3, abs=0.01)  # the heel seat is flat at the centre
    assert part.mesh.vertices[:, 2].max() == pytest.approx(3 + 14, abs=0.01)


@pytest.mark.parametrize("degrees", [5, -5])
def test_rearfoot_post_tilts_the_heel_seat(degrees):
    doc = {"foot": {"size": "EU 42"}, "shape": dict(FLAT, rearfoot_post_deg=degrees)}
    part = part_of(doc)
    x = 0.16 * 265
    z = top_heights(part.mesh.vertices, part.mesh.faces, [[x, -10.0], [x, 10.0]])
    # medial (+y) higher for varus (+), by tan(angle) x 20 mm
    assert z[1] - z[0] == pytest.approx(math.tan(math.radians(degrees)) * 20, abs=0.05)
    assert part.mesh.vertices[:, 2].min() == 0 and top_heights(
        part.mesh.vertices, part.mesh.faces, [[x, 0]])[0] >= 3  # posts only add material


def test_forefoot_post_tilts_the_forefoot():
    doc = {"foot": {"size": "EU 42"}, "shape": dict(FLAT, forefoot_post_deg=4)}
    part = part_of(doc)
    z = top_heights(part.mesh.vertices, part.mesh.faces, [[0.8 * 265, -20.0], [0.8 * 265, 20.0]])
    assert z[1] - z[0] == pytest.approx(math.tan(math.radians(4)) * 40, abs=0.05)


@pytest.mark.parametrize("length", ["sulcus", "three-quarter"])
def test_short_lengths_end_where_domain_says(length):
    doc = {"foot": {"size": "EU 42"}, "shape": {"length": length}}
    part = part_of(doc)
    lm = part.outline.landmarks
    v = part.mesh.vertices
    limit = cut_line_x(lm, length, v[:, 1])
    assert np.all(v[:, 0] <= limit + 1e-6)
    # the insole reaches the line in the middle, where the cut is straight
    _, y_mid = lm.mth_mid
    foot = footprint(v, part.mesh.faces)
    end = float(cut_line_x(lm, length, y_mid))
    assert foot.polygon.distance(shapely.Point(end, y_mid)) < 0.5
    if length == "three-quarter":
        assert end < lm.mth_line_x(y_mid)  # ends behind the metatarsal heads
    else:
        assert end > lm.mth_line_x(y_mid)
    assert_solid(v, part.mesh.faces)


def test_top_surface_is_smooth_and_close_to_the_intended_surface():
    part = build_side(spec_of(PROFILES["orthotic"]))
    p = top_face_samples(part.mesh.vertices, part.mesh.faces, per_face=20)
    deviation = np.abs(part.surface.height_mm(p[:, 0], p[:, 1]) - p[:, 2])
    assert deviation.max() <= 0.05
    assert part.mesh.triangle_count <= 60000
    # no visible facets: neighbouring top triangles meet at small angles
    v, f = part.mesh.vertices, part.mesh.faces
    n = np.cross(v[f][:, 1] - v[f][:, 0], v[f][:, 2] - v[f][:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    import trimesh

    mesh = trimesh.Trimesh(v, f, process=False)
    adjacent = mesh.face_adjacency
    both_top = (n[adjacent[:, 0], 2] > 0.2) & (n[adjacent[:, 1], 2] > 0.2)
    angles = np.degrees(mesh.face_adjacency_angles[both_top])
    # A step or a crease would fold neighbours by 45-90 degrees. Steep small features
    # (the met pad's front, the cup rim) turn by up to ~20 degrees between triangles
    # while staying within 0.05 mm of the smooth surface.
    assert angles.max() < 25.0
    assert np.median(angles) < 2.0
