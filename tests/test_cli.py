"""The command line, run in-process: outputs, exit codes, messages, no partial files."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest
from meshtools import assert_solid

from insolegen.cli import main
from insolegen.formats.meshes import load_mesh_file

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_new_build_check_round_trip(tmp_path, capsys):
    profile = tmp_path / "profiles" / "me.toml"
    code, out, _ = run(capsys, "new", str(profile), "--size", "EU 42")
    assert code == 0 and profile.exists()
    assert 'size = "EU 42"' in profile.read_text()

    out_dir = tmp_path / "outputs"
    code, out, err = run(capsys, "build", str(profile), "--out", str(out_dir))
    assert code == 0, err
    folder = out_dir / "me"
    assert sorted(p.name for p in folder.iterdir()) == [
        "build.json", "me-left.3mf", "me-left.orca.3mf", "me-left.stl",
        "me-right.3mf", "me-right.orca.3mf", "me-right.stl", "preview.png", "report.html",
    ]
    umask = os.umask(0)
    os.umask(umask)
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~umask for p in folder.iterdir())  # not private

    summary = json.loads((folder / "build.json").read_text())
    assert summary["name"] == "me" and summary["units"] == "mm"
    for side in summary["sides"]:
        stl = folder / side["file"]
        data = stl.read_bytes()
        (count,) = struct.unpack("<I", data[80:84])
        assert len(data) == 84 + 50 * count  # binary STL
        assert count == side["triangles"]
        vertices, faces = load_mesh_file(stl)
        mesh = assert_solid(vertices, faces)
        assert mesh.volume == pytest.approx(side["volume_mm3"], rel=1e-4)
        assert vertices[:, 2].min() == 0.0
        assert side["outline"]["length_mm"] == pytest.approx(265, abs=1)
        for name, h in side["heights"].items():
            assert h["measured_mm"] == pytest.approx(h["expected_mm"], abs=0.1), name
        assert side["heights"]["heel_centre"]["measured_mm"] == pytest.approx(3.0, abs=0.1)
        assert side["heights"]["metatarsal_heads"]["measured_mm"] == pytest.approx(3.0, abs=0.1)
        assert side["heights"]["arch_apex"]["measured_mm"] == pytest.approx(18.0, abs=0.1)
        assert side["min_thickness_mm"] == pytest.approx(3.0, abs=0.01)
        assert side["checks"] == {
            "watertight": True, "manifold3d_status": "NoError",
            "degenerate_faces": 0, "duplicate_faces": 0,
        }
        # arch side: the right foot's arch is on +y, the left's on -y
        arch_y = side["heights"]["arch_apex"]["y_mm"]
        assert (arch_y > 0) == (side["side"] == "right")

    code, out, err = run(capsys, "check", str(folder / "me-left.stl"))
    assert code == 0 and "printable" in out and "NOT" not in out


def test_build_refuses_to_overwrite_without_force(tmp_path, capsys):
    profile = tmp_path / "p.toml"
    profile.write_text('[foot]\nsize = "EU 40"\n')
    assert run(capsys, "build", str(profile), "--out", str(tmp_path))[0] == 0
    stl = tmp_path / "p" / "p-left.stl"
    before = stl.read_bytes()
    profile.write_text('[foot]\nsize = "EU 40"\n[shape]\nthickness_mm = 4\n')
    code, _, err = run(capsys, "build", str(profile), "--out", str(tmp_path))
    assert code == 2 and "--force" in err and "p-left.stl" in err
    assert stl.read_bytes() == before
    code, _, _ = run(capsys, "build", str(profile), "--out", str(tmp_path), "--force")
    assert code == 0 and stl.read_bytes() != before


def test_new_refuses_to_overwrite(tmp_path, capsys):
    profile = tmp_path / "me.toml"
    profile.write_text("mine")
    code, _, err = run(capsys, "new", str(profile), "--size", "EU 42")
    assert code == 2 and "--force" in err and profile.read_text() == "mine"
    code, _, err = run(capsys, "new", str(tmp_path / "x.toml"), "--size", "XX 1")
    assert code == 2 and "--size" in err and not (tmp_path / "x.toml").exists()


@pytest.mark.parametrize(
    "text, fragments",
    [
        ('[foot]\nsize = "EU 42"\n[shape]\narch_height_mm = 99\n', ["shape.arch_height_mm = 99", "0 to 35 mm"]),
        ('[foot]\nsize = "XL"\n', ["foot.size = 'XL'", "EU 42"]),
        ('[foot\nsize = 1', ["not valid TOML"]),
        ('side = "right"\n[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 5\n', ["lift.side"]),
        ('[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 9\nmeasured_lld_mm = 8\n', ["allow_overcorrection"]),
    ],
)
def test_bad_profile_exits_2_with_message_and_writes_nothing(tmp_path, capsys, text, fragments):
    profile = tmp_path / "bad.toml"
    profile.write_text(text)
    out_dir = tmp_path / "out"
    code, _out, err = run(capsys, "build", str(profile), "--out", str(out_dir))
    assert code == 2
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    assert not out_dir.exists() or not any(out_dir.rglob("*"))


def test_missing_profile_and_bad_arguments(tmp_path, capsys):
    code, _, err = run(capsys, "build", str(tmp_path / "nope.toml"))
    assert code == 2 and "cannot read the profile: no such file" in err
    with pytest.raises(SystemExit) as info:
        main(["build"])
    assert info.value.code == 2


def test_warnings_are_printed_and_recorded(tmp_path, capsys):
    profile = tmp_path / "w.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n[lift]\nside = "right"\nheel_mm = 8\nmeasured_lld_mm = 10\n')
    code, _, err = run(capsys, "build", str(profile), "--out", str(tmp_path))
    assert code == 0
    assert "warning" in err and "80 %" in err and "slide forward" in err
    summary = json.loads((tmp_path / "w" / "build.json").read_text())
    assert any("80 %" in w for w in summary["warnings"])
    right = next(s for s in summary["sides"] if s["side"] == "right")
    assert right["heights"]["heel_centre"]["measured_mm"] == pytest.approx(3 + 8, abs=0.1)


def test_one_side_only(tmp_path, capsys):
    profile = tmp_path / "r.toml"
    profile.write_text('side = "right"\n[foot]\nlength_mm = 250\n')
    assert run(capsys, "build", str(profile), "--out", str(tmp_path))[0] == 0
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "build.json", "preview.png", "r-right.3mf", "r-right.orca.3mf", "r-right.stl", "report.html"]


def test_failed_write_leaves_no_partial_files(tmp_path, monkeypatch, capsys):
    import insolegen.exports.files as files

    profile = tmp_path / "p.toml"
    profile.write_text('[foot]\nsize = "EU 40"\n')
    calls = []

    real_write = files._write_new

    def flaky(path, data):
        calls.append(path)
        if len(calls) == 3:  # the disk fills up part way through
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(files, "_write_new", flaky)
    assert main(["build", str(profile), "--out", str(tmp_path / "out"), "--no-preview"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "nothing was written" in err and "Traceback" not in err
    assert len(calls) == 3 and not (tmp_path / "out").exists()  # no folder, no staging, no lock


def test_the_starters_commented_modifications_and_shoe_build_when_uncommented(tmp_path, capsys):
    import re

    profile = tmp_path / "me.toml"
    assert main(["new", str(profile), "--size", "EU 42"]) == 0
    text = profile.read_text()
    for block in ("[modifications]", "[shoe]"):
        start = text.index("# " + block)
        end = text.index("\n\n", start)
        text = text[:start] + re.sub(r"^# ?", "", text[start:end], flags=re.M) + text[end:]
    profile.write_text(text)
    capsys.readouterr()
    assert main(["build", str(profile), "--out", str(tmp_path / "out"), "--no-preview"]) == 0
    assert "warning" not in capsys.readouterr().err
    record = json.loads((tmp_path / "out" / "me" / "build.json").read_text())
    assert record["shoe"]["heel_pitch_mm"] == 12
    assert {m["key"] for m in record["sides"][0]["modifications"]} == {"navicular_pad_mm", "met_bar_mm",
                                                                       "top_cover_mm"}
