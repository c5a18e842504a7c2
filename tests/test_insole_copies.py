"""Insole copies (issue 23): an insole's scan, closed or an open top sheet, any way up
in its file, is found to be an insole and copied: the new insole's outline and top are
the scanned one's (the top within 0.3 mm, measured on both meshes by rays), and the
prescription's lift and modifications go on top. A scan that is neither foot nor
insole is refused.

No public scan of an insole with a licence that allows keeping it was found (the
search is in the issue's note), so the insoles scanned here are insolegen's own, built
with a deep heel cup, a high arch and a lift, then moved by a random rotation (and
turned over), as a scanner would leave them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh
from hostile import run_cli
from meshtools import assert_solid
from scan_corpus import affine, apply, rotation

from insolegen.formats.meshes import load_mesh_file
from insolegen.geometry.measure import footprint, top_heights

pytestmark = pytest.mark.slow

SHEET_THICKNESS_MM = 3.0  # the profile's thickness_mm under a copied top sheet
MARGIN_MM = 5.0  # the tops are compared this far inside the outline
GRID_MM = 3.0


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[np.ndarray, np.ndarray]:
    """A device to copy: EU 42, a 16 mm heel cup, an 18 mm arch, 4 mm heel, 3 mm forefoot,
    a 5 degree rearfoot post (its right-foot frame: the truth)."""
    out = tmp_path_factory.mktemp("device")
    (out / "device.toml").write_text(
        'name = "device"\nside = "right"\n[foot]\nsize = "EU 42"\n[shape]\nheel_cup_depth_mm = 16\n'
        "arch_height_mm = 18\nthickness_mm = 3\nheel_thickness_mm = 4\nrearfoot_post_deg = 5\n")
    run = run_cli("build", str(out / "device.toml"), "--out", str(out), "--no-preview", cwd=out)
    assert run.code == 0, run.err
    return load_mesh_file(out / "device" / "device-right.stl")


def _scan(original, folder: Path, name: str, *, seed: int, sheet: bool,
          turned: bool) -> tuple[Path, np.ndarray, shapely.Polygon]:
    """The device as a scanner leaves it: all of it, or its top sheet only (the faces
    looking up); turned over or not; moved by a random rotation and shift. (path, the
    4x4 from the device's frame to the file's, the outline of what was scanned, seen
    from above in the device's frame)."""
    vertices, faces = original
    if sheet:
        tri = vertices[faces]
        normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        up = normal[:, 2] / np.linalg.norm(normal, axis=1) > 0.05
        mesh = trimesh.Trimesh(vertices, faces[up], process=False)
        mesh.remove_unreferenced_vertices()
        vertices, faces = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    linear = rotation(seed) @ (np.diag([1.0, -1.0, -1.0]) if turned else np.eye(3))
    to_file = affine(linear, np.random.default_rng(seed).normal(size=3) * 100)
    path = folder / f"{name}.stl"
    trimesh.Trimesh(apply(to_file, vertices), faces, process=False).export(path)
    return path, to_file, _silhouette(vertices, faces)


def _silhouette(vertices: np.ndarray, faces: np.ndarray) -> shapely.Polygon:
    """What a mesh covers seen from above: the union of its triangles' shadows."""
    tri = vertices[faces][:, :, :2]
    (ax, ay), (bx, by) = (tri[:, 1] - tri[:, 0]).T, (tri[:, 2] - tri[:, 0]).T
    area = 0.5 * np.abs(ax * by - ay * bx)
    shadows = shapely.polygons(tri[area > 1e-9])
    union = shapely.union_all(shadows, grid_size=1e-4)
    return shapely.Polygon(max(shapely.get_parts(union), key=lambda g: g.area).exterior)


def _copy(folder: Path, scan: Path, extra: str = "") -> tuple[dict, np.ndarray, np.ndarray]:
    profile = folder / "copy.toml"
    profile.write_text(f'name = "copy"\nside = "right"\n[foot]\nscan = "{scan}"\n[shape]\n'
                       f"thickness_mm = {SHEET_THICKNESS_MM}\n{extra}")
    run = run_cli("build", str(profile), "--out", str(folder / "out"), "--no-preview", cwd=folder)
    assert run.code == 0, run.err
    record = json.loads((folder / "out" / "copy" / "build.json").read_text())
    vertices, faces = load_mesh_file(folder / "out" / "copy" / record["sides"][0]["file"])
    return record, vertices, faces


def _truth_top(original, step: float = GRID_MM) -> np.ndarray:
    """Points on the device's top, in its own frame, inside its outline by MARGIN_MM."""
    vertices, faces = original
    inside = footprint(vertices, faces).polygon.buffer(-MARGIN_MM)
    x0, y0, x1, y1 = inside.bounds
    g = np.stack(np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step)), -1).reshape(-1, 2)
    g = g[shapely.contains_xy(inside, g[:, 0], g[:, 1])]
    return np.column_stack([g, top_heights(vertices, faces, g)])


@pytest.mark.parametrize("sheet, turned, seed", [(False, False, 31), (False, True, 32), (True, False, 33),
                                                  (True, True, 34)],
                         ids=["closed", "closed-turned-over", "top-sheet", "top-sheet-turned-over"])
def test_an_insoles_scan_is_copied_within_0_3_mm(tmp_path, original, sheet, turned, seed):
    scan, to_file, scanned = _scan(original, tmp_path, "scan", seed=seed, sheet=sheet, turned=turned)
    record, vertices, faces = _copy(tmp_path, scan)
    side = record["sides"][0]
    assert side["source"]["scan_kind"] == "insole" and side["source"]["side_detected"] == "right"
    assert side["source"]["open_sheet"] is sheet
    assert_solid(vertices, faces)
    # the device's top, carried into the copy's frame by the transform build.json records
    truth = _truth_top(original)
    matrix = np.array(side["source"]["alignment"]["file_to_insole_frame"])
    # the device's up is the copy's up (a top read from below would match itself upside down)
    assert (matrix @ to_file)[2, 2] > 0.99
    points = apply(matrix, apply(to_file, truth))
    top = top_heights(vertices, faces, points[:, :2])
    seen = np.isfinite(top)
    assert seen.mean() > 0.98
    # a closed scan's top stands over its own bottom; a sheet's lowest point on the profile's thickness
    diff = top[seen] - points[seen, 2] - (SHEET_THICKNESS_MM if sheet else 0.0)
    assert np.abs(diff).mean() <= 0.3, (np.abs(diff).mean(), np.abs(diff).max())
    assert np.percentile(np.abs(diff), 95) <= 0.6
    # the outline is the scanned one's: carried into the copy's frame, within 1 mm everywhere
    ours = footprint(vertices, faces).polygon
    ring = shapely.get_coordinates(scanned.exterior)
    theirs = shapely.Polygon(apply(matrix, apply(to_file, np.column_stack([ring, np.zeros(len(ring))])))[:, :2])
    assert shapely.hausdorff_distance(ours.exterior, theirs.exterior) <= 1.0
    assert ours.area == pytest.approx(theirs.area, rel=0.01)
    # and the heel cup and arch were not added twice: the copy is no higher than the device
    assert np.nanmax(top) <= np.nanmax(points[:, 2]) + (SHEET_THICKNESS_MM if sheet else 0) + 0.5


def test_a_lift_and_a_met_pad_go_on_top_of_the_copy(tmp_path, original):
    """The prescription on top: a 6 mm heel lift adds 6 mm at the heel (and nothing at the
    toes of a lift that tapers to 0 there); a 5 mm metatarsal bar raises the copy behind
    the heads, nowhere else."""
    scan, _, _ = _scan(original, tmp_path, "scan", seed=35, sheet=False, turned=False)
    (tmp_path / "plain").mkdir()
    (tmp_path / "lifted").mkdir()
    plain, pv, pf = _copy(tmp_path / "plain", scan)
    prescription = '[lift]\nside = "right"\nheel_mm = 6\nforefoot_mm = 0\n[modifications]\nmet_bar_mm = 5\n'
    lifted, lv, lf = _copy(tmp_path / "lifted", scan, prescription)
    m = np.array(plain["sides"][0]["source"]["alignment"]["file_to_insole_frame"])
    assert np.allclose(m, np.array(lifted["sides"][0]["source"]["alignment"]["file_to_insole_frame"]))
    length = footprint(pv, pf).polygon.bounds[2]
    heel = np.array([[0.12 * length, 0.0]])
    toes = np.array([[0.95 * length, footprint(pv, pf).polygon.centroid.y]])
    assert top_heights(lv, lf, heel)[0] - top_heights(pv, pf, heel)[0] == pytest.approx(6.0, abs=0.3)
    assert top_heights(lv, lf, toes)[0] == pytest.approx(top_heights(pv, pf, toes)[0], abs=0.3)
    bar = np.array([[0.62 * length, 0.0]])
    assert top_heights(lv, lf, bar)[0] - top_heights(pv, pf, bar)[0] > 2.0  # the bar (and the lift's share there)


def test_a_scan_that_is_neither_foot_nor_insole_is_refused(tmp_path):
    """A closed slab 10 mm thick with a foot's outline and a dished top: too thick for an
    insole, too thin for a foot: one line saying what was measured and the keys."""
    from insolegen.geometry.solid import Resolution, extrude_height_field

    foot = shapely.Point(0, 0).buffer(1.0, quad_segs=32)
    foot = shapely.affinity.scale(foot, 130, 50)
    foot = shapely.affinity.translate(foot.union(shapely.affinity.translate(shapely.affinity.scale(foot, 0.7, 0.75),
                                                                            -60, 0)), 140, 0)
    edge = shapely.get_coordinates(shapely.Polygon(foot.exterior).segmentize(3.0))[:-1]

    def height(x, y):
        return 10.5 + 0.0 * x

    block = extrude_height_field(edge, height, Resolution(tolerance_mm=0.2, start_area_mm2=40.0))
    scan = tmp_path / "slab.stl"
    trimesh.Trimesh(block.vertices, block.faces, process=False).export(scan)
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "x"\nside = "right"\n[foot]\nscan = "{scan}"\n')
    run = run_cli("build", str(profile), "--out", str(tmp_path / "out"), "--no-preview", cwd=tmp_path)
    assert run.code == 2, run.err
    (line,) = run.err.strip().splitlines()
    assert "neither a foot" in line and 'scan_kind = "insole"' in line and "10.5 mm thick" in line, line
    assert not (tmp_path / "out").exists()
