"""Graded lattices (issue 12): the sheet's fraction against its threshold, the least
fraction a wall allows, the zones' fractions eased monotonically (in the field and as
measured on a mesh), refusals, and a lattice part built through the command line: one
solid, its thinnest wall at the minimum, each zone's measured fraction within 10 % of
the asked. PrusaSlicer slices a lattice coupon in tests/test_coupons.py (a whole
insole's lattice takes it minutes: benchmarks/bench_lattice.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely

from insolegen.cli import main
from insolegen.core.sheets import GRAD_MAX
from insolegen.exports.print_settings import prusa_command, shell_line
from insolegen.geometry.lattice.fill import blended_fraction, fraction_for, fraction_table, least_fraction, threshold_for
from insolegen.profile import profile_from_dict
from insolegen.profile.problems import ProfileError
from insolegen.profile.spec import LatticeSpec


@pytest.mark.parametrize("kind", ["gyroid", "diamond"])
def test_the_sheets_fraction_rises_with_its_threshold(kind):
    _t, f = map(np.array, fraction_table(kind))
    assert f[0] == 0.0 and f[-1] == pytest.approx(1.0, abs=1e-5)  # one sample of 64^3 sits on the largest |g|
    assert np.all(np.diff(f) >= 0)
    # thin sheets: the fraction is about the sheet's area per volume times its thickness
    assert threshold_for(kind, fraction_for(kind, np.array(0.4))) == pytest.approx(0.4, abs=0.01)


def test_the_least_fraction_is_the_one_whose_thinnest_wall_is_wall_min():
    spec = LatticeSpec(cell_mm=10.0, wall_min_mm=0.8)
    k = 2 * math.pi / 10.0
    t = 0.8 * k * GRAD_MAX / 2  # by hand: wall = 2 t / (k max|grad g|)
    assert least_fraction(spec) == pytest.approx(float(fraction_for("gyroid", np.array(t))), abs=1e-12)
    assert 0.25 < least_fraction(spec) < 0.32  # the sheet at t = 0.435
    assert least_fraction(LatticeSpec(cell_mm=20.0, wall_min_mm=0.8)) < least_fraction(spec)  # larger cells go lower


def test_the_fraction_eases_monotonically_across_a_zone_edge_over_the_blend():
    left = shapely.box(0, 0, 50, 40)
    right = shapely.box(50, 0, 100, 40)
    field = blended_fraction([(0.2, left), (0.6, right)], (0, 0, 100, 40), blend_mm=12.0)
    x = np.linspace(0, 100, 401)
    values = field.at(x, np.full(x.shape, 20.0))
    assert np.all(np.diff(values) >= -1e-12)
    assert values[x < 42].max() == pytest.approx(0.2, abs=1e-9)  # untouched beyond half the blend
    assert values[x > 58].min() == pytest.approx(0.6, abs=1e-9)
    # mid-way at the edge (to within a cell's share of the step: 0.4 / 13)
    assert field.at(np.array([50.0]), np.array([20.0]))[0] == pytest.approx(0.4, abs=0.035)


@pytest.mark.parametrize("table, says", [
    ({"enabled": True, "cell_mm": 2}, "lattice.cell_mm"),
    ({"enabled": True, "cell_mm": 6, "wall_min_mm": 2.5}, "at most a third of the cell"),
    ({"enabled": True, "type": "octet"}, "lattice.type"),
    ({"enabled": True, "type": "diamond", "cell_mm": 7, "wall_min_mm": 1.0}, "its voids' necks close"),
])
def test_a_bad_lattice_table_is_refused_naming_the_key(table, says):
    with pytest.raises(ProfileError) as refused:
        profile_from_dict({"foot": {"size": "EU 42"}, "lattice": table})
    assert any(says in p for p in refused.value.problems), refused.value.problems


def test_a_lattice_in_a_core_thinner_than_half_a_cell_is_refused():
    # the default 3 mm base less 2 mm of skins leaves 1 mm: no lattice averages there
    with pytest.raises(ProfileError) as refused:
        profile_from_dict({"foot": {"size": "EU 42"}, "lattice": {"enabled": True}})
    assert refused.value.problems == [
        "lattice.cell_mm = 10 in a 1 mm core (a 3 mm base less the skins, 1.2 + 0.8 mm): allowed is a cell at most "
        "twice the core (a smaller lattice.cell_mm, or a thicker base)"]
    # one side thinner: named
    with pytest.raises(ProfileError) as refused:
        profile_from_dict({"foot": {"size": "EU 42"}, "shape": {"thickness_mm": 8}, "left": {"thickness_mm": 6},
                           "lattice": {"enabled": True}})
    assert refused.value.problems == [
        "left: lattice.cell_mm = 10 in a 4 mm core (a 6 mm base less the skins, 1.2 + 0.8 mm): allowed is a cell at "
        "most twice the core (a smaller lattice.cell_mm, or a thicker base)"]
    assert profile_from_dict({"foot": {"size": "EU 42"}, "shape": {"thickness_mm": 8},
                              "lattice": {"enabled": True}}).lattice is not None


def test_a_lattice_on_a_shoe_underside_is_refused():
    with pytest.raises(ProfileError) as refused:
        profile_from_dict({"foot": {"size": "EU 42"}, "lattice": {"enabled": True},
                           "shoe": {"heel_pitch_mm": 10, "bottom": "shoe"}})
    assert any("flat underside only" in p for p in refused.value.problems)


def test_the_greatest_fraction_keeps_the_voids_necks_two_steps_across():
    from insolegen.core.sheets import SADDLES, greatest_threshold
    from insolegen.geometry.lattice.fill import greatest_fraction

    # by hand: a diamond's void tubes meet at saddles of |g| = 1 whose largest Hessian
    # eigenvalue is 2, so a neck of radius r (radians) needs t <= 1 - r^2; a 10 mm cell on
    # a 0.8 mm grid, two steps across: r = 2 pi / 10 x 0.8
    r = 2 * math.pi / 10 * 0.8
    assert SADDLES["diamond"] == (1.0, 2.0)
    assert greatest_threshold("diamond", 10.0, 0.8) == pytest.approx(1 - r * r, abs=1e-12)
    spec = LatticeSpec(kind="diamond", cell_mm=10.0, wall_min_mm=0.8, edge_mm=0.8)
    assert greatest_fraction(spec) == pytest.approx(float(fraction_for("diamond", np.array(1 - r * r))), abs=1e-12)
    assert least_fraction(spec) < greatest_fraction(spec) < 0.70
    # a finer grid keeps thicker sheets open
    assert greatest_fraction(LatticeSpec(kind="gyroid", edge_mm=0.5)) > greatest_fraction(LatticeSpec(kind="gyroid"))


def test_no_lattice_unless_enabled():
    assert profile_from_dict({"foot": {"size": "EU 42"}}).lattice is None
    assert profile_from_dict({"foot": {"size": "EU 42"}, "lattice": {"cell_mm": 8}}).lattice is None


THICK = """name = "lat"
side = "right"
[foot]
size = "EU 36"
[shape]
thickness_mm = 14
heel_thickness_mm = 14
heel_cup_depth_mm = 6
arch_height_mm = 6
[zones]
heel = 35
arch = 55
forefoot = 45
toes = 40
[lattice]
enabled = true
cell_mm = 8
blend_mm = 8
"""


@pytest.fixture(scope="module")
def lattice_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lattice")
    (tmp / "lat.toml").write_text(THICK)
    assert main(["build", str(tmp / "lat.toml"), "--out", str(tmp / "out"), "--no-preview"]) == 0
    return tmp / "out" / "lat"


@pytest.mark.slow  # a lattice part: tens of seconds
def test_the_lattice_part_is_one_solid_with_walls_at_the_minimum_and_the_fractions_asked(lattice_build):
    build = json.loads((lattice_build / "build.json").read_text())
    record = build["sides"][0]
    lattice = record["lattice"]
    assert lattice["bodies"] == 1 and lattice["cavities"] >= 1  # the voids sealed inside the skins
    # the heel's 35 % is under the least an 8 mm cell prints with 0.8 mm walls: said so
    assert [w for w in build["warnings"] if w.startswith("lattice: heel 35 % solid asked")], build["warnings"]
    assert next(z for z in lattice["zones"] if z["name"] == "heel")["built_pct"] == lattice["least_fraction_pct"]
    assert lattice["thinnest_wall_mm"] >= 0.8 - 0.05
    assert lattice["triangles"] <= 2_000_000
    _assert_walls_everywhere(lattice_build / record["lattice_files"]["file"], 0.8 - 0.05)
    measured = [z for z in lattice["zones"] if z["measured_pct"] is not None]
    assert measured, lattice["zones"]
    for zone in measured:
        assert zone["measured_pct"] == pytest.approx(zone["built_pct"], rel=0.10), zone
    files = record["lattice_files"]
    assert (lattice_build / files["file"]).stat().st_size > 1_000_000
    # its PrusaSlicer line: on the bed it is placed on, outlines simplified to 0.05 mm
    bed = tuple(record["prusaslicer_3mf"]["placement"]["bed_mm"])
    assert files["prusaslicer_command"] == shell_line(prusa_command(
        files["prusaslicer_3mf"], bed, files["prusaslicer_3mf"].replace(".3mf", ".gcode"), lattice=True))
    assert " --resolution 0.05 " in files["prusaslicer_command"]
    assert main(["check", str(lattice_build / files["file"]),  # held to the wall the files say
                 str(lattice_build / files["prusaslicer_3mf"]), str(lattice_build / files["orca_3mf"])]) == 0


def test_the_fraction_measured_on_the_mesh_rises_monotonically_across_a_blend():
    """A slab 130 x 24 x 10 mm, 35 % solid on the left and 60 % on the right, eased over
    30 mm: the solid fraction measured on the mesh in cell-square boxes stepped across
    the blend never falls, and each end is within 10 % of its zone's."""
    import manifold3d

    from insolegen.geometry.lattice.fill import fill_with_lattice, measured_fraction
    from insolegen.geometry.zones import from_manifold

    settings = LatticeSpec(cell_mm=8.0, blend_mm=30.0, edge_mm=0.8)
    slab = from_manifold(manifold3d.Manifold.cube([130.0, 24.0, 10.0]))
    ring = np.array([[0.0, 0.0], [130.0, 0.0], [130.0, 24.0], [0.0, 24.0]])
    fraction = blended_fraction([(0.35, shapely.box(-5, -5, 65, 29)), (0.60, shapely.box(65, -5, 135, 29))],
                                (0, 0, 130, 24), settings.blend_mm)
    mesh = fill_with_lattice(slab, ring, lambda x, y: np.full(np.broadcast(x, y).shape, 10.0), fraction, settings).mesh
    xs = np.arange(12.0, 120.0, 8.0)  # box centres a cell apart, clear of the rim
    measured = [measured_fraction(mesh, (x, 12.0), settings.skin_bottom_mm, 10.0 - settings.skin_top_mm, 8.0)
                for x in xs]
    assert all(m is not None for m in measured)
    assert measured[0] == pytest.approx(35.0, rel=0.10) and measured[-1] == pytest.approx(60.0, rel=0.10)
    steps = np.diff(measured)
    # never falling (0.3 points: a box's share of a period's pattern off its phase)
    assert steps.min() >= -0.3, list(zip(xs, measured))
    assert max(measured) - min(measured) > 20.0


def test_a_diamond_coupon_measures_the_fraction_asked(tmp_path, capsys):
    assert main(["coupons", "--lattice", "--type", "diamond", "--densities", "45", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    record = json.loads((tmp_path / "coupons-lattice" / "coupons.json").read_text())
    assert record["lattice"]["type"] == "diamond"
    (coupon,) = record["coupons"]
    assert coupon["measured_pct"] == pytest.approx(45, rel=0.10)
    assert coupon["thinnest_wall_mm"] >= 0.75


def _assert_walls_everywhere(stl: Path, allowed_mm: float) -> None:
    """No wall thinner than allowed by a ray from every face of the STL, not just the
    checks' samples: a marching grid's slivers are a few triangles wide."""
    from meshtools import thinnest_wall_everywhere_mm

    from insolegen.formats.meshes import load_mesh_file

    vertices, faces = load_mesh_file(stl)
    assert thinnest_wall_everywhere_mm(vertices, faces, allowed_mm) >= allowed_mm


LIFTED = """name = "lifted"
side = "right"
[foot]
size = "EU 36"
[shape]
thickness_mm = 10
heel_thickness_mm = 7
[zones]
heel = 35
arch = 50
forefoot = 40
toes = 35
lift = 70
[lift]
side = "right"
heel_mm = 8
[lattice]
enabled = true
cell_mm = 8
"""


@pytest.mark.slow  # a lattice part: tens of seconds
def test_a_lifted_side_is_one_solid_with_its_lift_layer_blended_in(tmp_path):
    (tmp_path / "lifted.toml").write_text(LIFTED)
    assert main(["build", str(tmp_path / "lifted.toml"), "--out", str(tmp_path / "out"), "--no-preview"]) == 0
    folder = tmp_path / "out" / "lifted"
    record = json.loads((folder / "build.json").read_text())["sides"][0]
    lattice = record["lattice"]
    assert lattice["bodies"] == 1 and lattice["thinnest_wall_mm"] >= 0.75
    _assert_walls_everywhere(folder / record["lattice_files"]["file"], 0.75)
    measured = [z for z in lattice["zones"] if z["measured_pct"] is not None]
    assert measured  # above the lift layer and its easing
    for zone in measured:
        assert zone["measured_pct"] == pytest.approx(zone["built_pct"], rel=0.10), zone
    # the lift layer itself, at 70 %: a cell-square box in the heel, under the lift's top
    from insolegen.formats.meshes import load_mesh_file
    from insolegen.geometry.lattice.fill import measured_fraction
    from insolegen.geometry.solid import Mesh

    vertices, faces = load_mesh_file(folder / record["lattice_files"]["file"])
    heel = measured_fraction(Mesh(vertices=vertices, faces=faces), (35.0, 0.0), 0.8, 8.0 - 1.0, 8.0)
    assert heel == pytest.approx(70.0, rel=0.10)


@pytest.mark.parametrize(("share", "void"), [(0.9, True), (1.1, False)])
def test_a_grid_point_under_the_faint_distance_inside_the_sheet_reads_as_void(share, void):
    """At the origin the gyroid's g is 0 and each partial derivative is 1, so |grad g| is
    sqrt 3: with k = 1 a point whose field reads t lies t / sqrt 3 mm inside the surface.
    Under FAINT_MM inside it reads as void; over it, it keeps its value."""
    from insolegen.geometry.lattice.fill import FAINT_MM, NODE_NUDGE, _faint_as_void

    t = share * FAINT_MM * math.sqrt(3.0)
    zero = np.zeros(1)
    out = _faint_as_void(np.full((1, 1, 1), t), "gyroid", 1.0, zero, zero, zero)
    assert out[0, 0, 0] == (-NODE_NUDGE if void else pytest.approx(t))
