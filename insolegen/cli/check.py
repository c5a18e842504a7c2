"""`insolegen check`: is this STL or 3MF printable (and does it fit the bed)?"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from insolegen.cli.arguments import MIN_THICKNESS_RANGE_MM
from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, _err, _json, _say
from insolegen.cli.interrupts import _load
from insolegen.core.paths import brief, path_problem, shown, without_path
from insolegen.core.printing import PRINTABLE_MIN_MM


def cmd_check(args: argparse.Namespace) -> int:
    _load("insolegen.checks.meshcheck", "insolegen.formats.meshes", "insolegen.geometry.placement", "insolegen.formats.threemf.read")
    bed, printer = _bed_of(args)
    if bed is None and args.printer is not None:
        return EXIT_BAD_INPUT
    status = EXIT_OK
    for name in args.meshes:
        path = Path(name)
        unusable, wrong_kind = path_problem(path), _not_a_mesh(path)
        if unusable:  # no verdict on a file that is not there
            _say(f"{shown(path)}: cannot check it: {unusable}")
            ok = False
        elif wrong_kind:
            _say(f"{shown(path)}: NOT PRINTABLE: {wrong_kind}")
            ok = False
        elif path.suffix.lower() == ".3mf":
            ok = _check_3mf(path, args, bed, printer)
        else:
            ok = _check_stl(path, args, bed, printer)
        if not ok:
            status = EXIT_FAILED
    return status


CHECKED_SUFFIXES = (".stl", ".3mf")


def _not_a_mesh(path: Path) -> str | None:
    """Why ``path`` is no file ``check`` reads, by its name (said before anything is
    read), or None when it may be one."""
    suffix = path.suffix.lower()
    if suffix in CHECKED_SUFFIXES:
        return None
    what = f"a {shown(suffix, 20)} file" if suffix else "a file without an extension"
    hint = f" (a profile is built with: insolegen build {shown(path)})" if suffix == ".toml" else ""
    return f"not an STL or 3MF file: expected an STL or 3MF (.stl, .3mf), not {what}{hint}"


def _bed_of(args: argparse.Namespace) -> tuple[tuple[float, float] | None, str | None]:
    from insolegen.profile.printers import PRINTERS

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
    from insolegen.checks.meshcheck import check_part
    from insolegen.formats.meshes import MeshFileError, declared_wall_mm, load_mesh_file

    try:
        vertices, faces = load_mesh_file(path)
    except MeshFileError as exc:
        _say(f"{shown(path)}: NOT PRINTABLE: {without_path(exc, path)}")
        return False
    minimum, sections, note = _minimum(args, declared_wall_mm(path))
    report = check_part(vertices, faces, min_thickness_mm=minimum, sections=sections)
    fit = _bed_fit_loose(vertices, bed, printer) if bed else None
    if args.json:
        _say(_json({"file": str(path), **report.as_dict(), "bed": fit}))
    else:
        _print_report(path, report)
        if note:
            _say(f"  note: {note}")
        if fit:
            _say(f"  bed: {fit['text']}")
    return report.ok and (fit is None or fit["fits"])


def _minimum(args: argparse.Namespace, declared: float | None) -> tuple[float, bool, str | None]:
    """The thinnest wall to hold a part to: --min-thickness if given, else what its
    file says its lattice was made to, else the printable minimum; whether vertical
    sections count (not for a lattice: meshcheck.check_mesh); and a note saying so."""
    lo, hi = MIN_THICKNESS_RANGE_MM
    lattice = declared is not None and lo <= declared <= hi  # a mark outside --min-thickness's range is not taken
    if args.min_thickness is not None:
        return args.min_thickness, not lattice, None
    if lattice:
        return declared, False, (f"held to {declared:.2f} mm, the thinnest wall its file says its lattice was made "
                                 "to, measured across its walls (--min-thickness sets another)")
    return PRINTABLE_MIN_MM, True, None


def _bed_fit_loose(vertices, bed, printer) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """An STL has no placement: can it be placed on the bed, turned if need be?"""
    from insolegen.geometry.placement import describe_bed, largest_foot_mm, place_on_bed

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

    from insolegen.checks.meshcheck import check_part, check_zone
    from insolegen.formats.threemf.read import ThreeMFError, declared_wall_3mf_mm, read_3mf
    from insolegen.geometry.placement import describe_bed

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
    minimum, sections, note = _minimum(args, declared_wall_3mf_mm(path))
    if note:
        lines.append(f"  note: {note}")
    for part in parts:
        report = check_part(part.vertices, part.faces, min_thickness_mm=minimum, sections=sections)
        ok &= report.ok
        result["parts"].append({"name": part.name, **report.as_dict()})  # type: ignore[union-attr]
        lines.append(f"  part {part.name!r}: {'printable' if report.ok else 'NOT PRINTABLE'}, {report.triangles} "
                     f"triangles, {report.volume_mm3 / 1000:.1f} cm3, thinnest wall {_wall(report.thinnest_wall_mm)}, "
                     f"thinnest section {_wall(report.thinnest_mm)}")
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
