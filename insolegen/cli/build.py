"""`insolegen build`: profiles in, a folder of print files per profile out."""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import time
from pathlib import Path
from typing import Any

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNWRITABLE, _err, _say
from insolegen.cli.interrupts import STATE, OnInterrupt, _interrupts, _load
from insolegen.cli.outcomes import EXISTS_LABEL, Outcome, _not_started, _summary
from insolegen.cli.pool import _build_many, _duplicates, build_in_worker
from insolegen.core.paths import shown

__all__ = ["build_one", "cmd_build"]


def cmd_build(args: argparse.Namespace) -> int:
    # rich only draws a batch's progress bar and summary: a single build goes without
    # it (importing it costs ~0.08 s of every command)
    _load("insolegen.build.pipeline", "insolegen.exports.bundle",
          *(("rich.progress",) if len(args.profiles) > 1 else ()),
          *(("insolegen.exports.preview", "insolegen.exports.report") if not args.no_preview else ()))
    out_dir = Path(args.out)
    paths = [Path(p) for p in args.profiles]
    varies = None
    if args.vary:
        from insolegen.profile.variants import VaryError, parse_vary

        if len(paths) != 1:
            _err(f"--vary builds the variants of one profile: give one profile, not {len(paths)}")
            return EXIT_BAD_INPUT
        try:
            varies = [parse_vary(text) for text in args.vary]
        except VaryError as exc:
            _err(str(exc))
            return EXIT_BAD_INPUT
    if args.estimate and shutil.which("prusa-slicer") is None:
        _err("--estimate asks PrusaSlicer for the print time: prusa-slicer is not on the PATH (install PrusaSlicer, "
             "or build without --estimate)")
        return EXIT_BAD_INPUT
    cores = os.cpu_count() or 1
    if args.jobs > cores:
        _err(f"note: --jobs {args.jobs} is more than this machine's {cores} cores: building {cores} at once")
    jobs = min(args.jobs, cores, len(paths))
    duplicates = _duplicates(paths, out_dir) if len(paths) > 1 else {}
    todo = [p for i, p in enumerate(paths) if i not in duplicates]
    builder = functools.partial(build_one, varies=varies, estimate=args.estimate)
    if len(todo) == 1 and (_long_build(todo[0]) or args.estimate):  # minutes a Ctrl-C must be able to cut short
        built = [build_in_worker(todo[0], out_dir, args.force, not args.no_preview, builder)]
    elif len(todo) == 1:
        built = [builder(todo[0], out_dir, args.force, not args.no_preview)]
    else:
        built = _build_many(todo, out_dir, args.force, not args.no_preview, jobs, builder) if todo else []
    results = iter(built)
    outcomes = [duplicates[i] if i in duplicates else next(results) for i in range(len(paths))]
    for outcome in outcomes:
        for line in outcome.out:
            _say(line)
        for line in outcome.err:
            _err(line)
    if len(outcomes) > 1:
        _summary(outcomes)
    elif STATE.interrupted and outcomes[0].written:
        # Ctrl-C while the results were swapped in: the swap finished first, so say so
        _err(f"{outcomes[0].profile}: interrupted after the build was written (its folder is complete)")
    return EXIT_INTERRUPTED if STATE.interrupted else max(o.status for o in outcomes)


def _long_build(path: Path) -> bool:
    """A profile whose build runs long in native code (a [lattice]: tens of seconds of
    meshing and booleans), which a worker process builds so that Ctrl-C can stop it;
    an unreadable profile is left to the build to report."""
    from insolegen.profile.reading import load_profile_data

    try:
        table = load_profile_data(path).get("lattice")
    except Exception:  # noqa: BLE001 (the build itself says what is wrong with the file)
        return False
    return isinstance(table, dict) and table.get("enabled") is True


def build_one(path: Path, out_dir: Path, force: bool, preview: bool = True, varies: list | None = None,
              estimate: bool = False) -> Outcome:
    """Load, build, check and write one profile; never raises for bad input, nor for
    Ctrl-C (the outcome says whether its results were written)."""
    start = time.perf_counter()
    outcome = Outcome(str(path), EXIT_OK)
    if STATE.stop_workers is not None and STATE.stop_workers.is_set():
        return _not_started(path)  # handed to this worker just before the command was interrupted
    try:
        with _interrupts(OnInterrupt.RAISE):
            _build_into(outcome, path, out_dir, force, preview, varies, estimate)
    except KeyboardInterrupt:
        outcome.status, outcome.out = EXIT_INTERRUPTED, []
        outcome.err.append(f"{path}: interrupted: nothing written")
    finally:
        outcome.seconds = time.perf_counter() - start
    return outcome


def _build_into(outcome: Outcome, path: Path, out_dir: Path, force: bool, preview: bool,
                varies: list | None = None, estimate: bool = False) -> None:
    # Over 60 lines: each way a build ends (refused, exists, unwritable, failed, written) said in its
    # own words.
    from insolegen.build.parts import BedFitError, BuildError, LatticeFitError
    from insolegen.build.pipeline import build_profile
    from insolegen.exports.bundle import output_names, render_build, render_variants
    from insolegen.exports.estimate import EstimateError
    from insolegen.exports.files import (
        OutputError,
        OutputExistsError,
        claim_folder,
        describe_write_error,
        folder_unwritable,
        publish,
    )
    from insolegen.profile import ProfileError, load_profile
    from insolegen.profile.problems import ProfileFileError
    from insolegen.profile.reading import load_profile_data
    from insolegen.profile.variants import VaryError, variant_profiles

    try:
        if varies:
            profiles = variant_profiles(load_profile_data(path), varies, default_name=path.stem, source=path)
        else:
            profiles = [load_profile(path)]
    except VaryError as exc:
        outcome.err.append(f"{shown(path)}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileFileError as exc:
        outcome.err.append(f"{shown(path)}: {exc.problems[0]}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileError as exc:
        _profile_problems(outcome, path, exc)
        return
    profile = profiles[0]
    outcome.sides = "+".join(s.side for s in profile.sides)
    # variants share one folder, the profile's own: OUT/<name>/<name>-v<n>-<side>.stl
    folder = out_dir / (profile.file_stem.removesuffix(f"-v{profile.variant}") if profile.variant else profile.file_stem)
    try:
        with claim_folder(folder, force=force) as claim:
            results = []
            for each in profiles:
                result = build_profile(each)
                results.append(result)
                said = f"variant {each.variant}: " if each.variant else ""
                outcome.warnings += len(result.record.warnings)
                outcome.err.extend(f"{path}: warning: {said}{w}" for w in result.record.warnings)
            files = (render_variants(results, preview=preview) if varies
                     else render_build(results[0], preview=preview, estimate=estimate))
            with _interrupts(OnInterrupt.DEFER):
                publish(claim, files)
                outcome.written = True
    except OutputExistsError as exc:
        # Not an error of the input: the build was made before. Nothing is touched, so
        # a batch (the README's `insolegen build profiles/*.toml`) can be run again.
        outcome.err.append(f"{path}: {exc}")
        outcome.status, outcome.label = EXIT_BAD_INPUT, EXISTS_LABEL
        return
    except OutputError as exc:
        outcome.err.append(f"{path}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileError as exc:  # a foot file or custom zone the build cannot use
        _profile_problems(outcome, path, exc)
        return
    except (BedFitError, LatticeFitError) as exc:
        outcome.err.append(f"{path}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except EstimateError as exc:
        outcome.err.append(f"{path}: no print-time estimate: {exc}; nothing was written")
        outcome.status = EXIT_FAILED
        return
    except BuildError as exc:
        outcome.err.append(f"{path}: build failed: {exc}")
        outcome.status = EXIT_FAILED
        return
    except OSError as exc:
        outcome.err.append(f"{path}: cannot write the results to {shown(folder)}: {describe_write_error(exc)}; "
                           "nothing was written")
        outcome.status = EXIT_UNWRITABLE if folder_unwritable(exc) else EXIT_FAILED
        return
    for result in results:
        _built_lines(outcome, folder, result, output_names(result.profile))
    # every other file written, by what it is for (the STLs are said above, build.json below)
    mentioned = {n for r in results for n in output_names(r.profile).values() if n.endswith(".stl")} | {"build.json"}
    slicer = sorted(n for n in files if n not in mentioned and n.endswith(".3mf"))
    others = sorted(n for n in files if n not in mentioned and not n.endswith(".3mf"))
    if slicer:
        outcome.out.append(f"{folder}: for the slicers (zones as modifiers; .orca.3mf for OrcaSlicer and Bambu "
                           f"Studio): {', '.join(slicer)}")
    if others:
        outcome.out.append(f"{folder}: to check and file: {', '.join(others)}")
    outcome.out.append(str(folder / "build.json"))


def _built_lines(outcome: Outcome, folder: Path, result, names: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """One line per part written: where, and its figures as measured."""
    for side in result.record.sides:
        heights = ", ".join(f"{name} {h.measured_mm:.2f}" for name, h in side.heights.items())
        outcome.out.append(
            f"{folder / names[side.side]}: {side.triangles} triangles, "
            f"{side.volume_mm3 / 1000:.1f} cm3, length {side.outline.length_mm:.1f} mm, "
            f"ball {side.outline.ball_width_mm:.1f} mm; top heights (mm): {heights}"
        )
        lattice = side.lattice
        if lattice is not None:
            zones = ", ".join(f"{z.name} {z.built_pct:g}" + (f" ({z.measured_pct:.1f})" if z.measured_pct is not None
                                                               else "") for z in lattice.zones)
            outcome.out.append(
                f"{folder / names[f'{side.side}.lattice']}: {lattice.triangles} triangles, thinnest wall "
                f"{lattice.thinnest_wall_mm:.2f} mm; solid % by zone, built (measured): {zones}"
                + _drains_said(lattice))


def _drains_said(lattice: Any) -> str:  # a LatticeFigures
    drain = lattice.settings.get("drain_hole_mm", 0)
    if not drain:
        return ""
    filled = f", {lattice.filled_pockets_mm3:g} mm3 of pockets filled" if lattice.filled_pockets_mm3 else ""
    return (f"; {len(lattice.drain_holes_xy_mm)} drain holes of {drain:g} mm under {lattice.drained_voids} "
            f"void(s){filled}, none sealed")


def _profile_problems(outcome: Outcome, path: Path, exc: Exception) -> None:
    problems = exc.problems  # type: ignore[attr-defined]
    if len(problems) == 1:
        outcome.err.append(f"{shown(path)}: invalid profile: {problems[0]}")
    else:
        outcome.err.append(f"{shown(path)}: invalid profile ({len(problems)} problems):")
        outcome.err.extend(f"  - {problem}" for problem in problems)
    outcome.status = EXIT_BAD_INPUT
