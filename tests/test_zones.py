"""Firmness zones and the 3MF files that carry them, checked without a slicer."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile

import manifold3d
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from meshtools import assert_solid
from sweeps import examples

from insolegen.build.side import build_side
from insolegen.cli import main
from insolegen.formats.meshes import load_mesh_file
from insolegen.geometry.solid import Mesh
from insolegen.geometry.zones import HEEL_ZONE_END_FRACTION, to_manifold
from insolegen.profile import profile_from_dict

NS = {"m": "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"}

LIFT_DOC = {
    "foot": {"size": "EU 42"},
    "lift": {"side": "left", "heel_mm": 6},
    "zones": {"heel": 12, "arch": 35, "forefoot": 18, "toes": 9, "lift": 70,
              "custom": [{"name": "met-relief", "polygon": [[170, -10], [200, -10], [200, 20], [170, 20]],
                          "infill_pct": 8}]},
}


def parts_of(doc):
    profile = profile_from_dict(doc)
    return profile, [build_side(spec, zones=profile.zones) for spec in profile.sides]


@pytest.fixture(scope="module")
def lift_parts():
    return parts_of(LIFT_DOC)


# like profiles/full-length-lift.toml: 7 mm at the heel, 3.5 mm under the forefoot, on the right
FULL_LENGTH_DOC = {
    "foot": {"size": "EU 39"}, "shape": {"length": "full", "heel_cup_depth_mm": 10},
    "lift": {"side": "right", "heel_mm": 7, "forefoot_mm": 3.5},
}


@pytest.fixture(scope="module")
def full_length_parts():
    return parts_of(FULL_LENGTH_DOC)


@pytest.mark.parametrize("built", ["lift_parts", "full_length_parts"])
def test_zones_are_disjoint_solids_that_cover_the_insole(request, built):
    _, parts = request.getfixturevalue(built)
    for part in parts:
        body = to_manifold(part.mesh)
        solids = [to_manifold(z.mesh) for z in part.zones]
        for zone, solid in zip(part.zones, solids):
            assert_solid(zone.mesh.vertices, zone.mesh.faces)
            assert zone.mesh.vertices[:, 2].min() >= -1e-6  # at or above the bed
            assert zone.part_volume_mm3 == pytest.approx((solid ^ body).volume(), rel=1e-6)
        union = manifold3d.Manifold.batch_boolean(solids, manifold3d.OpType.Add)
        assert (body - union).volume() < 1e-3 * body.volume()  # covered
        overlap = sum((solids[i] ^ solids[j]).volume() for i in range(len(solids)) for j in range(i + 1, len(solids)))
        assert overlap < 0.01  # mm3: no two zones share material
        assert sum(z.part_volume_mm3 for z in part.zones) == pytest.approx(body.volume(), rel=1e-4)


def test_zone_names_and_densities_follow_the_profile(lift_parts):
    _, (left, right) = lift_parts
    assert [(z.name, z.infill_pct) for z in left.zones] == [
        ("heel", 12), ("arch", 35), ("forefoot", 18), ("toes", 9), ("met-relief", 8), ("lift", 70)]
    assert [z.name for z in right.zones] == ["heel", "arch", "forefoot", "toes", "met-relief"]


def _column(part, name, x, y, half=5.0):
    """The part's volume (mm3) in zone ``name`` within a 2 half x 2 half mm column."""
    zone = next(z for z in part.zones if z.name == name)
    box = manifold3d.Manifold.cube([2 * half, 2 * half, 100]).translate([x - half, y - half, 0])
    return (to_manifold(zone.mesh) ^ to_manifold(part.mesh) ^ box).volume()


def test_a_heel_wedge_is_the_lift_layer_only_under_the_cushion(lift_parts):
    """EU 42 with a 6 mm wedge on a 3 mm base: at the heel centre the lift zone holds
    the bottom 6 mm and the heel zone the 3 mm base on it (a 10 x 10 mm column: 600 and
    300 mm3). The wedge ends where it is thinner than LIFT_MIN_MM = 0.2 mm: lift =
    6 (1 - ramp(p)) with the ramp's rounded end 1 - ramp = (1 - p)^2 / (2 d (1 - d)),
    d = 0.1, so 0.2 = 6 (1 - p)^2 / 0.18: p = 1 - sqrt(0.006) = 0.9225 of the way from
    the heel centre to the metatarsal-head line. From there on the cushion zones reach
    the bed."""
    _, (left, right) = lift_parts
    lift = next(z for z in left.zones if z.name == "lift")
    lm = left.outline.landmarks
    x_hc = lm.heel_centre[0]
    from insolegen.geometry.measure import top_heights

    (lift_top,) = top_heights(lift.mesh.vertices, lift.mesh.faces, [[x_hc, 0.0]])
    assert lift_top == pytest.approx(6, abs=0.05)  # heel_mm, not base + heel_mm
    assert lift.mesh.vertices[:, 2].min() == pytest.approx(0, abs=1e-6)
    assert _column(left, "lift", x_hc, 0) == pytest.approx(600, rel=0.01)
    assert _column(left, "heel", x_hc, 0) == pytest.approx(300, rel=0.01)
    assert _column(right, "heel", x_hc, 0) == pytest.approx(300, rel=0.01)  # the same cushion as the other side
    # the wedge ends on the line p = 0.9225 (a left foot: the MTH line at y mirrored)
    p = 1 - np.sqrt(0.006)
    x, y = lift.mesh.vertices[:, 0], lift.mesh.vertices[:, 1]
    ahead = x - (x_hc + p * (lm.mth_line_x(-y) - x_hc))
    assert ahead.max() == pytest.approx(0, abs=1e-6) and np.count_nonzero(np.abs(ahead) < 1e-6) > 20
    # ahead of it the forefoot zone (from 0.06 x length behind the MTH line) reaches the
    # bed: it holds the whole column, the 3 mm base and the wedge's last tenths of a
    # millimetre (at y = 20, clear of the met-relief zone)
    end = x_hc + p * (lm.mth_line_x(-20.0) - x_hc)
    column = manifold3d.Manifold.cube([10, 10, 100]).translate([end + 1, 15, 0])
    whole = (to_manifold(left.mesh) ^ column).volume()
    assert 300 < whole < 300 + 0.2 * 100
    assert _column(left, "forefoot", end + 6, 20) == pytest.approx(whole, rel=1e-4)
    # above the lift the part is the other side's sheared up, so each cushion zone
    # holds the same volume on both sides (the wedge's last < 0.2 mm excepted, ~70 mm3)
    for zone in right.zones:
        lifted = next(z for z in left.zones if z.name == zone.name)
        assert lifted.part_volume_mm3 == pytest.approx(zone.part_volume_mm3, abs=150), zone.name


def test_a_full_length_lift_keeps_every_cushion_zone_above_it(full_length_parts):
    """A full-length lift (7 mm at the heel, 3.5 mm under the forefoot) lies under every
    zone: the lifted side keeps every cushion zone of the other side, each holding the
    same volume (the part above the lift is the other side's, sheared up), and the lift
    zone holds the difference of the two parts' volumes."""
    _, (left, right) = full_length_parts
    assert [z.name for z in right.zones] == [z.name for z in left.zones] + ["lift"]
    for zone in left.zones:
        lifted = next(z for z in right.zones if z.name == zone.name)
        assert lifted.part_volume_mm3 == pytest.approx(zone.part_volume_mm3, rel=2e-3), zone.name
    lift = next(z for z in right.zones if z.kind == "lift")
    body = [to_manifold(p.mesh).volume() for p in (left, right)]
    assert lift.part_volume_mm3 == pytest.approx(body[1] - body[0], rel=2e-3)
    lm = right.outline.landmarks
    # a 6 x 6 mm column just past the MTH line (the ramp's end): 3.5 mm of lift under 3 mm
    # of base
    (x, y) = (lm.mth_mid[0] + 7, lm.mth_mid[1])
    assert _column(right, "lift", x, y, half=3) == pytest.approx(6 * 6 * 3.5, rel=0.01)
    assert _column(right, "forefoot", x, y, half=3) == pytest.approx(6 * 6 * 3, rel=0.01)
    assert _column(left, "forefoot", x, -y, half=3) == pytest.approx(6 * 6 * 3, rel=0.01)


def test_zone_boundaries_scale_with_the_foot():
    for length in (220, 300):
        _, (part,) = parts_of({"side": "right", "foot": {"length_mm": length}})
        heel = next(z for z in part.zones if z.name == "heel")
        assert heel.mesh.vertices[:, 0].max() == pytest.approx(HEEL_ZONE_END_FRACTION * length, abs=0.01)


def test_left_zones_mirror_the_right():
    _profile, (left, right) = parts_of({"foot": {"size": "EU 40"}, "zones": LIFT_DOC["zones"]})
    for a, b in zip(left.zones, right.zones):
        assert a.name == b.name
        assert to_manifold(a.mesh).volume() == pytest.approx(to_manifold(b.mesh).volume(), rel=1e-6)
        assert np.allclose(np.sort(a.mesh.vertices[:, 1]), np.sort(-b.mesh.vertices[:, 1]), atol=1e-4)


def test_custom_zone_takes_precedence(lift_parts):
    _, (_, right) = lift_parts
    custom = next(z for z in right.zones if z.name == "met-relief")
    arch_or_forefoot = [to_manifold(z.mesh) for z in right.zones if z.name in ("arch", "forefoot")]
    probe = manifold3d.Manifold.cube([20, 20, 3]).translate([175, -5, 0])
    assert (to_manifold(custom.mesh) ^ probe).volume() == pytest.approx(probe.volume(), rel=1e-6)
    assert all((s ^ probe).volume() < 1e-6 for s in arch_or_forefoot)


def read_3mf(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def mesh_of(obj) -> Mesh:
    v = np.array([[float(e.get(k)) for k in "xyz"] for e in obj.iterfind("m:mesh/m:vertices/m:vertex", NS)])
    f = np.array([[int(e.get(k)) for k in ("v1", "v2", "v3")] for e in obj.iterfind("m:mesh/m:triangles/m:triangle", NS)])
    return Mesh(vertices=v, faces=f)


def transform_of(text: str) -> np.ndarray:
    m = np.array([float(v) for v in text.split()]).reshape(4, 3)
    return m  # rows: x, y, z basis then translation (row-vector convention)


@pytest.fixture(scope="module")
def built_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zones")
    profile = folder / "z.toml"
    profile.write_text(
        'name = "z"\n[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 6\n'
        '[zones]\nheel = 12\narch = 35\n[[zones.custom]]\nname = "met-relief"\n'
        "polygon = [[170, -10], [200, -10], [200, 20], [170, 20]]\ninfill_pct = 8\n"
    )
    assert main(["build", str(profile), "--out", str(folder)]) == 0
    return folder / "z"


@pytest.mark.parametrize("side", ["left", "right"])
def test_prusaslicer_3mf_layout(built_files, side):
    files = read_3mf((built_files / f"z-{side}.3mf").read_bytes())
    assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model", "Metadata/Slic3r_PE_model.config"} <= set(files)
    model = ET.fromstring(files["3D/3dmodel.model"])
    assert model.get("unit") == "millimeter"
    meta = {m.get("name"): m.text for m in model.iterfind("m:metadata", NS)}
    assert meta["slic3rpe:Version3mf"] == "1"
    (obj,) = model.iterfind("m:resources/m:object", NS)
    (item,) = model.iterfind("m:build/m:item", NS)
    assert item.get("objectid") == obj.get("id") == "1"
    mesh = mesh_of(obj)

    config = ET.fromstring(files["Metadata/Slic3r_PE_model.config"])
    (cobj,) = config.iterfind("object")
    assert cobj.get("id") == "1"
    okeys = {m.get("key"): m.get("value") for m in cobj.iterfind("metadata")}
    assert okeys["perimeters"] == "2" and okeys["top_solid_layers"] == "4" and okeys["bottom_solid_layers"] == "3"
    # README "How to print": 0.2 mm layers at 20-30 mm/s, no supports (object settings,
    # which PrusaSlicer keeps on import and slices with: tests/test_slicers.py)
    assert okeys["layer_height"] == "0.2" and okeys["support_material"] == "0"
    assert okeys["perimeter_speed"] == okeys["infill_speed"] == okeys["top_solid_infill_speed"] == "25"
    volumes = list(cobj.iterfind("volume"))
    expected = {"heel": "12%", "arch": "35%", "forefoot": "15%", "toes": "10%", "met-relief": "8%"}
    if side == "left":
        expected["lift"] = "60%"
    names = []
    next_first = 0
    stl_vertices, stl_faces = load_mesh_file(built_files / f"z-{side}.stl")
    for volume in volumes:
        first, last = int(volume.get("firstid")), int(volume.get("lastid"))
        assert first == next_first and last >= first  # contiguous, in order
        next_first = last + 1
        keys = {m.get("key"): m.get("value") for m in volume.iterfind("metadata")}
        names.append(keys["name"])
        part = Mesh(vertices=mesh.vertices, faces=mesh.faces[first:last + 1])
        used = np.unique(part.faces)
        assert used.max() - used.min() + 1 == len(used)  # one contiguous vertex block
        local = Mesh(vertices=mesh.vertices[used.min():used.max() + 1], faces=part.faces - used.min())
        solid = assert_solid(local.vertices, local.faces)
        if keys["name"] == "body":
            assert keys["volume_type"] == "ModelPart"
            stl = assert_solid(stl_vertices, stl_faces)
            assert solid.volume == pytest.approx(stl.volume, rel=1e-5)  # the same solid as the STL
            assert np.allclose(solid.bounds, stl.bounds, atol=1e-4)
            assert "fill_density" not in keys
            body_vertices = local.vertices
        else:
            assert keys["volume_type"] == "ParameterModifier"
            assert keys["fill_density"] == expected[keys["name"]]
            assert keys["fill_pattern"] == "gyroid"
            assert local.vertices[:, 2].min() >= -1e-6
            assert set(keys) == {"name", "volume_type", "fill_density", "fill_pattern"}  # infill keys only
    assert next_first == len(mesh.faces)
    assert names == ["body", *expected]
    # placed on the 250 x 210 bed by the build transform
    m = transform_of(item.get("transform"))
    placed = body_vertices @ m[:3] + m[3]
    assert placed[:, 0].min() >= 0 and placed[:, 0].max() <= 250
    assert placed[:, 1].min() >= 0 and placed[:, 1].max() <= 210
    assert abs(placed[:, 2].min()) < 1e-6


@pytest.mark.parametrize("side", ["left", "right"])
def test_orca_3mf_layout(built_files, side):
    files = read_3mf((built_files / f"z-{side}.orca.3mf").read_bytes())
    assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model", "Metadata/model_settings.config"} <= set(files)
    model = ET.fromstring(files["3D/3dmodel.model"])
    assert model.get("unit") == "millimeter"
    objects = {o.get("id"): o for o in model.iterfind("m:resources/m:object", NS)}
    (item,) = model.iterfind("m:build/m:item", NS)
    assembly = objects[item.get("objectid")]
    assert item.get("transform") == "1 0 0 0 1 0 0 0 1 0 0 0"
    comps = list(assembly.iterfind("m:components/m:component", NS))
    assert all(c.get("transform") == "1 0 0 0 1 0 0 0 1 0 0 0" for c in comps)
    config = ET.fromstring(files["Metadata/model_settings.config"])
    (cobj,) = config.iterfind("object")
    assert cobj.get("id") == assembly.get("id")
    okeys = {m.get("key"): m.get("value") for m in cobj.iterfind("metadata")}
    assert okeys["wall_loops"] == "2" and okeys["top_shell_layers"] == "4" and okeys["bottom_shell_layers"] == "3"
    assert okeys["layer_height"] == "0.2" and okeys["enable_support"] == "0"
    assert okeys["outer_wall_speed"] == okeys["sparse_infill_speed"] == okeys["top_surface_speed"] == "25"
    parts = list(cobj.iterfind("part"))
    assert [p.get("id") for p in parts] == [c.get("objectid") for c in comps]
    stl_vertices, stl_faces = load_mesh_file(built_files / f"z-{side}.stl")
    for part in parts:
        keys = {m.get("key"): m.get("value") for m in part.iterfind("metadata")}
        obj = objects[part.get("id")]
        mesh = mesh_of(obj)
        solid = assert_solid(mesh.vertices, mesh.faces)
        lo, hi = mesh.vertices.min(axis=0), mesh.vertices.max(axis=0)
        assert lo[2] >= -1e-6
        cura = {m.get("name"): m.text for m in obj.iterfind("m:metadatagroup/m:metadata", NS)}
        if keys["name"] == "body":
            assert part.get("subtype") == "normal_part"
            assert lo[0] >= 0 and lo[1] >= 0 and hi[0] <= 256 and hi[1] <= 256  # on the bed
            assert solid.volume == pytest.approx(assert_solid(stl_vertices, stl_faces).volume, rel=1e-5)
            assert not cura
        else:
            assert part.get("subtype") == "modifier_part"
            assert keys["sparse_infill_density"].endswith("%")
            assert keys["sparse_infill_pattern"] == "gyroid"
            assert cura["cura:infill_mesh"] == "True"
            assert cura["cura:infill_sparse_density"] == keys["sparse_infill_density"].rstrip("%")
            assert cura["cura:wall_thickness"] == "0" and cura["cura:top_bottom_thickness"] == "0"


def test_build_json_lists_zones_and_placements(built_files):
    summary = json.loads((built_files / "build.json").read_text())
    assert summary["zones"]["pattern"] == "gyroid"
    for side in summary["sides"]:
        names = [z["name"] for z in side["zones"]]
        assert names[:4] == ["heel", "arch", "forefoot", "toes"]
        assert side["prusaslicer_3mf"]["placement"]["fits"] is True
        assert (built_files / side["prusaslicer_3mf"]["file"]).exists()
        assert (built_files / side["orca_3mf"]["file"]).exists()


@pytest.mark.parametrize(
    "zones, fragment",
    [
        ('[zones]\nmidfoot = 20\n', "zones.midfoot: unknown key"),
        ('[zones]\nheel = 120\n', "zones.heel = 120 is out of range: allowed is 0 to 100 % infill"),
        ('[zones]\narch = -1\n', "zones.arch = -1"),
        ('[zones]\npattern = "lightning"\n', "adaptive"),
        ('[zones]\npattern = "adaptivecubic"\n', "adaptive"),
        ('[zones]\npattern = "wiggly"\n', "zones.pattern = 'wiggly' is not allowed"),
        ('[[zones.custom]]\nname = "x"\npolygon = [[0, 0], [10, 10], [10, 0], [0, 10]]\ninfill_pct = 5\n',
         "not a simple shape (Self-intersection"),
        ('[[zones.custom]]\nname = "x"\npolygon = [[500, 0], [510, 0], [510, 10]]\ninfill_pct = 5\n',
         "outside the insole"),
        ('[[zones.custom]]\nname = "x"\npolygon = [[100, 0], [103, 0], [103, 3]]\ninfill_pct = 5\n',
         "too small to print"),
        ('[[zones.custom]]\nname = "x"\npolygon = [[100, 0], [130, 0], [130, 20]]\ninfill_pct = 101\n',
         "zones.custom[0].infill_pct = 101"),
        ('[lift]\nside = "left"\nheel_mm = 5\n[zones]\nlift = 20\n', "allow_soft_lift"),
    ],
)
def test_bad_zones_exit_2_naming_the_zone(tmp_path, capsys, zones, fragment):
    profile = tmp_path / "bad.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n' + zones)
    assert main(["build", str(profile), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_soft_lift_warns_and_override_allows(tmp_path, capsys):
    profile = tmp_path / "soft.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 5\n'
                       '[zones]\nlift = 25\nheel = 40\nallow_soft_lift = true\n')
    assert main(["build", str(profile), "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "allowed by zones.allow_soft_lift" in err and "softer than the cushioning above it (heel 40 %" in err


def test_a_lift_cut_leaves_no_sliver_in_the_zones():
    """A batch profile whose arch zone, cut by the lift, once kept a 4e-10 mm2 triangle
    (the build then refused a valid profile): every zone is a clean closed solid."""
    from insolegen.checks.meshcheck import check_zone

    doc = {"name": "patient-006", "foot": {"size": "EU 43"},
           "shape": {"arch_height_mm": 16, "heel_cup_depth_mm": 14, "met_pad_height_mm": 1, "rearfoot_post_deg": 3},
           "lift": {"side": "left", "heel_mm": 4}}
    profile = profile_from_dict(doc)
    part = build_side(profile.sides[0], zones=profile.zones)
    assert [z.name for z in part.zones] == ["heel", "arch", "forefoot", "toes", "lift"]
    for zone in part.zones:
        report = check_zone(zone.mesh.vertices, zone.mesh.faces)
        assert report.ok and report.degenerate_faces == 0, (zone.name, report.problems)


@settings(max_examples=examples(300), deadline=None)
@given(text=st.text())
def test_3mf_attribute_quoting_is_the_standard_librarys(text):
    """threemf.quoteattr stands in for xml.sax.saxutils.quoteattr (whose import is slow):
    the same text for any name, and it parses back to the name."""
    from xml.sax.saxutils import quoteattr as standard

    from insolegen.exports.threemf import quoteattr

    assert quoteattr(text) == standard(text)
    if all(c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") for c in text):
        assert ET.fromstring(f"<a v={quoteattr(text)}/>").get("v") == text


@settings(max_examples=examples(40), deadline=None)
@given(cut_x=st.floats(0.5, 19.5), slope=st.floats(-0.04, 0.1), lift=st.floats(0.0, 5.0))
def test_volume_in_a_zone_is_the_integral_of_the_height_over_its_area(cut_x, slope, lift):
    # A block 20 x 10 mm standing on z = lift with a sloped top z = lift + 1 + slope * x
    # (its corners moved, so faces are tilted); the zone is x < cut_x and y < 7 less a
    # 1 mm square notch. By hand: the integral of (1 + slope * x) over the zone.
    import shapely
    import trimesh

    from insolegen.geometry.measure import volumes_within_mm3

    box = trimesh.creation.box(extents=(20, 10, 1))
    v = np.asarray(box.vertices, dtype=float) + [10, 5, 0.5]
    v[:, 2] = np.where(v[:, 2] > 0.5, 1 + slope * v[:, 0], 0.0) + lift
    f = np.asarray(box.faces, dtype=np.int64)
    zone = shapely.Polygon([(-5, -5), (cut_x, -5), (cut_x, 7), (-5, 7)]).difference(shapely.box(2, 2, 3, 3))
    # integral of (1 + slope x) dy dx over [0, cut_x] x [0, 7], less the notch [2, 3]^2
    full = 7 * (cut_x + slope * cut_x ** 2 / 2)
    x0, x1 = 2.0, min(max(cut_x, 2.0), 3.0)
    notch = 1 * ((x1 - x0) + slope * (x1 ** 2 - x0 ** 2) / 2)
    [inside, everything] = volumes_within_mm3(v, f, [zone, shapely.box(-50, -50, 50, 50)])
    assert inside == pytest.approx(full - notch, rel=1e-9, abs=1e-9)
    assert everything == pytest.approx(20 * 10 * 1 + slope * 10 * 20 ** 2 / 2, rel=1e-9)
