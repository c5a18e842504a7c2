"""[shoe] (issue 9): the underside following the shoe's footbed (measured on the mesh:
the heel pitch at the heel centre within 0.2 mm), the heel-counter check, the label cut
into a curved underside, and what the 3MF files and the report say about printing."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshtools import assert_solid

from insolegen.build.pipeline import build_profile
from insolegen.cli import main
from insolegen.geometry.label import LABEL_DEPTH_MM
from insolegen.geometry.measure import bottom_heights, top_heights
from insolegen.profile import profile_from_dict
from insolegen.profile.problems import ProfileError

SHOE = {"heel_pitch_mm": 12, "toe_spring_mm": 8, "bottom": "shoe"}


def build(shoe: dict, label: bool = True, **extra):
    return build_profile(profile_from_dict({"name": "s", "foot": {"size": "EU 42"}, "shoe": shoe,
                                            "print": {"label": label}, **extra}))


@pytest.fixture(scope="module")
def shod():
    return build(SHOE)


def test_the_underside_follows_the_footbed_heel_pitch_ball_and_toe(shod):
    for side, part in zip(shod.record.sides, shod.parts):
        assert_solid(part.mesh.vertices, part.mesh.faces)
        figures = {f.name: f for f in side.underside}
        # by hand: the heel pitch at the heel centre, nothing at the ball
        assert figures["heel_centre"].asked_mm == 12 and figures["heel_centre"].measured_mm == pytest.approx(12, abs=0.2)
        assert figures["ball"].asked_mm == 0 and figures["ball"].measured_mm == pytest.approx(0, abs=0.2)
        # the toe spring is 8 mm at the foot's tip (265 mm) and rises as a parabola from
        # the ball: 4 mm short of the insole's end
        lm = part.outline.landmarks
        x = figures["toe"].x_mm
        by_hand = 8 * ((x - lm.mth_mid[0]) / (265 - lm.mth_mid[0])) ** 2
        assert figures["toe"].asked_mm == pytest.approx(by_hand, abs=1e-3)
        assert figures["toe"].measured_mm == pytest.approx(by_hand, abs=0.2)
        # the part rests on its ball: the lowest point is on the bed there
        assert part.mesh.vertices[:, 2].min() == pytest.approx(0.0, abs=1e-6)
        # the insole keeps its thickness: 3 mm over the heel seat above the underside
        mirror = -1.0 if side.side == "left" else 1.0
        at = np.array([lm.heel_centre]) * [1.0, mirror]
        assert (top_heights(part.mesh.vertices, part.mesh.faces, at)
                - bottom_heights(part.mesh.vertices, part.mesh.faces, at))[0] == pytest.approx(3.0, abs=0.05)
        assert side.heights["heel_centre"].measured_mm == pytest.approx(3.0, abs=0.05)
        assert side.outline.length_mm == pytest.approx(265, abs=1)
    left, right = shod.record.sides
    assert [f.measured_mm for f in left.underside] == pytest.approx([f.measured_mm for f in right.underside], abs=0.02)


def test_the_underside_is_the_footbed_everywhere_off_the_label(shod):
    part = shod.parts[1]
    inner = part.outline.polygon.buffer(-6).difference(part.label.outline.buffer(2))
    xs, ys = np.meshgrid(np.arange(0, 270, 5.0), np.arange(-60, 60, 5.0))
    keep = shapely.contains_xy(inner, xs.ravel(), ys.ravel())
    xy = np.column_stack([xs.ravel()[keep], ys.ravel()[keep]])
    under = bottom_heights(part.mesh.vertices, part.mesh.faces, xy)
    assert len(xy) > 300
    assert np.nanmax(np.abs(under - part.surface.footbed_mm(xy[:, 0]))) < 0.2
    # the footbed is level across the foot: the same x gives the same underside
    assert np.nanmax(np.abs(np.diff(part.surface.footbed_mm(np.full(5, 100.0))))) == 0


def test_the_label_is_cut_as_deep_into_a_curved_underside(shod):
    for part in shod.parts:
        assert part.label is not None
        glyph = part.label.outline.buffer(-0.3)
        points = shapely.get_coordinates(shapely.get_parts(glyph)[0].representative_point())
        floor = bottom_heights(part.mesh.vertices, part.mesh.faces, points)
        assert (floor - part.surface.footbed_mm(points[:, 0]))[0] == pytest.approx(LABEL_DEPTH_MM, abs=0.05)


def test_a_flat_bottom_stays_flat_whatever_the_shoe():
    result = build({"heel_pitch_mm": 20, "toe_spring_mm": 10, "bottom": "flat"})
    for side, part in zip(result.record.sides, result.parts):
        assert side.underside == ()
        lowest = part.mesh.vertices[:, 2].min()
        assert lowest == 0.0
        assert side.heights["heel_centre"].measured_mm == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize("depth, lift, warns, left", [(35, 6, True, 14), (45, 6, False, 24), (30, None, False, 15),
                                                      (29, None, True, 14)])
def test_the_heel_counter_warning_adds_base_lift_and_cup_by_hand(depth, lift, warns, left):
    # base 3 (default) + cup 12 (EU 42, men's) + the lift: 35 - (3 + 6 + 12) = 14 left
    doc = {"name": "s", "side": "left", "foot": {"size": "EU 42"}, "shoe": {"heel_depth_mm": depth}}
    if lift:
        doc["lift"] = {"side": "left", "heel_mm": lift}
    text = "\n".join(profile_from_dict(doc).warnings)
    assert ("heel counter" in text) == warns
    if warns:
        assert f"shoe.heel_depth_mm = {depth}" in text and f"leaves {left} mm of heel counter" in text


def test_bad_shoe_values_are_refused_naming_the_key(tmp_path, capsys):
    for shoe, says in (({"heel_pitch_mm": 50}, "shoe.heel_pitch_mm = 50"), ({"bottom": "curvy"}, "shoe.bottom"),
                       ({"toe_spring_mm": -1}, "shoe.toe_spring_mm = -1"), ({"heels": 3}, "shoe.heels")):
        with pytest.raises(ProfileError) as caught:
            profile_from_dict({"foot": {"size": "EU 42"}, "shoe": shoe})
        assert says in "\n".join(caught.value.problems)
    profile = tmp_path / "p.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n[shoe]\nheel_pitch_mm = 41\n')
    assert main(["build", str(profile), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "shoe.heel_pitch_mm = 41" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "p").exists()


def test_the_files_say_how_to_print_a_shoe_bottom(tmp_path):
    profile = tmp_path / "shoe.toml"
    profile.write_text('name = "shoe"\n[foot]\nsize = "EU 40"\n[shoe]\nheel_pitch_mm = 10\ntoe_spring_mm = 6\n'
                       'heel_depth_mm = 40\nbottom = "shoe"\n')
    assert main(["build", str(profile), "--out", str(tmp_path)]) == 0
    folder = tmp_path / "shoe"
    prusa = zipfile.ZipFile(folder / "shoe-left.3mf").read("Metadata/Slic3r_PE_model.config").decode()
    orca = zipfile.ZipFile(folder / "shoe-left.orca.3mf").read("Metadata/model_settings.config").decode()
    assert 'key="support_material" value="1"' in prusa and 'key="enable_support" value="1"' in orca
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "rises 10 mm at the heel and 6 mm at the toe above the ball, 40 mm inside the heel counter" in report
    assert "print it with supports" in report
    record = json.loads((folder / "build.json").read_text())
    assert record["shoe"] == {"heel_pitch_mm": 10, "toe_spring_mm": 6, "heel_depth_mm": 40, "bottom": "shoe"}
    assert {f["name"] for f in record["sides"][0]["underside"]} == {"heel_centre", "ball", "toe"}
    for name in ("shoe-left.stl", "shoe-left.3mf", "shoe-right.orca.3mf"):
        assert main(["check", str(folder / name)]) == 0
    # a flat insole's 3MF keeps supports off
    flat = tmp_path / "flat.toml"
    flat.write_text('name = "flat"\n[foot]\nsize = "EU 40"\n[shoe]\nheel_pitch_mm = 10\n')
    assert main(["build", str(flat), "--out", str(tmp_path), "--no-preview"]) == 0
    prusa = zipfile.ZipFile(tmp_path / "flat" / "flat-left.3mf").read("Metadata/Slic3r_PE_model.config").decode()
    assert 'key="support_material" value="0"' in prusa


SHOES = {"pitch": st.floats(0, 40).map(lambda v: round(v, 1)), "toe": st.floats(0, 25).map(lambda v: round(v, 1)),
         "lift": st.sampled_from([None, 4.0, 9.0]), "cover": st.sampled_from([0.0, 1.0]),
         "skive": st.sampled_from([0.0, 3.0])}


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**SHOES)
def test_any_shoe_gives_a_valid_solid_with_its_underside_measured(pitch, toe, lift, cover, skive):
    _any_shoe(pitch, toe, lift, cover, skive)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**SHOES)
def test_many_shoes_give_valid_solids_with_their_undersides_measured(pitch, toe, lift, cover, skive):
    _any_shoe(pitch, toe, lift, cover, skive)


def _any_shoe(pitch, toe, lift, cover, skive):
    extra = {"modifications": {"top_cover_mm": cover, "medial_heel_skive_mm": skive},
             "shape": {"heel_cup_depth_mm": 16}}
    if lift:
        extra["lift"] = {"side": "right", "heel_mm": lift}
    # labelled one time in two: the cut into a curved underside is swept too
    result = build({"heel_pitch_mm": pitch, "toe_spring_mm": toe, "bottom": "shoe"}, label=bool(skive), **extra)
    for side, part in zip(result.record.sides, result.parts):
        assert_solid(part.mesh.vertices, part.mesh.faces)
        for zone in part.zones:
            assert_solid(zone.mesh.vertices, zone.mesh.faces)
        if pitch or toe:
            for figure in side.underside:
                assert figure.measured_mm == pytest.approx(figure.asked_mm, abs=0.2), figure
        for figure in side.modifications:
            assert figure.measured_mm == pytest.approx(figure.asked_mm, abs=0.1), figure
        assert side.heights["heel_centre"].measured_mm == pytest.approx(
            side.heights["heel_centre"].expected_mm, abs=0.1)


def test_a_high_heel_and_a_shoe_bottom_with_nothing_to_follow_warn():
    high = "\n".join(profile_from_dict({"foot": {"size": "EU 38"}, "shoe": {"heel_pitch_mm": 39}}).warnings)
    assert "shoe.heel_pitch_mm = 39: heels over 38 mm (1.5 in)" in high
    assert "heels over" not in "\n".join(profile_from_dict({"foot": {"size": "EU 38"},
                                                            "shoe": {"heel_pitch_mm": 38}}).warnings)
    flat = "\n".join(profile_from_dict({"foot": {"size": "EU 38"}, "shoe": {"bottom": "shoe"}}).warnings)
    assert 'shoe.bottom = "shoe" with no heel pitch or toe spring: the underside is flat' in flat


def test_the_preview_draws_the_underside_and_names_heights_above_it(shod):
    from insolegen.exports.preview import draw_preview

    texts = draw_preview(shod).canvas.texts()
    assert sum("underside (the shoe's footbed)" in t for t in texts) == 2  # each side's view
    # the heel centre is named 3.0 mm (above the underside), not 15.0 (above the bed)
    assert any(t.startswith("heel centre") and t.endswith("3.0 mm") for t in texts)
    assert not any(t.startswith("heel centre") and t.endswith("15.0 mm") for t in texts)
