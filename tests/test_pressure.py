"""Pressure maps (issue 10): read in three formats and four units, laid onto the foot
within 3 mm and 2 degrees whatever way round the plate recorded it, reliefs and the
softest band over every cell above the threshold, bad maps refused in one line."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pressure_maps import synthetic_grid, write_asf, write_csv, write_lst
from sweeps import examples

from insolegen.build.pipeline import build_profile
from insolegen.cli import main
from insolegen.geometry.pressure_fit import fit_pressure
from insolegen.inputs.errors import InputFileError
from insolegen.inputs.pressure_files import read_pressure_file
from insolegen.profile import load_profile
from insolegen.profile.sizes import parse_size

FOOT_MM = parse_size("EU 42").foot_length_mm


@pytest.fixture(scope="module")
def outline():
    from insolegen.build.side import side_outline
    from insolegen.profile import profile_from_dict

    return side_outline(profile_from_dict({"side": "right", "foot": {"size": "EU 42"}}).sides[0])


def _write(fmt: str, path: Path, kpa: np.ndarray, units: str = "kPa") -> Path:
    if fmt == "csv":
        return write_csv(path.with_suffix(".csv"), kpa, units=units)
    if fmt == "asf":
        return write_asf(path.with_suffix(".asf"), kpa, units={"kPa": "KPa", "psi": "PSI", "mmHg": "MmHg",
                                                                 "N/cm2": "N/cm2"}[units])
    return write_lst(path.with_suffix(".lst"), kpa, 5.08)


@pytest.mark.parametrize("fmt,units", [("csv", "kPa"), ("csv", "N/cm2"), ("csv", "psi"), ("csv", "mmHg"),
                                       ("asf", "kPa"), ("asf", "psi"), ("asf", "mmHg"), ("lst", "kPa")])
def test_each_format_and_unit_reads_the_same_kpa(tmp_path, outline, fmt, units):
    kpa, _ = synthetic_grid(outline)
    grid = read_pressure_file(_write(fmt, tmp_path / "map", kpa, units))
    assert grid.units == "kPa" if fmt == "lst" else grid.units == {"kPa": "kPa"}.get(units, units)
    assert grid.units_from == "file"
    assert (grid.row_pitch_mm, grid.col_pitch_mm) == pytest.approx((5.08, 5.08), abs=1e-6)
    seen = np.nan_to_num(grid.kpa, nan=0.0)
    # the peak frame (each format's file holds two or more frames, the peak last)
    written = kpa if fmt != "asf" else np.where(np.arange(kpa.shape[1]) == 0, 0.0, kpa)  # column 0 is B
    step = {"kPa": 1.0, "N/cm2": 10.0, "psi": 6.894757, "mmHg": 0.1333224}[units]
    rounding = 0.5 * step if fmt == "asf" else 0.005 * step  # .asf values are whole numbers of its unit
    assert np.abs(seen - written).max() <= rounding + 1e-6
    assert grid.frames >= 2 or fmt == "csv"


TRANSFORMS = [(0.0, False, (0.0, 0.0)), (17.0, False, (3.0, 7.0)), (-40.0, True, (11.0, -5.0)),
              (180.0, False, (0.0, 0.0)), (95.0, True, (2.0, 2.0)), (-120.0, False, (-6.0, 4.0))]


@pytest.mark.parametrize("fmt", ["csv", "asf", "lst"])
@pytest.mark.parametrize("angle,mirrored,shift", TRANSFORMS)
def test_a_map_turned_shifted_and_flipped_registers_within_3_mm_and_2_degrees(tmp_path, outline, fmt, angle,
                                                                                 mirrored, shift):
    kpa, place = synthetic_grid(outline, angle, mirrored, shift)
    grid = read_pressure_file(_write(fmt, tmp_path / "map", kpa))
    # a flipped map (the sole seen from below) says which foot it is
    fit = fit_pressure(grid, outline, "right", "right" if mirrored else "auto")
    assert fit.mirrored == mirrored
    # the known placement, inverted by hand: map mm = A^-1 (foot - b)
    b = place(np.zeros(2))
    a = np.column_stack([place(np.array([1.0, 0.0])) - b, place(np.array([0.0, 1.0])) - b])
    lm = outline.landmarks
    probes = np.array([lm.heel_centre, lm.mth1, lm.mth5, (0.95 * lm.foot_length_mm, lm.heel_centre[1])])
    in_map = (probes - b) @ np.linalg.inv(a).T
    assert np.linalg.norm(fit.apply(in_map) - probes, axis=1).max() <= 3.0
    true_angle = np.degrees(np.arctan2(a[1, 0], a[0, 0]))
    assert abs((fit.angle_deg - true_angle + 180) % 360 - 180) <= 2.0
    assert fit.inside_share >= 0.99


def _profile(tmp_path: Path, map_file: Path, extra: str = "", side: str = "right") -> Path:
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "pm"\nside = "{side}"\n[foot]\nsize = "EU 42"\n'
                       f'[pressure]\nfile = "{map_file.name}"\n{extra}')
    return profile


@pytest.fixture(scope="module")
def banded(tmp_path_factory, outline):
    tmp = tmp_path_factory.mktemp("banded")
    kpa, place = synthetic_grid(outline, 23.0, False, (5.0, -3.0))
    map_file = write_asf(tmp / "walk.asf", kpa)
    result = build_profile(load_profile(_profile(tmp, map_file, 'zones = "pressure"\n')))
    return result, kpa, place


def test_every_cell_over_the_threshold_is_relieved_and_in_the_softest_band(banded):
    result, kpa, _place = banded
    part = result.parts[0]
    rows, cols = kpa.shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    centres = np.stack([xx * 5.08, -yy * 5.08], axis=-1).reshape(-1, 2)
    over = (kpa.ravel() > 200.0)
    over[np.flatnonzero(np.isnan(kpa.ravel()))] = False
    assert over.sum() > 20  # the heel, the MTHs and the hallux
    fit = part.surface.pressure_relief.field.fit
    points = fit.apply(centres[over])
    on_insole = shapely.contains_xy(part.outline.polygon.buffer(-1.0), points[:, 0], points[:, 1])
    points = points[on_insole]
    # a relief there: the mesh's top lies under the top without the map's relief
    import dataclasses

    plain = dataclasses.replace(part.surface, pressure_relief=None)
    top = part.top_above_underside_mm(points)
    assert np.all(plain.height_mm(points[:, 0], points[:, 1]) - top > 0.0)
    # and in the softest band: the last band's footprint holds the point
    softest = [z for z in part.zones if z.kind == "pressure"][-1]
    assert softest.infill_pct == min(z.infill_pct for z in part.zones if z.kind == "pressure") == 10.0
    from insolegen.geometry.zones import to_manifold

    footprint = to_manifold(softest.mesh).project()
    polygons = [shapely.Polygon(p) for p in footprint.to_polygons()]
    shape = shapely.union_all([p for p in polygons if p.exterior.is_ccw]).difference(
        shapely.union_all([p for p in polygons if not p.exterior.is_ccw] or [shapely.Polygon()]))
    assert np.all(shapely.contains_xy(shape.buffer(0.5), points[:, 0], points[:, 1]))


def test_at_least_eight_bands_in_steps_of_ten_points_softest_where_highest(banded):
    result, _, _ = banded
    bands = [z for z in result.parts[0].zones if z.kind == "pressure"]
    assert len(bands) >= 8
    infill = [z.infill_pct for z in bands]
    assert infill == sorted(infill, reverse=True)  # offloading: firm at low pressure, soft at high
    assert max(abs(a - b) for a, b in itertools.pairwise(infill)) <= 10.0
    record = result.record.sides[0].pressure
    assert [b.infill_pct for b in record.bands] == infill
    assert record.registration["side_shown"] == "right" and record.registration["fit"]["loaded_cells_inside_share"] > 0.95
    regions = {r.name: r for r in record.regions}
    assert set(regions) == {"heel", "midfoot", "MTH 1", "MTH 2", "MTH 3", "MTH 4", "MTH 5", "hallux", "toes"}
    assert regions["heel"].peak_kpa == pytest.approx(320.0, abs=15.0)  # the synthetic heel peak
    assert regions["heel"].measured_mm > 0.5 and "relieved" in regions["heel"].action
    assert regions["midfoot"].measured_mm == 0.0 and "no relief" in regions["midfoot"].action


def test_support_grading_reverses_the_bands(tmp_path, outline):
    kpa, _ = synthetic_grid(outline)
    map_file = write_csv(tmp_path / "walk.csv", kpa)
    result = build_profile(load_profile(_profile(tmp_path, map_file, 'zones = "pressure"\ngrading = "support"\n')))
    infill = [z.infill_pct for z in result.parts[0].zones if z.kind == "pressure"]
    assert infill == sorted(infill)


def test_the_relief_follows_the_table_and_keeps_the_printable_minimum(tmp_path, outline):
    from insolegen.core.printing import PRINTABLE_MIN_MM

    kpa, _ = synthetic_grid(outline)
    map_file = write_csv(tmp_path / "walk.csv", kpa)
    result = build_profile(load_profile(_profile(tmp_path, map_file, "[shape]\nthickness_mm = 6\nheel_thickness_mm = 6\n"
                                                 "heel_cup_depth_mm = 0\n")))
    part = result.parts[0]
    relief = part.surface.pressure_relief
    lm = part.outline.landmarks
    # at the heel centre: 320 kPa -> smoothstep((320 - 200) / 200) x 3 mm, by hand
    t = (float(relief.field.kpa(np.array([lm.heel_centre[0]]), np.array([lm.heel_centre[1]]))[0]) - 200) / 200
    want = 3.0 * (3 * t * t - 2 * t ** 3)
    got = float(relief.asked_mm(np.array([lm.heel_centre[0]]), np.array([lm.heel_centre[1]]))[0])
    assert got == pytest.approx(want, abs=1e-9)
    heights = {r.name: r for r in result.record.sides[0].pressure.regions}
    assert heights["heel"].measured_mm == pytest.approx(heights["heel"].asked_mm, abs=0.1)  # 6 mm leaves room
    assert result.record.sides[0].min_thickness_mm >= PRINTABLE_MIN_MM - 1e-3
    # a thin insole: the relief is held to the printable minimum
    thin = build_profile(load_profile(_profile(tmp_path, map_file, "[shape]\nthickness_mm = 2\nheel_thickness_mm = 2\n")))
    assert thin.record.sides[0].min_thickness_mm >= PRINTABLE_MIN_MM - 1e-3


def _refused(tmp_path: Path, capsys, profile: Path, expect: str) -> None:
    out = tmp_path / "out"
    code = main(["build", str(profile), "--out", str(out), "--no-preview"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert any(expect in line for line in err), err
    assert not any("Traceback" in line for line in err)
    assert not (out / "pm").exists()


def test_a_map_of_the_wrong_foot_is_refused(tmp_path, outline, capsys):
    kpa, _ = synthetic_grid(outline, 10.0, True)  # a left foot, seen from above
    _refused(tmp_path, capsys, _profile(tmp_path, write_csv(tmp_path / "walk.csv", kpa)), "shows a left foot")
    told = _profile(tmp_path, write_csv(tmp_path / "walk.csv", kpa), 'side = "left"\n')
    _refused(tmp_path, capsys, told, "the other foot")


def test_an_empty_map_is_refused(tmp_path, outline, capsys):
    kpa, _ = synthetic_grid(outline)
    _refused(tmp_path, capsys, _profile(tmp_path, write_csv(tmp_path / "walk.csv", kpa * 0.0)), "0 loaded cells")


@pytest.mark.parametrize("pitch,word", [(2.5, "long but the foot"), (9.0, "long but the foot")])
def test_a_map_far_smaller_or_larger_than_the_foot_is_refused(tmp_path, outline, capsys, pitch, word):
    kpa, _ = synthetic_grid(outline)
    map_file = write_csv(tmp_path / "walk.csv", kpa, pitch_mm=(pitch, pitch))
    _refused(tmp_path, capsys, _profile(tmp_path, map_file), word)


@pytest.mark.parametrize("text,expect", [
    ("# units: kPa\n1,2,3\n4,abc,6\n", "not a number"),
    ("1,2,3\n4,5,6\n", "does not say its pressure unit"),
    ("# units: bar\n1,2\n", "unknown pressure unit"),
    ("", "no pressure values"),
])
def test_a_malformed_file_is_refused(tmp_path, capsys, text, expect):
    map_file = tmp_path / "walk.csv"
    map_file.write_text(text)
    _refused(tmp_path, capsys, _profile(tmp_path, map_file), expect)


def test_a_tekscan_file_that_disagrees_with_its_header_is_refused(tmp_path, outline, capsys):
    kpa, _ = synthetic_grid(outline)
    path = write_asf(tmp_path / "walk.asf", kpa)
    path.write_text(path.read_text().replace(f"ROWS {kpa.shape[0]}", f"ROWS {kpa.shape[0] + 3}"))
    _refused(tmp_path, capsys, _profile(tmp_path, path), "but the header says ROWS")


def test_band_steps_over_ten_points_and_a_shared_map_for_two_feet_are_refused(tmp_path, outline, capsys):
    kpa, _ = synthetic_grid(outline)
    map_file = write_csv(tmp_path / "walk.csv", kpa)
    _refused(tmp_path, capsys, _profile(tmp_path, map_file, "softest_pct = 5\nfirmest_pct = 90\n"), "steps of 12.1")
    _refused(tmp_path, capsys, _profile(tmp_path, map_file, side="both"), "a map shows one foot")


def test_an_unknown_pitch_scales_the_map_to_the_foot_with_a_warning(tmp_path, outline, capsys):
    kpa, _place = synthetic_grid(outline, 30.0)
    map_file = write_csv(tmp_path / "walk.csv", kpa, pitch_mm=None)
    out = tmp_path / "out"
    assert main(["build", str(_profile(tmp_path, map_file)), "--out", str(out), "--no-preview"]) == 0
    assert "scaled to the foot" in capsys.readouterr().err
    record = json.loads((out / "pm" / "build.json").read_text())["sides"][0]["pressure"]
    assert record["registration"]["pitch_known"] is False
    assert record["registration"]["scale"] == pytest.approx(5.08, rel=0.04)


def test_a_pair_takes_each_foots_own_map(tmp_path, outline):
    right, _ = synthetic_grid(outline, -15.0, False, (2.0, 1.0))
    left, _ = synthetic_grid(outline, 35.0, True, (0.0, 3.0))  # a left foot, seen from above
    write_csv(tmp_path / "right.csv", right)
    write_lst(tmp_path / "left.lst", left, 5.08)
    profile = tmp_path / "pair.toml"
    profile.write_text('name = "pair"\n[foot]\nsize = "EU 42"\n[left.pressure]\nfile = "left.lst"\n'
                       '[right.pressure]\nfile = "right.csv"\nzones = "pressure"\n')
    result = build_profile(load_profile(profile))
    by_side = {s.side: s.pressure for s in result.record.sides}
    assert by_side["left"].registration["side_shown"] == "left" and by_side["left"].registration["mirrored"]
    assert by_side["right"].registration["side_shown"] == "right" and not by_side["right"].registration["mirrored"]
    assert by_side["left"].file_format == "emed" and by_side["right"].file_format == "csv"
    # the left part is the mirror image: its heel relief under its own heel (y < 0 is medial there)
    heel = {r.name: r for r in by_side["left"].regions}["heel"]
    assert heel.measured_mm > 0.5
    assert [z.kind for z in result.parts[1].zones].count("pressure") == 8
    assert not any(z.kind == "pressure" for z in result.parts[0].zones)  # zones = "fixed" on the left


# --- sweeps -------------------------------------------------------------------------------

TOKENS = ["0", "12.5", "-1", "B", "", "nan", "1e3", "abc", ",", ";", "\t", " ", "\n", "Frame 1", "# units: kPa",
          "# units: psi", "# pitch_mm: 5, 5", "ROWS 3", "COLS 2", "UNITS KPa", "ROW_SPACING 5 mm", "Page 1",
          "Sensor size: 0.5x0.5 cm", "Pict-No.: 1", "1\t2\t3", "\t1\t2", "Force", "1e400", "\x00",
          "Sensor-Nummer;1;2;3;4;5;6;7;8;9\n", "Sensor-Nummer;1;2;3;4;65;66;67;68;129;130;131;132\n", "Maximum;",
          "Minimum", "78,340;", "0,5", "00:01:02,5"]


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), max_size=60), st.sampled_from([".csv", ".asf", ".lst", ".txt"]))
def test_any_text_reads_as_a_map_or_is_refused_in_words(tmp_path, tokens, suffix):
    path = tmp_path / f"map{suffix}"
    path.write_text("".join(t if t in ("\n", ",", ";", "\t", " ") else t + ("\n" if t.startswith(("#", "Frame", "ROWS",
                    "COLS", "UNITS", "ROW_", "Page", "Sensor", "Pict")) else "") for t in tokens))
    try:
        grid = read_pressure_file(path, units="kPa")
    except InputFileError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert grid.kpa.ndim == 2 and grid.kpa.size >= 1
    assert not np.any(grid.kpa[np.isfinite(grid.kpa)] < 0)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(-180, 180), st.booleans(), st.floats(-15, 15), st.floats(-15, 15),
       st.sampled_from([(5.08, 5.08), (7.62, 5.08), (5.0, 5.0)]))
def test_any_placement_on_any_grid_registers_within_3_mm(outline, angle, mirrored, dx, dy, pitch):
    kpa, place = synthetic_grid(outline, angle, mirrored, (dx, dy), pitch_mm=pitch)
    from insolegen.inputs.pressure_files import PressureGrid

    grid = PressureGrid(kpa, pitch[0], pitch[1], "csv", "kPa", "file", 1, "peak")
    fit = fit_pressure(grid, outline, "right", "right" if mirrored else "auto")
    b = place(np.zeros(2))
    a = np.column_stack([place(np.array([1.0, 0.0])) - b, place(np.array([0.0, 1.0])) - b])
    lm = outline.landmarks
    probes = np.array([lm.heel_centre, lm.mth1, lm.mth5, (0.95 * lm.foot_length_mm, lm.heel_centre[1])])
    assert np.linalg.norm(fit.apply((probes - b) @ np.linalg.inv(a).T) - probes, axis=1).max() <= 3.0


REAL = Path(__file__).resolve().parent / "data" / "real"


def _built_on_real_map(tmp_path: Path, side: str, told: bool = False) -> dict:
    """An EU 42 insole of ``side`` built through the CLI on the real F-Scan recording of
    that foot, which foot it shows found from the map (or ``told``); its build.json."""
    import json

    from insolegen.cli import main

    profile = tmp_path / f"{side}.toml"
    profile.write_text(f'name = "{side}"\nside = "{side}"\n[foot]\nsize = "EU 42"\n[pressure]\n'
                       f'file = "{REAL / f"fscan-walk-{side}.asf"}"\n' + (f'side = "{side}"\n' if told else ""),
                       encoding="utf-8")
    assert main(["build", str(profile), "--out", str(tmp_path / "out"), "--no-preview"]) == 0
    return json.loads((tmp_path / "out" / side / "build.json").read_text())


def test_a_real_tekscan_research_export_is_read(tmp_path):
    """Issue 23 (its first part): a Tekscan F-Scan export as Research 6.33 writes it
    (tests/data/real/SOURCES.md: GallVp/footPress, MIT) wraps its frames in `ASCII_DATA @@`
    ... `@@`; it was refused ("a cell reads '@@'"). Read: 60 x 21 sensels at 5.08 mm,
    205 frames, kPa from its header, the peak over all frames 760 kPa (read off the file
    by hand: frame 102's largest cell), the peak map each sensel's largest over the frames
    (parsed here by hand). Built on a left EU 42, the map is found to show a left foot
    (rows run down the picture: the foot seen from above, not mirrored) and 98 % of its
    loaded cells fall on the foot."""

    from insolegen.inputs.pressure_files import read_pressure_file

    grid = read_pressure_file(REAL / "fscan-walk-left.asf")
    assert grid.kpa.shape == (60, 21) and grid.frames == 205 and grid.file_format == "tekscan"
    assert (grid.row_pitch_mm, grid.col_pitch_mm, grid.units) == (5.08, 5.08, "kPa")
    assert float(np.nanmax(grid.kpa)) == 760.0
    assert np.isnan(grid.kpa[0, 0]) and grid.kpa[0, 9] == 0  # "B" outside the trimmed sensor, 0 on it
    stack = _frames_by_hand(REAL / "fscan-walk-left.asf")
    assert stack.shape == (205, 60, 21)
    peak = stack.max(axis=0)
    assert np.array_equal(np.where(np.isnan(grid.kpa), 0.0, grid.kpa), np.where(np.isnan(peak), 0.0, peak))
    record = _built_on_real_map(tmp_path, "left")
    registration = record["sides"][0]["pressure"]["registration"]
    assert (registration["side_shown"], registration["side_from"], registration["mirrored"]) == ("left", "detected", True)
    assert registration["fit"]["loaded_cells_inside_share"] >= 0.95


def _frames_by_hand(path: Path) -> np.ndarray:
    """Frames x rows x columns of a Tekscan export, parsed here with a regular
    expression ("B": no sensor, NaN)."""
    import re

    frames = []
    for block in re.split(r"^Frame \d+\s*$", path.read_text(), flags=re.M)[1:]:
        rows = [line for line in block.strip().splitlines() if line.strip() and line.strip() != "@@"]
        frames.append([[np.nan if v.strip() == "B" else float(v) for v in row.split(",")] for row in rows])
    return np.array(frames)


def test_stuck_sensels_of_a_real_recording_are_left_out_and_said(tmp_path):
    """Issue 23: the same recording's right foot has sensels that read load while the foot
    is in the air; its peak map was refused ("only 70 % of the map's loaded cells lie on
    the foot"). A sensel loaded in more than half the swing frames (total load under 10 %
    of the recording's largest: 81 of 205 frames here) is left out, as a clinic's system
    flags it: 23 here, none in the left foot's recording; the build says so, lists them
    in build.json and builds."""

    from insolegen.inputs.pressure_files import read_pressure_file

    right = read_pressure_file(REAL / "fscan-walk-right.asf")
    assert len(right.dropped) == 23 and (18, 5) in right.dropped
    assert all(np.isnan(right.kpa[r, c]) for r, c in right.dropped)
    assert read_pressure_file(REAL / "fscan-walk-left.asf").dropped == ()
    # by hand: sensel (18, 5) reads over 0 in most frames whose total is under 10 % of the largest
    stack = np.nan_to_num(_frames_by_hand(REAL / "fscan-walk-right.asf"), nan=0.0)
    totals = stack.sum(axis=(1, 2))
    swing = stack[totals < 0.1 * totals.max()]
    assert len(swing) == 81 and (swing[:, 18, 5] > 0).mean() > 0.5
    # its midfoot is loaded on both sides (no arch to tell the foot by): pressure.side says
    record = _built_on_real_map(tmp_path, "right", told=True)
    pressure = record["sides"][0]["pressure"]
    assert len(pressure["dropped_sensels"]) == 23 and [19, 6] in pressure["dropped_sensels"]
    assert pressure["registration"]["fit"]["loaded_cells_inside_share"] >= 0.8
    assert any("23 sensels read load while the foot was in the air" in w for w in record["warnings"])
