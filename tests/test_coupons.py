"""Calibration coupons (``insolegen coupons``): blocks checked as solids against sizes
and volumes worked out here, the density each 3MF asks for, lattice coupons measured
within 10 % of the fraction asked, refusals in one line with nothing written, and real
slicers slicing them (slow)."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import trimesh
from meshtools import assert_solid, thinnest_wall_everywhere_mm

from insolegen.cli import main

BLOCK_MM3 = 40 * 40 * 10  # the pressed block
TAB_MM3 = 40 * 12 * 2.4  # the label's tab
# a lattice coupon's core: the block less a 1.2 mm rim all round, a 0.8 mm skin below and
# 1.2 mm above (the defaults), 37.6 x 37.6 x 8 mm
CORE_MM3 = (40 - 2 * 1.2) ** 2 * (10 - 0.8 - 1.2)


def _stl(path: Path) -> trimesh.Trimesh:
    mesh = trimesh.load(path, force="mesh")  # welded by position, as slicers read it
    assert_solid(np.asarray(mesh.vertices), np.asarray(mesh.faces))
    return mesh


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_infill_coupons_are_blocks_with_their_density_on_the_tab_and_in_the_3mf(tmp_path, capsys):
    code, out, _ = _run(capsys, "coupons", "--densities", "15,35", "--out", str(tmp_path))
    assert code == 0
    folder = tmp_path / "coupons-infill"
    record = json.loads((folder / "coupons.json").read_text())
    assert [c["asked_pct"] for c in record["coupons"]] == [15, 35]
    for pct in (15, 35):
        mesh = _stl(folder / f"coupon-infill-{pct}.stl")
        assert np.allclose(mesh.bounds, [[0, -12, 0], [40, 40, 10]], atol=1e-4)
        # the label takes a shallow bite out of the tab: 0.6 mm deep, some tens of mm2
        cut = BLOCK_MM3 + TAB_MM3 - mesh.volume
        assert 0.6 * 20 < cut < 0.6 * 200, cut
        with zipfile.ZipFile(folder / f"coupon-infill-{pct}.3mf") as z:
            config = z.read("Metadata/Slic3r_PE_model.config").decode()
        assert f'key="fill_density" value="{pct}%"' in config
        with zipfile.ZipFile(folder / f"coupon-infill-{pct}.orca.3mf") as z:
            model = z.read("3D/3dmodel.model").decode()
        assert re.search(rf'infill_sparse_density["\']?[^>]*>\s*{pct}(\.0+)?\s*<', model), model[:2000]
        assert f"{folder / f'coupon-infill-{pct}.stl'}: {pct} % infill" in out


@pytest.fixture(scope="module")
def lattice_coupons(tmp_path_factory):
    """Two lattice coupons made through the command line, for the tests that read them."""
    out = tmp_path_factory.mktemp("lattice-coupons")
    assert main(["coupons", "--lattice", "--densities", "40,60", "--out", str(out)]) == 0
    return out / "coupons-lattice"


def test_a_lattice_coupon_is_one_solid_with_the_fraction_asked(lattice_coupons, capsys):
    folder = lattice_coupons
    record = json.loads((folder / "coupons.json").read_text())
    volumes = []
    for coupon in record["coupons"]:
        # measured on the mesh in a cell-square box in the middle
        assert coupon["measured_pct"] == pytest.approx(coupon["asked_pct"], rel=0.10), coupon
        mesh = _stl(folder / coupon["file"])
        assert mesh.body_count == 1 + coupon["cavities"]  # one solid; its voids sealed inside the skins
        # the whole volume, by hand: the solid blank less the core's empty share
        f = coupon["asked_pct"] / 100
        expected = BLOCK_MM3 + TAB_MM3 - CORE_MM3 * (1 - f)
        assert mesh.volume == pytest.approx(expected, rel=0.10)
        volumes.append(mesh.volume)
    assert volumes[1] > volumes[0]
    # check holds each file to the wall its lattice was made to, as the file says
    files = [str(folder / c[k]) for c in record["coupons"] for k in ("file", "prusaslicer_3mf", "orca_3mf")]
    code, out, _ = _run(capsys, "check", *files)
    assert code == 0, out
    # (issue 29: it said "the thinnest wall its lattice was made to" of 0.75 where the profile asked 0.8)
    assert out.count("note: held to 0.75 mm across its walls, the least its file allows: its lattice was made to "
                     "0.80 mm walls, less 0.05 mm the marching grid's chords may cut") == 6
    with zipfile.ZipFile(folder / record["coupons"][0]["orca_3mf"]) as z:  # printed solid in Orca and Bambu too
        assert 'key="sparse_infill_density" value="100%"' in z.read("Metadata/model_settings.config").decode()
    # a solid part's minimum is another matter: 0.8 mm walls are under 1.2 mm
    code, out, _ = _run(capsys, "check", "--min-thickness", "1.2", files[0])
    assert code == 1 and "too thin to print" in out


def test_the_default_lattice_coupons_start_at_the_least_the_wall_allows(tmp_path, capsys):
    from insolegen.build.coupons import lattice_densities

    assert lattice_densities(28.2) == [30, 40, 50, 60, 70, 80]
    assert lattice_densities(30.0) == [30, 40, 50, 60, 70, 80]
    assert lattice_densities(51.0) == [60, 70, 80, 90, 100]
    assert lattice_densities(35.1, 71.3) == [40, 50, 60, 70]  # an 8 mm gyroid's voids close above 71.3 %


@pytest.mark.parametrize("args, says", [
    (["--densities", "10,abc"], "'abc' is not a number"),
    (["--densities", "10,,20"], "an empty value is not a number"),
    (["--densities", "0,20"], "--densities 0 is out of range: allowed is 1 to 100 %"),
    (["--densities", "20,150"], "--densities 150 is out of range"),
    (["--densities", "20,20"], "gives a value twice"),
    (["--densities", "33.333"], "--densities 33.333 has more than one decimal: give it as 33.3"),
    (["--densities", ",".join(str(10 + i) for i in range(13))], "allowed is at most 12"),
    (["--lattice", "--densities", "10,40"], "--densities 10 is under the least solid fraction a 10 mm gyroid cell"),
    (["--lattice", "--densities", "85"], "--densities 85 is over the most a 10 mm gyroid cell keeps open (80.2 %"),
    (["--lattice", "--cell-mm", "2"], "--cell-mm 2 is out of range: allowed is 4 to 30 mm"),
    (["--lattice", "--cell-mm", "6", "--wall-min-mm", "2.5"], "at most a third of the cell"),
    (["--lattice", "--cell-mm", "nan"], "--cell-mm nan is out of range"),
    (["--lattice", "--cell-mm", "20"], "--cell-mm 20 in a 8 mm core (a 10 mm base less the skins, 1.2 + 0.8 mm)"),
    (["--cell-mm", "8"], "give them with --lattice"),
    (["--drain-hole-mm", "3"], "give them with --lattice"),
    (["--lattice", "--drain-hole-mm", "1"], "--drain-hole-mm 1: allowed is 0 (sealed voids, for FDM) or 2 to 8 mm"),
    (["--lattice", "--drain-hole-mm", "6"], "--drain-hole-mm 6 in a 10 mm cell: a void is narrower"),
    # a 10 mm gyroid at 70 %: its channels are about 2.5 mm across (docs/lattice.md)
    (["--lattice", "--densities", "70", "--drain-hole-mm", "5"],
     "--drain-hole-mm 5: the 70% coupon's voids take a drain hole of at most"),
    (["--lattice", "--infill"], "not allowed with argument"),
])
def test_bad_coupon_arguments_are_refused_in_one_line_with_nothing_written(tmp_path, capsys, args, says):
    code, _out, err = _run_refused(capsys, ["coupons", *args, "--out", str(tmp_path / "out")])
    assert code == 2
    assert says in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def _run_refused(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_coupons_are_not_overwritten_without_force(tmp_path, capsys):
    assert _run(capsys, "coupons", "--densities", "20", "--out", str(tmp_path))[0] == 0
    stl = tmp_path / "coupons-infill" / "coupon-infill-20.stl"
    before = stl.read_bytes()
    code, _, err = _run(capsys, "coupons", "--densities", "30", "--out", str(tmp_path))
    assert code == 2 and "use --force" in err
    assert stl.read_bytes() == before and not (tmp_path / "coupons-infill" / "coupon-infill-30.stl").exists()
    assert _run(capsys, "coupons", "--densities", "30", "--out", str(tmp_path), "--force")[0] == 0
    assert sorted(p.name for p in (tmp_path / "coupons-infill").iterdir()) == [
        "coupon-infill-30.3mf", "coupon-infill-30.orca.3mf", "coupon-infill-30.stl", "coupons.json"]


PRUSA = shutil.which("prusa-slicer")
MK4_BED = "0x0,250x0,250x210,0x210"


def _slice(model: Path, gcode: Path) -> str:
    result = subprocess.run([PRUSA, "--export-gcode", str(model), "-o", str(gcode), "--bed-shape", MK4_BED,
                             "--layer-height", "0.2", "--first-layer-height", "0.2"],
                            capture_output=True, text=True, timeout=900)
    output = "\n".join(line for line in (result.stdout + result.stderr).splitlines() if "[trace]" not in line)
    assert result.returncode == 0, output[-3000:]
    return output


@pytest.mark.slow
@pytest.mark.skipif(PRUSA is None, reason="prusa-slicer is not installed; .ci/run installs it")
def test_prusaslicer_slices_a_lattice_coupon_without_errors_or_repairs(tmp_path, capsys):
    assert _run(capsys, "coupons", "--lattice", "--densities", "30", "--out", str(tmp_path))[0] == 0
    gcode = tmp_path / "c.gcode"
    output = _slice(tmp_path / "coupons-lattice" / "coupon-lattice-30.3mf", gcode).lower()
    assert "error" not in output and "repair" not in output, output[-3000:]
    # printed solid (the lattice is the firmness): the filament laid is the part's volume
    used = float(re.search(r"; filament used \[cm3\] = ([\d.]+)", gcode.read_text()).group(1))
    record = json.loads((tmp_path / "coupons-lattice" / "coupons.json").read_text())
    assert used * 1000 == pytest.approx(record["coupons"][0]["volume_mm3"], rel=0.08)


@pytest.mark.slow
@pytest.mark.skipif(PRUSA is None, reason="prusa-slicer is not installed; .ci/run installs it")
def test_a_lattice_sliced_by_its_own_line_lays_the_same_solid_with_its_outlines_simplified(tmp_path, capsys):
    """A lattice part's PrusaSlicer line (print_settings.prusa_command(lattice=True)) asks
    for a 0.05 mm slice resolution, and the G-code says PrusaSlicer used it; what it prints
    is the same: the filament within 1 % of the full-resolution slicing's, every move on
    the bed, 0.2 mm layers, 230 / 50 °C. (It is faster: BENCHMARKS.md; not timed here.)"""
    from gcodeproof import asked, outside_bed, read_program

    from insolegen.exports.print_settings import LATTICE_SLICE_RESOLUTION_MM, prusa_command

    assert _run(capsys, "coupons", "--lattice", "--densities", "30", "--out", str(tmp_path))[0] == 0
    model = tmp_path / "coupons-lattice" / "coupon-lattice-30.3mf"
    used = {}
    for lattice in (False, True):
        gcode = tmp_path / f"{lattice}.gcode"
        command = prusa_command(model, (250.0, 210.0), gcode, lattice=lattice)
        assert ("--resolution" in command) == lattice
        result = subprocess.run([PRUSA, *command[1:]], capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr[-2000:]
        text = gcode.read_text()
        assert re.search(r"^; resolution = (\S+)$", text, re.M).group(1) == (
            f"{LATTICE_SLICE_RESOLUTION_MM:g}" if lattice else "0")
        used[lattice] = float(re.search(r"; filament used \[cm3\] = ([\d.]+)", text).group(1))
        program = read_program(gcode)
        assert not len(outside_bed(program, (250.0, 210.0)))
        layers = program.layers()
        assert layers[0] == pytest.approx(0.2, abs=1e-6) and np.allclose(np.diff(layers), 0.2, atol=1e-3)
        assert set(asked(program, "M104") + asked(program, "M109")) - {0.0} == {230.0}
        assert set(asked(program, "M140") + asked(program, "M190")) - {0.0} == {50.0}
    assert used[True] == pytest.approx(used[False], rel=0.01), used


@pytest.mark.slow
@pytest.mark.skipif(PRUSA is None, reason="prusa-slicer is not installed; .ci/run installs it")
def test_prusaslicer_fills_infill_coupons_in_proportion_to_their_density(tmp_path, capsys):
    from gcode import read_gcode

    assert _run(capsys, "coupons", "--densities", "10,20,40", "--out", str(tmp_path))[0] == 0
    laid = {}
    for pct in (10, 20, 40):
        gcode = tmp_path / f"{pct}.gcode"
        output = _slice(tmp_path / "coupons-infill" / f"coupon-infill-{pct}.3mf", gcode).lower()
        assert "error" not in output and "repair" not in output
        laid[pct] = float(read_gcode(gcode).extruded.sum())  # internal infill, mm of filament
    # the same block each time: infill in proportion to the density, within a fifth
    for pct in (20, 40):
        assert laid[pct] / laid[10] == pytest.approx(pct / 10, rel=0.2), laid


def test_a_wall_mark_outside_what_min_thickness_allows_is_not_taken(lattice_coupons, tmp_path, capsys):
    stl = tmp_path / "coupon.stl"
    data = bytearray((lattice_coupons / "coupon-lattice-40.stl").read_bytes())
    data[:24] = b"insolegen walls>=0.05mm ".ljust(24)  # under --min-thickness's 0.1 mm
    stl.write_bytes(bytes(data))
    code, out, _ = _run(capsys, "check", str(stl))
    assert code == 1 and "minimum 1.2 mm" in out and "note: held to" not in out


@pytest.mark.slow  # a lattice coupon each: a few seconds
def test_any_lattice_coupon_is_one_solid_with_its_walls_and_fraction():
    """Sweep: any sheet, cell, wall and printable fraction gives one solid whose walls are
    no thinner than asked (rays along the normals) and whose fraction is within 10 %."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st
    from sweeps import examples

    from insolegen.build.coupons import lattice_coupon
    from insolegen.geometry.lattice.fill import greatest_fraction, least_fraction, thinnest_allowed_mm
    from insolegen.profile.spec import LatticeSpec, lattice_step_mm

    @settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(kind=st.sampled_from(["gyroid", "diamond"]), cell=st.floats(6.0, 14.0), wall=st.floats(0.6, 1.2),
           share=st.floats(0.0, 1.0))
    def sweep(kind, cell, wall, share):
        lattice = LatticeSpec(kind=kind, cell_mm=cell, wall_min_mm=wall, edge_mm=lattice_step_mm(cell, wall))
        least, greatest = 100 * least_fraction(lattice), 100 * greatest_fraction(lattice)
        assume(math.ceil(10 * least) <= math.floor(10 * greatest))  # else the profile is refused (test_lattice.py)
        asked = min(math.ceil(10 * (least + share * (greatest - least))), math.floor(10 * greatest)) / 10
        # A known defect, left out of the sweep and kept as a strict xfail below: a
        # diamond sheet at its greatest fraction (void necks two marching steps across)
        # measures up to 11 % over what was built on the marching grid.
        assume(not (kind == "diamond" and asked > greatest - 1.0))
        # Another, also kept as a strict xfail below: a diamond at its least fraction may
        # be drawn up to 0.02 mm thinner than its walls' slack allows (a 7.4 mm cell).
        assume(not (kind == "diamond" and asked < least + 1.0))
        # A third, the second's at any fraction (CI's sweep, 2026-12-08), kept as a strict
        # xfail below: a diamond whose walls are under 0.75 mm, one marching step across, may
        # be drawn up to 0.025 mm thinner than its walls' slack allows (the chords of its
        # tighter curves cut in further than the gyroid's).
        assume(not (kind == "diamond" and wall < 0.75))
        coupon = lattice_coupon(asked, lattice)
        assert coupon.report.ok
        _assert_walls_everywhere(coupon, thinnest_allowed_mm(lattice))
        mesh = trimesh.Trimesh(coupon.mesh.vertices, coupon.mesh.faces, process=False)
        assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
        assert coupon.measured_pct == pytest.approx(coupon.built_pct, rel=0.10), (kind, cell, wall, asked)

    sweep()


@pytest.mark.xfail(strict=True, reason="known defect (found by CI's sweep, 2026-12-07): a diamond sheet at its greatest "
                   "fraction is drawn about 11 % too full on the marching grid (0.9 mm steps in a 9 mm cell: its "
                   "void necks are two steps across); the fraction needs a grid-aware table or a finer mesher")
def test_a_diamond_at_its_greatest_fraction_measures_what_was_built():
    from insolegen.build.coupons import lattice_coupon
    from insolegen.geometry.lattice.fill import greatest_fraction
    from insolegen.profile.spec import LatticeSpec, lattice_step_mm

    lattice = LatticeSpec(kind="diamond", cell_mm=9.0, wall_min_mm=1.0, edge_mm=lattice_step_mm(9.0, 1.0))
    coupon = lattice_coupon(math.floor(1000 * greatest_fraction(lattice)) / 10, lattice)
    assert coupon.built_pct == pytest.approx(49.7, abs=0.1)  # its one printable fraction
    assert coupon.measured_pct == pytest.approx(coupon.built_pct, rel=0.10)  # measured 55.3


@pytest.mark.xfail(strict=True, reason="known defect (found by CI's sweep, 2026-12-07, the same on 598adc7): a 7.4 mm diamond "
                   "cell at its least fraction with 0.717 mm walls is drawn with a 0.65 mm wall, under the 0.667 mm "
                   "its settings allow; the sheet's threshold or the mesher needs a margin at the least fraction")
def test_a_thin_walled_diamond_at_its_least_fraction_keeps_its_walls():
    _assert_coupon_keeps_its_walls("diamond", 7.399792976630476, 0.7168758721241635, None)  # raises CouponError now


@pytest.mark.slow  # a lattice coupon and a ray from every face: seconds
@pytest.mark.xfail(strict=True, reason="known defect (found by CI's sweep, 2026-12-08, on f674311): a 6.35 mm diamond cell "
                   "at 47.1 % with 0.625 mm walls (the marching step as wide as the wall) is drawn with a 0.553 mm wall, "
                   "under the 0.575 mm its settings allow; a finer step or a curvature margin for the diamond is needed")
def test_a_thin_walled_diamond_at_a_middle_fraction_keeps_its_walls():
    _assert_coupon_keeps_its_walls("diamond", 6.3515625, 0.625, 47.1)


def _assert_coupon_keeps_its_walls(kind: str, cell: float, wall: float, pct: float | None) -> None:
    """A lattice coupon (at ``pct``, or at its least fraction) is a sound solid with no
    wall under its settings' thinnest (a ray from every face)."""
    from insolegen.build.coupons import lattice_coupon
    from insolegen.geometry.lattice.fill import least_fraction, thinnest_allowed_mm
    from insolegen.profile.spec import LatticeSpec, lattice_step_mm

    lattice = LatticeSpec(kind=kind, cell_mm=cell, wall_min_mm=wall, edge_mm=lattice_step_mm(cell, wall))
    coupon = lattice_coupon(math.ceil(1000 * least_fraction(lattice)) / 10 if pct is None else pct, lattice)
    assert coupon.report.ok
    _assert_walls_everywhere(coupon, thinnest_allowed_mm(lattice))


@pytest.mark.slow  # a lattice coupon and a ray from every face: seconds
def test_a_thin_walled_gyroid_at_its_least_fraction_keeps_no_sliver():
    """Found by CI's sweep (2026-12-07, and again at 64.8 % on 2026-12-08): the 0.0013 mm
    sliver was not the lattice's but the tab's label, "20.8%" (and "64.8%"): a wedge of
    land the cut's simplify left (insolegen.geometry.label.printable_cut closes it now)."""
    from insolegen.build.coupons import lattice_coupon
    from insolegen.geometry.lattice.fill import least_fraction, thinnest_allowed_mm
    from insolegen.profile.spec import LatticeSpec, lattice_step_mm

    cell, wall = 10.25, 0.6015625
    lattice = LatticeSpec(kind="gyroid", cell_mm=cell, wall_min_mm=wall, edge_mm=lattice_step_mm(cell, wall))
    coupon = lattice_coupon(math.ceil(1000 * least_fraction(lattice)) / 10, lattice)
    assert coupon.built_pct == pytest.approx(20.8, abs=0.05)
    assert coupon.report.ok
    _assert_walls_everywhere(coupon, thinnest_allowed_mm(lattice))


def _assert_walls_everywhere(coupon, allowed_mm: float) -> None:
    """No wall thinner than allowed, by a ray from every face of the STL's mesh."""
    from insolegen.geometry.mending import welded_as_stl

    written = welded_as_stl(coupon.mesh)
    assert thinnest_wall_everywhere_mm(written.vertices, written.faces, allowed_mm) >= allowed_mm


@pytest.mark.parametrize(("kind", "cell", "wall", "asked"), [
    # the sweep's find of 2026-12-08: the tab's label "64.8%" kept a 0.0013 mm wedge of land
    pytest.param("gyroid", 8.5, 0.984375, 64.8, marks=pytest.mark.slow),
    # the sweep's finds: a 0.03 mm fin just over the bottom skin, where marching cubes ran
    # a tunnel from a void under the skin (the sheet was clipped there in the field) ...
    ("gyroid", 8.3046875, 0.8069531530343905, 35.7),
    # ... and fins inside the sheet (0.02-0.11 mm) beside grid points it barely reached
    pytest.param("gyroid", 10.554, 1.081, 38.3, marks=pytest.mark.slow),  # 2-7 s each: the first stays fast
    pytest.param("gyroid", 6.523, 0.624, 39.0, marks=pytest.mark.slow),
])
def test_a_lattice_coupon_has_no_sliver_where_the_grid_grazes_the_sheet(kind, cell, wall, asked):
    from insolegen.build.coupons import lattice_coupon
    from insolegen.geometry.lattice.fill import thinnest_allowed_mm
    from insolegen.profile.spec import LatticeSpec, lattice_step_mm

    lattice = LatticeSpec(kind=kind, cell_mm=cell, wall_min_mm=wall, edge_mm=lattice_step_mm(cell, wall))
    coupon = lattice_coupon(asked, lattice)
    _assert_walls_everywhere(coupon, thinnest_allowed_mm(lattice))
    assert coupon.measured_pct == pytest.approx(coupon.built_pct, rel=0.10)


@pytest.mark.parametrize("text", ["20.8%", "64.8%", "7.5%", "1.5%", "35.7%", "100%"])
def test_a_tabs_label_leaves_no_hairline_of_land(text):
    """The two labels whose cut's simplify left a 0.0013 mm wedge of land (CI's sweeps),
    and others: by a ray from every face, no wall under the printable minimum."""
    from insolegen.build.coupons import blank
    from insolegen.geometry.mending import welded_as_stl

    written = welded_as_stl(blank(text))
    assert thinnest_wall_everywhere_mm(written.vertices, written.faces, 0.75) >= 0.75


def test_a_drained_lattice_coupon_has_no_sealed_void_and_check_takes_it(tmp_path, capsys):
    """A 12 mm gyroid at 30 % with 3 mm holes: two voids (the sheet's two labyrinths),
    two holes each; nothing sealed, one solid, the fraction still within 10 %."""
    assert main(["coupons", "--lattice", "--cell-mm", "12", "--densities", "30", "--drain-hole-mm", "3",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "4 drain holes" in out, out
    record = json.loads((tmp_path / "coupons-lattice" / "coupons.json").read_text())
    assert record["lattice"]["drain_hole_mm"] == 3
    (coupon,) = record["coupons"]
    assert coupon["cavities"] == 0 and coupon["drain_holes"] == 4
    assert coupon["measured_pct"] == pytest.approx(30, rel=0.10)
    stl = tmp_path / "coupons-lattice" / "coupon-lattice-30.stl"
    mesh = trimesh.load(stl)
    assert mesh.is_watertight and len(mesh.split(only_watertight=False)) == 1  # one shell: no void sealed inside
    assert main(["check", str(stl)]) == 0


@pytest.mark.slow  # a lattice coupon each: a few seconds
def test_any_drained_lattice_coupon_has_no_sealed_void_or_is_refused_naming_the_widest_hole():
    """Sweep: any sheet, cell, fraction and hole gives a coupon with no void sealed and
    its walls kept, or a refusal: a void out of the holes' reach, or the widest hole
    every void takes, under the one asked (and which that widest hole then drains)."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st
    from sweeps import examples

    from insolegen.build.coupons import CouponDrainError, lattice_coupon
    from insolegen.geometry.lattice.fill import greatest_fraction, least_fraction, thinnest_allowed_mm
    from insolegen.profile.spec import LatticeSpec, lattice_step_mm

    @settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(kind=st.sampled_from(["gyroid", "diamond"]), cell=st.floats(8.0, 16.0), share=st.floats(0.0, 1.0),
           hole=st.floats(2.0, 4.0))
    def sweep(kind, cell, share, hole):
        hole = round(min(hole, cell / 2), 1)
        lattice = LatticeSpec(kind=kind, cell_mm=cell, edge_mm=lattice_step_mm(cell, 0.8), drain_hole_mm=hole)
        least, greatest = 100 * least_fraction(lattice), 100 * greatest_fraction(lattice)
        assume(math.ceil(10 * least) <= math.floor(10 * greatest))
        asked = min(math.ceil(10 * (least + share * (greatest - least))), math.floor(10 * greatest)) / 10
        try:
            coupon = lattice_coupon(asked, lattice)
        except CouponDrainError as exc:
            if "does not reach the bottom skin" in str(exc):  # no hole opens it: refused as such
                return
            widest = float(str(exc).split("at most ")[1].split(" mm")[0])
            assert widest < hole
            if widest >= 2.0:
                coupon = lattice_coupon(asked, LatticeSpec(kind=kind, cell_mm=cell, edge_mm=lattice.edge_mm,
                                                           drain_hole_mm=widest))
                assert coupon.cavities == 0 and coupon.drain_holes >= 2
            return
        assert coupon.cavities == 0 and coupon.drain_holes >= 2
        assert coupon.report.ok
        _assert_walls_everywhere(coupon, thinnest_allowed_mm(lattice))

    sweep()
