"""Command line: ``insolegen new | build | check``.

Exit codes: 0 success; 1 a mesh that is not printable (check) or a build that failed
its own checks; 2 bad input (profile, arguments, files that would be overwritten).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import __version__
from .input_paths import brief, describe_os_error, shown, without_path
from .printing import PRINTABLE_MIN_MM

# The rest of the package is imported inside the commands that use it, so that
# `insolegen --help` and argument errors answer at once (numpy, scipy, manifold3d and
# pydantic take most of a second to import).

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _say(message: str) -> None:
    _write(sys.stdout, message)


def _err(message: str) -> None:
    _write(sys.stderr, message)


def _write(stream, message: str) -> None:  # type: ignore[no-untyped-def]
    """Print a line; a reader that went away (``insolegen ... | head -1``) is not an
    error of the command: the rest of the output is dropped, the exit code stays."""
    try:
        print(message, file=stream, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # Python's own flush at exit must not fail either
        os.close(devnull)


def cmd_new(args: argparse.Namespace) -> int:
    from .exports.files import write_new_file
    from .profile.names import NAME_RULE, name_from_file_stem, name_problem
    from .profile.sizes import SizeError
    from .starter import starter_profile

    path = Path(args.profile)
    name = args.name if args.name is not None else name_from_file_stem(path.stem)
    why = name_problem(name)
    if why:
        _err(f"--name {brief(name)} {why}: {NAME_RULE}")
        return EXIT_BAD_INPUT
    try:
        text = starter_profile(name, args.size, str(path))
    except SizeError as exc:
        _err(f"--size {brief(args.size)}: {exc}")
        return EXIT_BAD_INPUT
    try:
        write_new_file(path, text.encode("utf-8"), force=args.force)
    except FileExistsError:
        _err(f"{shown(path)} already exists: not overwriting it (use --force to replace it)")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"{shown(path)}: cannot write the profile: {describe_os_error(exc)}")
        return EXIT_FAILED
    _say(f"wrote {path}: edit it, then run: insolegen build {path}")
    return EXIT_OK


@dataclass
class Outcome:
    """What building one profile produced: its exit status and the lines to print."""

    profile: str
    status: int
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    sides: str = ""
    warnings: int = 0
    seconds: float = 0.0


def cmd_build(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    paths = [Path(p) for p in args.profiles]
    cores = os.cpu_count() or 1
    if args.jobs > cores:
        _err(f"note: --jobs {args.jobs} is more than this machine's {cores} cores: building {cores} at once")
    jobs = min(args.jobs, cores, len(paths))
    duplicates = _duplicates(paths, out_dir) if len(paths) > 1 else {}
    todo = [p for i, p in enumerate(paths) if i not in duplicates]
    if len(todo) == 1:
        built = [build_one(todo[0], out_dir, args.force, not args.no_preview)]
    else:
        built = _build_many(todo, out_dir, args.force, not args.no_preview, jobs) if todo else []
    results = iter(built)
    outcomes = [duplicates[i] if i in duplicates else next(results) for i in range(len(paths))]
    for outcome in outcomes:
        for line in outcome.out:
            _say(line)
        for line in outcome.err:
            _err(line)
    if len(outcomes) > 1:
        _summary(outcomes)
    return max(o.status for o in outcomes)


def _duplicates(paths: list[Path], out_dir: Path) -> dict[int, Outcome]:
    """Profiles of a batch that would build into a folder an earlier one in the batch
    builds into (the same name): refused before anything is built."""
    from .profile.loader import profile_name

    first: dict[str, Path] = {}
    refused = {}
    for i, path in enumerate(paths):
        name = profile_name(path)
        if name is None:
            continue  # unreadable: building it reports why
        if name in first:
            refused[i] = Outcome(str(path), EXIT_BAD_INPUT, err=[
                f"{shown(path)}: builds {shown(out_dir / name)}, as {shown(first[name])} in this batch does: "
                "not built (give each profile its own name)"])
        else:
            first[name] = path
    return refused


def _build_many(paths: list[Path], out_dir: Path, force: bool, preview: bool, jobs: int) -> list[Outcome]:
    """Build profiles in ``jobs`` processes with a progress bar; one failure does not
    stop the others. Outcomes come back in the order given."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    results: dict[int, Outcome] = {}
    columns = (TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=_stderr_console(), transient=False) as progress:
        task = progress.add_task("", total=len(paths))
        if jobs == 1:
            for i, path in enumerate(paths):
                results[i] = build_one(path, out_dir, force, preview)
                progress.update(task, advance=1, description=path.name)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(build_one, path, out_dir, force, preview): i for i, path in enumerate(paths)}
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        results[i] = future.result()
                    except Exception as exc:  # a crashed worker must not stop the batch
                        results[i] = Outcome(str(paths[i]), EXIT_FAILED, err=[f"{paths[i]}: build crashed: {exc!r}"])
                    progress.update(task, advance=1, description=paths[i].name)
    return [results[i] for i in range(len(paths))]


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)


def _summary(outcomes: list[Outcome]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="insolegen build")
    for column in ("profile", "sides", "warnings", "status", "seconds"):
        table.add_column(column, justify="right" if column in ("warnings", "seconds") else "left")
    names = {EXIT_OK: "ok", EXIT_FAILED: "failed", EXIT_BAD_INPUT: "bad input"}
    for o in outcomes:
        table.add_row(o.profile, o.sides, str(o.warnings), names.get(o.status, str(o.status)), f"{o.seconds:.2f}")
    ok = sum(o.status == EXIT_OK for o in outcomes)
    text = io.StringIO()  # rendered here and printed by _say, which survives a closed pipe
    Console(file=text, width=120, force_terminal=sys.stdout.isatty()).print(table)
    _say(text.getvalue().rstrip("\n"))
    _say(f"{ok} of {len(outcomes)} profiles built")


def build_one(path: Path, out_dir: Path, force: bool, preview: bool = True) -> Outcome:
    """Load, build, check and write one profile; never raises for bad input."""
    start = time.perf_counter()
    outcome = Outcome(str(path), EXIT_OK)
    try:
        _build_into(outcome, path, out_dir, force, preview)
    finally:
        outcome.seconds = time.perf_counter() - start
    return outcome


def _build_into(outcome: Outcome, path: Path, out_dir: Path, force: bool, preview: bool) -> None:
    from .exports.files import OutputError, claim_folder, publish
    from .exports.bundle import output_names, render_build
    from .pipeline import BedFitError, BuildError, build_profile
    from .profile import ProfileError, load_profile
    from .profile.loader import ProfileFileError

    try:
        profile = load_profile(path)
    except ProfileFileError as exc:
        outcome.err.append(f"{shown(path)}: {exc.problems[0]}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileError as exc:
        _profile_problems(outcome, path, exc)
        return
    outcome.sides = "+".join(s.side for s in profile.sides)
    folder = out_dir / profile.name
    try:
        with claim_folder(folder, force=force) as claim:
            result = build_profile(profile)
            warnings = result.record.warnings
            outcome.warnings = len(warnings)
            outcome.err.extend(f"{path}: warning: {w}" for w in warnings)
            files = render_build(result, preview=preview)
            publish(claim, files)
    except OutputError as exc:
        outcome.err.append(f"{path}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except ProfileError as exc:  # a foot file or custom zone the build cannot use
        _profile_problems(outcome, path, exc)
        return
    except BedFitError as exc:
        outcome.err.append(f"{path}: {exc}")
        outcome.status = EXIT_BAD_INPUT
        return
    except BuildError as exc:
        outcome.err.append(f"{path}: build failed: {exc}")
        outcome.status = EXIT_FAILED
        return
    except OSError as exc:
        outcome.err.append(f"{path}: cannot write the results to {shown(folder)}: {describe_os_error(exc)}; "
                           "nothing was written")
        outcome.status = EXIT_FAILED
        return
    for side in result.record.sides:
        heights = ", ".join(f"{name} {h.measured_mm:.2f}" for name, h in side.heights.items())
        outcome.out.append(
            f"{folder / output_names(profile)[side.side]}: {side.triangles} triangles, "
            f"{side.volume_mm3 / 1000:.1f} cm3, length {side.outline.length_mm:.1f} mm, "
            f"ball {side.outline.ball_width_mm:.1f} mm; top heights (mm): {heights}"
        )
    outcome.out.append(str(folder / "build.json"))


def _profile_problems(outcome: Outcome, path: Path, exc: Exception) -> None:
    problems = exc.problems  # type: ignore[attr-defined]
    if len(problems) == 1:
        outcome.err.append(f"{shown(path)}: invalid profile: {problems[0]}")
    else:
        outcome.err.append(f"{shown(path)}: invalid profile ({len(problems)} problems):")
        outcome.err.extend(f"  - {problem}" for problem in problems)
    outcome.status = EXIT_BAD_INPUT


def cmd_check(args: argparse.Namespace) -> int:
    bed, printer = _bed_of(args)
    if bed is None and args.printer is not None:
        return EXIT_BAD_INPUT
    status = EXIT_OK
    for name in args.meshes:
        path = Path(name)
        if path.suffix.lower() == ".3mf":
            ok = _check_3mf(path, args, bed, printer)
        else:
            ok = _check_stl(path, args, bed, printer)
        if not ok:
            status = EXIT_FAILED
    return status


def _bed_of(args: argparse.Namespace) -> tuple[tuple[float, float] | None, str | None]:
    from .profile.printers import PRINTERS

    if args.bed is not None:
        return args.bed, None
    if args.printer is not None:
        preset = PRINTERS.get(args.printer.lower())
        if preset is None:
            _err(f"--printer {brief(args.printer)} is not a preset: use one of {', '.join(PRINTERS)}")
            return None, None
        return preset.bed_mm, preset.name
    return None, None


def _check_stl(path: Path, args: argparse.Namespace, bed, printer) -> bool:  # type: ignore[no-untyped-def]
    from .meshcheck import check_part
    from .meshfiles import MeshFileError, load_mesh_file

    try:
        vertices, faces = load_mesh_file(path)
    except MeshFileError as exc:
        _say(f"{shown(path)}: NOT PRINTABLE: {without_path(exc, path)}")
        return False
    report = check_part(vertices, faces, min_thickness_mm=args.min_thickness)
    fit = _bed_fit_loose(vertices, bed, printer) if bed else None
    if args.json:
        _say(_json({"file": str(path), **report.as_dict(), "bed": fit}))
    else:
        _print_report(path, report)
        if fit:
            _say(f"  bed: {fit['text']}")
    return report.ok and (fit is None or fit["fits"])


def _bed_fit_loose(vertices, bed, printer) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """An STL has no placement: can it be placed on the bed, turned if need be?"""
    from .placement import place_on_bed
    from .placement import describe_bed, largest_foot_mm

    place = place_on_bed(vertices, bed)
    where = describe_bed(printer, bed)
    if place.fits:
        turn = f", turned {place.angle_deg:g} degrees" if place.angle_deg else ""
        return {"fits": True, "rotation_deg": place.angle_deg, "text": f"fits {where}{turn}"}
    largest = largest_foot_mm(vertices[:, :2], bed)
    return {"fits": False, "text": f"does not fit {where} at any angle (the largest insole of this shape it takes "
                                   f"is {largest:.0f} mm long)"}


def _check_3mf(path: Path, args: argparse.Namespace, bed, printer) -> bool:  # type: ignore[no-untyped-def]
    import numpy as np

    from .meshcheck import check_part, check_zone

    from .placement import describe_bed
    from .exports.threemf_read import ThreeMFError, read_3mf

    try:
        volumes = read_3mf(path)
    except ThreeMFError as exc:
        _say(f"{shown(path)}: NOT PRINTABLE: {without_path(exc, path)}")
        return False
    parts = [v for v in volumes if v.role == "part"]
    zones = [v for v in volumes if v.role == "modifier"]
    ok = bool(parts)
    lines = []
    result: dict[str, object] = {"file": str(path), "parts": [], "zones": []}
    for part in parts:
        report = check_part(part.vertices, part.faces, min_thickness_mm=args.min_thickness)
        ok &= report.ok
        result["parts"].append({"name": part.name, **report.as_dict()})  # type: ignore[union-attr]
        lines.append(f"  part {part.name!r}: {'printable' if report.ok else 'NOT PRINTABLE'}, {report.triangles} "
                     f"triangles, {report.volume_mm3 / 1000:.1f} cm3, thinnest wall {_wall(report.thinnest_wall_mm)}, "
                     f"thinnest section {report.thinnest_mm:.2f} mm")
        lines += [f"    problem: {p}" for p in report.problems]
    for zone in zones:
        report = check_zone(zone.vertices, zone.faces)
        density = zone.settings.get("fill_density") or zone.settings.get("sparse_infill_density") or \
            zone.settings.get("cura:infill_sparse_density", "?")
        pattern = zone.settings.get("fill_pattern") or zone.settings.get("sparse_infill_pattern") or \
            zone.settings.get("cura:infill_pattern", "?")
        closed = "closed solid" if report.ok else "NOT a closed solid: " + "; ".join(report.problems)
        if not report.ok:
            ok = False
        result["zones"].append({"name": zone.name, "settings": zone.settings, "closed": report.ok})  # type: ignore[union-attr]
        lines.append(f"  zone {zone.name!r}: infill {density} {pattern}, {closed}")
    if bed is not None and parts:
        xy = np.vstack([p.vertices[:, :2] for p in parts])
        over = max(0.0, float(-xy.min()), float((xy.max(axis=0) - np.array(bed)).max()))
        fits = over <= 1e-6
        ok &= fits
        text = (f"as placed, inside {describe_bed(printer, bed)}" if fits
                else f"as placed, outside {describe_bed(printer, bed)} by {over:.1f} mm")
        result["bed"] = {"fits": fits, "text": text}
        lines.append(f"  bed: {text}")
    if not parts:
        lines.append("  no printable part in the file")
    if args.json:
        result["ok"] = ok
        _say(_json(result))
    else:
        _say(f"{path}: {'printable' if ok else 'NOT PRINTABLE'} ({len(parts)} part(s), {len(zones)} zone(s))")
        for line in lines:
            _say(line)
    return ok


def _wall(mm: float) -> str:
    return f"{mm:.2f} mm" if math.isfinite(mm) else "over 5 mm" if mm == math.inf else "not measured"


def _json(value: object) -> str:
    """Strict JSON (a measure that could not be taken is null, not NaN)."""
    def clean(v: object) -> object:
        if isinstance(v, float) or type(v).__module__ == "numpy" and hasattr(v, "is_integer"):
            return float(v) if math.isfinite(float(v)) else None  # type: ignore[arg-type]
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value), indent=2, allow_nan=False)


def _print_report(path: Path, report) -> None:  # type: ignore[no-untyped-def]
    verdict = "printable" if report.ok else "NOT PRINTABLE"
    _say(f"{path}: {verdict}")
    _say(f"  triangles {report.triangles}, vertices {report.vertices}, volume {report.volume_mm3:.1f} mm3")
    if report.bounds_mm:
        (x0, y0, z0), (x1, y1, z1) = report.bounds_mm
        _say(f"  size {x1 - x0:.1f} x {y1 - y0:.1f} x {z1 - z0:.1f} mm, z from {z0:.3f} to {z1:.3f}")
    _say(
        f"  open edges {report.open_edges}, non-manifold edges {report.nonmanifold_edges}, "
        f"winding conflicts {report.misoriented_edges}, degenerate {report.degenerate_faces}, "
        f"duplicates {report.duplicate_faces}"
    )
    _say(f"  manifold3d: {report.manifold3d_status}")
    if report.thinnest_mm == report.thinnest_mm:  # not NaN
        _say(f"  thinnest vertical section {report.thinnest_mm:.2f} mm")
    if math.isfinite(report.thinnest_wall_mm):
        _say(f"  thinnest wall {report.thinnest_wall_mm:.2f} mm")
    elif report.thinnest_wall_mm == math.inf:
        _say("  thinnest wall: none thinner than the depth looked at (5 mm or twice the minimum)")
    for problem in report.problems:
        _say(f"  problem: {problem}")
    for note in report.notes:
        _say(f"  note: {note}")


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{brief(text)} is not a whole number: allowed is 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: give 1 or more (at most the number of cores is used)")
    return value


BED_RANGE_MM = (50.0, 2000.0)  # any real printer's bed side lies in here
MIN_THICKNESS_RANGE_MM = (0.1, 20.0)


def _bed(text: str) -> tuple[float, float]:
    lo, hi = BED_RANGE_MM
    parts = text.lower().replace(" ", "").split("x")
    try:
        width, depth = (float(v) for v in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{brief(text)}: give the bed as WIDTHxDEPTH in mm, e.g. 250x210") from None
    if not all(math.isfinite(v) and lo <= v <= hi for v in (width, depth)):
        raise argparse.ArgumentTypeError(f"{brief(text)}: each side must be {lo:g} to {hi:g} mm, e.g. 250x210")
    return width, depth


def _min_thickness(text: str) -> float:
    lo, hi = MIN_THICKNESS_RANGE_MM
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{brief(text)} is not a number: allowed is {lo:g} to {hi:g} mm") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise argparse.ArgumentTypeError(f"{brief(text)} is not allowed: give {lo:g} to {hi:g} mm")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 as well; keep its usage line
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="insolegen", description="Custom 3D-printable insoles from a TOML profile.")
    parser.add_argument("--version", action="version", version=f"insolegen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    new = sub.add_parser("new", help="write a commented starter profile")
    new.add_argument("profile", help="path of the profile to write, e.g. profiles/me.toml")
    new.add_argument("--size", required=True, help='shoe size, e.g. "EU 42", "US W 10.5", "MP 265"')
    new.add_argument("--name", help="name used in output file names (default: the file name)")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.set_defaults(run=cmd_new)

    build = sub.add_parser("build", help="build STL files and build.json from profiles")
    build.add_argument("profiles", nargs="+", help="profile TOML files")
    build.add_argument("--out", default="outputs", help="output folder (default: outputs); results go in OUT/<name>/")
    build.add_argument("--force", action="store_true", help="replace existing results")
    build.add_argument("--jobs", "-j", type=_jobs, default=1,
                       help="profiles built at once, in separate processes (default 1; at most the number of cores)")
    build.add_argument("--no-preview", action="store_true", help="skip preview.png and report.html (faster)")
    build.set_defaults(run=cmd_build)

    check = sub.add_parser("check", help="check whether STL or 3MF files are printable")
    check.add_argument("meshes", nargs="+", help="STL or 3MF files")
    check.add_argument("--printer", help="also check the bed fit for a printer preset, e.g. prusa-mk4")
    check.add_argument("--bed", type=_bed, help="also check the bed fit for a custom bed, WIDTHxDEPTH in mm")
    check.add_argument("--min-thickness", type=_min_thickness, default=PRINTABLE_MIN_MM,
                       help=f"thinnest printable section in mm (default {PRINTABLE_MIN_MM:g})")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(run=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


def run() -> None:
    """The ``insolegen`` command: :func:`main`, then out without tearing the interpreter
    down. Everything a command writes is on disk (fsynced) when main returns; what is
    left is freeing thousands of objects one by one, 0.05 s of a 0.8 s build."""
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error (message printed)
        if not isinstance(exc.code, int) and exc.code is not None:
            raise
        code = exc.code or 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (``insolegen ... | head``): nothing more to say
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
