"""Real feet as input: traced outlines (SVG, DXF, CSV) and scans (STL, OBJ, PLY)."""

from __future__ import annotations

import json
from pathlib import Path

import ezdxf
import manifold3d
import numpy as np
import pytest
import shapely
import trimesh
from meshtools import assert_solid
from synthetic import LENGTH, foot_scan, impression, outline_points, rotate, save, sole_mm

from insolegen.cli import main
from insolegen.formats.meshes import load_mesh_file
from insolegen.geometry.measure import footprint, top_heights
from insolegen.inputs.align import align_outline
from insolegen.inputs.errors import InputFileError
from insolegen.inputs.outline_files import read_outline_file
from insolegen.inputs.scans import read_scan

ROOT = Path(__file__).resolve().parents[1]
SHARED_SCANS = ROOT.parent / "shared" / "data" / "scans"
EXAMPLE_SCANS = ROOT / "profiles" / "scans"


def drawn(side: str = "left", angle_deg: float = 30.0, length: float = LENGTH) -> np.ndarray:
    """A traced outline as drawn: some side, turned, shifted (mm, y up)."""
    b = outline_points(length) * ([1, -1] if side == "left" else [1, 1])
    a = np.radians(angle_deg)
    return b @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]).T + [150.0, 200.0]


def svg(points_user: np.ndarray, head: str = 'width="400mm" height="400mm" viewBox="0 0 400 400"', group: str = "") -> str:
    flipped = points_user * [1, -1]  # SVG's y points down the page
    d = "M " + " L ".join(f"{x:.4f},{y:.4f}" for x, y in flipped) + " Z"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" {head}><g {group}><path d="{d}"/></g>'
            '<line x1="0" y1="0" x2="10" y2="10"/></svg>')


@pytest.fixture(scope="module")
def outline_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("outlines")
    p = drawn("left", 30)
    files = {}
    files["mm.svg"] = svg(p + [0, 400])
    # drawn in cm user units on a page that says it is 40 cm wide, inside a transform
    files["cm-transform.svg"] = svg((p + [0, 400]) / 10 - [2, 3], 'width="40cm" height="40cm" viewBox="0 0 40 40"',
                                    'transform="translate(2,-3)"')
    files["unitless.svg"] = svg(p + [0, 400], 'viewBox="0 0 400 400"')
    for name, text in files.items():
        (d / name).write_text(text)
    for name, units, code, entity in [("in.dxf", 25.4, 1, "lwpolyline"), ("cm.dxf", 10.0, 5, "polyline"),
                                       ("mm-spline.dxf", 1.0, 4, "spline")]:
        doc = ezdxf.new()
        doc.header["$INSUNITS"] = code
        msp = doc.modelspace()
        pts = (p / units).tolist()
        if entity == "lwpolyline":
            msp.add_lwpolyline(pts, close=True)
        elif entity == "polyline":
            msp.add_polyline2d(pts, close=True)
        else:
            fit = pts[::2]
            msp.add_spline(fit + [fit[0]])
        msp.add_line((0, 0), (5, 5))  # not a loop: ignored
        doc.saveas(d / name)
    np.savetxt(d / "mm.csv", p, delimiter=",", header="x,y", comments="")
    return d


@pytest.mark.parametrize("name, units", [
    ("mm.svg", "mm"), ("cm-transform.svg", "mm"), ("unitless.svg", "mm"),
    ("in.dxf", "in"), ("cm.dxf", "cm"), ("mm-spline.dxf", "mm"), ("mm.csv", "mm"),
])
def test_outline_formats_keep_the_traced_size_and_find_the_side(outline_files, name, units):
    read = read_outline_file(outline_files / name)
    assert read.units == units
    aligned = align_outline(read.points)
    assert aligned.side == aligned.side_detected == "left"
    # the size as traced: same area and length as the drawn outline, within 0.5 mm
    assert shapely.Polygon(read.points).area == pytest.approx(shapely.Polygon(drawn()).area, rel=2e-3)
    assert aligned.length_mm == pytest.approx(LENGTH, abs=0.5)
    assert np.ptp(aligned.polygon[:, 1]) == pytest.approx(0.38 * LENGTH, abs=0.5)
    assert aligned.polygon[:, 0].min() == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize("angle", [0, 45, 90, 135, 180, 270, 333])
@pytest.mark.parametrize("side", ["left", "right"])
def test_alignment_whatever_way_it_was_drawn(angle, side):
    aligned = align_outline(drawn(side, angle))
    assert aligned.side == side
    reference = shapely.Polygon(outline_points())
    # back in the canonical frame to within a fraction of a millimetre
    assert shapely.hausdorff_distance(shapely.Polygon(aligned.polygon).exterior, reference.exterior) < 2.0
    assert aligned.length_mm == pytest.approx(LENGTH, abs=0.5)
    # toes toward +x: the ball (widest) lies beyond the middle
    poly = shapely.Polygon(aligned.polygon)
    assert poly.centroid.x > 0.4 * LENGTH and (aligned.polygon[:, 1] > 0).any()


def test_outline_units_from_the_profile(outline_files):
    read = read_outline_file(outline_files / "unitless.svg", units="mm")
    assert read.units_from == "profile"
    inches = outline_files / "inches.csv"
    np.savetxt(inches, drawn() / 25.4, delimiter=",")
    with pytest.raises(InputFileError, match='outline_units = "in"'):
        read_outline_file(inches)
    assert align_outline(read_outline_file(inches, units="in").points).length_mm == pytest.approx(LENGTH, abs=0.5)


@pytest.mark.parametrize("name, content, fragment", [
    ("missing.svg", None, "no such file"),
    ("empty.svg", "", "empty"),
    ("open.svg", '<svg xmlns="http://www.w3.org/2000/svg"><path d="M 0,0 L 200,0 L 200,90"/></svg>', "no closed outline"),
    ("notsvg.svg", "hello", "not an SVG"),
    ("two.csv", None, "similar size"),
    ("bad.csv", "x,y\n1,2\n3,four\n", "line 3"),
    ("pic.png", "x", "unknown outline format"),
    ("notdxf.dxf", "hello", "not a readable DXF"),
])
def test_bad_outline_files(tmp_path, name, content, fragment):
    path = tmp_path / name
    if name == "two.svg" or name == "two.csv":
        doc = ezdxf.new()
        two = tmp_path / "two.dxf"
        msp = doc.modelspace()
        msp.add_lwpolyline(drawn("left").tolist(), close=True)
        msp.add_lwpolyline((drawn("right") + [400, 0]).tolist(), close=True)
        doc.saveas(two)
        path = two
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InputFileError, match=fragment):
        read_outline_file(path)


# -- scans ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scan_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("scans")
    foot_r, foot_l = foot_scan(side="right"), foot_scan(side="left")
    save(rotate(foot_r, 1), d / "right-mm.stl")
    save(rotate(foot_l, 2, 0.001, upside_down=True), d / "left-m.obj")
    save(rotate(foot_r, 3, 0.1), d / "right-cm.ply")
    save(rotate(foot_l, 4, 1 / 25.4), d / "left-in.stl")
    save(rotate(impression(side="right"), 5, 1.0, upside_down=True), d / "impression-right-mm.stl")
    # damaged: holes in the sole, loose fragments
    # (the holes go where the sole is: faces of foot_r's bottom, away from its edge)
    tri = foot_r.vertices[foot_r.faces]
    facing_down = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2] < 0
    inner = shapely.contains_xy(shapely.Polygon(outline_points()).buffer(-15), *tri.mean(axis=1)[:, :2].T)
    sole_faces = np.flatnonzero(facing_down & inner)
    mesh = rotate(foot_r, 6)
    keep = np.ones(len(mesh.faces), bool)
    keep[np.random.default_rng(0).choice(sole_faces, 40, replace=False)] = False
    damaged = trimesh.Trimesh(mesh.vertices, mesh.faces[keep])
    cube = trimesh.creation.box(extents=[10, 10, 10])
    cube.apply_translation(mesh.vertices.max(axis=0) + 80)
    trimesh.util.concatenate([damaged, cube]).export(d / "damaged.stl")
    return d


def to_frame(read, mesh_path):
    loaded = trimesh.load(mesh_path, force="mesh")
    matrix = read.to_frame
    v = loaded.vertices @ matrix[:3, :3].T + matrix[:3, 3]
    return v, loaded.faces


@pytest.mark.parametrize("name, units, side, kind", [
    ("right-mm.stl", "mm", "right", "foot"),
    ("left-m.obj", "m", "left", "foot"),
    ("right-cm.ply", "cm", "right", "foot"),
    ("left-in.stl", "in", "left", "foot"),
    ("impression-right-mm.stl", "mm", "right", "impression"),
    ("damaged.stl", "mm", "right", "foot"),
])
def test_scans_units_floor_side_outline_and_sole(scan_files, name, units, side, kind):
    path = scan_files / name
    read = read_scan(path)
    assert (read.units, read.outline.side, read.kind) == (units, side, kind)
    assert read.outline.length_mm == pytest.approx(LENGTH, abs=1.0)
    assert np.ptp(read.outline.polygon[:, 1]) == pytest.approx(0.38 * LENGTH, abs=1.0)
    # the plantar surface, back in the right-foot frame, is the synthetic sole
    poly = shapely.Polygon(read.outline.polygon)
    g = np.stack(np.meshgrid(np.arange(0, LENGTH, 4.0), np.arange(-50, 50, 4.0)), -1).reshape(-1, 2)
    g = g[shapely.contains_xy(poly.buffer(-6), g[:, 0], g[:, 1])]
    diff = read.sole.height_mm(g[:, 0], g[:, 1]) - sole_mm(g[:, 0], g[:, 1])
    assert np.abs(diff).mean() < 0.25 and np.abs(diff).max() < 1.2  # 2 mm smoothing rounds the arch
    if name == "damaged.stl":
        assert read.fragments_dropped == 1 and read.holes_filled_mm2 > 0
    # the recorded transform takes the file onto the right-foot frame: the scan's
    # lowest layer lies on the floor inside the outline
    v, _ = to_frame(read, path)
    if kind == "foot" and name != "damaged.stl":
        assert v[:, 2].min() == pytest.approx(0, abs=0.05)
        low = v[v[:, 2] < 0.5]
        assert shapely.contains_xy(poly.buffer(0.5), low[:, 0], low[:, 1]).all()


@pytest.mark.parametrize("content, fragment", [
    (b"", "empty"),
    (b"solid x\nendsolid x\n", "no triangles"),
    (b"this is not a mesh at all" * 10, "not a readable STL"),
])
def test_bad_scan_files(tmp_path, content, fragment):
    path = tmp_path / "scan.stl"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=fragment):
        read_scan(path)


def test_scans_that_are_not_feet(tmp_path):
    cube = tmp_path / "cube.stl"
    trimesh.creation.box(extents=[1000, 1000, 1000]).export(cube)
    with pytest.raises(InputFileError, match=r"no foot in any unit.*scan_units"):
        read_scan(cube)
    ball = tmp_path / "ball.stl"
    trimesh.creation.icosphere(radius=120).export(ball)
    with pytest.raises(InputFileError, match=r"not a foot|which foot|does not look like a foot"):
        read_scan(ball)
    with pytest.raises(InputFileError, match="unknown scan format"):
        path = tmp_path / "x.asc"
        path.write_text("1 2 3")
        read_scan(path)
    with pytest.raises(InputFileError, match="only 1 points, too few for a foot"):
        path = tmp_path / "x.xyz"
        path.write_text("1 2 3")
        read_scan(path)
    with pytest.raises(InputFileError, match=r'with scan_units = "mm" it is .* mm, not a foot'):
        read_scan(cube, units="mm")


def test_wrong_scan_units_suggest_the_right_ones(tmp_path):
    path = tmp_path / "metres.stl"
    save(rotate(foot_scan(), 8, 0.001), path)
    with pytest.raises(InputFileError, match=r'the scan is 0\.2\d* units long.*pass scan_units = "m" \(2\d\d mm\)'):
        read_scan(path, units="mm")


def test_arbitrary_units_take_the_scale_from_length_mm(tmp_path):
    path = tmp_path / "odd.stl"
    save(rotate(foot_scan(), 9, 0.01234), path)  # 3.18 units: no unit fits
    with pytest.raises(InputFileError, match="length_mm"):
        read_scan(path)
    read = read_scan(path, length_mm=LENGTH)
    assert read.units_from == "length_mm"
    assert read.outline.length_mm == pytest.approx(LENGTH, rel=0.01)


# -- through the command line, on the shared real scans --------------------------------------


def scan_profile(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(body)
    return path


@pytest.fixture(scope="module")
def relief_build(tmp_path_factory):
    d = tmp_path_factory.mktemp("relief")
    scans = SHARED_SCANS if SHARED_SCANS.is_dir() else EXAMPLE_SCANS
    profile = scan_profile(d, f'name = "relief"\n[left]\nscan = "{scans / "relief-left.stl"}"\nlength_mm = 265\n'
                              f'[right]\nscan = "{scans / "relief-right.stl"}"\n')
    assert main(["build", str(profile), "--out", str(d)]) == 0
    return d / "relief", scans


@pytest.mark.parametrize("side", ["left", "right"])
def test_insole_from_a_real_scan_fits_its_foot(relief_build, side):
    folder, scans = relief_build
    summary = json.loads((folder / "build.json").read_text())
    entry = next(s for s in summary["sides"] if s["side"] == side)
    source = entry["source"]
    assert (source["kind"], source["units"], source["scan_kind"], source["side_detected"]) == ("scan", "m", "foot", side)
    # 274 mm scan vs the left's length_mm = 265: the 3 % warning; none for the right
    warned = any("disagree" in w and w.startswith(side) for w in summary["warnings"])
    assert warned == (side == "left")
    vertices, faces = load_mesh_file(folder / entry["file"])
    assert_solid(vertices, faces)
    for name, h in entry["heights"].items():
        assert h["measured_mm"] == pytest.approx(h["expected_mm"], abs=0.1), name

    # The scan, moved by the recorded transform, against the insole: the footprint of
    # its lowest 12 mm (exact, by manifold3d) and the STL's outline.
    scan = trimesh.load(scans / f"relief-{side}.stl", force="mesh")
    matrix = np.array(source["alignment"]["file_to_insole_frame"])
    v = scan.vertices @ matrix[:3, :3].T + matrix[:3, 3]
    f = scan.faces[:, ::-1] if np.linalg.det(matrix[:3, :3]) < 0 else scan.faces
    solid = manifold3d.Manifold(manifold3d.Mesh(vert_properties=v.astype(np.float32), tri_verts=f.astype(np.uint32)))
    low = solid ^ manifold3d.Manifold.cube([2000, 2000, 12]).translate([-1000, -1000, -0.01])
    scan_print = max((shapely.Polygon(r) for r in low.project().to_polygons()), key=lambda p: p.area)
    insole_print = footprint(vertices, faces).polygon
    gap = shapely.hausdorff_distance(scan_print.exterior, insole_print.exterior)
    assert gap < 1.0
    assert source["largest_outline_gap_mm"] < 1.0

    # The top follows the sole: top - base thickness = the scan's lowest surface.
    g = np.stack(np.meshgrid(np.arange(0, 280, 3.0), np.arange(-60, 60, 3.0)), -1).reshape(-1, 2)
    g = g[shapely.contains_xy(insole_print.buffer(-6), g[:, 0], g[:, 1])]
    from insolegen.geometry.measure import vertical_hits

    hits = vertical_hits(v, f, g)
    sole = np.full(len(g), np.inf)
    np.minimum.at(sole, hits.ray, hits.z)
    top = top_heights(vertices, faces, g)
    diff = (top - 3.0) - sole
    assert np.abs(diff).mean() < 0.3 and np.abs(diff).max() < 1.5


def test_outline_profile_through_the_cli(tmp_path, outline_files, capsys):
    profile = scan_profile(tmp_path, f'name = "t"\n[foot]\noutline = "{outline_files / "in.dxf"}"\nlength_mm = {LENGTH}\n')
    assert main(["build", str(profile), "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "t" / "build.json").read_text())
    for entry in summary["sides"]:
        assert entry["source"]["units"] == "in" and entry["source"]["side_detected"] == "left"
        assert entry["outline"]["length_mm"] == pytest.approx(LENGTH, abs=0.5)
        assert entry["source"]["largest_outline_gap_mm"] < 0.5
        vertices, faces = load_mesh_file(tmp_path / "t" / entry["file"])
        mesh = assert_solid(vertices, faces)
        arch_y = entry["heights"]["arch_apex"]["y_mm"]
        assert (arch_y > 0) == (entry["side"] == "right")
        assert mesh.volume > 0
    assert not summary["warnings"]


@pytest.mark.parametrize("body, fragment", [
    ('[foot]\nscan = "nope.stl"\n', "foot.scan = 'nope.stl'"),
    ('[foot]\noutline = "nope.svg"\n', "no such file"),
    ('[foot]\noutline = "a.svg"\nscan = "b.stl"\n', "both given"),
    ('[foot]\nscan = "x.stl"\nscan_units = "furlong"\n', "foot.scan_units = 'furlong'"),
    ('[foot]\nscan = "x.stl"\nscan_kind = "sock"\n', "foot.scan_kind"),
])
def test_bad_foot_files_exit_2(tmp_path, capsys, body, fragment):
    profile = scan_profile(tmp_path, body)
    assert main(["build", str(profile), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_impossible_scan_size_message(tmp_path, capsys):
    cube = tmp_path / "big.stl"
    trimesh.creation.box(extents=[1000, 1000, 1000]).export(cube)
    profile = scan_profile(tmp_path, f'[foot]\nscan = "{cube}"\n')
    assert main(["build", str(profile), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "1000 units long" in err and "scan_units" in err


def test_custom_zones_are_checked_against_the_real_outline(tmp_path, capsys):
    # 258-275 mm lies on a 265 mm parametric insole but beyond the 255 mm tracing
    zone = ('[[zones.custom]]\nname = "toe-relief"\npolygon = [[258, -10], [275, -10], [275, 10], [258, 10]]\n'
            "infill_pct = 8\n")
    traced = scan_profile(tmp_path, f'[foot]\noutline = "{ROOT / "profiles/tracings/jane-left-outline.svg"}"\n' + zone)
    assert main(["build", str(traced), "--out", str(tmp_path / "out"), "--no-preview"]) == 2
    assert "polygon is outside the insole, which spans x 0 to 255 mm" in capsys.readouterr().err
    sized = tmp_path / "sized.toml"
    sized.write_text('[foot]\nsize = "EU 42"\n' + zone)
    assert main(["build", str(sized), "--out", str(tmp_path / "out"), "--no-preview"]) == 0


def test_a_scan_out_of_the_usual_proportions_is_refused_unless_allowed(tmp_path, capsys):
    """A foot-like scan 13 % too wide (ball 0.45 x length: beyond the usual
    0.33-0.43) is refused, not built with a warning afterwards; the
    override builds it and the warning stays."""
    scans = SHARED_SCANS if SHARED_SCANS.is_dir() else EXAMPLE_SCANS
    mesh = trimesh.load(scans / "relief-right.stl", force="mesh")
    read = read_scan(scans / "relief-right.stl")
    m = read.to_frame
    v = np.asarray(mesh.vertices) @ m[:3, :3].T + m[:3, 3]  # into the insole frame (mm)
    v[:, 1] *= 1.13
    wide = tmp_path / "wide.stl"
    trimesh.Trimesh(v, mesh.faces, process=False).export(wide)
    body = f'name = "w"\nside = "right"\n[foot]\nscan = "{wide}"\n'
    profile = scan_profile(tmp_path, body)
    assert main(["build", str(profile), "--out", str(tmp_path / "out"), "--no-preview"]) == 2
    err = capsys.readouterr().err
    assert "the scanned foot's ball is" in err and "(usual 0.33-0.43)" in err and "allow_unusual_shape = true" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
    profile.write_text(body + "allow_unusual_shape = true\n")
    assert main(["build", str(profile), "--out", str(tmp_path / "out"), "--no-preview"]) == 0
    summary = json.loads((tmp_path / "out" / "w" / "build.json").read_text())
    assert any("ball_width_mm" in w and "usual is 0.33-0.43" in w for w in summary["warnings"]), summary["warnings"]
