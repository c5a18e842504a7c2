"""Whole-process times of the command a user runs: prints figures, asserts nothing.

    python benchmarks/bench_command.py [--runs 9] [--profile profiles/plain-eu42.toml]

Each command runs once to warm the file cache, then --runs times in a fresh process;
the median, fastest and slowest wall times are printed, with the difference the
preview and report make.
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


def timed(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--profile", default=str(ROOT / "profiles" / "plain-eu42.toml"))
    args = parser.parse_args()
    insolegen = [sys.executable, "-m", "insolegen"]
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "insolegen --help": insolegen + ["--help"],
            "insolegen build --no-preview": insolegen + ["build", args.profile, "--out", out, "--force", "--no-preview"],
            "insolegen build (preview and report)": insolegen + ["build", args.profile, "--out", out, "--force"],
        }
        print(f"profile: {Path(args.profile).name}, {args.runs} runs each after one warm-up")
        print("| command | median (s) | fastest (s) | slowest (s) |")
        print("|---|---:|---:|---:|")
        medians = {}
        for label, command in commands.items():
            times = timed(command, args.runs)
            medians[label] = statistics.median(times)
            print(f"| `{label}` | {medians[label]:.3f} | {min(times):.3f} | {max(times):.3f} |")
        added = medians["insolegen build (preview and report)"] - medians["insolegen build --no-preview"]
        print(f"the preview and report add {added:.3f} s (median against median)")


if __name__ == "__main__":
    main()
