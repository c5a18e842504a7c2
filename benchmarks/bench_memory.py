"""Peak memory of a whole `insolegen build` on a large scan: prints figures, asserts
nothing.

    python benchmarks/bench_memory.py [--levels 4]

The real relief-left scan (12.8k triangles) is split --levels times (each split makes
4 triangles of 1, so 4 levels give 3.3 million triangles, a 163 MB binary STL), written
beside a one-sided profile that uses it, and built in a fresh process with and without
the preview. Peak resident memory (ru_maxrss of the child) and wall time are printed.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def split_scan(levels: int, target: Path) -> int:
    import trimesh

    mesh = trimesh.load(ROOT / "profiles" / "scans" / "relief-left.stl")
    vertices, faces = mesh.vertices, mesh.faces
    for _ in range(levels):
        vertices, faces = trimesh.remesh.subdivide(vertices, faces)
    record = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attr", "<u2")])
    data = np.zeros(len(faces), dtype=record)
    data["corners"] = vertices[faces]
    target.write_bytes(b"insolegen benchmark".ljust(80) + np.uint32(len(faces)).tobytes() + data.tobytes())
    return len(faces)


def peak_build(profile: Path, out: Path, *extra: str) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, exit code) of one `insolegen build` in a child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "insolegen", "build", str(profile), "--out", str(out), "--force",
                           *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode:
        print(done.stderr[-2000:], file=sys.stderr)
    # ru_maxrss of children is the largest of any child so far: run the bigger case last
    return max(peak_kb, before) / 1024, seconds, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        scan = work / "big-left.stl"
        triangles = split_scan(args.levels, scan)
        profile = work / "big.toml"
        profile.write_text('name = "big"\nside = "left"\n[foot]\nscan = "big-left.stl"\nconform = true\n'
                           '[shape]\nthickness_mm = 3.0\n')
        print(f"scan: {triangles:,} triangles, {scan.stat().st_size / 1e6:.0f} MB binary STL")
        print("| build | peak RSS (MB) | wall (s) | exit |")
        print("|---|---:|---:|---:|")
        for label, extra in (("--no-preview", ("--no-preview",)), ("with preview and report", ())):
            peak, seconds, code = peak_build(profile, work / "out", *extra)
            print(f"| {label} | {peak:.0f} | {seconds:.1f} | {code} |")


if __name__ == "__main__":
    main()
