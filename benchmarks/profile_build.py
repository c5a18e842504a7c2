"""Where a build's time goes (issue 31): prints figures, asserts nothing.

    python benchmarks/profile_build.py [--profile profiles/orthotic-pair.toml] [--repeat 5]

1. The whole command, as a user runs it (``insolegen build --no-preview``), beside the
   interpreter's own start (``python -c pass``) and the start plus the build's imports
   (``python -c "import insolegen.build.pipeline, insolegen.exports.bundle, ..."``), each
   a fresh process, in turn, --repeat times: the medians, and what is left for the work.
2. The work, stage by stage in one thread (the build runs the sides side by side on two
   cores, so the command takes less than their sum): reading the profile, the feet, each
   side's geometry and zones, its label, its checks (part and zones), and writing every
   file (3MF, STL, build.json). Best of --repeat, in milliseconds.

Run it with compiled bytecode (python -m compileall insolegen) and a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = ("import insolegen.cli.main, insolegen.build.pipeline, insolegen.exports.bundle, "
           "insolegen.profile.loader")


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def whole_process(profile: Path, repeat: int) -> None:
    runs: dict[str, list[float]] = {"python -c pass": [], "+ the build's imports": [], "insolegen build --no-preview": []}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeat):
            runs["python -c pass"].append(_wall([sys.executable, "-c", "pass"]))
            runs["+ the build's imports"].append(_wall([sys.executable, "-c", IMPORTS]))
            runs["insolegen build --no-preview"].append(_wall(
                [sys.executable, "-m", "insolegen", "build", str(profile), "--no-preview", "--out", f"{tmp}/{k}"]))
    print(f"1. whole process, {profile.name}, {repeat} runs each, in turn (median, min-max):")
    for name, times in runs.items():
        print(f"   {name:32s} {statistics.median(times) * 1000:7.0f} ms  ({min(times) * 1000:.0f}-{max(times) * 1000:.0f})")
    work = statistics.median(runs["insolegen build --no-preview"]) - statistics.median(runs["+ the build's imports"])
    print(f"   {'left for the work':32s} {work * 1000:7.0f} ms")


def stages(profile_path: Path, repeat: int) -> None:
    from insolegen.build.pipeline import _checked, build_profile
    from insolegen.build.side import build_side, labelled
    from insolegen.exports.bundle import render_build
    from insolegen.geometry.solid import DEFAULT_RESOLUTION
    from insolegen.inputs.feet import resolve_feet
    from insolegen.profile import load_profile

    best: dict[str, float] = {}
    first: dict[str, float] = {}  # the first run pays for lazy imports and caches, as a command does

    def timed(name: str, call, *args):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        value = call(*args)
        seconds = time.perf_counter() - start
        first.setdefault(name, seconds)
        best[name] = min(best.get(name, float("inf")), seconds)
        return value

    for _ in range(repeat):
        profile = timed("read the profile", load_profile, profile_path)
        profile = timed("read the feet", resolve_feet, profile)
        for spec in profile.sides:
            part = timed(f"{spec.side}: geometry and zones", build_side, spec, DEFAULT_RESOLUTION, profile.zones)
            warnings: list[str] = []
            if profile.label:
                part = timed(f"{spec.side}: label", labelled, part, profile, warnings)
            timed(f"{spec.side}: checks (part and zones)", _checked, profile.name, part)
        result = build_profile(profile)
        timed("write every file (3MF, STL, build.json)", render_build, result, False)
    print(f"2. the work, stage by stage in one thread: the first run (as in a command) and the best of {repeat}:")
    for name, seconds in best.items():
        print(f"   {name:45s} {first[name] * 1000:7.0f} ms {seconds * 1000:7.0f} ms")
    print(f"   {'sum':45s} {sum(first.values()) * 1000:7.0f} ms {sum(best.values()) * 1000:7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=str(ROOT / "profiles" / "orthotic-pair.toml"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    whole_process(Path(args.profile), args.repeat)
    stages(Path(args.profile), args.repeat)


if __name__ == "__main__":
    main()
