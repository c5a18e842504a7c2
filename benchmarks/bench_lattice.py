"""Lattice benchmark (issue 12): prints figures, asserts nothing.

    python benchmarks/bench_lattice.py [--profile profiles/lattice-pair.toml] [--repeat 3] [--no-slice]

1. ``insolegen build --no-preview`` of the profile (default: the EU 42 lattice pair), as
   a user runs it, --repeat times: wall clock (median and best) and peak memory of the
   process.
2. From the last build's build.json, per lattice part: triangles, solid pieces, sealed
   cavities, the drain holes (with [lattice] drain_hole_mm), the thinnest wall measured
   on the mesh (rays along the surface normals: the checks' samples, and from every face
   of the STL up to WALL_REACH_MM deep),
   the least fraction the cell and wall allow, and each zone's solid fraction asked,
   built and measured on the mesh in a cell-square box in the zone's middle, with the
   relative error.
3. Unless --no-slice, and when prusa-slicer is installed: PrusaSlicer slicing each
   lattice 3MF by its own line (build.json: the report's recipe, outlines simplified to
   0.05 mm) and, beside it, by the same line at full resolution (the baseline): wall
   clock, whether it said "error" or "repair", the G-code's size and filament.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALL_REACH_MM = 1.0  # walls are looked for this deep from every face (deeper: slower)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=str(ROOT / "profiles" / "lattice-pair.toml"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-slice", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "insolegen", "build", args.profile, "--out", str(out),
                            "--no-preview", "--force"], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"build --no-preview of {Path(args.profile).name}: median {statistics.median(times):.1f} s, "
              f"best {min(times):.1f} s over {args.repeat} runs; peak RSS {peak_mb:.0f} MB")
        folder = next(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
        record = json.loads((folder / "build.json").read_text())
        for side in record["sides"]:
            lattice = side["lattice"]
            print(f"\n{side['side']}: {lattice['triangles']:,} triangles, {lattice['bodies']} solid, "
                  f"{lattice['cavities']} sealed cavities, thinnest wall {lattice['thinnest_wall_mm']:.3f} mm "
                  f"(made to {lattice['settings']['wall_min_mm']} mm), least fraction {lattice['least_fraction_pct']} %, "
                  f"built in {lattice['build_seconds']} s (its own thread)")
            every = _thinnest_from_every_face(folder / side["lattice_files"]["file"])
            print(f"  thinnest wall by a ray from every face: {every}")
            drain = lattice["settings"].get("drain_hole_mm", 0)
            if drain:
                print(f"  drain holes: {len(lattice['drain_holes_xy_mm'])} of {drain:g} mm under "
                      f"{lattice['drained_voids']} voids; pockets filled solid {lattice['filled_pockets_mm3']:g} mm3")
            print(f"  {'zone':<10} {'asked %':>8} {'built %':>8} {'measured %':>11} {'error':>7}")
            for zone in lattice["zones"]:
                measured = zone["measured_pct"]
                error = f"{100 * (measured / zone['built_pct'] - 1):+.1f} %" if measured is not None else "-"
                shown = f"{measured:.1f}" if measured is not None else "(thin)"
                print(f"  {zone['name']:<10} {zone['asked_pct']:>8g} {zone['built_pct']:>8g} {shown:>11} {error:>7}")
        prusa = shutil.which("prusa-slicer")
        if args.no_slice or prusa is None:
            print("\nPrusaSlicer: not run" + (" (not installed)" if prusa is None else ""))
            return
        for side in record["sides"]:
            model = folder / side["lattice_files"]["prusaslicer_3mf"]
            # the part's own line (build.json: --resolution 0.05) beside the baseline, the
            # same line at PrusaSlicer's full resolution, one after the other
            line = shlex.split(side["lattice_files"]["prusaslicer_command"])
            assert "--resolution" in line, line
            at = line.index("--resolution")
            baseline = line[:at] + line[at + 2:]
            for name, command in (("its line (--resolution 0.05)", line), ("baseline (full resolution)", baseline)):
                gcode = folder / command[command.index("-o") + 1]
                start = time.perf_counter()
                result = subprocess.run([prusa, *command[1:]], cwd=folder, capture_output=True, text=True)
                seconds = time.perf_counter() - start
                said = "\n".join(text for text in (result.stdout + result.stderr).lower().splitlines()
                                 if "[trace]" not in text)
                used = re.search(r"; filament used \[cm3\] = ([\d.]+)", gcode.read_text()) if gcode.exists() else None
                print(f"\nPrusaSlicer, {model.name}, {name}: exit {result.returncode} in {seconds:.0f} s; "
                      f"'error' said: {'error' in said}; 'repair' said: {'repair' in said}; "
                      + (f"G-code {gcode.stat().st_size / 1e6:.1f} MB, {used.group(1) if used else '?'} cm3 of filament"
                         if gcode.exists() else "no G-code"))
                gcode.unlink(missing_ok=True)

def _thinnest_from_every_face(stl: Path) -> str:
    """The thinnest wall by a ray from every face of the STL, as text (with the time)."""
    from insolegen.formats.meshes import load_mesh_file
    from insolegen.geometry.measure import thinnest_wall_mm

    vertices, faces = load_mesh_file(stl)
    start = time.perf_counter()
    wall = thinnest_wall_mm(vertices, faces, samples=2 * len(faces), reach_mm=WALL_REACH_MM)
    took = time.perf_counter() - start
    shown = f"none under {WALL_REACH_MM:g} mm" if wall == float("inf") else f"{wall:.3f} mm"
    return f"{shown} ({len(faces):,} rays, {took:.0f} s)"


if __name__ == "__main__":
    main()
