"""Measuring built insoles as an orthotist would, for the clinical-shape tests: built
through the CLI, read back from their STL, measured by rays cast down onto the mesh
(trimesh, not insolegen's own measuring code) at points found from the mesh itself (its
footprint's edges, its length) and the landmark fractions docs/clinical.md gives."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import tomli_w
import trimesh

from insolegen.cli import main

ROOT = Path(__file__).resolve().parents[1]
MTH1, MTH5 = 0.74, 0.64  # docs/clinical.md, "Foot proportions"


_BUILT: dict[tuple[str, str], tuple[dict[str, trimesh.Trimesh], dict]] = {}


def cli_build(tmp_path: Path, profile: dict | str, name: str = "p") -> tuple[dict[str, trimesh.Trimesh], dict]:
    """Build a profile (a dict written as TOML, or an example's name) with the CLI; its
    parts by side, in the right-foot frame (a left part mirrored back), and build.json.
    A profile already built in this test process is not built again: the tests get copies
    of what it gave (several tests measure the same plain EU 42)."""
    key = (name, profile if isinstance(profile, str) else tomli_w.dumps(profile))
    if key not in _BUILT:
        _BUILT[key] = _cli_build(tmp_path, profile, name)
    parts, record = _BUILT[key]
    return {side: mesh.copy() for side, mesh in parts.items()}, copy.deepcopy(record)


def _cli_build(tmp_path: Path, profile: dict | str, name: str) -> tuple[dict[str, trimesh.Trimesh], dict]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "out"
    if isinstance(profile, str):
        path = ROOT / "profiles" / f"{profile}.toml"
        name = profile
    else:
        path = tmp_path / f"{name}.toml"
        path.write_text(tomli_w.dumps({"name": name, **profile}), encoding="utf-8")
    code = main(["build", str(path), "--out", str(out), "--no-preview", "--force"])
    assert code == 0, code
    folder = out / name
    record = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    parts = {}
    for side in ("left", "right"):
        stl = folder / f"{name}-{side}.stl"
        if stl.exists():
            mesh = trimesh.load(stl, process=False)
            if side == "left":
                mesh.vertices[:, 1] *= -1
                mesh.invert()
            parts[side] = mesh
    return parts, record


def refusal(tmp_path: Path, profile: dict, capsys) -> tuple[int, str]:
    """Build ``profile`` with the CLI expecting a refusal: (exit code, stderr); nothing
    may be written."""
    path = tmp_path / "refused.toml"
    path.write_text(tomli_w.dumps({"name": "refused", **profile}), encoding="utf-8")
    out = tmp_path / "refused-out"
    capsys.readouterr()
    code = main(["build", str(path), "--out", str(out), "--no-preview"])
    err = capsys.readouterr().err
    assert not (out / "refused").exists() or not any((out / "refused").iterdir())
    return code, err


def top_mm(mesh: trimesh.Trimesh, xy) -> np.ndarray:
    """The mesh's highest point straight above each (x, y) (nan off the part): every
    triangle whose plan contains the point, by barycentric coordinates, brute force."""
    xy = np.atleast_2d(np.asarray(xy, dtype=float))
    tri = mesh.vertices[mesh.faces]
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    det = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    usable = np.abs(det) > 1e-12
    a, b, c, det = a[usable], b[usable], c[usable], det[usable]
    out = np.full(len(xy), np.nan)
    for i, (px, py) in enumerate(xy):
        l1 = ((b[:, 1] - c[:, 1]) * (px - c[:, 0]) + (c[:, 0] - b[:, 0]) * (py - c[:, 1])) / det
        l2 = ((c[:, 1] - a[:, 1]) * (px - c[:, 0]) + (a[:, 0] - c[:, 0]) * (py - c[:, 1])) / det
        l3 = 1.0 - l1 - l2
        inside = (l1 >= -1e-9) & (l2 >= -1e-9) & (l3 >= -1e-9)
        if inside.any():
            z = l1[inside] * a[inside, 2] + l2[inside] * b[inside, 2] + l3[inside] * c[inside, 2]
            out[i] = z.max()
    return out


def edges_mm(mesh: trimesh.Trimesh, x: float) -> tuple[float, float]:
    """(lateral, medial) y of the part's footprint at x (a right foot: medial is +y)."""
    section = mesh.section(plane_origin=[x, 0.0, 0.0], plane_normal=[1.0, 0.0, 0.0])
    ys = section.vertices[:, 1]
    return float(ys.min()), float(ys.max())


def across_point(mesh: trimesh.Trimesh, x: float, share_from_lateral: float) -> tuple[float, float]:
    lat, med = edges_mm(mesh, x)
    return (x, lat + share_from_lateral * (med - lat))


def foot_length_mm(mesh: trimesh.Trimesh) -> float:
    return float(mesh.bounds[1][0] - mesh.bounds[0][0])


def on_mth_line(mesh: trimesh.Trimesh, fl: float, a_from_medial: float, ahead_mm: float = 0.0) -> tuple[float, float]:
    """The point ``a_from_medial`` of the width across on the line through MTH1 (0.74 FL,
    medial edge) and MTH5 (0.64 FL, lateral edge), ``ahead_mm`` toward the toes."""
    x1, x5 = MTH1 * fl, MTH5 * fl
    y1, y5 = edges_mm(mesh, x1)[1], edges_mm(mesh, x5)[0]
    x = (x1 + x5) / 2
    for _ in range(4):
        lat, med = edges_mm(mesh, x)
        y = med - a_from_medial * (med - lat)
        x = x1 + (y - y1) / (y5 - y1) * (x5 - x1) + ahead_mm
    lat, med = edges_mm(mesh, x)
    return (x, med - a_from_medial * (med - lat))
