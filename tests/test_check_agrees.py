"""`insolegen check` accepts every part `build` writes: the shipped examples and a sweep
of random valid profiles, zones included (build runs the same checks; issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sweeps import examples
from test_properties import valid_profiles

from insolegen.build.pipeline import build_profile
from insolegen.checks.meshcheck import WALL_SAMPLES, check_part
from insolegen.cli import main
from insolegen.exports.bundle import render_build
from insolegen.profile import profile_from_dict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "profiles").glob("*.toml"))


def _check_all(folder: Path, capsys) -> None:
    files = sorted(str(p) for p in folder.iterdir() if p.suffix in (".stl", ".3mf"))
    assert files
    code = main(["check", *files])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "NOT PRINTABLE" not in out


@pytest.mark.slow
@pytest.mark.parametrize("profile", EXAMPLES, ids=lambda p: p.stem)
def test_check_accepts_every_example_part(profile, tmp_path, capsys):
    assert main(["build", str(profile), "--out", str(tmp_path), "--no-preview"]) == 0
    capsys.readouterr()
    (folder,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    _check_all(folder, capsys)


@pytest.mark.slow
@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=valid_profiles())
def test_check_accepts_every_part_of_a_random_profile(doc, tmp_path_factory, capsys):
    doc = dict(doc, name="sweep")
    result = build_profile(profile_from_dict(doc))  # raises if its own checks fail
    folder = tmp_path_factory.mktemp("sweep")
    for name, data in render_build(result).items():
        (folder / name).write_bytes(data)
    _check_all(folder, capsys)


def test_a_sloping_top_meeting_the_side_is_an_edge_not_a_thin_wall():
    """A wedge: vertical side 10 mm tall, top falling 45 degrees from it to a 2 mm
    base. Rays from the top near the edge hit the side a hair away; that is the edge's
    angle, not a wall, and the part is printable. A 0.6 mm plate still is not."""
    import numpy as np
    import trimesh

    wedge = trimesh.creation.extrude_polygon(
        __import__("shapely").Polygon([(0, 0), (8, 0), (8, 2), (0, 10)]), height=40.0)
    wedge.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    wedge.apply_translation(-wedge.bounds[0])  # on the bed: x 0-8, z 0-10 (sides vertical)
    report = check_part(wedge.vertices, wedge.faces)
    assert report.ok, report.problems
    assert report.thinnest_wall_mm == pytest.approx(2.0, abs=0.05) or report.thinnest_wall_mm >= 2.0

    plate = trimesh.creation.box(extents=(40, 40, 0.6))
    plate.apply_translation(-plate.bounds[0])
    thin = check_part(plate.vertices, plate.faces)
    assert not thin.ok and any("too thin" in p for p in thin.problems)
    assert WALL_SAMPLES >= 1000


def test_a_rounded_part_is_judged_by_its_walls_not_its_silhouette():
    """A 100 mm ball: vertical rays beside its silhouette cut chords far under 1.2 mm
    between steep faces, and rays from a fine curved mesh once asked trimesh for 5.7 GB;
    it is a solid ball, printable, measured in bounded memory."""
    import trimesh

    ball = trimesh.creation.icosphere(subdivisions=6, radius=50.0)
    ball.apply_translation([0, 0, 50])
    report = check_part(ball.vertices, ball.faces)
    assert report.ok, report.problems
    assert report.thinnest_wall_mm == float("inf")  # no wall within reach: a solid ball
    assert report.thinnest_mm > 50.0  # only sections between near-level faces count
