"""Every catalogue profile and every example in profiles/ builds into valid solids."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from catalogue import PROFILES
from meshtools import assert_solid
from sweeps import cases

from insolegen.build.pipeline import build_profile
from insolegen.checks.meshcheck import check_mesh
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.exports.stl import stl_bytes
from insolegen.inputs.feet import resolve_feet
from insolegen.profile import load_profile


def _resolved(path):
    """The example's profile with its tracing or scan read (the foot stage)."""
    return resolve_feet(load_profile(path))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "profiles").glob("*.toml"))


@pytest.mark.parametrize("key", cases(sorted(PROFILES), 4))
def test_catalogue_builds_valid_solids(built, key):
    result = built(key)
    for part, side in zip(result.parts, result.record.sides):
        v, f = part.mesh.vertices, part.mesh.faces
        assert_solid(v, f)
        report = check_mesh(v, f)
        assert report.ok, report.problems
        assert report.degenerate_faces == 0 and report.duplicate_faces == 0
        assert report.thinnest_mm >= PRINTABLE_MIN_MM - 1e-9
        # a height-field solid is thinnest where its top is lowest above its underside
        # (a top vertex; the underside is the bed, or a shoe's footbed)
        above = v[:, 2] - part.surface.footbed_mm(v[:, 0])
        lowest_top = above[above > 1e-3].min()
        # (on a footbed both caps curve: the top is meshed to 0.04 mm and the underside
        # to 0.02 mm between their vertices, so a section may be 0.06 mm thinner)
        slack = 0.06 if part.surface.has_footbed else 1e-9
        # a shortened device's front edge is skived to the printable minimum (issue 28)
        least = PRINTABLE_MIN_MM if part.spec.length != "full" else min(part.spec.thickness_mm,
                                                                         part.spec.heel_thickness_mm)
        assert lowest_top >= least + part.spec.modifications.top_cover_mm - slack
        assert lowest_top - slack <= report.thinnest_mm <= lowest_top + 0.3
        assert v[:, 2].min() == 0.0 and v[:, 0].min() == pytest.approx(0.0, abs=1e-9)
        assert part.mesh.triangle_count <= 60000
        for name, h in side.heights.items():
            assert h.measured_mm == pytest.approx(h.expected_mm, abs=0.1), (key, name)


@pytest.mark.parametrize("key", sorted(PROFILES))
def test_stl_round_trip_keeps_the_solid(built, key, tmp_path):
    import trimesh

    part = built(key).parts[0]
    path = tmp_path / "x.stl"
    path.write_bytes(stl_bytes(part.mesh))
    loaded = trimesh.load(path, force="mesh")
    assert loaded.is_volume
    assert loaded.volume == pytest.approx(trimesh.Trimesh(part.mesh.vertices, part.mesh.faces).volume, rel=1e-5)
    assert np.allclose(loaded.bounds, [part.mesh.vertices.min(0), part.mesh.vertices.max(0)], atol=1e-4)


def test_there_are_examples_of_each_kind():
    names = {p.stem for p in EXAMPLES}
    assert {"plain-eu42", "lld-left-lift", "orthotic-pair", "scan-relief-pair", "traced-outline"} <= names
    lift = _resolved(ROOT / "profiles" / "lld-left-lift.toml")
    assert lift.lift and lift.lift["side"] == "left"
    ortho = _resolved(ROOT / "profiles" / "orthotic-pair.toml").sides[1]
    assert ortho.arch_height_mm > 0 and ortho.heel_cup_depth_mm > 0
    assert ortho.met_pad_height_mm > 0 and ortho.rearfoot_post_deg != 0


@pytest.mark.parametrize("path", cases(EXAMPLES, 4), ids=[p.stem for p in EXAMPLES])
def test_examples_build(path):
    # the lattice parts (tens of seconds) are built and checked in test_lattice.py
    result = build_profile(dataclasses.replace(_resolved(path), lattice=None))
    assert result.parts
    for part in result.parts:
        assert_solid(part.mesh.vertices, part.mesh.faces)
    profile = result.profile
    for part, side in zip(result.parts, result.record.sides):
        heights = side.heights
        heel = heights["heel_centre"].measured_mm
        lift = profile.lift["heel_mm"] if profile.lift and profile.lift["side"] == part.spec.side else 0

        def sole(name: str, part=part) -> float:
            """What a conforming scan's sole and the [modifications] add there (a heel
            relief takes from the heel centre, a head relief from the MTH line), less a
            pressure map's relief (its depth under the top without it)."""
            import dataclasses

            from insolegen.geometry.modifications import modifications_mm

            x, y = part.landmark_points()[name]
            at = (np.array([x]), np.array([y]))
            added = float(part.surface.sole_mm(*at)[0] + modifications_mm(part.surface.modification_terms, *at)[0])
            relief = part.surface.pressure_relief
            if relief is not None:
                plain = dataclasses.replace(part.surface, pressure_relief=None)
                added -= float(relief.depth_mm(*at, plain.height_mm(*at))[0])
            return added

        if part.spec.rearfoot_post_deg == 0:
            cover = part.spec.modifications.top_cover_mm  # a layer added on top
            assert heel == pytest.approx(part.spec.heel_thickness_mm + lift + sole("heel_centre") + cover, abs=0.1)
        if "metatarsal_heads" in heights and part.spec.forefoot_post_deg == 0:
            fore = profile.lift["forefoot_mm"] if lift else 0
            assert heights["metatarsal_heads"].measured_mm == pytest.approx(
                part.spec.thickness_mm + fore + sole("metatarsal_heads") + part.spec.modifications.top_cover_mm, abs=0.1
            )


@pytest.mark.parametrize("example", ["plain-eu42", "traced-outline"])
def test_a_mirror_twin_is_the_side_built_on_its_own(example):
    """A pair whose sides differ only in the foot is built once and mirrored; the
    mirrored side must be exactly what building and checking it would give."""
    import dataclasses

    from insolegen.build.pipeline import _checked
    from insolegen.build.side import build_side, mirror_twins

    # unlabelled: each side's own label (L / R) makes labelled sides no mirror twins
    profile = dataclasses.replace(_resolved(ROOT / "profiles" / f"{example}.toml"), label=False)
    left, right = profile.sides
    assert mirror_twins(left, right) and not mirror_twins(left, dataclasses.replace(right, arch_height_mm=9.0))
    result = build_profile(profile)
    twin, report = result.parts[1], result.reports[1]
    built = build_side(right, zones=profile.zones)
    assert np.array_equal(twin.mesh.vertices, built.mesh.vertices) and np.array_equal(twin.mesh.faces, built.mesh.faces)
    for a, b in zip(twin.zones, built.zones):
        assert a.name == b.name and np.array_equal(a.mesh.vertices, b.mesh.vertices)
    own = _checked("x", built)
    # the same report, but for the last bits of float sums taken in another order
    floats = ("volume_mm3", "thinnest_mm", "thinnest_wall_mm")
    assert dataclasses.replace(report, **{k: getattr(own, k) for k in floats}) == own
    for key in floats:
        assert getattr(report, key) == pytest.approx(getattr(own, key), rel=1e-12), key
    assert_solid(twin.mesh.vertices, twin.mesh.faces)
