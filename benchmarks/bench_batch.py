"""Batch benchmark: build N varied profiles with --jobs 1 and --jobs 2 and print the
throughput per core and the speed-up. Prints figures, asserts nothing.

    python benchmarks/bench_batch.py [--count 200] [--preview]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = ["EU 37", "EU 38", "EU 39", "EU 40", "EU 41", "EU 42", "EU 43", "EU 44", "EU 45", "US W 8", "UK 9"]


def make_profiles(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        lift = f'[lift]\nside = "left"\nheel_mm = {3 + i % 5}\n' if i % 3 == 0 else ""
        text = (f'name = "patient-{i:03d}"\n[foot]\nsize = "{SIZES[i % len(SIZES)]}"\n'
                f"[shape]\narch_height_mm = {10 + i % 12}\nheel_cup_depth_mm = {8 + i % 8}\n"
                f"met_pad_height_mm = {i % 5}\nrearfoot_post_deg = {(i % 7) - 3}\n" + lift)
        path = folder / f"patient-{i:03d}.toml"
        path.write_text(text)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--preview", action="store_true", help="also render preview.png and report.html")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = make_profiles(Path(folder), args.count)
        times = {}
        for jobs in (1, 2):
            out = Path(folder) / f"out-{jobs}"
            command = [sys.executable, "-m", "insolegen.cli", "build", *map(str, paths), "--out", str(out),
                       "--jobs", str(jobs)] + ([] if args.preview else ["--no-preview"])
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True)
            times[jobs] = time.perf_counter() - start
            built = len(list(out.glob("*/build.json")))
            print(f"--jobs {jobs}: {args.count} profiles ({2 * args.count} insoles) in {times[jobs]:.1f} s, "
                  f"{built} built, exit {result.returncode}; {args.count / times[jobs] * 3600:,.0f} profiles/hour; "
                  f"{times[jobs] * jobs / args.count * 1000:.0f} ms of a core per profile")
        print(f"speed-up from 1 to 2 jobs: {times[1] / times[2]:.2f}x "
              f"({'with' if args.preview else 'without'} preview and report)")


if __name__ == "__main__":
    main()
