"""Command line: ``insolegen new | build | check``.

Exit codes: 0 success; 1 a mesh that is not printable (check) or a build that failed
its own checks; 2 bad input (profile, arguments, files that would be overwritten).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .meshcheck import MeshFileError, check_mesh, load_mesh_file
from .pipeline import BedFitError, BuildError, build_profile, clashes, write_build
from .profile import ProfileError, load_profile
from .profile.sizes import SizeError
from .starter import starter_profile

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_new(args: argparse.Namespace) -> int:
    path = Path(args.profile)
    if path.exists() and not args.force:
        _err(f"{path} already exists: not overwriting it (use --force to replace it)")
        return EXIT_BAD_INPUT
    name = args.name or re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-.") or "insole"
    try:
        text = starter_profile(name, args.size, str(path))
    except SizeError as exc:
        _err(f"--size {args.size!r}: {exc}")
        return EXIT_BAD_INPUT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}: edit it, then run: insolegen build {path}")
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    status = EXIT_OK
    for profile_path in args.profiles:
        status = max(status, _build_one(Path(profile_path), out_dir, args.force))
    return status


def _build_one(path: Path, out_dir: Path, force: bool) -> int:
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        _err(f"{path}: invalid profile ({len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''}):")
        for problem in exc.problems:
            _err(f"  - {problem}")
        return EXIT_BAD_INPUT
    clash = clashes(profile, out_dir)
    if clash and not force:
        _err(f"{path}: results already exist ({', '.join(str(p) for p in clash)}): "
             "not overwriting them (use --force to replace them)")
        return EXIT_BAD_INPUT
    for warning in profile.warnings:
        _err(f"{path}: warning: {warning}")
    try:
        result = build_profile(profile)
    except BedFitError as exc:
        _err(f"{path}: {exc}")
        return EXIT_BAD_INPUT
    except BuildError as exc:
        _err(f"{path}: build failed: {exc}")
        return EXIT_FAILED
    paths = write_build(result, out_dir)
    for side in result.summary["sides"]:  # type: ignore[union-attr]
        heights = ", ".join(
            f"{name} {h['measured_mm']:.2f}" for name, h in side["heights"].items()
        )
        outline = side["outline"]
        print(
            f"{paths[side['side']]}: {side['triangles']} triangles, "
            f"{side['volume_mm3'] / 1000:.1f} cm3, length {outline['length_mm']:.1f} mm, "
            f"ball {outline['ball_width_mm']:.1f} mm; top heights (mm): {heights}"
        )
    print(f"{paths['build.json']}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in args.meshes:
        path = Path(name)
        try:
            vertices, faces = load_mesh_file(path)
        except MeshFileError as exc:
            print(f"{path}: NOT PRINTABLE: {exc}")
            status = EXIT_FAILED
            continue
        report = check_mesh(vertices, faces, min_thickness_mm=args.min_thickness)
        if args.json:
            print(json.dumps({"file": str(path), **report.as_dict()}, indent=2))
        else:
            _print_report(path, report)
        if not report.ok:
            status = EXIT_FAILED
    return status


def _print_report(path: Path, report) -> None:  # type: ignore[no-untyped-def]
    verdict = "printable" if report.ok else "NOT PRINTABLE"
    print(f"{path}: {verdict}")
    print(f"  triangles {report.triangles}, vertices {report.vertices}, volume {report.volume_mm3:.1f} mm3")
    if report.bounds_mm:
        (x0, y0, z0), (x1, y1, z1) = report.bounds_mm
        print(f"  size {x1 - x0:.1f} x {y1 - y0:.1f} x {z1 - z0:.1f} mm, z from {z0:.3f} to {z1:.3f}")
    print(
        f"  open edges {report.open_edges}, non-manifold edges {report.nonmanifold_edges}, "
        f"winding conflicts {report.misoriented_edges}, degenerate {report.degenerate_faces}, "
        f"duplicates {report.duplicate_faces}"
    )
    print(f"  manifold3d: {report.manifold3d_status}; trimesh is_volume: {report.trimesh_is_volume}")
    if report.thinnest_mm == report.thinnest_mm:  # not NaN
        print(f"  thinnest vertical section {report.thinnest_mm:.2f} mm")
    for problem in report.problems:
        print(f"  problem: {problem}")
    for note in report.notes:
        print(f"  note: {note}")


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
    build.set_defaults(run=cmd_build)

    check = sub.add_parser("check", help="check whether STL files are printable solids")
    check.add_argument("meshes", nargs="+", help="STL files")
    check.add_argument("--min-thickness", type=float, default=1.2, help="thinnest printable section in mm (default 1.2)")
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


if __name__ == "__main__":
    sys.exit(main())
