"""Issue 28: the built shapes against the clinical sources (docs/clinical.md), each built
through the CLI and measured on its STL where the modification or rule acts, relative to
its neighbours, not only at its own landmark (helpers: clinicalshapes.py)."""

from __future__ import annotations

import numpy as np
import pytest
from clinicalshapes import ROOT, across_point, cli_build, edges_mm, foot_length_mm, on_mth_line, refusal, top_mm
from sweeps import cases

EU42 = {"foot": {"size": "EU 42"}, "side": "right", "print": {"label": False}}
HEEL_CENTRE, ARCH_APEX = 0.16, 0.42  # of foot length (docs/clinical.md)


def _medial_border(mesh, fl: float, apex: float = ARCH_APEX, count: int = 40):
    """Top heights along the medial border (90 % across from the lateral edge) from the
    heel centre to the arch apex."""
    xs = np.linspace(HEEL_CENTRE * fl, apex * fl, count)
    return top_mm(mesh, [across_point(mesh, x, 0.9) for x in xs])


@pytest.mark.parametrize("example", cases(["lld-left-lift", "orthotic-pair", "plain-eu42", "dress-shoe"], 2))
def test_the_medial_border_runs_on_from_the_cup_into_the_arch_in_every_example(tmp_path, example):
    """The trough the review found (rim -> lowest -> apex: lld-left-lift left 21.0 -> 14.9
    -> 18.3, orthotic-pair right 23.8 -> 14.7 -> 23.5) is gone: nowhere between the heel
    centre and the apex does the border fall below the lower of its two ends by more
    than the base's own fall from heel to forefoot and half a millimetre of easing."""
    parts, record = cli_build(tmp_path, example)
    for side, mesh in parts.items():
        spec = next(s for s in record["sides"] if s["side"] == side)["parameters"]
        fl = foot_length_mm(mesh) if spec["length"] == "full" else spec["foot_length_mm"]
        apex = spec["arch_apex_pct"] / 100
        border = _medial_border(mesh, fl, apex)
        fall = (spec["heel_thickness_mm"] - spec["thickness_mm"]) + (spec["lift_heel_mm"] - spec["lift_forefoot_mm"])
        lowest = float(np.nanmin(border))
        assert lowest >= min(border[0], border[-1]) - 0.6 - max(fall, 0.0), (side, border.round(1))
        # The wall's top, 3 mm inside the medial edge, from the back of the cup (0.03 FL)
        # to the apex. (At 90 % across the line runs down the cup's own wall from the
        # back to the heel centre, where it lies 6-7 mm in from the edge: the cup's shape.)
        xs = np.linspace(0.03 * fl, apex * fl, 50)
        rim = top_mm(mesh, [(x, edges_mm(mesh, x)[1] - 3.0) for x in xs])
        assert float(np.nanmin(rim)) >= min(rim[0], rim[-1]) - 0.6 - max(fall, 0.0), (side, rim.round(1))


def test_the_medial_wall_holds_with_a_post_and_a_skive_and_a_prescription_can_lower_it(tmp_path):
    """A 4 degree varus post and a 4 mm medial skive raise the heel's medial side; the
    border carries that on into the arch. medial_border_dip_mm = 5 lowers its middle by
    about 5 mm (4 b (1 - b) at the blend's middle, b = 0.5), and no more at the ends."""
    shape = {"heel_cup_depth_mm": 16, "arch_height_mm": 15, "rearfoot_post_deg": 4}
    parts, _ = cli_build(tmp_path / "a", {**EU42, "shape": shape, "modifications": {"medial_heel_skive_mm": 4}})
    mesh = parts["right"]
    fl = foot_length_mm(mesh)
    border = _medial_border(mesh, fl)
    assert border[0] > 20  # 3 base + 16 cup (on a distance from the edge) + post + skive
    assert np.nanmin(border) >= min(border[0], border[-1]) - 0.6, border.round(1)
    dipped, _ = cli_build(tmp_path / "b", {**EU42, "shape": {**shape, "medial_border_dip_mm": 5},
                                            "modifications": {"medial_heel_skive_mm": 4}})
    lowered = _medial_border(dipped["right"], fl)
    middle = np.argmin(np.abs(np.linspace(HEEL_CENTRE, ARCH_APEX, len(border)) - (HEEL_CENTRE + ARCH_APEX) / 2))
    assert border[middle] - lowered[middle] == pytest.approx(5.0, abs=0.6)
    assert abs(border[0] - lowered[0]) < 0.05 and abs(border[-1] - lowered[-1]) < 0.05


def test_a_three_quarter_insole_ends_behind_the_heads_on_a_tapered_edge(tmp_path):
    """Three-quarter length ends 10-15 mm behind the metatarsal heads (one lab: 12 mm
    behind MTH1, 10 behind MTH5) and its front edge is skived: an 8/4 mm lift on it falls
    to the printable minimum at the edge, never by more than 1 mm over any 1 mm, and the
    build warns that the forefoot lift ends there."""
    doc = {**EU42, "shape": {"length": "three-quarter"}, "lift": {"side": "right", "heel_mm": 8, "forefoot_mm": 4}}
    parts, record = cli_build(tmp_path, doc)
    mesh = parts["right"]
    fl = 265.0  # EU 42
    front = float(mesh.bounds[1][0])
    assert 0.74 * fl - 15 <= front <= 0.74 * fl - 9
    y_mid = float(np.mean(edges_mm(mesh, front - 30.0)))
    xs = np.arange(front - 30.0, front, 0.5)
    tops = top_mm(mesh, np.column_stack([xs, np.full(len(xs), y_mid)]))
    tops = tops[~np.isnan(tops)]
    assert tops[0] > 3 + 4 - 0.3  # base + forefoot lift, before the taper
    assert tops[-1] < 1.2 + 0.3  # the printable minimum at the edge
    assert np.max(-np.diff(tops)) < 0.5  # at most 1 mm of fall per mm (0.5 mm steps)
    assert any("lift.forefoot_mm = 4 on a three-quarter insole" in w for w in record["warnings"])


@pytest.mark.parametrize("key", ["met_pad_height_mm", "met_bar_mm"])
def test_a_pad_that_would_end_on_a_three_quarter_edge_is_refused(tmp_path, capsys, key):
    """The review's case: EU W 39, three-quarter, a 4 mm met pad built a 7 mm top that fell
    to the base 4 mm before the end. A pad must sit wholly on the device."""
    doc = {"foot": {"size": "EU W 39"}, "side": "right", "shape": {"length": "three-quarter"}}
    if key == "met_pad_height_mm":
        doc["shape"]["met_pad_height_mm"] = 4
    else:
        doc["modifications"] = {key: 3}
    code, err = refusal(tmp_path, doc, capsys)
    assert code == 2
    assert "three-quarter insole ends about 11 mm behind them" in err and "Traceback" not in err


def test_a_full_length_lift_example_runs_to_the_toes(tmp_path):
    """profiles/full-length-lift.toml: the 3 mm forefoot lift runs on under the toes (a
    full-length insole), so the toes sit on it and not behind a step; no warning."""
    parts, record = cli_build(tmp_path, "full-length-lift")
    right, left = parts["right"], parts["left"]
    fl = foot_length_mm(right)
    toes = [across_point(right, 0.90 * fl, 0.6)]
    assert top_mm(right, toes)[0] - top_mm(left, toes)[0] == pytest.approx(3.0, abs=0.1)
    assert record["warnings"] == []


def _heads(mesh, fl):
    return {i + 1: on_mth_line(mesh, fl, a) for i, a in enumerate((0.13, 0.31, 0.49, 0.67, 0.85))}


def test_mortons_extension_lies_under_the_first_ray_only(tmp_path):
    """A 3 mm Morton's extension: +3 under MTH1 and the hallux, nothing under MTH2 or the
    2nd toe (the review: +2.36 mm under MTH2, 78 % of it). A 4 mm reverse Morton's: 0
    under MTH1, +4 under MTH2-5, no step between the lesser heads."""
    plain, _ = cli_build(tmp_path / "plain", EU42)
    mortons, _ = cli_build(tmp_path / "m", {**EU42, "modifications": {"mortons_extension_mm": 3}})
    reverse, _ = cli_build(tmp_path / "r", {**EU42, "modifications": {"reverse_mortons_mm": 4}})
    base = plain["right"]
    fl = foot_length_mm(base)
    heads = _heads(base, fl)
    hallux, second_toe = on_mth_line(base, fl, 0.12, 25.0), on_mth_line(base, fl, 0.34, 25.0)
    points = [heads[i] for i in range(1, 6)] + [hallux, second_toe]
    flat = top_mm(base, points)
    m = top_mm(mortons["right"], points) - flat
    r = top_mm(reverse["right"], points) - flat
    assert m[0] == pytest.approx(3.0, abs=0.1) and m[5] == pytest.approx(3.0, abs=0.1)
    assert abs(m[1]) < 0.1 and abs(m[6]) < 0.1 and np.all(np.abs(m[2:5]) < 0.1)
    assert abs(r[0]) < 0.1 and abs(r[5]) < 0.1
    assert np.allclose(r[1:5], 4.0, atol=0.1)


def test_the_example_prescription_relieves_mth2_and_3_alike(tmp_path):
    """orthosis-modifications: reliefs of 1.5 mm under MTH2 and MTH3 beside a Morton's
    extension: the two heads stand level with each other and 1.5 mm below MTH4 (the
    review: MTH2 ended 2.3 mm above MTH3, lifted by the extension)."""
    parts, record = cli_build(tmp_path, "orthosis-modifications")
    for side, mesh in parts.items():
        fl = next(s for s in record["sides"] if s["side"] == side)["parameters"]["foot_length_mm"]
        tops = top_mm(mesh, [on_mth_line(mesh, fl, a) for a in (0.13, 0.31, 0.49, 0.67)])
        assert abs(tops[1] - tops[2]) < 0.3, (side, tops.round(2))
        assert tops[3] - tops[1] == pytest.approx(1.5, abs=0.35), (side, tops.round(2))
        # build.json says the same: each relieved head against the nearest heads not relieved
        # (MTH1 under the 3 mm extension, MTH4 on the base): -1.5 - (3 + 0) / 2 = -3.0
        figures = {m["key"]: m for m in next(s for s in record["sides"] if s["side"] == side)["modifications"]}
        for key in ("mth_relief_mm[2]", "mth_relief_mm[3]"):
            assert figures[key]["beside_neighbours_mm"] == pytest.approx(-3.0, abs=0.1), figures[key]


def test_the_cuboid_pad_and_lateral_clip_stay_off_the_fifth_metatarsal_base(tmp_path):
    """The 5th metatarsal's base (styloid) lies at about 0.37-0.40 FL; the cuboid just
    behind it. A 3 mm cuboid pad rises 3 mm at 0.32 FL and nothing at 0.385; a 6 mm lateral
    clip stands full at 0.25 FL and is gone at 0.385 FL."""
    plain, _ = cli_build(tmp_path / "plain", EU42)
    pad, _ = cli_build(tmp_path / "pad", {**EU42, "modifications": {"cuboid_pad_mm": 3}})
    clip, _ = cli_build(tmp_path / "clip", {**EU42, "modifications": {"lateral_clip_mm": 6}})
    base = plain["right"]
    fl = foot_length_mm(base)
    cuboid = across_point(base, 0.32 * fl, 1 - 0.78)
    styloid = [across_point(base, 0.385 * fl, s) for s in (0.03, 0.1, 0.2, 0.3)]
    assert (top_mm(pad["right"], [cuboid]) - top_mm(base, [cuboid]))[0] == pytest.approx(3.0, abs=0.1)
    assert np.all(np.abs(top_mm(pad["right"], styloid) - top_mm(base, styloid)) < 0.05)
    assert np.all(np.abs(top_mm(clip["right"], styloid) - top_mm(base, styloid)) < 0.05)
    wall = [(0.25 * fl, edges_mm(base, 0.25 * fl)[0] + 1.0)]
    assert (top_mm(clip["right"], wall) - top_mm(base, wall))[0] == pytest.approx(6.0, abs=0.15)


def test_a_top_cover_is_added_on_top_and_leaves_the_cushion_under_it(tmp_path):
    """The review: a 1.2 mm cover on a 2.5 mm heel left 1.3 mm of cushion (carved out of
    the device, printed solid). Now the cover lies on top: the part is 1.2 mm taller
    everywhere, the cushion under it is the same, and a thick dense cover is warned about."""
    shape = {"heel_thickness_mm": 2.5, "thickness_mm": 2.5}
    plain, _ = cli_build(tmp_path / "plain", {**EU42, "shape": shape})
    covered, record = cli_build(tmp_path / "cover", {**EU42, "shape": shape, "modifications": {"top_cover_mm": 1.2}})
    base, mesh = plain["right"], covered["right"]
    fl = foot_length_mm(base)
    points = [across_point(base, f * fl, s) for f in (0.16, 0.42, 0.7, 0.9) for s in (0.3, 0.5, 0.7)]
    assert np.allclose(top_mm(mesh, points) - top_mm(base, points), 1.2, atol=0.05)
    assert not record["warnings"]
    zone = next(z for z in record["sides"][0]["zones"] if z["name"] == "top_cover")
    assert zone["infill_pct"] == 100
    _, thick = cli_build(tmp_path / "thick", {**EU42, "modifications": {"top_cover_mm": 4}})
    assert any("top_cover_mm = 4 at zones.top_cover = 100 %" in w and "not a cushion" in w for w in thick["warnings"])
    _, soft = cli_build(tmp_path / "soft", {**EU42, "modifications": {"top_cover_mm": 4}, "zones": {"top_cover": 15}})
    assert not any("top_cover" in w for w in soft["warnings"])


def test_a_scanned_foot_rises_at_most_4_mm_round_the_forefoot_and_toes(tmp_path):
    """scan-relief-pair: the review measured 9-12 mm walls in the outer 4 mm at the ball,
    12.6 mm along the big toe and 8-10 mm round the toe tip, where a shoe has room for a
    few millimetres. Ahead of the midfoot the scanned sole now rises at most 4 mm (and
    half a millimetre of easing) above its level under the metatarsal heads."""
    parts, record = cli_build(tmp_path, "scan-relief-pair")
    for side, mesh in parts.items():
        fl = next(s for s in record["sides"] if s["side"] == side)["parameters"]["foot_length_mm"]
        x0 = float(mesh.bounds[0][0])
        ball = top_mm(mesh, [on_mth_line(mesh, fl, 0.5)])[0]
        rises = []
        for share in (0.66, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95):
            x = x0 + share * fl
            lat, med = edges_mm(mesh, x)
            rises.extend(top_mm(mesh, [(x, lat + 1.5), (x, lat + 3.5), (x, med - 3.5), (x, med - 1.5)]) - ball)
        tip_x = float(mesh.bounds[1][0]) - 2.0
        rises.append(top_mm(mesh, [(tip_x, float(np.mean(edges_mm(mesh, tip_x))))])[0] - ball)
        assert np.nanmax(rises) <= 4.0 + 0.55, (side, np.round(rises, 1))
        assert np.nanmax(rises) > 3.0  # the scan's shape is kept below the limit


def test_a_child_gets_a_cup_and_arch_in_proportion_to_the_foot(tmp_path, capsys):
    """`insolegen new --size "EU 30"` kept an adult's 15 mm arch and 12 mm cup. A 185 mm
    foot (EU 30: last 200 mm, less 15) is a child's: 12 x 185 / 230 = 9.65 -> 9.7 mm of cup
    and 15 x 185 / 230 = 12.07 -> 12.1 mm of arch, written into the starter profile and
    built; left to the defaults, the same; an adult's EU 42 keeps 12 and 15."""
    from insolegen.cli import main

    path = tmp_path / "kid.toml"
    assert main(["new", "--size", "EU 30", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert "heel_cup_depth_mm = 9.7 " in text and "arch_height_mm = 12.1 " in text
    import tomllib
    doc = tomllib.loads(text)
    doc["print"] = {"label": False}
    for shape in (doc["shape"], {k: v for k, v in doc["shape"].items() if k not in ("heel_cup_depth_mm", "arch_height_mm")}):
        parts, record = cli_build(tmp_path / str(len(shape)), {**{k: v for k, v in doc.items() if k != "name"},
                                                             "shape": shape})
        mesh = parts["right"]
        fl = foot_length_mm(mesh)
        assert fl == pytest.approx(185.0, abs=0.1)
        heel = mesh.vertices[mesh.vertices[:, 0] < 0.16 * fl]
        assert heel[:, 2].max() == pytest.approx(3.0 + 9.7, abs=0.1)
        assert top_mm(mesh, [across_point(mesh, 0.42 * fl, 0.9)])[0] == pytest.approx(3.0 + 12.1, abs=0.15)
        assert any("185 mm is a child's" in w for w in record["warnings"])
    adult, _ = cli_build(tmp_path / "adult", EU42)
    mesh = adult["right"]
    fl = foot_length_mm(mesh)
    assert mesh.vertices[mesh.vertices[:, 0] < 0.16 * fl][:, 2].max() == pytest.approx(15.0, abs=0.1)


def test_the_lld_correction_is_the_difference_between_the_two_shoes(tmp_path):
    """A left-only build with a 6 mm lift on a 3 mm base for a 10 mm LLD: the heel stands
    9 mm high. The correction is 6 mm (60 %) only if the right shoe holds the same 3 mm
    heel: the build says so, and what it is with nothing there (9 mm, 90 %). Told the
    other shoe's liner (lift.other_shoe_mm), it works the % out from it; with the pair
    built, from the right insole's own heel."""
    lift = {"side": "left", "heel_mm": 6, "forefoot_mm": 2, "measured_lld_mm": 10}
    one = {"foot": {"size": "EU 42"}, "side": "left", "print": {"label": False}}
    parts, record = cli_build(tmp_path / "alone", {**one, "lift": lift})
    mesh = parts["left"]
    fl = foot_length_mm(mesh)
    assert top_mm(mesh, [across_point(mesh, 0.16 * fl, 0.5)])[0] == pytest.approx(9.0, abs=0.05)
    said = [w for w in record["warnings"] if w.startswith("only the left insole is built")]
    assert said and "the right shoe holds the same 3 mm heel" in said[0] and "9 mm (90 %)" in said[0]
    _, bare = cli_build(tmp_path / "bare", {**one, "lift": {**lift, "other_shoe_mm": 0}})
    assert any("corrects 9 mm" in w and "90 % of measured_lld_mm = 10: above 75 %" in w for w in bare["warnings"])
    _, liner = cli_build(tmp_path / "liner", {**one, "lift": {**lift, "other_shoe_mm": 4}})
    assert not any("corrects" in w or "only the left" in w for w in liner["warnings"])
    pair, both = cli_build(tmp_path / "pair", {**one, "side": "both", "lift": lift,
                                                "right": {"heel_thickness_mm": 1.5}})
    assert not any("only the left" in w or "corrects" in w for w in both["warnings"])  # 75 %: not above 75
    _, over = cli_build(tmp_path / "over", {**one, "side": "both", "lift": lift, "right": {"heel_thickness_mm": 1.2}})
    assert any("corrects 7.8 mm (9 mm of heel against the other insole's 1.2), 78 %" in w for w in over["warnings"])
    heel = [across_point(pair["left"], 0.16 * fl, 0.5)]
    assert top_mm(pair["left"], heel)[0] - top_mm(pair["right"], heel)[0] == pytest.approx(7.5, abs=0.05)


def test_a_lifted_heel_cup_rim_and_a_tall_heel_lift_are_warned_about(tmp_path):
    """A 6 mm lift under a 12 mm cup puts the rim 21 mm above the shoe's floor, 6 mm above
    the other side's, with no word unless shoe.heel_depth_mm was given (lld-left-lift now
    gives it: 45 mm leaves 24). A heel lift over 6 mm says heel slippage and the remedy."""
    lld = {"foot": {"size": "US M 9"}, "print": {"label": False}, "shape": {"heel_cup_depth_mm": 12},
           "lift": {"side": "left", "heel_mm": 6}}
    _, record = cli_build(tmp_path / "a", lld)
    assert any("rim stands 21 mm above the shoe's floor" in w for w in record["warnings"])
    _, example = cli_build(tmp_path / "e", "lld-left-lift")
    assert example["warnings"] == []
    doc = {"foot": {"size": "EU 42"}, "print": {"label": False}, "lift": {"side": "left", "heel_mm": 8, "forefoot_mm": 4}}
    _, tall = cli_build(tmp_path / "b", doc)
    assert any("heel slippage" in w and "outside of the shoe" in w for w in tall["warnings"])
    _, shod = cli_build(tmp_path / "c", {**doc, "shoe": {"heel_depth_mm": 50}})
    assert not any("rim stands" in w for w in shod["warnings"])


def test_a_diabetic_insert_follows_the_custom_insert_rules(tmp_path):
    """patient.diabetic: a custom insert is at least 4.8 mm (3/16 in) of base (the
    default becomes 4.8), total contact (moulded to a scan: a size-built one is warned
    about) and multiple density; under a pressure map's peak a cushion that would
    bottom out is warned about: 10 % gyroid of TPU 95A (26 MPa x 0.1^2 = 0.26 MPa) under
    the example map's 363 kPa peak compresses 363 / 260 = 140 %; 17 % keeps it under 50 %
    (100 x sqrt(363 / 13000) = 16.7)."""
    doc = {"foot": {"size": "EU 42"}, "side": "right", "print": {"label": False}, "patient": {"diabetic": True}}
    parts, record = cli_build(tmp_path / "a", doc)
    mesh = parts["right"]
    fl = foot_length_mm(mesh)
    assert top_mm(mesh, [across_point(mesh, 0.16 * fl, 0.5), across_point(mesh, 0.7 * fl, 0.5)]) == \
        pytest.approx([4.8, 4.8], abs=0.05)
    assert any("total contact" in w and "from a size" in w for w in record["warnings"])
    assert not any("4.8 mm (3/16 in)" in w for w in record["warnings"])
    _, thin = cli_build(tmp_path / "b", {**doc, "shape": {"thickness_mm": 3}, "zones": {"heel": 20, "arch": 20,
                                                                                        "forefoot": 20, "toes": 20}})
    assert any("a 3 mm base is under the 4.8 mm (3/16 in)" in w for w in thin["warnings"])
    assert any("every zone has the same infill" in w for w in thin["warnings"])
    example = (ROOT / "profiles" / "pressure-offload.toml").read_text(encoding="utf-8")
    soft = tmp_path / "soft"
    soft.mkdir()
    for folder in ("scans", "pressure"):
        (soft / folder).symlink_to(ROOT / "profiles" / folder)
    (soft / "soft.toml").write_text(example.replace("softest_pct = 20", "softest_pct = 10"), encoding="utf-8")
    from insolegen.cli import main
    assert main(["build", str(soft / "soft.toml"), "--out", str(soft / "out"), "--no-preview"]) == 0
    import json
    said = json.loads((soft / "out" / "pressure-offload" / "build.json").read_text(encoding="utf-8"))["warnings"]
    import math
    import re
    found = [re.search(r"10 % gyroid under a (\d+) kPa peak would compress about (\d+) %.* (\d+) % or more", w)
             for w in said]
    (peak, strain, least), = [m.groups() for m in found if m]
    # By hand: E = 26 MPa x 0.10^2 = 260 kPa; strain = peak / E; 50 % strain needs d = sqrt(peak / 13000)
    assert 300 <= int(peak) <= 420, said  # the example map's heel/forefoot peak, read from the file
    assert int(strain) == pytest.approx(100 * int(peak) / 260, abs=5)
    assert int(least) == math.ceil(100 * math.sqrt(int(peak) / 13000))


def test_the_diabetic_example_is_one_an_orthotist_would_sign(tmp_path):
    """profiles/pressure-offload.toml builds with no warning: total contact on the scan,
    6 mm of base, graded 20-45 % (no band that would bottom out), a 1.5 mm skin on top."""
    _, record = cli_build(tmp_path, "pressure-offload")
    assert record["warnings"] == []
    assert record["patient"]["diabetic"] is True


def test_a_three_quarter_preview_shows_its_front_edge_not_an_empty_plot():
    """The review: a three-quarter insole's preview drew an empty section 'at the
    metatarsal heads' with dummy axes. Its third section now cuts near its front edge."""
    from insolegen.build.pipeline import build_profile
    from insolegen.exports.preview import draw_preview
    from insolegen.profile import profile_from_dict

    result = build_profile(profile_from_dict({**EU42, "shape": {"length": "three-quarter"}}))
    texts = draw_preview(result).canvas.texts()
    assert any(t.startswith("section at the front edge (5 mm behind it mid-width)") for t in texts)
    assert not any("no metatarsal heads on this insole" in t for t in texts)


def test_a_foot_between_200_and_230_mm_may_be_a_small_adults():
    """EU W 35 (218 mm) is a child's or a small adult's foot: its defaults scale a little
    (10 x 218 / 230 = 9.48 -> 9.5 mm of cup) and the warning says both, without sending
    an adult to a child's clinician."""
    from insolegen.profile import profile_from_dict

    profile = profile_from_dict({"foot": {"size": "EU W 35"}})
    assert profile.sides[0].heel_cup_depth_mm == 9.5
    (warning,) = profile.warnings
    assert "218 mm is a child's or a small adult's" in warning and "clinician" not in warning
