"""Scans as clinics produce them (issue 8): 15 variants made from the shared real scans
(tests/scan_corpus.py), each read and built through the command line and compared with
the foot it was made from; and shapes that are no foot, refused before anything is built.

The corpus takes about a minute to make (foam blocks meshed at 0.1 mm, point clouds
sampled), so these tests are marked slow and share one corpus per session.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh
from hostile import run_cli, snapshot
from meshtools import assert_solid
from scan_corpus import PRESS_DEPTH_MM, Truth, Variant, apply, corpus, truth, widths

from insolegen.formats.meshes import load_mesh_file
from insolegen.geometry.measure import footprint, top_heights
from insolegen.geometry.solid import Resolution, extrude_height_field

pytestmark = pytest.mark.slow

THICKNESS_MM = 3.0
MARGIN_MM = 6.0  # the top is compared with the sole this far inside the outline
GRID_MM = 3.0


@pytest.fixture(scope="session")
def truths() -> dict[str, Truth]:
    return {side: truth(side) for side in ("left", "right")}


@pytest.fixture(scope="session")
def variants(tmp_path_factory, truths) -> dict[str, Variant]:
    folder = tmp_path_factory.mktemp("scan-corpus")
    return {v.name: v for v in corpus(folder, truths)}


CORPUS_NAMES = [
    "positive-right", "positive-left-upside-down", "positive-right-on-disc", "positive-left-noise",
    "positive-right-holes", "positive-left-cloud", "positive-right-units", "impression-right",
    "impression-left-cropped-toes", "impression-right-cropped-both", "impression-left-into-foam",
    "impression-right-tilted", "impression-left-cloud", "impression-right-cm-into-foam",
    "impression-left-tilted-cropped", "sole-right-cut-15", "sole-left-cut-15-facing-up", "sole-left-cut-25",
    "sole-right-cut-25-facing-up", "sole-right-cut-40", "sole-left-cut-40-facing-up", "sole-right-cut-20-lid",
    "sole-left-cut-15-lid-facing-up", "sole-left-cut-30-on-plate",
]


def test_the_corpus_has_every_variant_the_issue_names(variants):
    assert sorted(variants) == sorted(CORPUS_NAMES)
    assert len(variants) >= 14
    assert {v.side for v in variants.values()} == {"left", "right"}
    assert {v.kind for v in variants.values()} == {"foot", "impression", "sole"}


@pytest.fixture(scope="session")
def built(tmp_path_factory, variants):
    """Each variant built through the CLI with auto kind, side and units (only the
    arbitrary-unit ones are told a length): (build.json, side entry, folder)."""
    out = tmp_path_factory.mktemp("corpus-builds")
    results = {}

    def build(name: str):
        if name in results:
            return results[name]
        v = variants[name]
        profile = out / f"{name}.toml"
        profile.write_text(
            f'name = "{name}"\nside = "{v.side}"\n[foot]\nscan = "{v.path}"\nconform = true\n{v.profile_keys}'
            f"[shape]\nthickness_mm = {THICKNESS_MM}\nheel_thickness_mm = {THICKNESS_MM}\n"
            "heel_cup_depth_mm = 0\narch_height_mm = 0\n")
        run = run_cli("build", str(profile), "--out", str(out), "--no-preview", cwd=out)
        assert run.code == 0, run.err
        summary = json.loads((out / name / "build.json").read_text())
        (entry,) = summary["sides"]
        results[name] = (summary, entry, out / name)
        return results[name]

    return build


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_each_variant_recovers_kind_side_length_and_widths(built, variants, truths, name):
    v = variants[name]
    t = truths[v.side]
    _summary, entry, folder = built(name)
    source = entry["source"]
    assert source["scan_kind"] == v.kind
    assert source["side_detected"] == v.side == entry["side"]
    vertices, faces = load_mesh_file(folder / entry["file"])
    assert_solid(vertices, faces)
    outline = footprint(vertices, faces).polygon
    x0, _, x1, _ = outline.bounds
    length = x1 - x0
    assert length == pytest.approx(t.length_mm, rel=0.015)
    ball, heel = widths(outline, length)
    assert abs(ball - t.ball_width_mm) <= 2.0
    assert abs(heel - t.heel_width_mm) <= 2.0


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_each_variants_insole_top_follows_the_sole(built, variants, truths, name):
    """The true sole (as the file shows it), carried into the insole's frame by the
    transform build.json records, lies THICKNESS_MM under the insole's top."""
    v = variants[name]
    t = truths[v.side]
    _, entry, folder = built(name)
    vertices, faces = load_mesh_file(folder / entry["file"])
    inside = t.outline.buffer(-MARGIN_MM)
    x0, y0, x1, y1 = inside.bounds
    g = np.stack(np.meshgrid(np.arange(x0, x1, GRID_MM), np.arange(y0, y1, GRID_MM)), -1).reshape(-1, 2)
    g = g[shapely.contains_xy(inside, g[:, 0], g[:, 1])]
    sole = t.sole_mm(g[:, 0], g[:, 1])
    if v.kind == "impression":
        g, sole = g[sole < PRESS_DEPTH_MM - 1], sole[sole < PRESS_DEPTH_MM - 1]  # the foam reached
    truth_points = np.column_stack([g, v.surface(g[:, 0], g[:, 1])])
    matrix = np.array(entry["source"]["alignment"]["file_to_insole_frame"])
    points = apply(matrix, apply(v.to_file, truth_points))
    top = top_heights(vertices, faces, points[:, :2])
    seen = np.isfinite(top)
    assert seen.mean() > 0.98
    diff = (top[seen] - THICKNESS_MM) - points[seen, 2]
    assert np.abs(diff).mean() <= 0.3, (np.abs(diff).mean(), np.abs(diff).max())
    # and the sole has relief to follow (a flat top would miss it by far more)
    sole_seen = points[seen, 2]
    assert np.ptp(sole_seen) > 4.0 and np.abs(sole_seen - sole_seen.mean()).mean() > 3 * np.abs(diff).mean()


# -- shapes that are no foot ------------------------------------------------------------


def _rectangle(path: Path) -> None:
    trimesh.creation.box(extents=[270, 100, 30]).export(path)  # a foot's size, a slab's shape


def _sphere(path: Path) -> None:
    trimesh.creation.icosphere(subdivisions=4, radius=120).export(path)


def _plane(path: Path) -> None:
    v = np.array([[0, 0, 0], [270, 0, 0], [270, 110, 0], [0, 110, 0]], float)
    trimesh.Trimesh(v, [[0, 1, 2], [0, 2, 3]], process=False).export(path)


def _shoe_box_with_a_dent(path: Path) -> None:
    """A shoe-box-sized block (330 x 200 x 120 mm) with a shallow oval dent in its top:
    3 mm deep, 250 x 150 mm (a thumb pressed in, not a foot)."""
    dent = shapely.Point(165, 100).buffer(1.0, quad_segs=32)
    dent = shapely.affinity.scale(dent, 125, 75)
    ring = shapely.LinearRing(dent.exterior.coords)

    def height(x, y):
        inside = shapely.contains_xy(dent, x, y)
        wall = np.clip(shapely.distance(ring, shapely.points(x, y)) / 4.0, 0, 1)
        return 120.0 - np.where(inside, 3.0 * wall, 0.0)

    edge = shapely.get_coordinates(shapely.LinearRing([(0, 0), (330, 0), (330, 200), (0, 200)]).segmentize(4.0))[:-1]
    block = extrude_height_field(edge, height, Resolution(tolerance_mm=0.2, start_area_mm2=40.0))
    trimesh.Trimesh(block.vertices, block.faces, process=False).export(path)


@pytest.mark.parametrize("make, says", [
    (_rectangle, ("fills the whole scan", "near-rectangle", "allow_unusual_shape")),
    (_sphere, ("not a foot|does not look like a foot|which foot",)),
    (_plane, ("flat|plane",)),
    (_shoe_box_with_a_dent, ("does not look like a foot|no foot|not a foot", "scan_kind")),
], ids=["rectangle", "sphere", "plane", "shoe-box-with-a-shallow-dent"])
def test_shapes_that_are_no_foot_are_refused(tmp_path, make, says):
    scan = tmp_path / "scan.stl"
    make(scan)
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "x"\nside = "right"\n[foot]\nscan = "{scan}"\n')
    before = snapshot(tmp_path)
    run = run_cli("build", str(profile), "--out", str(tmp_path / "out"), "--no-preview", cwd=tmp_path)
    assert run.code == 2, run.err
    line = run.err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "foot.scan" in line
    for pattern in says:
        assert re.search(pattern, line), line
    assert snapshot(tmp_path) == before  # nothing written


def test_a_foam_block_read_as_a_foot_is_refused_with_the_key_that_helps(tmp_path, variants):
    """The issue's own case: an impression told scan_kind = "foot" is a block-sized
    region that fills the scan; the message says so and names scan_kind."""
    v = variants["impression-right-cropped-both"]
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "x"\nside = "right"\n[foot]\nscan = "{v.path}"\nscan_kind = "foot"\n')
    run = run_cli("build", str(profile), "--out", str(tmp_path / "out"), "--no-preview", cwd=tmp_path)
    assert run.code == 2
    assert 'scan_kind = "impression"' in run.err and "fills the whole scan" in run.err, run.err
    assert not (tmp_path / "out").exists()


def test_allow_unusual_shape_builds_what_the_gate_refuses(tmp_path):
    scan = tmp_path / "slab.stl"
    _rectangle(scan)
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "x"\nside = "right"\n[foot]\nscan = "{scan}"\nscan_side = "right"\n'
                       "allow_unusual_shape = true\n")
    run = run_cli("build", str(profile), "--out", str(tmp_path / "out"), "--no-preview", cwd=tmp_path)
    assert run.code == 0, run.err
    assert (tmp_path / "out" / "x" / "x-right.stl").exists()
