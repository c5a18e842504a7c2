"""What a new user tripped over (issue 29), through the command line: a mesh handed to
build, `new` over a folder, a FIFO or a link, a misspelt key, a key in the wrong table,
an unquoted size, a byte-order mark. Each is one line naming what was found and what
would help, exit 2, and nothing of the user's replaced."""

from __future__ import annotations

import os
import stat

import pytest

from insolegen.cli import main

PROFILE = 'name = "ana"\nside = "right"\n[foot]\nsize = "EU 42"\n[print]\nlabel = false\n'


def _build(tmp_path, capsys, text: str | bytes, name: str = "p.toml") -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    code = main(["build", str(path), "--no-preview", "--out", str(tmp_path / "out")])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("name", "content", "hint"), [
    ("foot.stl", b"solid x\nendsolid x\n", "insolegen check"),
    ("foot.3mf", b"PK\x03\x04\x00\xff", "insolegen check"),
    ("foot.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "foot.outline"),
])
def test_a_mesh_or_tracing_handed_to_build_is_said_to_be_no_profile(tmp_path, capsys, name, content, hint):
    code, err = _build(tmp_path, capsys, content, name)
    assert code == 2
    assert "not a profile: a profile is a TOML file (.toml)" in err and hint in err, err
    assert "UTF-8" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_new_over_a_folder_names_it_and_does_not_suggest_force(tmp_path, capsys):
    folder = tmp_path / "patients"
    folder.mkdir()
    (folder / "kept.txt").write_text("mine")
    for extra in ([], ["--force"]):
        assert main(["new", str(folder), "--size", "EU 42", *extra]) == 2
        err = capsys.readouterr().err
        assert "is a folder" in err and "--force" not in err and "me.toml" in err, err
    assert (folder / "kept.txt").read_text() == "mine"


def test_new_force_never_replaces_a_fifo_or_a_link(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = tmp_path / "real.toml"
    target.write_text("# mine\n")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    for path, what in ((fifo, "a FIFO"), (link, "a symbolic link")):
        assert main(["new", str(path), "--size", "EU 42", "--force"]) == 2
        assert what in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert link.is_symlink() and target.read_text() == "# mine\n"
    # a regular file is replaced with --force, as the README says
    assert main(["new", str(target), "--size", "EU 42", "--force"]) == 0
    assert "[foot]" in target.read_text()


@pytest.mark.parametrize(("text", "said"), [
    (PROFILE + "[shape]\narch_hieght_mm = 3\n", "shape.arch_hieght_mm: unknown key; did you mean arch_height_mm?"),
    (PROFILE.replace('size = "EU 42"', 'size = "EU 42"\narch_height_mm = 3'),
     "foot.arch_height_mm: unknown key here: arch_height_mm belongs in [shape]"),
    (PROFILE.replace('"EU 42"', "EU 42"), 'text is written in quotes: size = "EU 42"'),
])
def test_a_key_mistake_says_what_was_meant(tmp_path, capsys, text, said):
    code, err = _build(tmp_path, capsys, text)
    assert code == 2 and said in err, err


def test_a_profile_saved_with_a_byte_order_mark_builds(tmp_path, capsys):
    code, err = _build(tmp_path, capsys, b"\xef\xbb\xbf" + PROFILE.encode())
    assert code == 0, err
    assert (tmp_path / "out" / "ana" / "ana-right.stl").exists()


def test_a_long_value_is_counted_without_its_quotes():
    from insolegen.core.paths import brief

    said = brief("x" * 81)
    assert said.endswith("(str, 81 characters)"), said


def test_a_profile_over_the_cap_says_its_size_as_it_compares(tmp_path, capsys):
    path = tmp_path / "big.toml"
    path.write_bytes(PROFILE.encode() + b"#" * int(1.36 * 1024 * 1024))
    assert main(["build", str(path), "--no-preview", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "is 1.36 MB: at most 1 MB is read" in err, err


@pytest.mark.parametrize("key", ["outline", "scan"])
def test_an_empty_file_name_is_said_empty_not_a_folder(tmp_path, capsys, key):
    code, err = _build(tmp_path, capsys, f'name = "a"\n[foot]\n{key} = ""\n')
    assert code == 2
    assert f"foot.{key} = '' is empty: give the" in err and "folder" not in err, err


def test_build_lists_every_file_it_wrote(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(PROFILE.replace('side = "right"\n', ""))
    assert main(["build", str(path), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    written = sorted(p.name for p in (tmp_path / "out" / "ana").iterdir())
    assert written == ["ana-left.3mf", "ana-left.orca.3mf", "ana-left.stl", "ana-right.3mf", "ana-right.orca.3mf",
                       "ana-right.stl", "build.json", "preview.png", "report.html"]
    assert all(name in said for name in written), said


def test_rays_in_chunks_find_the_same_crossings(monkeypatch):
    """The wall rays are paired with faces a bounded number at a time (issue 29: a small
    dense mesh took 5.5 GB); in many small chunks they find exactly what one chunk finds."""
    import numpy as np
    import trimesh

    from insolegen.core import rays

    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10.0)
    vertices, faces = np.asarray(sphere.vertices), np.asarray(sphere.faces)
    normals = np.asarray(sphere.face_normals)
    origins = vertices[faces].mean(axis=1) - normals * 1e-3
    whole = rays.segment_hits(vertices, faces, origins, -normals, 25.0)
    monkeypatch.setattr(rays, "PAIR_CHUNK", 500)
    chunked = rays.segment_hits(vertices, faces, origins, -normals, 25.0)
    assert len(whole[0]) >= len(faces)  # every ray crosses the far side
    for a, b in zip(whole, chunked):
        assert np.array_equal(a, b)


def test_check_on_a_part_far_too_small_says_so_in_one_line_and_little_memory(tmp_path):
    """A 1 mm sphere of 20k faces (a scan in metres read as mm) is refused in one line,
    under a 1 GB address-space cap, in well under a minute."""
    import subprocess
    import sys

    import trimesh

    path = tmp_path / "sphere.stl"
    trimesh.creation.icosphere(subdivisions=5, radius=0.5).export(path)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
            "from insolegen.cli import main; sys.exit(main(['check', sys.argv[1]]))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "far too small to be an insole" in done.stdout and "metres" in done.stdout
    assert "Traceback" not in done.stderr and len(done.stdout.strip().splitlines()) == 1


def test_the_reports_slicer_command_is_one_option_a_line_and_the_shell_reads_it_whole(tmp_path, capsys):
    """It wrapped at '--' in the PDF and could not be pasted (issue 29): now it is a few lines
    ending in backslashes, never parting an option from its value, printed unbroken, and
    bash reads the same argv."""
    import html
    import re
    import subprocess

    from insolegen.exports.print_settings import prusa_command, shell_lines

    command = prusa_command("my part-left.3mf", (250.0, 210.0), "my part-left.gcode")
    text = shell_lines(command)
    assert all(len(line) <= 110 for line in text.splitlines()) and len(text.splitlines()) <= 4
    argv = subprocess.run(["bash", "-c", "printf '%s\\0' " + text], capture_output=True, check=True).stdout
    assert argv.decode().split("\0")[:-1] == command
    path = tmp_path / "p.toml"
    path.write_text(PROFILE)
    assert main(["build", str(path), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    report = (tmp_path / "out" / "ana" / "report.html").read_text()
    (code,) = re.findall(r"<code>(.*?)</code>", report, re.S)
    assert html.unescape(code).startswith("prusa-slicer --export-gcode ana-right.3mf --bed-shape")
    assert "white-space: pre;" in report


def test_estimate_without_prusaslicer_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    """`build --estimate` where prusa-slicer is not installed: exit 2, one line, nothing built."""
    import shutil

    from insolegen.cli import main

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "prusa-slicer" else real(name, *a, **k))
    profile = tmp_path / "p.toml"
    profile.write_text('name = "p"\n[foot]\nsize = "EU 42"\n')
    assert main(["build", str(profile), "--out", str(tmp_path / "out"), "--estimate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["--estimate asks PrusaSlicer for the print time: prusa-slicer is not on the PATH (install "
                   "PrusaSlicer, or build without --estimate)"]
    assert not (tmp_path / "out").exists()
