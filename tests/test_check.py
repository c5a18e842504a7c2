"""`insolegen check` on good and broken meshes: a report, exit 0 or 1, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from insolegen.checks.meshcheck import check_mesh
from insolegen.cli import main


def write(path, mesh: trimesh.Trimesh, ascii: bool = False):
    path.write_bytes(trimesh.exchange.stl.export_stl_ascii(mesh).encode() if ascii else trimesh.exchange.stl.export_stl(mesh))
    return path


def box(extents=(20, 10, 5)) -> trimesh.Trimesh:
    mesh = trimesh.creation.box(extents=extents)
    mesh.apply_translation(-mesh.bounds[0])
    return mesh


def test_good_box_passes(tmp_path, capsys):
    path = write(tmp_path / "box.stl", box())
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "printable" in out and "volume 1000.0 mm3" in out
    assert "thinnest vertical section 5.00 mm" in out


def test_ascii_stl_is_read(tmp_path, capsys):
    assert main(["check", str(write(tmp_path / "box.stl", box(), ascii=True))]) == 0


def broken(kind: str) -> trimesh.Trimesh:
    mesh = box()
    if kind == "open":
        return trimesh.Trimesh(mesh.vertices, mesh.faces[:-1], process=False)
    if kind == "inverted":
        return trimesh.Trimesh(mesh.vertices, mesh.faces[:, ::-1], process=False)
    if kind == "flipped-face":
        faces = mesh.faces.copy()
        faces[0] = faces[0][::-1]
        return trimesh.Trimesh(mesh.vertices, faces, process=False)
    if kind == "non-manifold":  # two boxes sharing one edge
        other = box()
        other.apply_translation([20, 10, 0])
        return trimesh.util.concatenate([mesh, other])
    if kind == "duplicate":
        return trimesh.Trimesh(mesh.vertices, np.vstack([mesh.faces, mesh.faces[:1]]), process=False)
    if kind == "thin":
        return box((20, 10, 0.5))
    raise ValueError(kind)


@pytest.mark.parametrize(
    "kind, fragment",
    [
        ("open", "open edges"),
        ("inverted", "inside out"),
        ("flipped-face", "winding"),
        ("non-manifold", "not manifold"),
        ("duplicate", "duplicate"),
        ("thin", "too thin"),
    ],
)
def test_broken_meshes_fail_with_a_reason(tmp_path, capsys, kind, fragment):
    path = write(tmp_path / f"{kind}.stl", broken(kind))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "NOT PRINTABLE" in out and fragment in out


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("empty.stl", b"", "empty"),
        ("text.stl", b"hello, I am not a mesh\n" * 3, "not a readable STL"),
        ("truncated.stl", b"\0" * 80 + (1000).to_bytes(4, "little") + b"\0" * 100, "STL"),
        ("zero.stl", b"\0" * 80 + (0).to_bytes(4, "little"), "no triangles"),
        ("mesh.obj", b"v 0 0 0\n", "not an STL"),
    ],
)
def test_unreadable_files_exit_1(tmp_path, capsys, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    assert "NOT PRINTABLE" in captured.out and fragment in captured.out
    assert "Traceback" not in captured.err


def test_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.stl")]) == 1
    assert "no such file" in capsys.readouterr().out


def test_degenerate_triangle_is_reported():
    mesh = box()
    vertices = np.vstack([mesh.vertices, [[1, 1, 0]]])
    faces = np.vstack([mesh.faces, [[0, 0, 8]]])
    report = check_mesh(vertices, faces)
    assert report.degenerate_faces == 1 and not report.ok


def test_json_output(tmp_path, capsys):
    import json

    path = write(tmp_path / "box.stl", box())
    assert main(["check", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["volume_mm3"] == pytest.approx(1000)
