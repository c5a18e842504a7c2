"""Hostile and broken foot scans (STL, OBJ, PLY) and STL files for ``insolegen check``.

Each ends in one clear line: InputFileError for a scan (``build`` exits 2 and writes
nothing), MeshFileError for ``check`` (exit 1), in bounded time and memory, never a
traceback. Most cases call the readers in process; a few per class run the real command
in a child under memory and CPU caps (tests/hostile.py).
"""

from __future__ import annotations

import errno
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hostile import MESSAGE_LINE_MAX_CHARS, assert_refused, run_cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sweeps import cases
from synthetic import foot_scan

from insolegen.core import paths as input_paths
from insolegen.formats.limits import MeshFileError
from insolegen.formats.meshes import load_mesh_file
from insolegen.inputs.errors import InputFileError
from insolegen.inputs.scans import read_scan

BOX_MM = (250.0, 100.0, 60.0)  # foot-sized, so only the shape can be wrong
REAL_SCAN = Path(__file__).resolve().parents[1] / "profiles" / "scans" / "relief-right.stl"  # 12.8k triangles, m
READ_TIME_LIMIT_S = 10.0  # a refusal is quick; the slowest valid read here takes ~0.3 s


# -- building hostile files ---------------------------------------------------------------------


def box_mesh(size: tuple[float, float, float] = BOX_MM) -> tuple[np.ndarray, np.ndarray]:
    """A closed box: 8 vertices, 12 outward triangles."""
    v = np.array([[x, y, z] for x in (0, size[0]) for y in (0, size[1]) for z in (0, size[2])], float)
    f = np.array([[0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
                  [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5]])
    return v, f


def binary_stl(corners: np.ndarray, header: bytes = b"binary", count: int | None = None) -> bytes:
    corners = np.asarray(corners, "<f4").reshape(-1, 3, 3)
    records = np.zeros(len(corners), np.dtype([("n", "<f4", 3), ("c", "<f4", (3, 3)), ("a", "<u2")]))
    records["c"] = corners
    n = len(corners) if count is None else count
    return header.ljust(80, b"\0")[:80] + struct.pack("<I", n) + records.tobytes()


def ascii_stl(corners: np.ndarray) -> bytes:
    lines = ["solid t"]
    for tri in np.asarray(corners, float).reshape(-1, 3, 3):
        lines += ["facet normal 0 0 0", "outer loop", *(f"vertex {x} {y} {z}" for x, y, z in tri), "endloop", "endfacet"]
    return ("\n".join(lines + ["endsolid t"]) + "\n").encode()


def ply(vertices: np.ndarray, faces: list, *, binary: bool = True, vertex_count: int | None = None,
        face_count: int | None = None) -> bytes:
    header = (f"ply\nformat {'binary_little_endian' if binary else 'ascii'} 1.0\n"
              f"element vertex {len(vertices) if vertex_count is None else vertex_count}\n"
              "property float x\nproperty float y\nproperty float z\n"
              f"element face {len(faces) if face_count is None else face_count}\n"
              "property list uchar int vertex_indices\nend_header\n").encode()
    if binary:
        body = np.asarray(vertices, "<f4").tobytes() + b"".join(struct.pack("<B3i", 3, *f) for f in faces)
    else:
        body = ("".join(f"{x} {y} {z}\n" for x, y, z in vertices)
                + "".join(f"3 {a} {b} {c}\n" for a, b, c in faces)).encode()
    return header + body


def obj(vertices: np.ndarray, faces: np.ndarray, base: int = 1) -> bytes:
    return ("".join(f"v {x} {y} {z}\n" for x, y, z in vertices)
            + "".join("f " + " ".join(str(i + base) for i in f) + "\n" for f in faces)).encode()


def box_corners(size: tuple[float, float, float] = BOX_MM) -> np.ndarray:
    v, f = box_mesh(size)
    return v[f]


def scrambled_box() -> bytes:
    """A foot-sized cloud whose faces join random vertices: every triangle spans the
    whole scan, as wrong face indices give."""
    rng = np.random.default_rng(3)
    v = rng.uniform(0, 1, (4000, 3)) * BOX_MM
    return ply(v, rng.integers(0, len(v), (40000, 3)).tolist())


def assert_one_line(message: str, *words: str) -> None:
    assert "\n" not in message and 0 < len(message) <= MESSAGE_LINE_MAX_CHARS, message[:1000]
    assert "Traceback" not in message
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"


def refuse_scan(path: Path, *words: str, **options: object) -> str:
    start = time.perf_counter()
    with pytest.raises(InputFileError) as caught:
        read_scan(path, **options)  # type: ignore[arg-type]
    assert time.perf_counter() - start < READ_TIME_LIMIT_S
    assert_one_line(str(caught.value), *words)
    return str(caught.value)


def refuse_check(path: Path, *words: str) -> str:
    with pytest.raises(MeshFileError) as caught:
        load_mesh_file(path)
    assert_one_line(str(caught.value), *words)
    return str(caught.value)


# -- paths ------------------------------------------------------------------------------------------


def _loop(d: Path, ext: str) -> Path:
    a, b = d / f"a{ext}", d / f"b{ext}"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _folder(d: Path, ext: str) -> Path:
    (d / f"folder{ext}").mkdir()
    return d / f"folder{ext}"


def _fifo(d: Path, ext: str) -> Path:
    os.mkfifo(d / f"pipe{ext}")  # nothing ever writes: a blocking open would hang
    return d / f"pipe{ext}"


def _device(d: Path, ext: str) -> Path:
    (d / f"zero{ext}").symlink_to("/dev/zero")  # endless: reading it would fill memory
    return d / f"zero{ext}"


PATHS: dict[str, tuple[Callable[[Path, str], Path], str]] = {
    "missing": (lambda d, ext: d / f"nope{ext}", "no such file"),
    "symlink loop": (_loop, "loop"),
    "NUL byte": (lambda d, ext: Path(f"{d}/bad\0name{ext}"), "NUL"),
    "long name": (lambda d, ext: d / ("x" * 300 + ext), "too long"),
    "folder": (_folder, "folder"),
    "FIFO": (_fifo, "FIFO"),
    "device": (_device, "device"),
    "not a folder": (lambda d, ext: d.joinpath(*(["f.txt"] * 2)).with_suffix(ext), "not a folder"),
}


@pytest.mark.parametrize("case", sorted(PATHS))
@pytest.mark.parametrize("ext", [".stl", ".obj", ".ply"])
def test_unusable_scan_paths(tmp_path, case, ext):
    make, says = PATHS[case]
    (tmp_path / "f.txt").write_text("a file, not a folder")
    refuse_scan(make(tmp_path, ext), says, "check the path")


@pytest.mark.parametrize("case", sorted(PATHS))
def test_unusable_stl_paths_for_check(tmp_path, case):
    make, says = PATHS[case]
    (tmp_path / "f.txt").write_text("a file, not a folder")
    refuse_check(make(tmp_path, ".stl"), says)


def test_unreadable_file(tmp_path, monkeypatch):
    # root reads any file whatever its mode, so the refusal of the kernel is simulated
    path = tmp_path / "locked.stl"
    path.write_bytes(binary_stl(box_corners()))

    def refuse(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", name)

    monkeypatch.setattr(input_paths.os, "open", refuse)
    refuse_scan(path, "permission denied")
    refuse_check(path, "permission denied")


def test_a_long_path_is_cut_in_the_message(tmp_path):
    path = tmp_path.joinpath(*(["d" * 200] * 30)) / "scan.stl"  # 6000 characters
    message = refuse_scan(path)
    assert "characters)" in message


def test_unknown_extension_and_a_bare_device(tmp_path):
    (tmp_path / "scan.asc").write_text("1 2 3")
    refuse_scan(tmp_path / "scan.asc", "unknown scan format", ".stl, .obj or .ply", ".xyz point cloud")
    (tmp_path / "scan.xyz").write_text("1 2 3")
    refuse_scan(tmp_path / "scan.xyz", "only 1 points, too few for a foot")
    refuse_scan(Path("/dev/zero"), "no file extension")
    refuse_check(Path("/dev/zero"), "not an STL")


def test_files_over_the_size_cap_are_refused_unread(tmp_path, monkeypatch):
    from insolegen.formats import limits

    path = tmp_path / "big.stl"
    path.write_bytes(binary_stl(box_corners()))
    monkeypatch.setattr(limits, "MAX_MESH_BYTES", 600)
    refuse_scan(path, "at most 0 MB", "decimate")
    refuse_check(path, "at most 0 MB", "decimate")


# -- degenerate geometry --------------------------------------------------------------------------

TRIANGLE = np.array([[0, 0, 0], [250, 0, 0], [0, 100, 0]], float)
SQUARE = np.array([[0, 0, 0], [250, 0, 0], [250, 100, 0], [0, 100, 0]], float)
# A flat square in OBJ's relative indices: each face counts back from the latest vertex.
FLAT_OBJ = b"v 0 0 0\nv 250 0 0\nv 250 100 0\nf -3 -2 -1\nv 0 100 0\nf -4 -2 -1\n"


def _tilted(points: np.ndarray) -> np.ndarray:
    """Turned about every axis, so no coordinate is simply constant."""
    a, b = 0.3, 0.7
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    rz = np.array([[np.cos(b), -np.sin(b), 0], [np.sin(b), np.cos(b), 0], [0, 0, 1]])
    return points @ (rz @ rx).T + [10, -20, 30]


DEGENERATE = {
    "one-triangle.stl": (binary_stl(TRIANGLE), ("flat", "one plane", "3-D shape")),
    "one-triangle-ascii.stl": (ascii_stl(TRIANGLE), ("flat",)),
    "flat-square.obj": (FLAT_OBJ, ("flat", "one plane")),
    "tilted-flat-grid.stl": (binary_stl(_tilted(np.array(
        [[[x, y, 0], [x + 10, y, 0], [x, y + 10, 0]] for x in range(0, 250, 10) for y in range(0, 100, 10)],
        float).reshape(-1, 3)).reshape(-1, 3, 3)), ("flat",)),
    "line.stl": (binary_stl([[[0, 0, 0], [100, 0, 0], [250, 0, 0]], [[0, 0, 0], [50, 0, 0], [200, 0, 0]]]),
                 ("a line", "straight line")),
    "line-3d.ply": (ply(_tilted(np.c_[np.linspace(0, 250, 6), np.zeros((6, 2))]), [[0, 2, 5], [1, 3, 4]]),
                    ("line",)),
    "point.stl": (binary_stl([[[1, 2, 3]] * 3] * 4), ("single point", "coincide")),
    "identical.obj": (b"v 5 5 5\nv 5 5 5\nv 5 5 5\nf 1 2 3\n", ("single point",)),
    "tiny.stl": (binary_stl(box_corners() * 1e-30), ("no foot in any unit",)),
    "huge.stl": (binary_stl(box_corners() * 1e36), ("as large as", "no foot")),
    "huge.obj": (obj(box_mesh()[0] * 1e300, box_mesh()[1]), ("as large as",)),
    "nan.stl": (binary_stl(np.r_[box_corners(), [[[np.nan, 0, 0], [1, 2, 3], [4, 5, 6]]]]), ("non-finite",)),
    "inf.obj": (b"v 0 0 0\nv 250 0 0\nv inf 100 0\nv 0 0 60\nf 1 2 3\nf 1 2 4\n", ("non-finite",)),
    "nan-ascii.ply": (ply(np.r_[box_mesh()[0], [[np.nan, 1, 1]]], box_mesh()[1].tolist(), binary=False),
                      ("non-finite",)),
    "no-faces.ply": (ply(box_mesh()[0], []), ("only 8 points", "point cloud")),
    "scrambled.ply": (scrambled_box(), ("overlap far too much", "scrambled")),
}


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_scans(tmp_path, name):
    content, says = DEGENERATE[name]
    path = tmp_path / name
    path.write_bytes(content)
    refuse_scan(path, *says)


def test_a_stray_point_far_away_is_named(tmp_path):
    # A foot with one vertex 1.5 m to its side, joined to it by a sliver: still a foot
    # by its principal length, but its height grid would be 3000 x 600 cells.
    mesh = foot_scan()
    heel = int(np.argmin(mesh.vertices[:, 0] + mesh.vertices[:, 2]))
    edge = next(f for f in mesh.faces if heel in f)
    vertices = np.r_[mesh.vertices, [mesh.vertices[heel] + [0, 1500, 0]]]
    faces = np.r_[mesh.faces, [[edge[0], edge[1], len(vertices) - 1]]]
    path = tmp_path / "stray.obj"
    path.write_bytes(obj(vertices, faces))
    refuse_scan(path, "spans", "1000 mm", "crop it")


def test_slivers_across_the_scan_are_refused_before_the_ray_tests():
    # Long thin triangles across the floor cover little area, yet each is tested
    # against every ray under its box: 3000 of them would be 3e8 ray tests.
    from insolegen.inputs.scans import _floor_grid_tests

    corners = np.array([[[0, 0, z], [250, 100, z], [250, 100.01, z]] for z in range(3000)], float)
    with pytest.raises(InputFileError) as caught:
        _floor_grid_tests(corners.reshape(-1, 3), np.arange(corners.size // 3).reshape(-1, 3), "slivers.stl")
    assert_one_line(str(caught.value), "slivers.stl", "too large and thin", "million ray tests")


def test_qhull_failing_on_a_scan_says_it_is_flat(tmp_path, monkeypatch):
    # _check_shape catches flat scans first; Qhull's own precision is the safety net
    from scipy.spatial import QhullError

    from insolegen.inputs import scans

    def fail(points, opening=None):  # type: ignore[no-untyped-def]
        raise QhullError("QH6154 Qhull precision error: Initial simplex is flat")

    monkeypatch.setattr(scans, "find_floor", fail)
    path = tmp_path / "box.stl"
    path.write_bytes(binary_stl(box_corners()))
    message = refuse_scan(path, "(nearly) flat", "3-D shape")
    assert "QH6154" not in message


def test_length_mm_cannot_scale_a_speck_into_a_foot(tmp_path):
    path = tmp_path / "speck.stl"
    path.write_bytes(binary_stl(box_corners() * 1e-30))
    refuse_scan(path, "scale it by", "check the file's units", length_mm=265.0)


# -- PLY --------------------------------------------------------------------------------------------

BOX_V, BOX_F = box_mesh()
BAD_FACE = [list(f) for f in BOX_F[:-1]]
PLY_CASES = {
    "out-of-range.ply": (ply(BOX_V, BAD_FACE + [[0, 1, 99]]), ("face 12 refers to vertex 99", "8 vertices")),
    "out-of-range-ascii.ply": (ply(BOX_V, BAD_FACE + [[0, 1, 99]], binary=False), ("vertex 99",)),
    "negative.ply": (ply(BOX_V, BAD_FACE + [[0, -5, 1]]), ("vertex -5",)),
    "negative-ascii.ply": (ply(BOX_V, BAD_FACE + [[0, -1, 1]], binary=False), ("vertex -1",)),
    "huge-index.ply": (ply(BOX_V, BAD_FACE + [[0, 1, 2**31 - 1]]), ("vertex 2147483647",)),
    "more-vertices-declared.ply": (ply(BOX_V, BOX_F.tolist(), vertex_count=1000), ("declares 1,000 vertex", "cut short")),
    "fewer-vertices-declared.ply": (ply(BOX_V, BOX_F.tolist(), vertex_count=4), ("header's counts are wrong",)),
    "more-faces-declared-ascii.ply": (ply(BOX_V, BOX_F.tolist(), binary=False, face_count=50), ("cut short",)),
    "fewer-faces-declared-ascii.ply": (ply(BOX_V, BOX_F.tolist(), binary=False, face_count=2), ("more data lines",)),
    "billions-declared.ply": (ply(BOX_V, BOX_F.tolist(), vertex_count=4_000_000_000), ("4,000,000,000", "at most")),
    "truncated.ply": (ply(BOX_V, BOX_F.tolist())[:-30], ("cut short",)),
    "truncated-header.ply": (b"ply\nformat binary_little_endian 1.0\nelement vertex 8\nproperty float x\n",
                             ("end_header",)),
    "bad-format.ply": (b"ply\nformat utf-16 1.0\nend_header\n", ("header line 2",)),
    "bad-type.ply": (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty quad x\nend_header\n", ("property",)),
    "negative-count.ply": (b"ply\nformat ascii 1.0\nelement vertex -3\nproperty float x\nend_header\n",
                           ("not a count",)),
    "no-xyz.ply": (b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float u\nend_header\n1\n", ("x, y and z",)),
    "bad-number.ply": (ply(BOX_V, BOX_F.tolist(), binary=False).replace(b"250.0", b"2,5", 1), ("'2,5'", "not a number")),
    "mixed-lists.ply": (ply(BOX_V, BOX_F.tolist())[:-52] + struct.pack("<B4i", 4, 0, 1, 2, 3) + b"\0" * 35,
                        ("differ in length",)),
    "not-ply.ply": (b"PK\x03\x04 a zip file", ("does not start with 'ply'",)),
    "element-twice.ply": (ply(BOX_V, BOX_F.tolist()).replace(b"element face", b"element vertex", 1),
                          ("declares the element 'vertex' twice",)),
}


@pytest.mark.parametrize("name", sorted(PLY_CASES))
def test_broken_ply(tmp_path, name):
    content, says = PLY_CASES[name]
    path = tmp_path / name
    path.write_bytes(content)
    refuse_scan(path, "PLY", *says)


# -- OBJ --------------------------------------------------------------------------------------------

OBJ_CASES = {
    "index-out-of-range.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 99\n", ("vertex 99", "numbered 1 to 4")),
    "index-zero.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", ("vertex 0", "from 1")),
    "relative-too-far.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -9\n", ("-9", "counting back")),
    "index-overflow.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99999999999999999999999\n", ("not a vertex number",)),
    "bad-coordinate.obj": (b"v 0 0 banana\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", ("'banana'", "line 1")),
    "short-vertex.obj": (b"v 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", ("fewer than 3",)),
    "two-corner-face.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2\n", ("2 corners",)),
    "binary.obj": (bytes(range(256)) * 8, ("binary data",)),
    "text.obj": (b"hello, I am not a mesh\n" * 50, ("no triangles",)),
}


@pytest.mark.parametrize("name", sorted(OBJ_CASES))
def test_broken_obj(tmp_path, name):
    content, says = OBJ_CASES[name]
    path = tmp_path / name
    path.write_bytes(content)
    refuse_scan(path, *says)


@pytest.fixture(scope="module")
def real_scan() -> tuple[np.ndarray, np.ndarray]:
    """The example right-foot scan as indexed vertices and faces."""
    return load_mesh_file(REAL_SCAN)


def test_obj_relative_indices_follow_the_file_order(tmp_path, real_scan):
    # a foot written with faces after each batch of vertices, in relative indices,
    # reads as the same foot as the plain file
    vertices, faces = real_scan
    plain, relative = tmp_path / "plain.obj", tmp_path / "relative.obj"
    plain.write_bytes(obj(vertices, faces))
    lines, written = [], 0
    for f in faces:
        while written <= f.max():
            lines.append("v {} {} {}".format(*vertices[written]))
            written += 1
        lines.append("f " + " ".join(str(i - written) for i in f))
    relative.write_text("\n".join(lines) + "\n")
    a, b = read_scan(plain), read_scan(relative)
    assert np.array_equal(a.outline.polygon, b.outline.polygon) and np.array_equal(a.sole.z, b.sole.z)


# -- STL (scans and check) ----------------------------------------------------------------------------

STL_CASES = {
    "solid-header-truncated.stl": (binary_stl(box_corners(), header=b"solid exported by CAD")[:-70],
                                   ("header starts with 'solid'", "12 triangles", "614 bytes", "cut short")),
    "count-mismatch.stl": (binary_stl(box_corners(), count=5), ("5 triangles", "684 bytes")),
    "count-huge.stl": (binary_stl(box_corners(), count=0xFFFFFFFF), ("4294967295 triangles",)),
    "ascii-garbage.stl": (b"solid x\nfacet normal 0 0 0\nouter loop\nvertex 1 2 banana\nvertex 1 2\nendloop\n"
                          b"endfacet\nendsolid\n", ("facet near line 4",)),
    "ascii-bad-number.stl": (ascii_stl(box_corners()).replace(b"250.0", b"2.5.0", 1), ("'2.5.0'", "not a number")),
    "ascii-four-vertices.stl": (ascii_stl(box_corners()).replace(b"endloop", b"vertex 1 1 1\nendloop", 1),
                                ("facet near line",)),
    "ascii-cut-short.stl": (ascii_stl(box_corners())[:-12], ("endsolid", "cut short")),
    "ascii-binary-body.stl": (b"solid x\n" + bytes(range(256)) * 4, ("header starts with 'solid'",)),
    "garbage.stl": (np.random.default_rng(1).bytes(5000), ("not a readable STL",)),
    "tiny.stl": (b"sol", ("only 3 bytes",)),
}


@pytest.mark.parametrize("name", sorted(STL_CASES))
def test_broken_stl_for_scans_and_check(tmp_path, name):
    content, says = STL_CASES[name]
    path = tmp_path / name
    path.write_bytes(content)
    refuse_scan(path, *says)
    refuse_check(path, *says)


def test_a_damaged_facet_deep_in_a_large_ascii_stl_is_found_quickly(tmp_path):
    rng = np.random.default_rng(5)
    text = ascii_stl(rng.uniform(0, 250, (20000, 3, 3)))
    cut = text.rindex(b"vertex", 0, len(text) - 5000)
    path = tmp_path / "damaged.stl"
    path.write_bytes(text[:cut] + text[cut + 7:])  # one 'vertex' word lost near the end
    start = time.perf_counter()
    refuse_check(path, "facet near line", "damaged")
    assert time.perf_counter() - start < 2.0  # the search for the bad facet is not quadratic


def test_binary_stl_with_a_solid_header_still_reads(tmp_path):
    # the size decides: a consistent binary file whose header says "solid" is binary
    path = tmp_path / "solid-binary.stl"
    path.write_bytes(binary_stl(box_corners(), header=b"solid exported by CAD"))
    vertices, faces = load_mesh_file(path)
    assert (len(vertices), len(faces)) == (8, 12)
    ascii_path = tmp_path / "ascii.stl"
    ascii_path.write_bytes(ascii_stl(box_corners()))
    assert np.array_equal(load_mesh_file(ascii_path)[0], vertices)


def test_check_refuses_coordinates_no_part_has(tmp_path):
    path = tmp_path / "huge.stl"
    path.write_bytes(binary_stl(box_corners() * 1e36))
    refuse_check(path, "as large as", "no printable part")


def test_empty_stl_reads_as_no_triangles_for_check(tmp_path):
    path = tmp_path / "empty-solid.stl"
    path.write_bytes(b"solid x\nendsolid x\n")
    _vertices, faces = load_mesh_file(path)
    assert len(faces) == 0
    refuse_scan(path, "no triangles")


# -- garbled input, at random ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def valid_files(real_scan) -> dict[str, bytes]:
    """A real scan in each format (each read in ~0.3 s), to garble."""
    vertices, faces = real_scan
    return {
        "foot.stl": REAL_SCAN.read_bytes(),
        "foot-ascii.stl": ascii_stl(vertices[faces]),
        "foot.obj": obj(vertices, faces),
        "foot.ply": ply(vertices, faces.tolist()),
        "foot-ascii.ply": ply(vertices, faces.tolist(), binary=False),
    }


def test_text_is_parsed_in_chunks_with_the_same_result(valid_files, monkeypatch):
    from insolegen.formats import limits, obj, ply, stl

    readers = {"foot-ascii.stl": stl.stl_triangles, "foot.obj": obj.obj_mesh, "foot-ascii.ply": ply.ply_mesh}
    def arrays(name: str) -> tuple:
        read = readers[name](valid_files[name], name)
        return read if isinstance(read, tuple) else (read,)

    whole = {name: arrays(name) for name in readers}
    assert len({len(parts[-1]) for parts in whole.values()}) == 1  # the foot's triangles, in every format
    monkeypatch.setattr(limits, "TEXT_CHUNK_BYTES", 1000)  # hundreds of chunks, cut anywhere
    for name in readers:
        assert all(np.array_equal(a, b) for a, b in zip(whole[name], arrays(name)))
    # a line of megabytes is no mesh text: refused, not parsed in one piece
    for name, content in {"long.obj": b"v 1 2 " + b"3" * 5000 + b"\nf 1 1 1\n",
                          "long.stl": b"solid x\n" + b"facet normal 0 0 1 " * 300 + b"\nendsolid\n"}.items():
        with pytest.raises(MeshFileError, match=r"no line .* ends within"):
            readers["foot.obj" if name.endswith(".obj") else "foot-ascii.stl"](content, name)


def _read_or_refuse(path: Path) -> None:
    try:
        read_scan(path)
    except InputFileError as exc:
        assert_one_line(str(exc))


def _load_or_refuse(path: Path) -> None:
    try:
        load_mesh_file(path)
    except MeshFileError as exc:
        assert_one_line(str(exc))


@st.composite
def garbled(draw, original: bytes) -> bytes:  # type: ignore[no-untyped-def]
    """The file cut, overwritten, spliced or with bytes put in, at a random place."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["cut", "overwrite", "insert", "repeat", "digits"]))
        if how == "cut":
            data = data[:at]
        elif how == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[at:at + len(chunk)] = chunk
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif how == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 400))]
        else:  # numbers where numbers are: a header count, an index, a coordinate
            data[at:at] = str(draw(st.integers(-(2**40), 2**40))).encode()
    return bytes(data)


FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@pytest.mark.slow  # ~12 s of fuzzing: in the full suite, out of the fast loop
@pytest.mark.parametrize("name", ["foot.stl", "foot-ascii.stl", "foot.obj", "foot.ply", "foot-ascii.ply"])
@FUZZ
@given(data=st.data())
def test_garbled_scans_read_or_are_refused(tmp_path, valid_files, name, data):
    path = tmp_path / name
    path.write_bytes(data.draw(garbled(valid_files[name])))
    _read_or_refuse(path)
    if name.endswith(".stl"):
        _load_or_refuse(path)


@pytest.mark.parametrize("ext", [".stl", ".obj", ".ply"])
@FUZZ
@given(content=st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda head, tail: head + tail, st.sampled_from([b"solid ", b"ply\n", b"v 1 2 3\nf ", b"\0" * 80]),
              st.binary(max_size=400)),
))
def test_random_bytes_are_refused(tmp_path, ext, content):
    path = tmp_path / f"random{ext}"
    path.write_bytes(content)
    _read_or_refuse(path)
    if ext == ".stl":
        _load_or_refuse(path)


# -- through the command line -------------------------------------------------------------------------


def _profile(folder: Path, scan: str) -> Path:
    profile = folder / "p.toml"
    profile.write_text(f'name = "t"\nside = "right"\n[foot]\nscan = "{scan}"\nlength_mm = 265\n')
    return profile


BUILD_CASES = {
    "symlink loop": (lambda d: _loop(d, ".stl").name, ("loop",)),
    "FIFO": (lambda d: _fifo(d, ".ply").name, ("FIFO",)),
    "device": (lambda d: _device(d, ".obj").name, ("device",)),
    "flat OBJ": (lambda d: (d / "flat.obj").write_bytes(FLAT_OBJ) and "flat.obj", ("flat", "one plane")),
    "PLY index": (lambda d: (d / "bad.ply").write_bytes(PLY_CASES["out-of-range.ply"][0]) and "bad.ply",
                  ("refers to vertex 99",)),
    "truncated solid STL": (lambda d: (d / "cut.stl").write_bytes(STL_CASES["solid-header-truncated.stl"][0])
                            and "cut.stl", ("starts with 'solid'", "cut short")),
    "scrambled": (lambda d: (d / "s.ply").write_bytes(scrambled_box()) and "s.ply", ("scrambled",)),
}


@pytest.mark.parametrize("case", cases(sorted(BUILD_CASES), 3))
def test_build_refuses_hostile_scans(tmp_path, case):
    make, says = BUILD_CASES[case]
    profile = _profile(tmp_path, make(tmp_path))
    before = snapshot(tmp_path)
    run = run_cli("build", str(profile), "--out", str(tmp_path / "out"), "--no-preview", cwd=tmp_path)
    assert_refused(run, codes={2}, says=("scan = ", *says))
    assert snapshot(tmp_path) == before  # nothing written, no out folder


def test_check_refuses_hostile_stl_files(tmp_path):
    names = [_loop(tmp_path, ".stl").name, _fifo(tmp_path, ".stl").name, _device(tmp_path, ".stl").name,
             _folder(tmp_path, ".stl").name, "cut.stl"]
    (tmp_path / "cut.stl").write_bytes(STL_CASES["solid-header-truncated.stl"][0])
    run = run_cli("check", *names, cwd=tmp_path)
    assert_refused(run, codes={1}, says=("loop", "FIFO", "device", "folder", "starts with 'solid'"),
                   max_lines=len(names))
    # a path that cannot be read is not checked; the damaged STL is read and refused
    assert run.out.count("cannot check it") == 4
    assert run.out.count("NOT PRINTABLE") == 1
