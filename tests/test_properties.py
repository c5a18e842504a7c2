"""Property-based sweeps of the parameter space (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshtools import assert_solid
from sweeps import examples

from insolegen.build.figures import measure_side
from insolegen.build.side import build_side
from insolegen.checks.meshcheck import check_mesh
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.geometry.measure import top_heights
from insolegen.profile import ProfileError, profile_from_dict
from insolegen.profile.schema import RANGES, ProfileDoc


@st.composite
def valid_profiles(draw):
    length = draw(st.floats(200, 330))
    foot = {"length_mm": length}
    if draw(st.booleans()):
        foot["ball_width_mm"] = draw(st.floats(0.33, 0.43)) * length
        foot["heel_width_mm"] = draw(st.floats(0.22, 0.30)) * length
    thickness = draw(st.floats(1.2, 8))
    heel_thickness = draw(st.floats(1.2, 8))
    shape = {
        "length": draw(st.sampled_from(["full", "sulcus", "three-quarter"])),
        "thickness_mm": thickness,
        "heel_thickness_mm": heel_thickness,
        "heel_cup_depth_mm": draw(st.floats(0, 25)),
        "arch_height_mm": draw(st.floats(0, 30)),
        "arch_apex_pct": draw(st.floats(35, 55)),
        "met_pad_height_mm": draw(st.floats(0, 10)),
        "rearfoot_post_deg": draw(st.floats(-12, 12)),
        "forefoot_post_deg": draw(st.floats(-12, 12)),
    }
    if shape["length"] == "three-quarter":
        shape["met_pad_height_mm"] = 0.0  # it would end on the cut edge: refused (test_clinical_shapes.py)
    doc = {"side": "right", "foot": foot, "shape": shape}
    if draw(st.booleans()):
        heel = draw(st.floats(0, max(0.0, min(15 - heel_thickness, 12))))
        doc["lift"] = {"side": "right", "heel_mm": heel, "forefoot_mm": draw(st.floats(0, heel))}
    return doc


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_profiles())
def test_every_valid_profile_gives_a_valid_solid_with_the_asked_heights(doc):
    spec = profile_from_dict(doc).sides[0]
    part = build_side(spec)
    assert_solid(part.mesh.vertices, part.mesh.faces)
    report = check_mesh(part.mesh.vertices, part.mesh.faces)
    assert report.ok, report.problems
    figures = measure_side(part, report)
    for name, h in figures.heights.items():
        assert h.measured_mm == pytest.approx(h.expected_mm, abs=0.1), name
    # hand-derived: heel centre = heel base + lift + rearfoot post about the lateral edge
    lateral = min(part.outline.lateral_y[part.outline.edge_x <= 0.34 * spec.foot_length_mm])
    medial = max(part.outline.medial_y[part.outline.edge_x <= 0.34 * spec.foot_length_mm])
    post = spec.rearfoot_post_deg
    tilt = math.tan(math.radians(abs(post))) * ((0 - lateral) if post > 0 else (medial - 0))
    heel = figures.heights["heel_centre"].measured_mm
    assert heel == pytest.approx(spec.heel_thickness_mm + spec.lift_heel_mm + tilt, abs=0.1)
    if spec.length != "three-quarter" and spec.forefoot_post_deg == 0:
        assert figures.heights["metatarsal_heads"].measured_mm == pytest.approx(
            spec.thickness_mm + spec.lift_forefoot_mm, abs=0.1
        )
    if spec.heel_cup_depth_mm == 0 and spec.rearfoot_post_deg == 0 and spec.forefoot_post_deg == 0:
        x, y = part.surface.arch_apex()
        base = part.surface.base_mm(x, y) + part.surface.lift_mm(x, y) + part.surface.met_pad_mm(x, y)
        (z,) = top_heights(part.mesh.vertices, part.mesh.faces, [[x, y]])
        assert z == pytest.approx(base + spec.arch_height_mm, abs=0.1)
    # a shortened device's front edge is skived to the printable minimum (issue 28)
    least = min(spec.thickness_mm, spec.heel_thickness_mm) if spec.length == "full" else PRINTABLE_MIN_MM
    assert report.thinnest_mm >= least - 1e-6


NUMERIC = sorted(k for k in RANGES if k not in {"length_mm", "ball_width_mm", "heel_width_mm"})


CUSTOM_ZONE = {"name": "spot", "polygon": [[150, -10], [170, -10], [170, 10], [150, 10]]}


def _document(key: str, value: object) -> tuple[dict, str]:
    """A profile with ``key = value`` in its own table, and the key as problems name it."""
    if key == "infill_pct":  # a custom zone's: [[zones.custom]]
        return {"zones": {"custom": [{**CUSTOM_ZONE, key: value}]}}, "zones.custom[0].infill_pct"
    table = _home(key)
    return {table: {key: value}}, f"{table}.{key}"


def _home(key: str) -> str:
    """The table a range key is written in (issue 22: the sweep put every key under
    [shape], so most were refused as unknown keys and never reached their range)."""
    for table, field in ProfileDoc.model_fields.items():
        model = next((a for a in (field.annotation, *getattr(field.annotation, "__args__", ()))
                      if hasattr(a, "model_fields")), None)
        if model is not None and table not in ("left", "right") and key in model.model_fields:
            return table
    raise AssertionError(f"{key} is in no table")


def test_every_range_key_has_a_home_table():
    homes = {k: _home(k) for k in NUMERIC if k != "infill_pct"}
    assert homes["arch_height_mm"] == "shape" and homes["met_bar_mm"] == "modifications"
    assert homes["heel_mm"] == "lift" and len(set(homes.values())) >= 4


@settings(max_examples=examples(60), deadline=None)
@given(
    key=st.sampled_from(NUMERIC),
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=5),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
    ),
)
def test_every_invalid_value_is_a_clean_error_naming_the_key(key, value):
    lo, hi, _ = RANGES[key]
    if isinstance(value, float) and not isinstance(value, bool) and math.isfinite(value) and lo <= value <= hi:
        return  # a valid value
    doc, where = _document(key, value)
    with pytest.raises(ProfileError) as info:
        profile_from_dict({"foot": {"size": "EU 42"}, **doc})
    named = [p for p in info.value.problems if p.key == where or p.key.startswith(f"{where}[")]
    assert named, info.value.problems
    # it reached the key's own check (range or type), with the value as given
    assert all("unknown key" not in p for p in named)
    if not isinstance(value, list):
        assert any(p.value == value or (value != value and p.value != p.value) for p in named)
