"""Issue 31's targets, each beside its baselines in the same run: prints figures, asserts
nothing.

    python benchmarks/bench_targets.py [--baseline 598adc7] [--runs 5]
        [--openscad-model Orthotics.scad] [--lattice] [--scan] [--tests]

Every command runs as a user runs it, in a fresh process, once to warm the file cache and
then --runs times, this tree and the baseline (a git ref, checked out in a temporary
worktree and run from it) in turn, so both see the same minutes of a shared machine:
the median and the range of each, their ratio pair by pair, and the peak memory of the
process (its own ru_maxrss, read by a small wrapper around each run).

- The parametric pair (`build profiles/orthotic-pair.toml --no-preview`): target 0.4 s,
  and at least 7x OpenSCAD rendering a public parametric orthotic to STL
  (--openscad-model: PeterWithers/Orthotics on GitHub, Orthotics.scad, which carries no
  licence, so it is not shipped here; OpenSCAD from Debian's `openscad`), run in turn
  with the other two. Then the same build with preview and report: target at most 0.15 s
  more.
- --lattice: the lattice pair (`build profiles/lattice-pair.toml --no-preview`: target
  10 s and 800 MB, and its triangles a side from build.json: target 150,000) and `check`
  on its left part (target 2 s). Slicing it takes minutes: benchmarks/bench_lattice.py.
- --scan: a 3.3-million-triangle scan (bench_memory.py's split of the real relief scan,
  `conform = true`): target 3 s and 600 MB.
- --tests: the fast test loop (`pytest -m "not slow"`, on both cores, as the README runs
  it), each tree's own tests on its own code, in turn, --runs // 5 times (at least once):
  target 60 s (a tree whose loop fails here is still timed: its exit code is printed).
  The whole suite (CI, target 10 minutes) is timed by CI itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A run's own peak: the wrapper's children's ru_maxrss holds only the command it ran.
WRAPPER = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)")


def run_once(command: list[str], env: dict[str, str] | None, cwd: Path, check: bool = True) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit code) of one run of ``command`` in a fresh process;
    a failure ends the benchmark unless not ``check`` (a test run that fails still took
    its time: the exit code is printed beside it)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True, env=env, cwd=cwd)
    seconds = time.perf_counter() - start
    peak_kb, code = (int(x) for x in done.stdout.split())
    if code != 0 and check:
        raise SystemExit(f"{' '.join(command)} exited {code}")
    return seconds, peak_kb / 1024, code


def in_turn(commands: dict[str, tuple[list[str], dict[str, str] | None]], runs: int, cwd: Path,
            warm: bool = True, cwds: dict[str, Path] | None = None, check: bool = True) -> dict[str, list]:
    """Each command warmed once (unless not ``warm``), then run ``runs`` times, all of them
    in turn; in ``cwd``, or the command's own folder in ``cwds``."""
    where = {name: (cwds or {}).get(name, cwd) for name in commands}
    for name, (command, env) in commands.items() if warm else ():
        run_once(command, env, where[name])
    found: dict[str, list] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, env) in commands.items():
            found[name].append(run_once(command, env, where[name], check))
    return found


def show(title: str, found: dict[str, list], target: str) -> None:
    print(f"\n{title} (target: {target})")
    first = next(iter(found))
    for name, runs in found.items():
        wall = [w for w, _, _ in runs]
        peak = max(p for _, p, _ in runs)
        failed = sorted({code for _, _, code in runs} - {0})
        line = (f"  {name:<34} {statistics.median(wall):7.2f} s ({min(wall):.2f}-{max(wall):.2f}), "
                f"peak {peak:,.0f} MB" + (f", exit {failed}" if failed else ""))
        if name != first:
            ratio = [a[0] / b[0] for a, b in zip(found[first], runs)]
            line += f"; {first} takes {statistics.median(ratio):.2f}x its time ({min(ratio):.2f}-{max(ratio):.2f})"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="598adc7", help="a git ref: the release to compare with")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--openscad-model", type=Path)
    parser.add_argument("--lattice", action="store_true")
    parser.add_argument("--scan", action="store_true")
    parser.add_argument("--tests", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="insolegen-targets-") as folder:
        work = Path(folder)
        base = work / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.baseline],
                       check=True, capture_output=True)
        try:
            _measure(args, work, base)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)


def _measure(args: argparse.Namespace, work: Path, base: Path) -> None:
    ours = {**os.environ, "PYTHONPATH": str(ROOT)}
    theirs = {**os.environ, "PYTHONPATH": str(base)}
    label = f"baseline ({args.baseline})"
    insolegen = [sys.executable, "-m", "insolegen"]

    def build(profile: Path, out: str, *extra: str) -> list[str]:
        return [*insolegen, "build", str(profile), "--out", str(work / out), "--force", *extra]

    pair = ROOT / "profiles" / "orthotic-pair.toml"
    commands = {"this tree": (build(pair, "a", "--no-preview"), ours), label: (build(pair, "b", "--no-preview"), theirs)}
    scad = shutil.which("openscad")
    if args.openscad_model and scad:
        commands["OpenSCAD, " + args.openscad_model.name] = ([scad, "-o", str(work / "scad.stl"),
                                                            str(args.openscad_model.resolve())], None)
    elif args.openscad_model:
        print("OpenSCAD: not installed (apt-get install openscad); left out")
    show("A parametric pair, build --no-preview", in_turn(commands, args.runs, work), "0.4 s; 7x OpenSCAD")
    with_preview = {"this tree, with preview and report": (build(pair, "c"), ours),
                    "this tree, --no-preview": (build(pair, "a", "--no-preview"), ours)}
    found = in_turn(with_preview, args.runs, work)
    show("The same pair with its preview and report", found, "at most 0.15 s more")
    extra = [a[0] - b[0] for a, b in zip(*found.values())]
    print(f"  preview and report add {statistics.median(extra):.2f} s ({min(extra):.2f}-{max(extra):.2f})")

    if args.lattice:
        lattice = ROOT / "profiles" / "lattice-pair.toml"
        runs = max(1, args.runs // 2)
        found = in_turn({"this tree": (build(lattice, "la", "--no-preview"), ours),
                         label: (build(lattice, "lb", "--no-preview"), theirs)}, runs, work)
        show("The lattice pair, build --no-preview", found, "10 s and 800 MB")
        record = json.loads((work / "la" / "lattice-pair" / "build.json").read_text())
        for side in record["sides"]:
            print(f"  {side['side']}: {side['lattice']['triangles']:,} triangles (target 150,000)")
        part = work / "la" / "lattice-pair" / record["sides"][0]["lattice_files"]["file"]
        found = in_turn({"this tree": ([*insolegen, "check", str(part)], ours),
                         label: ([*insolegen, "check", str(part)], theirs)}, args.runs, work)
        show(f"check on {part.name}", found, "2 s")

    if args.scan:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_memory import split_scan

        triangles = split_scan(4, work / "big-left.stl")
        profile = work / "big.toml"
        profile.write_text('name = "big"\nside = "left"\n[foot]\nscan = "big-left.stl"\nconform = true\n'
                           '[shape]\nthickness_mm = 3.0\n')
        found = in_turn({"this tree": (build(profile, "sa", "--no-preview"), ours),
                         label: (build(profile, "sb", "--no-preview"), theirs)}, max(1, args.runs // 2), work)
        show(f"A {triangles:,}-triangle scan, build --no-preview", found, "3 s and 600 MB")

    if args.tests:
        loop = [sys.executable, "-m", "pytest", "-m", "not slow", "-n", "2", "-q", "-p", "no:cacheprovider"]
        found = in_turn({"this tree": (loop, ours), label: (loop, theirs)}, max(1, args.runs // 5), work,
                        warm=False, cwds={"this tree": ROOT, label: base}, check=False)
        show("The fast test loop, pytest -m 'not slow' -n 2", found, "60 s")


if __name__ == "__main__":
    main()
