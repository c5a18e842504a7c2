"""Predicted pressure in a build (issue 25): build.json, the warning about the load, the
report's page, refusals, and the same prediction twice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from insolegen.build.pipeline import build_profile
from insolegen.build.prediction import STANDARD_GRAVITY
from insolegen.cli import main
from insolegen.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "profiles" / "pressure-offload.toml"


@pytest.fixture(scope="module")
def built():
    return build_profile(load_profile(EXAMPLE))


def test_the_example_predicts_its_pressure_carrying_half_the_body_weight(built):
    """80 kg: 392.3 N a foot, carried to 0.5 % on the insole as built and on the flat one;
    every region of the foot read; each region's change is its two peaks' by hand."""
    (side,) = built.record.sides
    p = side.predicted
    assert p is not None and p.load_from == "patient.mass_kg" and p.tissue == "diabetic"
    assert p.load_n == pytest.approx(80 * STANDARD_GRAVITY / 2, abs=0.1)
    for case in (p.designed, p.flat):
        assert case.force_n == pytest.approx(p.load_n, rel=0.005)
        assert [r.name for r in case.regions] == ["heel", "midfoot", "MTH 1", "MTH 2", "MTH 3", "MTH 4", "MTH 5",
                                                  "hallux", "toes"]
        assert case.peak_kpa == pytest.approx(max(r.peak_kpa for r in case.regions), abs=0.1)
    flat = {r.name: r.peak_kpa for r in p.flat.regions}
    for r in p.designed.regions:
        assert p.region_change_pct[r.name] == pytest.approx(100 * (r.peak_kpa / flat[r.name] - 1), abs=0.1)
    # the offloading insole (reliefs over 200 kPa, softest bands there) lowers the metatarsal heads' peaks
    assert all(p.region_change_pct[f"MTH {k}"] < 0 for k in (1, 2, 3))
    prediction = built.predictions["right"]
    assert prediction.designed.averaged_kpa.max() == pytest.approx(p.designed.peak_kpa, abs=0.05)


def test_the_prediction_is_the_same_every_time(built):
    again = build_profile(load_profile(EXAMPLE))
    assert again.record.sides[0].predicted == built.record.sides[0].predicted
    assert np.array_equal(again.predictions["right"].designed.pressure_kpa, built.predictions["right"].designed.pressure_kpa)


def _profile(tmp_path: Path, patient: str, zones: str = "") -> Path:
    text = EXAMPLE.read_text()
    text = re.sub(r"mass_kg = 80[^\n]*\n", patient, text)
    text = text.replace('scan = "scans/relief-right.stl"', f'scan = "{ROOT / "profiles" / "scans" / "relief-right.stl"}"')
    text = text.replace('file = "pressure/walk-right.asf"', f'file = "{ROOT / "profiles" / "pressure" / "walk-right.asf"}"')
    path = tmp_path / "p.toml"
    path.write_text(text + zones)
    return path


def test_without_a_mass_a_peak_map_carries_a_stated_default(tmp_path):
    """The map is each cell's peak over the step: its force is no moment's, so the build
    takes 70 kg and says so."""
    result = build_profile(load_profile(_profile(tmp_path, "")))
    p = result.record.sides[0].predicted
    assert p is not None and p.load_from == "70 kg, a default"
    assert any("no patient.mass_kg" in w and "give patient.mass_kg" in w for w in result.record.warnings)


def test_a_mass_out_of_range_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(_profile(tmp_path, "mass_kg = 5\n")), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "patient.mass_kg" in err[0] and "10" in err[0] and "300" in err[0], err
    assert not out.exists() or not any(out.rglob("*.stl"))


def test_no_map_or_another_pattern_predicts_nothing(tmp_path):
    """Without a barefoot map there is nothing to stand on; with an infill the firmness
    model does not know, no column stiffness: no prediction rather than a wrong one."""
    plain = build_profile(load_profile(ROOT / "profiles" / "lld-left-lift.toml"))
    assert all(s.predicted is None for s in plain.record.sides) and not plain.predictions
    grid = build_profile(load_profile(_profile(tmp_path, "mass_kg = 80\n", '\n[zones]\npattern = "grid"\n')))
    assert grid.record.sides[0].predicted is None


def test_build_json_and_the_report_show_it(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(EXAMPLE), "--out", str(out)]) == 0
    record = json.loads((out / "pressure-offload" / "build.json").read_text())
    predicted = record["sides"][0]["predicted"]
    assert predicted["load_from"] == "patient.mass_kg" and predicted["designed"]["regions"][0]["name"] == "heel"
    report = (out / "pressure-offload" / "report.html").read_text()
    assert "Predicted pressure, standing (an estimate, not a measurement)" in report
    assert 'alt="predicted pressure under the foot, on a flat insole and on the insole as built"' in report
    assert f"{predicted['designed']['peak_kpa']:.0f}</td>" in report


def test_a_reachable_target_is_met_and_says_what_changed(tmp_path, built):
    """A peak 3 kPa under the example's as prescribed (at the heel): the search meets it
    (here by filling the arch: the reliefs and the bands do not move the heel's peak),
    the part is built with it, and no warning is given."""
    before = built.record.sides[0].predicted.designed.peak_kpa
    target = round(before - 3.0, 1)
    result = build_profile(load_profile(_profile(tmp_path, "mass_kg = 80\n", f"target_peak_kpa = {target}\n")))
    (side,) = result.record.sides
    d = side.predicted.design
    assert d is not None and d.met and d.shortfall is None
    assert d.peak_before_kpa == before > target >= d.peak_kpa == side.predicted.designed.peak_kpa
    (change,) = d.changes
    assert change.key == "shape.arch_height_mm" and change.from_value == 2.0 < change.to_value <= 10.0
    assert result.profile.sides[0].arch_height_mm == pytest.approx(change.to_value, abs=0.01)
    assert side.parameters["arch_height_mm"] == pytest.approx(change.to_value, abs=0.01)
    assert not any("pressure target" in w for w in result.record.warnings)


@pytest.mark.slow
def test_an_unreachable_target_says_by_how_much_and_why(tmp_path):
    """A 40 % reduction below the flat insole: no lever reaches it; the build goes on
    with the best it found, and says how far short, where the peak is and what each
    lever did, in build.json and as a warning."""
    result = build_profile(load_profile(_profile(tmp_path, "mass_kg = 80\n", "target_reduction_pct = 40\n")))
    d = result.record.sides[0].predicted.design
    assert d is not None and not d.met
    assert d.shortfall is not None and d.shortfall.startswith("not reachable: the reduction is")
    assert "points short of the 40 % asked" in d.shortfall and "the peak is under the" in d.shortfall
    assert d.reduction_pct < 40
    assert any(w.startswith("right: pressure target not reachable") for w in result.record.warnings)
    again = build_profile(load_profile(_profile(tmp_path, "mass_kg = 80\n", "target_reduction_pct = 40\n")))
    assert again.record.sides[0].predicted.design == d  # deterministic: the same search, the same insole


def test_a_target_needs_the_gyroid_infill(tmp_path, capsys):
    path = _profile(tmp_path, "mass_kg = 80\n", 'target_peak_kpa = 150\n[zones]\npattern = "grid"\n')
    assert main(["build", str(path), "--out", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "pressure.target_peak_kpa" in line and 'zones.pattern = "gyroid"' in line


def test_the_levers_are_the_firmness_under_the_peak_and_respect_what_was_asked(built):
    """With the map's bands the softest band is a lever; with fixed zones, the zone under
    the region the peak is in (the heel's for the heel, the forefoot's for a head or the
    hallux), unless that zone was asked as a stiffness; the reliefs first, the arch last."""
    import dataclasses

    from insolegen.build.design import _Design, _levers
    from insolegen.profile.spec import ZoneTarget

    spec, zones = built.profile.sides[0], built.profile.zones
    graded = [lever.key for lever in _levers(_Design(spec, zones), "heel")]
    assert graded == ["pressure.relief_table (depths times)", "pressure.softest_pct", "shape.arch_height_mm"]
    fixed = dataclasses.replace(spec, pressure=dataclasses.replace(spec.pressure, graded_zones=False))
    assert [lv.key for lv in _levers(_Design(fixed, zones), "heel")][1] == "zones.heel"
    assert [lv.key for lv in _levers(_Design(fixed, zones), "MTH 2")][1] == "zones.forefoot"
    asked = dataclasses.replace(zones, targets=(ZoneTarget(zone="heel", kpa_per_mm=900.0),))
    assert "zones.heel" not in [lv.key for lv in _levers(_Design(fixed, asked), "heel")]
    lever = _levers(_Design(fixed, zones), "toes")[1]
    moved = lever.apply(_Design(fixed, zones), 9.0)
    assert moved.zones.toes_pct == 9.0 and moved.zones.heel_pct == zones.heel_pct and moved.spec == fixed


def test_a_real_barefoot_plate_step_predicts_on_a_built_insole(tmp_path):
    """The emed plate's real step (tests/data/real, the pressuRe project's example) at
    its standing-like picture, as a profile's map: the build predicts the pressure on
    it, carrying the body's half weight, with the map's own frame named."""
    path = tmp_path / "emed.toml"
    path.write_text(f'name = "emed"\nside = "right"\n[patient]\nmass_kg = 70\n[foot]\nsize = "EU 42"\n'
                    f'[pressure]\nfile = "{ROOT / "tests" / "data" / "real" / "emed-walk.lst"}"\nframe = 63\n')
    result = build_profile(load_profile(path))
    p = result.record.sides[0].predicted
    assert p is not None and result.record.sides[0].pressure.frame_used == "63"
    assert p.designed.force_n == pytest.approx(70 * STANDARD_GRAVITY / 2, rel=0.005)
    assert p.designed.contact_cm2 > 50 and {r.name for r in p.designed.regions} >= {"heel", "MTH 1", "hallux"}
