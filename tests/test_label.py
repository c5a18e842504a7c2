"""The label engraved into each part's underside (issue 9): side and patient id, 0.6 mm
deep, readable from below, clear of the edge, the solid still valid and printable."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from meshtools import assert_solid

from insolegen.build.pipeline import build_profile
from insolegen.checks.meshcheck import check_part
from insolegen.cli import main
from insolegen.geometry.label import EDGE_CLEARANCE_MM, LABEL_DEPTH_MM, LABEL_HEIGHT_MM, label_text, text_outline_mm
from insolegen.geometry.measure import footprint
from insolegen.profile import profile_from_dict


def build(extra: dict | None = None, **shape):
    return build_profile(profile_from_dict({"name": "Ana Lima", "patient": {"id": "P-2291"},
                                            "foot": {"size": "EU 42"}, "shape": shape, **(extra or {})}))


@pytest.fixture(scope="module")
def labelled():
    return build()


def _engraved(part) -> shapely.Geometry:
    """What the underside lacks: the label as cut, read off the mesh (faces facing down
    at the label's depth)."""
    v, f = part.mesh.vertices, part.mesh.faces
    tri = v[f]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    ceiling = (np.abs(tri[:, :, 2] - LABEL_DEPTH_MM).max(axis=1) < 1e-6) & (n[:, 2] < 0)
    return shapely.union_all([shapely.Polygon(t[:, :2]) for t in tri[ceiling]])


def test_every_part_carries_its_side_and_the_patients_id(labelled):
    for side, part in zip(labelled.record.sides, labelled.parts):
        assert side.label == f"{'L' if side.side == 'left' else 'R'} P-2291"
        assert part.label is not None and part.label.text == side.label
        assert_solid(part.mesh.vertices, part.mesh.faces)
        assert check_part(part.mesh.vertices, part.mesh.faces).ok
        cut = _engraved(part)
        # the cut is the label, LABEL_DEPTH_MM up into the underside
        assert cut.area == pytest.approx(part.label.outline.area, rel=0.01)
        assert part.mesh.vertices[:, 2].min() == 0.0
        # clear of the edge
        outline = footprint(part.mesh.vertices, part.mesh.faces).polygon
        assert shapely.Polygon(outline.exterior).buffer(-EDGE_CLEARANCE_MM).contains(part.label.outline)


def test_the_text_is_tall_enough_and_mirrored_to_read_from_below(labelled):
    for part in labelled.parts:
        x0, y0, x1, y1 = part.label.outline.bounds
        # capitals LABEL_HEIGHT_MM tall; with the hyphen and the digits at most 1.3x that
        assert LABEL_HEIGHT_MM - 0.2 <= y1 - y0 <= 1.3 * LABEL_HEIGHT_MM
        assert x1 - x0 > y1 - y0  # along the foot
        # the letters as seen from above are the text mirrored in y: reflected back, they
        # are the text itself
        text = text_outline_mm(part.label.text)
        seen = shapely.affinity.scale(part.label.outline, 1.0, -1.0, origin=part.label.centre)
        seen = shapely.affinity.translate(seen, -part.label.centre[0], -part.label.centre[1])
        assert text.symmetric_difference(seen).area < 0.1 * text.area


def test_the_label_stays_out_of_the_lifts_heel():
    result = build({"lift": {"side": "left", "heel_mm": 8}})
    for part in result.parts:
        x0 = part.label.outline.bounds[0]
        assert x0 > 0.34 * part.spec.foot_length_mm  # ahead of the heel (rearfoot ends at 0.34)


def test_label_false_engraves_nothing():
    result = build({"print": {"label": False}})
    for side, part in zip(result.record.sides, result.parts):
        assert side.label is None and part.label is None
        assert _engraved(part).is_empty


def test_a_part_too_thin_for_the_label_is_left_unlabelled_with_a_warning():
    result = build(thickness_mm=1.5, heel_thickness_mm=1.5, arch_height_mm=0)
    assert all(side.label is None for side in result.record.sides)
    assert any("no label engraved" in w and "needs 1.8 mm" in w for w in result.record.warnings)


@pytest.mark.parametrize("pid, name, expect", [
    (None, "x", "R x"), ("P-2291", "x", "R P-2291"), ("ÄÖ-1", "x", "R -1"),
    (None, "a-very-long-file-stem-indeed", "R a-very-long-file"),
])
def test_label_text(pid, name, expect):
    assert label_text("right", pid, name) == expect


def test_a_long_name_is_shortened_until_it_clears_the_edge():
    result = build_profile(profile_from_dict({"name": "Maximiliane Wolkenstein-Oberhausen", "foot": {"size": "EU 35"}}))
    for side, part in zip(result.record.sides, result.parts):
        assert side.label.startswith(("L ", "R ")) and len(side.label) <= 18
        outline = footprint(part.mesh.vertices, part.mesh.faces).polygon
        assert shapely.Polygon(outline.exterior).buffer(-EDGE_CLEARANCE_MM).contains(part.label.outline)


def test_the_label_is_in_build_json_and_check_passes_the_files(tmp_path, capsys):
    profile = tmp_path / "p.toml"
    profile.write_text('name = "Ana Lima"\n[patient]\nid = "P-2291"\n[foot]\nsize = "EU 42"\n', encoding="utf-8")
    assert main(["build", str(profile), "--out", str(tmp_path), "--no-preview"]) == 0
    folder = tmp_path / "ana-lima-p-2291"
    summary = json.loads((folder / "build.json").read_text())
    assert [s["label"] for s in summary["sides"]] == ["L P-2291", "R P-2291"]
    files = sorted(str(p) for p in folder.iterdir() if p.suffix in (".stl", ".3mf"))
    assert main(["check", *files]) == 0


def _slab(floor=None):
    """A 40 x 20 mm slab, 5 mm thick: flat on the bed, or standing on ``floor``."""
    from insolegen.geometry.solid import extrude_height_field

    square = np.array([[0.0, 0], [40, 0], [40, 20], [0, 20]])
    ring = np.vstack([np.linspace(square[k], square[(k + 1) % 4], 40, endpoint=False) for k in range(4)])
    return extrude_height_field(ring, lambda x, y: np.full(np.shape(x), 5.0), floor=floor,
                                floor_curvature_per_mm=0.0 if floor is None else 0.01)


def test_a_recess_is_cut_into_the_flat_underside_and_the_solid_stays_closed():
    from meshtools import assert_solid

    from insolegen.geometry.recess import recess_underside

    slab = _slab()
    # an "O": a 10 x 6 mm ring whose 4 x 2 mm counter stays solid
    letter = shapely.box(5, 7, 15, 13).difference(shapely.box(8, 9, 12, 11))
    cut = recess_underside(slab, letter, 0.6)
    assert_solid(cut.vertices, cut.faces)
    assert check_part(cut.vertices, cut.faces).ok
    tri = cut.vertices[cut.faces]
    volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6
    assert volume == pytest.approx(40 * 20 * 5 - 0.6 * (60 - 8), abs=1e-9)  # by hand: (10x6 - 4x2) x 0.6
    # the ceiling is the letter, 0.6 mm up; the counter and the rest stay on the bed
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    ceiling = (np.abs(tri[:, :, 2] - 0.6).max(axis=1) < 1e-12) & (n[:, 2] < 0)
    assert shapely.union_all([shapely.Polygon(t[:, :2]) for t in tri[ceiling]]).symmetric_difference(
        letter).area < 1e-9
    bed = (tri[:, :, 2].max(axis=1) == 0) & (n[:, 2] < 0)
    assert 0.5 * np.abs(n[bed, 2]).sum() == pytest.approx(800 - 52, abs=1e-9)
    # the top, its walls and the outline are untouched
    top = np.sort(slab.vertices[slab.vertices[:, 2] == 5.0], axis=0)
    assert np.array_equal(np.sort(cut.vertices[cut.vertices[:, 2] == 5.0], axis=0), top)


def test_a_recess_in_a_curved_underside_keeps_its_depth_everywhere():
    from meshtools import assert_solid

    from insolegen.geometry.recess import recess_underside

    def floor(x, y=None):
        return 0.004 * (np.asarray(x) - 20.0) ** 2  # 1.6 mm up at the ends

    slab = _slab(floor)
    letter = shapely.box(2, 7, 30, 13)
    cut = recess_underside(slab, letter, 0.6, lambda x: floor(x))
    assert_solid(cut.vertices, cut.faces)
    assert check_part(cut.vertices, cut.faces).ok
    tri = cut.vertices[cut.faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    down = n[:, 2] < 0
    lifted = tri[down][np.abs(tri[down][:, :, 2] - floor(tri[down][:, :, 0])).min(axis=1) > 0.3]
    assert len(lifted) and np.allclose(lifted[:, :, 2], floor(lifted[:, :, 0]) + 0.6, atol=1e-12)
    assert shapely.union_all([shapely.Polygon(t[:, :2]) for t in lifted]).symmetric_difference(letter).area < 1e-9


def test_a_rings_point_in_line_with_its_neighbours_is_dropped():
    # Kept, it would leave a zero-area triangle between two segments Triangle may not
    # split (it did on an EU M 39 label: tests/test_cli_edges.py builds that one).
    from insolegen.geometry.recess import _without_straight_points

    ring = np.array([[0.0, 0], [3, 1e-15], [6, 2e-15], [10, 0], [10, 5], [5, 5 + 1e-3], [0, 5]])
    kept = _without_straight_points(ring)
    assert kept.tolist() == [[0.0, 0], [10, 0], [10, 5], [5, 5 + 1e-3], [0, 5]]  # 1 um off the line stays


def test_a_recess_off_the_underside_or_with_touching_rings_is_refused():
    from insolegen.geometry.recess import RecessError, recess_underside

    slab = _slab()
    with pytest.raises(RecessError, match="leaves the underside"):
        recess_underside(slab, shapely.box(35, 5, 45, 10), 0.6)
    touching = shapely.MultiPolygon([shapely.box(5, 5, 10, 10), shapely.box(10, 10, 15, 15)])
    with pytest.raises(RecessError, match="touch"):
        recess_underside(slab, touching, 0.6)
    bowtie = shapely.Polygon([(5, 5), (10, 10), (10, 5), (5, 10)])
    with pytest.raises(RecessError, match="not a valid polygon"):
        recess_underside(slab, bowtie, 0.6)


def test_the_cuts_that_once_left_a_needle_or_a_cap_build_and_check():
    from insolegen.build.pipeline import build_profile
    from insolegen.profile import profile_from_dict

    for side, toe in (("left", 0.0), ("right", 17.8)):
        result = build_profile(profile_from_dict({
            "name": "s", "side": side, "foot": {"size": "EU 42"}, "shape": {"heel_cup_depth_mm": 16},
            "modifications": {"medial_heel_skive_mm": 3},
            "shoe": {"heel_pitch_mm": 17.1 if toe == 0 else 17.0, "toe_spring_mm": toe, "bottom": "shoe"}}))
        assert result.parts[0].label is not None and result.reports[0].ok


def test_a_flat_cap_with_a_sliver_is_made_again_as_a_quality_mesh(monkeypatch):
    # The rings alone (constrained Delaunay) are the flat cap, unless a triangle comes
    # out near zero area: then Triangle's quality mesh is made instead. Forced here by
    # calling every triangle a sliver.
    from meshtools import assert_solid

    import insolegen.geometry.recess as recess

    made = []
    real = recess._triangulated
    monkeypatch.setattr(recess, "_triangulated", lambda *a: made.append(a[2]) or real(*a))
    letter = shapely.box(5, 7, 15, 13)
    plain = recess.recess_underside(_slab(), letter, 0.6)
    monkeypatch.setattr(recess, "SLIVER_AREA_MM2", 1e9)
    quality = recess.recess_underside(_slab(), letter, 0.6)
    assert made == ["pYY", "pYY", "pq10YY"]
    assert_solid(quality.vertices, quality.faces)
    assert quality.triangle_count > plain.triangle_count  # the quality mesh adds points of its own
    for mesh in (plain, quality):
        tri = mesh.vertices[mesh.faces]
        volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6
        assert volume == pytest.approx(40 * 20 * 5 - 0.6 * 60, abs=1e-9)
