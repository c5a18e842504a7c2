"""`insolegen calibrate` (issue 24): the modulus fitted from pressed coupons, on
measurements made from a known modulus by the model (exact and noisy), a coupon pressed
wrong named, the material file written once and used by a build, bad input refused in
one line."""

from __future__ import annotations

import itertools
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from insolegen.build.coupons import COUPON_MM, infill_coupon
from insolegen.build.pipeline import build_profile
from insolegen.exports.coupon_files import coupon_files
from insolegen.firmness.calibration import STANDARD_GRAVITY, Measurement, fit_modulus
from insolegen.profile import ProfileError, load_profile

DENSITIES = (10, 20, 30, 40, 50, 60)
AREA_MM2 = COUPON_MM[0] * COUPON_MM[1]


@pytest.fixture(scope="module")
def coupons(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("coupons")
    for name, data in coupon_files([infill_coupon(float(d)) for d in DENSITIES], None).items():
        (folder / name).write_bytes(data)
    return folder


def _listed(folder: Path) -> list[dict]:
    return json.loads((folder / "coupons.json").read_text())["coupons"]


def _sinks(folder: Path, modulus_mpa: float, load_kg: float) -> dict[str, float]:
    """How far each coupon sinks by the model for a material of ``modulus_mpa``: the
    pressure over the stiffness (kPa over kPa/mm)."""
    pressure_kpa = load_kg * STANDARD_GRAVITY / AREA_MM2 * 1000
    return {c["label"]: pressure_kpa / (c["predicted"]["kpa_per_mm_per_mpa"] * modulus_mpa) for c in _listed(folder)}


def _csv(path: Path, sinks: dict[str, float], load_kg: float = 20.0) -> Path:
    lines = ["coupon,height_mm,loaded_height_mm,load_kg"]
    lines += [f"{label},10.0,{10.0 - sink:.4f},{load_kg:g}" for label, sink in sinks.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _calibrate(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "insolegen", "calibrate", *map(str, args)], capture_output=True,
                          text=True)


def test_coupons_json_gives_each_coupons_predicted_stiffness(coupons):
    """The prediction scales with the modulus and rises with the density; the 5 kg sink
    is the 5 kg pressure over the stiffness."""
    listed = _listed(coupons)
    per_mpa = [c["predicted"]["kpa_per_mm_per_mpa"] for c in listed]
    assert all(b > a for a, b in itertools.pairwise(per_mpa))
    for c in listed:
        p = c["predicted"]
        assert p["kpa_per_mm"] == pytest.approx(p["kpa_per_mm_per_mpa"] * p["material_modulus_mpa"], abs=0.1)
        assert p["sink_mm_under_5_kg"] == pytest.approx(5 * STANDARD_GRAVITY / AREA_MM2 * 1000 / p["kpa_per_mm"],
                                                        abs=0.001)


def test_measurements_made_from_a_known_modulus_give_it_back(coupons, tmp_path):
    """31.7 MPa in, within 5 % out (the CSV keeps four decimals of a mm)."""
    out = tmp_path / "mine.toml"
    run = _calibrate(coupons, _csv(tmp_path / "m.csv", _sinks(coupons, 31.7, 20)), "--name", "Mine", "--out", out)
    assert run.returncode == 0, run.stderr
    written = out.read_text()
    modulus = float(written.split("modulus_mpa = ")[1].split("\n")[0])
    assert modulus == pytest.approx(31.7, rel=0.05)
    assert 'name = "Mine"' in written and "fitted: 31.7 MPa" in run.stdout


def test_noisy_measurements_state_an_uncertainty_that_holds_the_truth():
    """A caliper's +-0.02 mm on every reading: over 40 draws the stated 95 % interval
    holds the true modulus at least 85 % of the time, and is never zero."""
    rng = random.Random(24)
    factors = [12.5, 15.8, 19.6, 25.9, 30.6, 35.1]  # kPa/mm per MPa, as coupons.json gives them
    held = 0
    for _ in range(40):
        measured = []
        for k, f in enumerate(factors):
            sink = 20 * STANDARD_GRAVITY / AREA_MM2 * 1000 / (f * 20.0)
            h0 = 10.0 + rng.uniform(-0.02, 0.02)
            h1 = h0 - sink + rng.uniform(-0.02, 0.02)
            measured.append(Measurement(str(k), h0, h1, 20 * STANDARD_GRAVITY, AREA_MM2, f))
        fit = fit_modulus(measured)
        assert fit.uncertainty_pct > 0
        held += abs(math.log(fit.modulus_mpa / 20.0)) <= math.log(1 + fit.uncertainty_pct / 100)
    assert held >= 34


def test_a_coupon_pressed_wrong_is_named_and_left_out(coupons, tmp_path):
    sinks = _sinks(coupons, 25.0, 20)
    sinks["30%"] *= 2.0  # pressed on the tab, or the board tipped: it sank twice as far
    out = tmp_path / "mine.toml"
    run = _calibrate(coupons, _csv(tmp_path / "m.csv", sinks), "--name", "Mine", "--out", out)
    assert run.returncode == 0, run.stderr
    (named,) = [line for line in run.stdout.splitlines() if "left out" in line]
    assert named.strip().startswith("30%:") and "press it again" in named
    assert "from 5 of 6 coupons" in run.stdout
    assert float(out.read_text().split("modulus_mpa = ")[1].split("\n")[0]) == pytest.approx(25.0, rel=0.01)


def test_a_calibrated_material_is_what_the_build_uses(coupons, tmp_path):
    """Every zone's stiffness scales with the material's modulus: the calibrated
    material's over TPU 95A's 26 MPa, zone for zone."""
    _calibrate(coupons, _csv(tmp_path / "m.csv", _sinks(coupons, 13.0, 20)), "--name", "Soft", "--out",
               tmp_path / "soft.toml")
    profile = tmp_path / "p.toml"
    profile.write_text('name = "P"\nside = "left"\n[foot]\nsize = "EU 42"\n[print]\nlabel = false\n'
                       'material = "soft.toml"\n')
    soft = build_profile(load_profile(profile))
    profile.write_text(profile.read_text().replace('material = "soft.toml"', 'material = "TPU 95A"'))
    firm = build_profile(load_profile(profile))
    for z_soft, z_firm in zip(soft.record.sides[0].zones, firm.record.sides[0].zones):
        assert z_soft.stiffness is not None and z_firm.stiffness is not None
        assert z_soft.stiffness.material == "Soft"
        assert z_soft.stiffness.kpa_per_mm == pytest.approx(z_firm.stiffness.kpa_per_mm * 13.0 / 26.0, abs=0.2)


def test_a_material_file_that_cannot_be_used_is_refused_naming_it(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "Bad"\nmodulus_mpa = "soft"\n')
    profile = tmp_path / "p.toml"
    profile.write_text('name = "P"\n[foot]\nsize = "EU 42"\n[print]\nmaterial = "bad.toml"\n')
    with pytest.raises(ProfileError, match=r"print.material = 'bad.toml': modulus_mpa = 'soft'"):
        load_profile(profile)
    profile.write_text(profile.read_text().replace("bad.toml", "none.toml"))
    with pytest.raises(ProfileError, match="cannot read the material file"):
        load_profile(profile)


@pytest.mark.parametrize(("csv_text", "said"), [
    ("coupon,height_mm,loaded\n10%,10,9.5\n", "the header must name coupon, height_mm, loaded_height_mm"),
    ("coupon,height_mm,loaded_height_mm,load_kg\n15%,10,9.5,20\n", "line 2: coupon = '15%' is not one of"),
    ("coupon,height_mm,loaded_height_mm,load_kg\n10%,10,ten,20\n", "line 2: loaded_height_mm = 'ten' is not a number"),
    ("coupon,height_mm,loaded_height_mm,load_kg\n10%,10,10.2,20\n", "line 2: loaded_height_mm = 10.2 is not under"),
    ("coupon,height_mm,loaded_height_mm,load_kg\n10%,12.4,12.1,20\n", "measure the block, not the tab"),
    ("coupon,height_mm,loaded_height_mm,load_kg\n", "has no measurements"),
])
def test_bad_measurements_are_refused_in_one_line(coupons, tmp_path, csv_text, said):
    (tmp_path / "m.csv").write_text(csv_text)
    run = _calibrate(coupons, tmp_path / "m.csv", "--name", "X", "--out", tmp_path / "x.toml")
    assert run.returncode == 2 and said in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr and not (tmp_path / "x.toml").exists()


def test_a_material_file_is_never_overwritten_without_force_nor_anything_but_a_file(coupons, tmp_path):
    measurements = _csv(tmp_path / "m.csv", _sinks(coupons, 20.0, 20))
    out = tmp_path / "mine.toml"
    out.write_text("mine")
    run = _calibrate(coupons, measurements, "--name", "M", "--out", out)
    assert run.returncode == 2 and "--force" in run.stderr and out.read_text() == "mine"
    assert _calibrate(coupons, measurements, "--name", "M", "--out", out, "--force").returncode == 0
    assert "modulus_mpa" in out.read_text()
    (tmp_path / "folder.toml").mkdir()
    run = _calibrate(coupons, measurements, "--name", "M", "--out", tmp_path / "folder.toml", "--force")
    assert run.returncode == 2 and "only a regular file is ever replaced" in run.stderr
