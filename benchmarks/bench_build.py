"""Build benchmark: prints figures, asserts nothing (machines are shared and noisy).

    python benchmarks/bench_build.py [--repeat 7]

Then reading scans: the real scans in profiles/scans and a 3-million-triangle scan
made by subdividing one (time of ``read_scan``: load, clean, floor, sole, outline).

For each example profile in profiles/: in-process build time per insole (best and
median of --repeat runs, geometry only, then the solid checks), triangles per insole,
the largest deviation of the mesh's top from the intended smooth surface (sampled at
30 random points per top triangle), and the whole-process wall time of
``insolegen build`` for the profile (one run, including Python start-up and imports,
zones, both 3MFs and the checks), with and without the preview and report.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from insolegen.meshcheck import check_mesh
from insolegen.pipeline import build_side
from insolegen.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]


def top_deviation_mm(part, per_face: int = 30) -> float:
    v, f = part.mesh.vertices, part.mesh.faces
    # measured in the right-foot frame where the surface function lives
    v = v * ([1, -1, 1] if part.spec.side == "left" else [1, 1, 1])
    tri = v[f]
    normal_z = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2]
    if part.spec.side == "left":
        normal_z = -normal_z
    top = tri[normal_z > 1e-12]
    w = np.random.default_rng(1).dirichlet([1, 1, 1], size=(len(top), per_face))
    p = np.einsum("tsk,tkd->tsd", w, top).reshape(-1, 3)
    return float(np.abs(part.surface.height_mm(p[:, 0], p[:, 1]) - p[:, 2]).max())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for path in sorted((ROOT / "profiles").glob("*.toml")):
        profile = load_profile(path)
        for spec in profile.sides:
            times, checks = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                part = build_side(spec)
                times.append(time.perf_counter() - start)
                start = time.perf_counter()
                check_mesh(part.mesh.vertices, part.mesh.faces)
                checks.append(time.perf_counter() - start)
            rows.append((f"{path.stem} {spec.side}", min(times), statistics.median(times),
                         statistics.median(checks), part.mesh.triangle_count, top_deviation_mm(part)))
        for extra, label in (([], "with preview and report"), (["--no-preview"], "--no-preview")):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "insolegen.cli", "build", str(path), "--out", out, *extra],
                               check=True, capture_output=True)
                rows.append((f"{path.stem} (`insolegen build`, {label})", None, time.perf_counter() - start,
                             None, None, None))

    print("| insole | build best (ms) | build median (ms) | checks median (ms) | triangles | max top deviation (mm) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, best, median, check, tris, dev in rows:
        fmt = lambda x, spec: "" if x is None else format(x, spec)  # noqa: E731
        print(f"| {name} | {fmt(best and best * 1000, '.1f')} | {median * 1000:.1f} | "
              f"{fmt(check and check * 1000, '.1f')} | {fmt(tris, 'd')} | {fmt(dev, '.4f')} |")




def bench_scans() -> None:
    """Reading scans: the shared real scans, and a large one made by subdividing one."""
    import tempfile

    import trimesh

    from insolegen.inputs.scans import read_scan

    shared = ROOT / "profiles" / "scans"
    print()
    print("| scan | triangles | file MB | read_scan (s) | sole length (mm) |")
    print("|---|---:|---:|---:|---:|")
    for path in sorted(shared.glob("*.stl")):
        start = time.perf_counter()
        read = read_scan(path)
        print(f"| {path.name} | {read.triangles} | {path.stat().st_size / 1e6:.1f} | "
              f"{time.perf_counter() - start:.2f} | {read.outline.length_mm:.1f} |")
    mesh = trimesh.load(shared / "relief-left.stl")
    while len(mesh.faces) < 3_000_000:
        mesh = mesh.subdivide()
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "big.stl"
        mesh.export(big)
        start = time.perf_counter()
        read = read_scan(big)
        print(f"| relief-left subdivided to {len(mesh.faces):,} triangles | {read.triangles} | "
              f"{big.stat().st_size / 1e6:.0f} | {time.perf_counter() - start:.2f} | {read.outline.length_mm:.1f} |")


if __name__ == "__main__":
    main()
    bench_scans()
