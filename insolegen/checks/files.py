"""Is a print file printable? Any STL or 3MF checked as the printer would take it: each
part a valid solid no thinner than the minimum, each 3MF zone a closed solid, and, with a
bed, whether the part fits it (an STL turned if need be; a 3MF as placed).

:func:`check_file` returns a :class:`FileCheck`: its verdict, the lines ``insolegen check``
prints and the JSON it prints with ``--json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from insolegen.core.paths import path_problem, shown, without_path
from insolegen.core.printing import PRINTABLE_MIN_MM

__all__ = ["CHECKED_SUFFIXES", "MIN_THICKNESS_RANGE_MM", "FileCheck", "check_file", "not_a_mesh"]

CHECKED_SUFFIXES = (".stl", ".3mf")
MIN_THICKNESS_RANGE_MM = (0.1, 20.0)  # a minimum wall asked outside this is no printer's
# A zone's infill as each slicer's 3MF names it: PrusaSlicer, Orca/Bambu, Cura (docs/slicers.md)
# The smallest part checked as an insole: a coupon is 30 mm across; a scan in metres read
# as millimetres is 0.3 mm (its wall check would pair every ray with every face)
MIN_PART_MM = 20.0
DENSITY_KEYS = ("fill_density", "sparse_infill_density", "cura:infill_sparse_density")
PATTERN_KEYS = ("fill_pattern", "sparse_infill_pattern", "cura:infill_pattern")


@dataclass
class FileCheck:
    """One file's verdict: ``ok``; ``lines``, said as ``insolegen check`` says them (the
    first names the file); ``data``, the same as JSON."""

    path: Path
    ok: bool
    lines: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "ok": self.ok, **self.data}  # an STL's "ok" is its report's

    @property
    def reached_a_verdict(self) -> bool:
        """Read as a mesh (not refused by its name, its path or its format)."""
        return "error" not in self.data


def not_a_mesh(path: Path) -> str | None:
    """Why ``path`` is no file ``check`` reads, by its name (said before anything is
    read), or None when it may be one."""
    suffix = path.suffix.lower()
    if suffix in CHECKED_SUFFIXES:
        return None
    what = f"a {shown(suffix, 20)} file" if suffix else "a file without an extension"
    hint = f" (a profile is built with: insolegen build {shown(path)})" if suffix == ".toml" else ""
    return f"not an STL or 3MF file: expected an STL or 3MF (.stl, .3mf), not {what}{hint}"


def check_file(path: Path | str, *, min_thickness_mm: float | None = None, bed_mm: tuple[float, float] | None = None,
               printer: str | None = None) -> FileCheck:
    """Check one STL or 3MF. ``min_thickness_mm``: the thinnest wall allowed (default:
    what a lattice part's file says it was made to, else the printable minimum);
    ``bed_mm`` (and the ``printer`` it is named for): also whether it fits that bed."""
    path = Path(path)
    unusable, wrong_kind = path_problem(path), not_a_mesh(path)
    if unusable:  # no verdict on a file that is not there
        return FileCheck(path, False, [f"{shown(path)}: cannot check it: {unusable}"], {"error": unusable})
    if wrong_kind:
        return FileCheck(path, False, [f"{shown(path)}: NOT PRINTABLE: {wrong_kind}"], {"error": wrong_kind})
    if path.suffix.lower() == ".3mf":
        return _check_3mf(path, min_thickness_mm, bed_mm, printer)
    return _check_stl(path, min_thickness_mm, bed_mm, printer)


def _check_stl(path: Path, asked_mm: float | None, bed: tuple[float, float] | None, printer: str | None) -> FileCheck:
    from insolegen.checks.meshcheck import check_part
    from insolegen.formats.limits import MeshFileError
    from insolegen.formats.meshes import load_mesh_file
    from insolegen.formats.stl import declared_wall_mm

    try:
        vertices, faces = load_mesh_file(path)
    except MeshFileError as exc:
        said = without_path(exc, path)
        return FileCheck(path, False, [f"{shown(path)}: NOT PRINTABLE: {said}"], {"error": said})
    small = _far_too_small(vertices)
    if small:
        return FileCheck(path, False, [f"{shown(path)}: NOT PRINTABLE: {small}"], {"error": small})
    minimum, sections, note = _minimum(asked_mm, declared_wall_mm(path))
    report = check_part(vertices, faces, min_thickness_mm=minimum, sections=sections)
    fit = _bed_fit_loose(vertices, bed, printer) if bed else None
    lines = _report_lines(path, report)
    if note:
        lines.append(f"  note: {note}")
    if fit:
        lines.append(f"  bed: {fit['text']}")
    ok = report.ok and (fit is None or bool(fit["fits"]))
    return FileCheck(path, ok, lines, {**report.as_dict(), "bed": fit})


def _minimum(asked_mm: float | None, declared: float | None) -> tuple[float, bool, str | None]:
    """The thinnest wall to hold a part to: the one asked if any, else what its file
    says its lattice was made to, else the printable minimum; whether vertical sections
    count (not for a lattice: meshcheck.check_mesh); and a note saying so."""
    lo, hi = MIN_THICKNESS_RANGE_MM
    lattice = declared is not None and lo <= declared <= hi  # a mark outside the asked range is not taken
    if asked_mm is not None:
        return asked_mm, not lattice, None
    if declared is not None and lattice:
        from insolegen.geometry.lattice.fill import WALL_SLACK_MM

        # the file records the least wall its checks allow: the design's, less the slack
        # for the marching grid's chords (the profile's 0.8 mm walls are marked 0.75)
        return declared, False, (f"held to {declared:.2f} mm across its walls, the least its file allows: its lattice "
                                 f"was made to {declared + WALL_SLACK_MM:.2f} mm walls, less {WALL_SLACK_MM:g} mm the "
                                 "marching grid's chords may cut (--min-thickness sets another)")
    return PRINTABLE_MIN_MM, True, None


def _bed_fit_loose(vertices: Any, bed: tuple[float, float], printer: str | None) -> dict[str, object]:
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


def _check_3mf(path: Path, asked_mm: float | None, bed: tuple[float, float] | None, printer: str | None) -> FileCheck:
    import numpy as np

    from insolegen.checks.meshcheck import check_part, check_zone
    from insolegen.formats.threemf.package import ThreeMFError
    from insolegen.formats.threemf.read import declared_wall_3mf_mm, read_3mf
    from insolegen.geometry.placement import describe_bed

    try:
        volumes = read_3mf(path)
    except ThreeMFError as exc:
        said = without_path(exc, path)
        return FileCheck(path, False, [f"{shown(path)}: NOT PRINTABLE: {said}"], {"error": said})
    parts = [v for v in volumes if v.role == "part"]
    zones = [v for v in volumes if v.role == "modifier"]
    ok = bool(parts)
    lines: list[str] = []
    part_data: list[dict[str, object]] = []
    zone_data: list[dict[str, object]] = []
    result: dict[str, object] = {"parts": part_data, "zones": zone_data}
    minimum, sections, note = _minimum(asked_mm, declared_wall_3mf_mm(path))
    if note:
        lines.append(f"  note: {note}")
    for part in parts:
        small = _far_too_small(part.vertices)
        if small:
            ok = False
            lines.append(f"  part {part.name!r}: NOT PRINTABLE: {small}")
            part_data.append({"name": part.name, "ok": False, "problems": [small]})
            continue
        report = check_part(part.vertices, part.faces, min_thickness_mm=minimum, sections=sections)
        ok &= report.ok
        part_data.append({"name": part.name, **report.as_dict()})
        lines.append(f"  part {part.name!r}: {'printable' if report.ok else 'NOT PRINTABLE'}, {report.triangles} "
                     f"triangles, {report.volume_mm3 / 1000:.1f} cm3, thinnest wall {_wall(report.thinnest_wall_mm)}, "
                     f"thinnest section {_wall(report.thinnest_mm)}")
        lines += [f"    problem: {p}" for p in report.problems]
    for zone in zones:
        report = check_zone(zone.vertices, zone.faces)
        density = next((zone.settings[k] for k in DENSITY_KEYS if zone.settings.get(k)), "?")
        pattern = next((zone.settings[k] for k in PATTERN_KEYS if zone.settings.get(k)), "?")
        closed = "closed solid" if report.ok else "NOT a closed solid: " + "; ".join(report.problems)
        ok &= report.ok
        zone_data.append({"name": zone.name, "settings": zone.settings, "closed": report.ok})
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
    result["ok"] = ok
    head = f"{path}: {'printable' if ok else 'NOT PRINTABLE'} ({len(parts)} part(s), {len(zones)} zone(s))"
    return FileCheck(path, ok, [head, *lines], result)


def _far_too_small(vertices: Any) -> str | None:
    """One line for a part far too small to be an insole (not measured further), or None."""
    import numpy as np

    if len(vertices) == 0:
        return None
    size = np.ptp(np.asarray(vertices, dtype=np.float64), axis=0)
    if float(size.max()) >= MIN_PART_MM:
        return None
    dims = " x ".join(f"{v:.3g}" for v in size)
    return (f"the part is {dims} mm: far too small to be an insole (at least {MIN_PART_MM:g} mm across); "
            "is it in metres or inches, read as millimetres? Export it in mm")


def _wall(mm: float) -> str:
    return f"{mm:.2f} mm" if math.isfinite(mm) else "over 5 mm" if mm == math.inf else "not measured"


def _report_lines(path: Path, report: Any) -> list[str]:
    lines = [f"{path}: {'printable' if report.ok else 'NOT PRINTABLE'}",
             f"  triangles {report.triangles}, vertices {report.vertices}, volume {report.volume_mm3:.1f} mm3"]
    if report.bounds_mm:
        (x0, y0, z0), (x1, y1, z1) = report.bounds_mm
        lines.append(f"  size {x1 - x0:.1f} x {y1 - y0:.1f} x {z1 - z0:.1f} mm, z from {z0:.3f} to {z1:.3f}")
    lines.append(f"  open edges {report.open_edges}, non-manifold edges {report.nonmanifold_edges}, "
                 f"winding conflicts {report.misoriented_edges}, degenerate {report.degenerate_faces}, "
                 f"duplicates {report.duplicate_faces}")
    lines.append(f"  manifold3d: {report.manifold3d_status}")
    if report.thinnest_mm == report.thinnest_mm:  # not NaN
        lines.append(f"  thinnest vertical section {report.thinnest_mm:.2f} mm")
    if math.isfinite(report.thinnest_wall_mm):
        lines.append(f"  thinnest wall {report.thinnest_wall_mm:.2f} mm")
    elif report.thinnest_wall_mm == math.inf:
        lines.append("  thinnest wall: none thinner than the depth looked at (5 mm or twice the minimum)")
    lines += [f"  problem: {p}" for p in report.problems]
    lines += [f"  note: {n}" for n in report.notes]
    return lines
