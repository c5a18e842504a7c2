"""Profile validation: one clear message per problem; clinical warnings and refusals."""

from __future__ import annotations

import pytest

from insolegen.profile import ProfileError, profile_from_dict

BASE = {"foot": {"size": "EU 42"}}


def problems(doc: dict) -> list[str]:
    with pytest.raises(ProfileError) as info:
        profile_from_dict(doc)
    return info.value.problems


def with_(**tables) -> dict:
    doc = {"foot": {"size": "EU 42"}}
    for table, values in tables.items():
        if isinstance(values, dict):
            doc[table] = {**doc.get(table, {}), **values}
        else:
            doc[table] = values
    return doc


@pytest.mark.parametrize(
    "doc, fragments",
    [
        (with_(foot={"size": "EU 42", "shoe": 1}), ["foot.shoe", "unknown key", "length_mm"]),
        (with_(colour="red"), ["colour", "unknown key"]),
        (with_(shape={"thickness_mm": "3"}), ["shape.thickness_mm", "'3'", "a number"]),
        (with_(shape={"thickness_mm": True}), ["shape.thickness_mm", "a number"]),
        (with_(shape={"arch_height_mm": 40}), ["shape.arch_height_mm", "40", "0 to 35 mm"]),
        (with_(shape={"thickness_mm": 0.5}), ["shape.thickness_mm", "0.5", "1.2 to 20 mm"]),
        (with_(shape={"rearfoot_post_deg": float("nan")}), ["shape.rearfoot_post_deg", "-15 to 15 degrees"]),
        (with_(shape={"length": "half"}), ["shape.length", "'half'", "'sulcus'"]),
        (with_(side="both-ish"), ["side", "'left'"]),
        (with_(foot={"size": "FR 42"}), ["foot.size", "'FR 42'", "EU 42"]),
        (with_(foot={"size": "US 9"}), ["foot.size", "US M 9"]),
        (with_(foot={"size": "EU 80"}), ["foot.size", "'EU 80'", "allowed is 120 to 350 mm"]),
        ({"foot": {}, "side": "left"}, ["no foot size", "foot.size", "foot.length_mm"]),
        (with_(side="right", lift={"side": "left", "heel_mm": 5}), ["lift.side", "'left'", "right side"]),
        (with_(lift={"side": "left"}), ["lift.heel_mm", "required"]),
        (with_(lift={"side": "left", "heel_mm": 5, "forefoot_mm": 6}), ["lift.forefoot_mm", "heel_mm"]),
        (with_(name="../evil"), ["name", "'../evil'", "file names"]),
        (with_(name="a/b"), ["name", "'a/b'"]),
        (with_(foot={"size": "EU 42", "heel_width_mm": 105}), ["heel_width_mm", "105", "narrower"]),
        (with_(foot={"size": "EU 42", "ball_width_mm": 150}), ["foot.ball_width_mm", "150", "allowed is"]),
        (with_(left={"arch_height_mm": 50}), ["left.arch_height_mm", "50", "0 to 35"]),
        (with_(left={"colour": 1}), ["left.colour", "unknown key", "arch_height_mm"]),
        (with_(shape=[1, 2]), ["shape", "a table"]),
    ],
)
def test_invalid_profiles_name_key_value_and_what_is_allowed(doc, fragments):
    found = problems(doc)
    assert len(found) == 1, found
    for fragment in fragments:
        assert fragment in found[0], (fragment, found[0])


def test_every_problem_is_reported():
    found = problems(with_(shape={"arch_height_mm": 40, "thickness_mm": "x", "length": "half"}, foot={"siz": 1}))
    assert len(found) == 4


def test_per_side_overrides():
    profile = profile_from_dict(with_(shape={"arch_height_mm": 15}, left={"arch_height_mm": 10, "length_mm": 262}))
    left, right = profile.sides
    assert (left.side, left.arch_height_mm, left.foot_length_mm) == ("left", 10, 262)
    assert (right.side, right.arch_height_mm, right.foot_length_mm) == ("right", 15, 265)


def test_defaults_follow_domain():
    spec = profile_from_dict(BASE).sides[0]
    assert spec.ball_width_mm == pytest.approx(0.38 * 265)
    assert spec.heel_width_mm == pytest.approx(0.27 * 265)
    assert (spec.heel_cup_depth_mm, spec.arch_height_mm, spec.arch_apex_pct, spec.thickness_mm) == (12, 15, 42, 3)
    womens = profile_from_dict({"foot": {"size": "US W 8"}}).sides[0]
    assert womens.heel_cup_depth_mm == 10
    assert profile_from_dict({"foot": {"size": "EU 42", "length_mm": 270}}).sides[0].foot_length_mm == 270


def warnings_of(doc: dict) -> str:
    return "\n".join(profile_from_dict(doc).warnings)


@pytest.mark.parametrize(
    "doc, fragment",
    [
        (with_(lift={"side": "left", "heel_mm": 11, "forefoot_mm": 5}), "outside of the shoe"),
        (with_(lift={"side": "left", "heel_mm": 7}), "slide forward"),
        (with_(lift={"side": "left", "heel_mm": 8, "measured_lld_mm": 10}), "80 %"),
        (with_(lift={"side": "left", "heel_mm": 6, "measured_lld_mm": 25}), "clinician"),
        (with_(lift={"side": "left", "heel_mm": 6, "forefoot_mm": 3}, shape={"heel_thickness_mm": 7}), "above 12 mm"),
        (with_(shape={"heel_cup_depth_mm": 20}), "deep shoes"),
        (with_(shape={"rearfoot_post_deg": 10}), "rearfoot_post_deg = 10"),
        (with_(shape={"forefoot_post_deg": -9}), "forefoot_post_deg = -9"),
        (with_(shape={"met_pad_height_mm": 8}), "met_pad_height_mm = 8"),
        (with_(shape={"arch_height_mm": 28}), "navicular"),
        (with_(shape={"arch_apex_pct": 53}), "arch_apex_pct = 53"),
    ],
)
def test_clinical_warnings(doc, fragment):
    assert fragment in warnings_of(doc)


def test_plain_profile_has_no_warnings():
    assert profile_from_dict(BASE).warnings == ()


def test_lift_refusals_and_their_overrides():
    over = with_(lift={"side": "left", "heel_mm": 12, "forefoot_mm": 6, "measured_lld_mm": 10})
    found = problems(over)
    assert any("allow_overcorrection" in p and "120 %" in p for p in found)
    over["lift"]["allow_overcorrection"] = True
    assert "allowed by lift.allow_overcorrection" in warnings_of(over)

    tall = with_(lift={"side": "left", "heel_mm": 10, "forefoot_mm": 5}, shape={"heel_thickness_mm": 6})
    assert any("allow_tall_heel" in p and "16 mm" in p for p in problems(tall))
    tall["lift"]["allow_tall_heel"] = True
    assert "allowed by lift.allow_tall_heel" in warnings_of(tall)
