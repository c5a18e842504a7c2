"""Drain holes for powder and resin ([lattice] drain_hole_mm): where the plan puts them
on grids whose answer is worked out by hand, a drilled lattice slab with no sealed void
left, its holes measured across, and the refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from insolegen.geometry.lattice.drains import CLEAR_MM, SEGMENTS, drill_radius_mm, plan_drains, widest_hole_mm
from insolegen.profile import ProfileError, profile_from_dict
from insolegen.profile.spec import LatticeSpec

STEP = 0.5


class Voids:
    """Boxes of void on a marching grid of STEP, and the same boxes as the true field."""

    def __init__(self, x_mm: float, y_mm: float, z_mm: float) -> None:
        self.grid = np.zeros((round(x_mm / STEP) + 1, round(y_mm / STEP) + 1, round(z_mm / STEP) + 1), dtype=bool)
        self.boxes: list[tuple[float, ...]] = []

    def box(self, x0: float, x1: float, y0: float, y1: float, z0: float, z1: float) -> None:
        self.boxes.append((x0, x1, y0, y1, z0, z1))
        i0, i1, j0, j1, k0, k1 = (round(v / STEP) for v in (x0, x1, y0, y1, z0, z1))
        self.grid[i0:i1 + 1, j0:j1 + 1, k0:k1 + 1] = True

    def open_through(self, xs: np.ndarray, ys: np.ndarray, heights: np.ndarray) -> np.ndarray:
        x, y = np.meshgrid(xs, ys, indexing="ij")
        clear = np.ones(x.shape, dtype=bool)
        for z in heights:
            inside = np.zeros(x.shape, dtype=bool)
            for x0, x1, y0, y1, z0, z1 in self.boxes:
                inside |= (x0 <= x) & (x <= x1) & (y0 <= y) & (y <= y1) & (z0 <= z <= z1)
            clear &= inside
        return clear

    def plan(self, diameter_mm: float):
        return plan_drains(self.grid, (0.0, 0.0, 0.0), STEP, 0.8, diameter_mm, 10.0, self.open_through)


def test_a_long_void_gets_two_holes_as_far_apart_as_its_room_allows():
    """A void 40 x 10 mm on the floor (z from 0.8 to 4 mm, the floor at 0.8 mm). A 3 mm
    hole (a 24-gon with corners at 1.5 / cos(pi/24) = 1.5129 mm) keeps CLEAR_MM (0.3)
    from the sheet: a centre needs 1.8129 mm of room, measured as the distance to the
    nearest closed FINE_MM sample (just outside the box) less a sample. The first hole
    goes where there is most room (5 mm from both long sides: the centre line from x =
    10 to 40, its first point), the second as far from it as room allows: a far corner,
    x <= 45 + 0.1 - 0.1 - 1.8129 = 43.18 -> 43.1, y <= 15 - 1.8129 = 13.18 -> 13.1 or
    y >= 6.9 (the lower one comes first)."""
    voids = Voids(50, 20, 6)
    voids.box(5, 45, 5, 15, 0.8, 4.0)
    plan = voids.plan(3.0)
    assert plan.voids == 1 and not plan.undrainable and plan.filled_mm3 == 0
    (x1, y1), (x2, y2) = plan.holes_xy_mm
    assert drill_radius_mm(3.0) + CLEAR_MM == pytest.approx(1.5 / math.cos(math.pi / SEGMENTS) + 0.3)
    assert (x1, y1) == pytest.approx((10.0, 10.0))
    assert (x2, y2) == pytest.approx((43.1, 6.9))


def test_a_pocket_too_small_for_a_hole_is_filled_and_a_large_one_is_refused_with_the_widest_it_takes():
    voids = Voids(60, 30, 8)
    voids.box(5, 8, 5, 8, 1.0, 3.0)  # 3 x 3 x 2 mm: no room for a 3 mm hole
    voids.box(20, 55, 5, 25, 3.0, 7.0)  # large, but starting 2.2 mm above the floor
    plan = voids.plan(3.0)
    # the pocket's grid points: 7 x 7 x 5, each standing for a step cubed
    assert plan.filled_mm3 == pytest.approx(7 * 7 * 5 * STEP ** 3)
    assert int(plan.fill.sum()) == 7 * 7 * 5
    (big,) = plan.undrainable
    assert big.volume_mm3 == pytest.approx(71 * 41 * 9 * STEP ** 3, abs=0.05)
    assert big.widest_mm == 0.0  # it does not reach the floor
    assert plan.holes_xy_mm == () and plan.voids == 0


def test_the_widest_hole_a_floor_takes_is_its_room_less_the_clearance_across_the_drills_sides():
    """A void 6 mm wide: from its centre line the nearest closed sample is 3.1 mm off,
    so the room is 3.1 - 0.1 = 3.0 mm; less CLEAR_MM, 2.7 mm to the drill's corners,
    2.7 cos(pi/24) = 2.6768 to its sides: 5.35 mm across, 5.3 rounded down."""
    voids = Voids(50, 20, 6)
    voids.box(5, 45, 7, 13, 0.8, 4.0)
    assert voids.plan(5.4).undrainable[0].widest_mm == pytest.approx(5.3)
    assert voids.plan(5.3).voids == 1
    assert widest_hole_mm(3.0) == pytest.approx(5.3)


def test_a_void_open_at_the_floor_only_in_a_column_takes_its_holes_there():
    voids = Voids(50, 30, 10)
    voids.box(10, 16, 10, 16, 0.8, 3.0)
    voids.box(5, 45, 5, 25, 3.0, 8.0)
    plan = voids.plan(2.0)
    assert plan.voids == 1
    for x, y in plan.holes_xy_mm:
        assert 10 + 1.3 <= x <= 16 - 1.3 and 10 + 1.3 <= y <= 16 - 1.3


@pytest.mark.parametrize("drain, says", [
    (1.0, "lattice.drain_hole_mm = 1: allowed is 0 (sealed voids, for FDM) or 2 to 8 mm"),
    (6.0, "lattice.drain_hole_mm = 6 in a 10 mm cell: a void is narrower than that with its walls; allowed is at "
          "most half the cell (5 mm)"),
    (9.0, "lattice.drain_hole_mm"),
])
def test_a_drain_hole_too_narrow_or_too_wide_is_refused(drain, says):
    with pytest.raises(ProfileError) as caught:
        profile_from_dict({"foot": {"size": "EU 42"}, "shape": {"thickness_mm": 10, "heel_thickness_mm": 10},
                           "lattice": {"enabled": True, "drain_hole_mm": drain}})
    assert any(says in p for p in caught.value.problems), caught.value.problems


def test_a_drilled_lattice_slab_has_no_sealed_void_and_its_holes_are_as_wide_as_asked():
    """A slab 80 x 40 x 10 mm, 30 % solid, 12 mm cells, 3 mm holes: one solid, not a
    void sealed, every wall at least the minimum; cut across inside the bottom skin
    (z = 0.4 mm), each hole is the drill's 24-gon, whose area is
    24 / 2 * rc^2 * sin(2 pi / 24) with rc = 1.5 / cos(pi / 24)."""
    import manifold3d

    from insolegen.checks.meshcheck import check_part
    from insolegen.geometry.lattice.fill import Grid2D, bodies_and_cavities, fill_with_lattice, thinnest_allowed_mm
    from insolegen.geometry.mending import welded_as_stl
    from insolegen.geometry.zones import from_manifold, to_manifold

    settings = LatticeSpec(cell_mm=12.0, edge_mm=0.8, drain_hole_mm=3.0)
    slab = from_manifold(manifold3d.Manifold.cube([80.0, 40.0, 10.0]))
    ring = np.array([[0.0, 0.0], [80.0, 0.0], [80.0, 40.0], [0.0, 40.0]])
    fraction = Grid2D((0.0, 0.0), 1.0, np.full((2, 2), 0.30))
    filled = fill_with_lattice(slab, ring, lambda x, y: np.full(np.broadcast(x, y).shape, 10.0), fraction, settings)
    mesh, drains = filled.mesh, filled.drains
    assert mesh is not None and drains is not None and not drains.undrainable
    assert bodies_and_cavities(mesh) == (1, 0)  # without holes the same slab seals its voids
    sealed = fill_with_lattice(slab, ring, lambda x, y: np.full(np.broadcast(x, y).shape, 10.0), fraction,
                               LatticeSpec(cell_mm=12.0, edge_mm=0.8)).mesh
    assert bodies_and_cavities(sealed)[1] >= 1
    assert 1 <= drains.voids <= len(drains.holes_xy_mm) <= 2 * drains.voids  # two a void where room allows
    written = welded_as_stl(mesh)
    report = check_part(written.vertices, written.faces, min_thickness_mm=thinnest_allowed_mm(settings), sections=False)
    assert report.ok, report.problems
    rc = 1.5 / math.cos(math.pi / 24)
    area = 24 / 2 * rc ** 2 * math.sin(2 * math.pi / 24)
    section = to_manifold(mesh).slice(0.4)
    holes = [p for p in section.to_polygons() if _signed_area(p) < 0]  # inner rings wind clockwise
    assert len(holes) == len(drains.holes_xy_mm)
    for ring_xy in holes:
        assert -_signed_area(ring_xy) == pytest.approx(area, rel=1e-3)
        centre = shapely.Polygon(ring_xy).centroid
        assert min(math.dist((centre.x, centre.y), h) for h in drains.holes_xy_mm) < 0.01


def _signed_area(ring) -> float:
    xy = np.asarray(ring)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


DRAINED = """name = "drained"
side = "right"
[foot]
size = "EU 36"
[shape]
thickness_mm = 10
heel_thickness_mm = 10
heel_cup_depth_mm = 6
arch_height_mm = 6
[zones]
heel = 30
arch = 45
forefoot = 35
toes = 30
[lattice]
enabled = true
cell_mm = 12
drain_hole_mm = {drain}
"""


@pytest.mark.slow  # a lattice part: tens of seconds
def test_a_drained_lattice_part_has_no_sealed_void_and_says_where_its_holes_are(tmp_path, capsys):
    import json

    import trimesh

    from insolegen.cli import main

    (tmp_path / "p.toml").write_text(DRAINED.format(drain=3))
    assert main(["build", str(tmp_path / "p.toml"), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "drain holes of 3 mm under" in out and "none sealed" in out, out
    folder = tmp_path / "out" / "drained"
    lattice = json.loads((folder / "build.json").read_text())["sides"][0]["lattice"]
    assert lattice["cavities"] == 0 and lattice["bodies"] == 1
    holes = lattice["drain_holes_xy_mm"]
    assert lattice["drained_voids"] >= 2 and lattice["drained_voids"] <= len(holes) <= 2 * lattice["drained_voids"]
    stl = folder / "drained-right-lattice.stl"
    mesh = trimesh.load(stl)
    assert len(mesh.split(only_watertight=False)) == 1  # one shell: no void sealed inside it
    from meshtools import thinnest_wall_everywhere_mm  # and no sliver at the holes: a ray from every face

    assert thinnest_wall_everywhere_mm(np.asarray(mesh.vertices), np.asarray(mesh.faces), 0.75) >= 0.75
    # each hole goes through the bottom skin: cut across inside the skin (z = 0.4 mm),
    # its centre is open, though inside the part's outline
    from insolegen.geometry.solid import Mesh
    from insolegen.geometry.zones import to_manifold

    section = to_manifold(Mesh(vertices=mesh.vertices, faces=mesh.faces)).slice(0.4).to_polygons()
    rings = [shapely.Polygon(r) for r in section]
    outer = max(rings, key=lambda r: r.area)
    rc = 1.5 / math.cos(math.pi / 24)  # the drill's 24-gon (the label's letters are holes here too)
    for x, y in holes:
        assert outer.contains(shapely.Point(x, y))
        (hole,) = [r for r in rings if r is not outer and r.contains(shapely.Point(x, y))]
        assert hole.area == pytest.approx(24 / 2 * rc ** 2 * math.sin(2 * math.pi / 24), rel=1e-3)
    assert main(["check", str(stl), str(folder / "drained-right-lattice.3mf")]) == 0
    assert "drain holes (3 mm)" in (folder / "report.html").read_text()


@pytest.mark.slow  # a lattice part's voids found, then refused
def test_drain_holes_wider_than_the_voids_are_refused_in_one_line_with_nothing_written(tmp_path, capsys):
    from insolegen.cli import main

    (tmp_path / "p.toml").write_text(DRAINED.format(drain=6).replace("cell_mm = 12", "cell_mm = 12\ntype = \"diamond\""))
    assert main(["build", str(tmp_path / "p.toml"), "--out", str(tmp_path / "out"), "--no-preview"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "drain hole" in line]
    assert len(lines) == 1 and "no room at the floor for a 6 mm drain hole" in lines[0], err
    assert "allowed is a smaller lattice.drain_hole_mm" in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "drained").exists()
    # the hole it names is one every void takes
    widest = float(lines[0].split("they all take at most ")[1].split(" mm")[0])
    assert 2.0 <= widest < 6.0
    (tmp_path / "p.toml").write_text(DRAINED.format(drain=widest).replace("cell_mm = 12", "cell_mm = 12\ntype = \"diamond\""))
    assert main(["build", str(tmp_path / "p.toml"), "--out", str(tmp_path / "out"), "--no-preview"]) == 0, \
        capsys.readouterr().err


def test_reading_a_plane_field_on_a_grid_is_reading_it_point_by_point():
    """Grid2D.on_grid (separable, for the 0.1 mm floor samples) gives what Grid2D.at
    gives at each point, clamped at the edges alike; and on a field a x + b y + c it is
    exact: 2 x - 3 y + 1 at (2.25, 1.5) is 1.0."""
    from insolegen.geometry.lattice.fill import Grid2D

    rng = np.random.default_rng(3)
    field = Grid2D((-2.0, 5.0), 1.0, rng.normal(size=(7, 9)))
    xs, ys = np.linspace(-4.0, 9.0, 37), np.linspace(3.0, 13.5, 23)
    x, y = np.meshgrid(xs, ys, indexing="ij")
    assert np.allclose(field.on_grid(xs, ys), field.at(x, y), atol=1e-12)
    gx, gy = np.meshgrid(np.arange(0.0, 6.0), np.arange(0.0, 4.0))
    plane = Grid2D((0.0, 0.0), 1.0, 2 * gx - 3 * gy + 1)
    assert plane.on_grid(np.array([2.25]), np.array([1.5]))[0, 0] == pytest.approx(1.0)
