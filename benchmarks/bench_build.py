"""Build benchmark: prints figures, asserts nothing (machines are shared and noisy).

    python benchmarks/bench_build.py [--repeat 9] [--commands] [--scans]

1. Pair geometry, per example profile in profiles/: both sides in process (outline,
   top surface, closed mesh; no zones, no checks, no files), the way the build makes
   them: ``pipeline.build_side`` per side, except that a side which is the other's
   mirror twin (``pipeline.mirror_twins``: same parameters, same foot) is that side's
   mesh mirrored (``pipeline.mirrored_part``), not a second build. Median and best
   of --repeat runs (wall clock, ms; the feet are read from their files first, once).
   Per insole: triangles, the largest top deviation (|mesh top - smooth surface| at 30
   random points on every top triangle), how far the heel cup's distance field puts
   the surface from the one on the exact polyline distance, and whether the side was
   mirrored.
   --no-mirror builds both sides regardless (what the geometry alone costs; also how
   to time an older tree: PYTHONPATH=<copy of that tree> python benchmarks/bench_build.py
   --no-mirror, with this file and its profiles).
2. Triangles versus deviation for plain-eu42 (right) at several tolerances.
3. With --commands: the whole-process wall time of ``insolegen build`` per profile
   (one run each, with and without the preview). With --scans: reading the shared
   scans and a 3-million-triangle one.
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

try:  # the layout of issue 22: a side is built in insolegen.build.side
    from insolegen.build import side as pipeline
    from insolegen.geometry.solid import Resolution
except ImportError:  # an older tree, for a baseline
    from insolegen import pipeline  # type: ignore[no-redef]
    from insolegen.solid import Resolution  # type: ignore[no-redef]
from insolegen.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
CURVE_TOLERANCES_MM = (0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05)
DEFAULT_RESOLUTION = Resolution()  # made here, not imported: an older tree has none


def resolved(path: Path):  # type: ignore[no-untyped-def]
    """The profile with its tracings and scans read (the foot stage), when it has one."""
    profile = load_profile(path)
    try:
        from insolegen.inputs.feet import resolve_feet
    except ImportError:  # an older tree: the profile stage read the files itself
        return profile
    return resolve_feet(profile)


def pair_geometry(specs, resolution: Resolution = DEFAULT_RESOLUTION, mirror: bool = True):  # type: ignore[no-untyped-def]
    """Every side's part (no zones), a mirror twin of an earlier side mirrored from it
    (unless ``mirror`` is false, or the tree predates mirror twins). Returns the parts
    and, per part, the side it was mirrored from (or None)."""
    mirror = mirror and hasattr(pipeline, "mirror_twins")
    parts, mirrored = [], []
    for spec in specs:
        twin = next((p for p, m in zip(parts, mirrored)
                     if mirror and m is None and pipeline.mirror_twins(p.spec, spec)), None)
        if twin is None:
            # as the build does: sides on the same foot share the outline and cup field
            group = [s for s in specs if mirror and hasattr(pipeline, "shared_foot") and pipeline.same_foot(s, spec)]
            kwargs = {"foot": pipeline.shared_foot(group, resolution)} if len(group) > 1 else {}
            parts.append(pipeline.build_side(spec, resolution, **kwargs))
            mirrored.append(None)
        else:
            parts.append(pipeline.mirrored_part(twin, spec))
            mirrored.append(twin.spec.side)
    return parts, mirrored


def top_deviation_mm(part, per_face: int = 30, height=None) -> float:  # type: ignore[no-untyped-def]
    """Largest |mesh top - surface| over ``per_face`` random points on every top
    triangle, in the right-foot frame where the surface lives. ``height`` defaults to
    the part's own surface."""
    v, f = part.mesh.vertices, part.mesh.faces
    left = part.spec.side == "left"
    v = v * ([1, -1, 1] if left else [1, 1, 1])
    tri = v[f]
    normal_z = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2]
    if left:
        normal_z = -normal_z
    top = tri[normal_z > 1e-12]
    w = np.random.default_rng(1).dirichlet([1, 1, 1], size=(len(top), per_face))
    p = np.einsum("tsk,tkd->tsd", w, top).reshape(-1, 3)
    height = part.surface.top_mm if height is None else height  # the top above the bed (a footbed included)
    return float(np.abs(height(p[:, 0], p[:, 1]) - p[:, 2]).max())


def field_vs_exact_mm(surface, samples: int = 200_000) -> float:  # type: ignore[no-untyped-def]
    """Largest |heel cup on the distance field - heel cup on the exact polyline
    distance| at random points of the rear foot (nan for a tree without the field)."""
    import shapely

    if not hasattr(surface, "heel_cup_exact_mm"):
        return float("nan")
    outline = surface.outline
    lo, hi = outline.boundary.min(axis=0), outline.boundary.max(axis=0)
    hi = np.array([min(hi[0], 0.34 * surface.spec.foot_length_mm), hi[1]])
    p = np.random.default_rng(2).uniform(lo, hi, size=(samples, 2))
    p = p[shapely.contains_xy(outline.polygon, p[:, 0], p[:, 1])]
    return float(np.abs(surface.heel_cup_mm(p[:, 0], p[:, 1]) - surface.heel_cup_exact_mm(p[:, 0], p[:, 1])).max())


def bench_pairs(repeat: int, mirror: bool) -> None:
    print("### Pair geometry (both sides, in process)\n")
    print("| profile | pair median (ms) | pair best (ms) | side | triangles | max top deviation (mm) "
          "| cup field vs exact (mm) | built |")
    print("|---|---:|---:|---|---:|---:|---:|---|")
    for path in sorted((ROOT / "profiles").glob("*.toml")):
        profile = resolved(path)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            sides, mirrored = pair_geometry(profile.sides, mirror=mirror)
            times.append(time.perf_counter() - start)
        for i, (side, mirror_of) in enumerate(zip(sides, mirrored)):
            lead = (f"| {path.stem} | {statistics.median(times) * 1000:.1f} | {min(times) * 1000:.1f} "
                    if i == 0 else "| | | ")
            how = f"mirror of {mirror_of}" if mirror_of else "built"
            print(f"{lead}| {side.spec.side} | {side.mesh.triangle_count} | {top_deviation_mm(side):.4f} "
                  f"| {field_vs_exact_mm(side.surface):.4f} | {how} |")


def bench_curve(repeat: int) -> None:
    print("\n### Triangles versus deviation, plain-eu42 right\n")
    print("| tolerance (mm) | triangles | max top deviation (mm) | build median (ms) |")
    print("|---:|---:|---:|---:|")
    spec = next(s for s in resolved(ROOT / "profiles" / "plain-eu42.toml").sides if s.side == "right")
    for tolerance in CURVE_TOLERANCES_MM:
        resolution = Resolution(tolerance_mm=tolerance)
        times = []
        for _ in range(max(1, repeat // 2)):
            start = time.perf_counter()
            side = pipeline.build_side(spec, resolution)
            times.append(time.perf_counter() - start)
        marker = " (default)" if tolerance == Resolution().tolerance_mm else ""
        print(f"| {tolerance:g}{marker} | {side.mesh.triangle_count} | {top_deviation_mm(side):.4f} "
              f"| {statistics.median(times) * 1000:.1f} |")


def bench_commands() -> None:
    print("\n### `insolegen build` (whole process, one run each)\n")
    print("| profile | with preview and report (s) | --no-preview (s) |")
    print("|---|---:|---:|")
    for path in sorted((ROOT / "profiles").glob("*.toml")):
        row = []
        for extra in ([], ["--no-preview"]):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "insolegen.cli", "build", str(path), "--out", out, *extra],
                               check=True, capture_output=True)
                row.append(time.perf_counter() - start)
        print(f"| {path.stem} | {row[0]:.2f} | {row[1]:.2f} |")


def bench_scans() -> None:
    """Reading scans: the shared real scans, and a large one made by subdividing one."""
    import trimesh

    from insolegen.inputs.scans import read_scan

    shared = ROOT / "profiles" / "scans"
    print("\n### Reading scans\n")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs per timing (median and best)")
    parser.add_argument("--no-mirror", action="store_true", help="build both sides even when they are mirror twins")
    parser.add_argument("--commands", action="store_true", help="also time `insolegen build` per profile")
    parser.add_argument("--scans", action="store_true", help="also time reading scans")
    args = parser.parse_args()
    bench_pairs(args.repeat, mirror=not args.no_mirror)
    bench_curve(args.repeat)
    if args.commands:
        bench_commands()
    if args.scans:
        bench_scans()


if __name__ == "__main__":
    main()
