"""A build's files as bytes: each side's STL and two 3MFs, build.json (the record turned
into JSON here, at the edge) and, with the preview, preview.png and report.html."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from insolegen.build.parts import BuildResult, SidePart
from insolegen.build.record import FRAME, UNITS, BuildRecord, SideRecord
from insolegen.exports import outputs
from insolegen.exports.print_settings import cura_command, prusa_command, shell_line
from insolegen.exports.stl import stl_bytes
from insolegen.exports.threemf import orca_3mf, prusa_3mf
from insolegen.formats.stl import STL_WALL_MARK
from insolegen.geometry.lattice.fill import thinnest_allowed_mm
from insolegen.profile.spec import Profile

__all__ = ["build_json", "output_names", "render_build", "render_variants"]


def output_names(profile: Profile, preview: bool = False) -> dict[str, str]:
    """The files of a build (key -> file name inside ``OUT/<name>/``)."""
    return outputs.output_names(profile.file_stem, [spec.side for spec in profile.sides], preview,
                                lattice=profile.lattice is not None)


def render_build(result: BuildResult, preview: bool = False, estimate: bool = False) -> dict[str, bytes]:
    """Every file of a build (file name -> content). ``estimate``: PrusaSlicer's print
    time and filament for each part, in build.json and the report (slices each side:
    tens of seconds; :class:`insolegen.exports.estimate.EstimateError` without it)."""
    result = _with_patient(result)
    names = output_names(result.profile, preview)
    stem = result.profile.file_stem  # ASCII: the STL header and the slicers' object names
    files: dict[str, bytes] = {}
    side_files: dict[str, dict[str, Any]] = {}
    estimates: dict[str, str] = {}
    pattern = result.profile.zones.pattern
    for part in result.parts:
        side = part.spec.side
        data = stl_bytes(part.mesh, header=f"insolegen {stem} {side} mm")
        files[names[side]] = data
        title = f"{stem}-{side}"
        prusa_place, orca_place = result.placements[side]
        supports = part.surface.has_footbed  # it stands on its ball: the heel and toes need support
        files[names[f"{side}.3mf"]] = prusa_3mf(title, part.mesh, part.zones, pattern, prusa_place, supports=supports)
        files[names[f"{side}.orca.3mf"]] = orca_3mf(title, part.mesh, part.zones, pattern, orca_place,
                                                    supports=supports)
        side_files[side] = {
            "file": names[side],
            "sha256": hashlib.sha256(data).hexdigest(),
            "prusaslicer_3mf": {"file": names[f"{side}.3mf"], "placement": prusa_place.as_dict()},
            "orca_3mf": {"file": names[f"{side}.orca.3mf"], "placement": orca_place.as_dict()},
            # CuraEngine reads no 3MF: the STL at one density (the zones' mean by volume),
            # turned as the PrusaSlicer 3MF is, on the same bed
            "curaengine": {"command": shell_line(cura_command(
                names[side], prusa_place.bed_mm, names[side][: -len(".stl")] + "-cura.gcode", _mean_infill_pct(part),
                rotation_deg=prusa_place.angle_deg))},
        }
        if estimate:
            from insolegen.exports.estimate import prusa_estimate

            found = prusa_estimate(files[names[f"{side}.3mf"]], prusa_place.bed_mm, supports=supports)
            estimates[side] = found.text()
            side_files[side]["print_estimate"] = found.as_dict()
        lattice = result.lattices.get(side)
        if lattice is not None:
            _lattice_files(result, side, lattice, files, side_files[side], names, (prusa_place, orca_place))
    files[names["build.json"]] = build_json(result.record, side_files)
    if preview:
        from insolegen.exports.picture_overlay import picture_png, with_picture
        from insolegen.exports.preview import preview_png
        from insolegen.exports.report import report_html

        picture = with_picture(preview_png(result), picture_png(result))  # a foot read from a photo: shown beside
        files[names["preview.png"]] = picture
        files[names["report.html"]] = report_html(result, picture, names, estimates=estimates).encode()
    return files


def _lattice_files(result: BuildResult, side: str, lattice: Any, files: dict[str, bytes], entry: dict[str, Any],
                   names: dict[str, str], places: tuple[Any, Any]) -> None:
    """A side's lattice part: its STL and two 3MF files, and their entry in build.json."""
    assert result.profile.lattice is not None  # a lattice part is built only when [lattice] asks
    stem, pattern = result.profile.file_stem, result.profile.zones.pattern
    title = f"{stem}-{side}"
    prusa_place, orca_place = places
    # the lattice is the firmness: printed as it is, no sparse infill of its own
    wall = thinnest_allowed_mm(result.profile.lattice)  # what check is to hold it to
    lattice_data = stl_bytes(lattice, header=f"{STL_WALL_MARK.format(wall)} {stem} {side} lattice")
    files[names[f"{side}.lattice"]] = lattice_data
    files[names[f"{side}.lattice.3mf"]] = prusa_3mf(f"{title}-lattice", lattice, (), pattern, prusa_place,
                                                   fill_pct=100.0, thinnest_wall_mm=wall)
    files[names[f"{side}.lattice.orca.3mf"]] = orca_3mf(f"{title}-lattice", lattice, (), pattern, orca_place,
                                                        fill_pct=100.0, thinnest_wall_mm=wall)
    threemf = names[f"{side}.lattice.3mf"]
    entry["lattice_files"] = {"file": names[f"{side}.lattice"], "sha256": hashlib.sha256(lattice_data).hexdigest(),
                              "prusaslicer_3mf": threemf,
                              "orca_3mf": names[f"{side}.lattice.orca.3mf"],
                              # the report's line for it (its outlines simplified: print_settings)
                              "prusaslicer_command": shell_line(prusa_command(threemf, prusa_place.bed_mm,
                                                                              lattice=True))}


def _with_patient(result: BuildResult) -> BuildResult:
    """The result with the patient's record and the file stem on its record, from the
    profile when the build did not put them there (insolegen.build.pipeline.build_profile is
    to pass ``file_stem=profile.file_stem, patient=profile.patient`` to BuildRecord;
    then this goes). build.json, the preview and the report all read the record."""
    record = result.record
    if record.patient is not None:
        return result
    record = dataclasses.replace(record, file_stem=result.profile.file_stem, patient=result.profile.patient)
    return dataclasses.replace(result, record=record)


def build_json(record: BuildRecord, side_files: dict[str, dict[str, Any]]) -> bytes:
    """build.json: the record, with each side's files and their placements."""
    document = {
        "insolegen_version": record.insolegen_version,
        "name": record.name,
        "file_stem": record.file_stem,
        "patient": None if record.patient is None else record.patient.as_dict(),
        "profile": record.profile,
        "units": UNITS,
        "frame": FRAME,
        "warnings": list(record.warnings),
        "print": None if record.print is None else _plain(record.print),
        "lift": record.lift,
        "shoe": record.shoe,
        "zones": record.zones,
        "sides": [{**_side(s), **side_files.get(s.side, {})} for s in record.sides],
    }
    return (json.dumps(document, indent=2, allow_nan=False) + "\n").encode()


def _side(side: SideRecord) -> dict[str, Any]:
    out = _plain(side)
    out["bounds_mm"] = [list(corner) for corner in side.bounds_mm]
    out["zones"] = [_plain(z) for z in side.zones]
    return out


def _plain(value: Any) -> Any:
    """Dataclasses, mappings and tuples as JSON-ready dicts and lists (field order kept)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def render_variants(results: list[BuildResult], preview: bool = False) -> dict[str, bytes]:
    """Every file of a fitting's variants (--vary), into one folder: each variant's
    parts under its own stem (``<name>-v<n>-left.stl``), its preview as
    ``<name>-v<n>-preview.png``; one build.json listing each variant's record with its
    number and values, and one report comparing them side by side."""
    files: dict[str, bytes] = {}
    documents = []
    pictures: dict[int, bytes] = {}
    if preview:
        from insolegen.exports.preview import preview_png
    for result in results:
        profile = result.profile
        own = render_build(result)  # the parts and build.json; each variant's picture below, no report of its own
        document = json.loads(own.pop(output_names(profile)["build.json"]))
        documents.append({"variant": profile.variant, "values": dict(profile.variant_values), **document})
        if preview:
            pictures[profile.variant or 0] = preview_png(_with_patient(result))
            files[outputs.VARIANT_PREVIEW.format(stem=profile.file_stem)] = pictures[profile.variant or 0]
        files.update(own)
    first = results[0].profile
    files["build.json"] = (json.dumps({
        "insolegen_version": documents[0]["insolegen_version"],
        "name": first.name,
        "vary": [key for key, _ in first.variant_values],
        "variants": documents,
    }, indent=2, allow_nan=False) + "\n").encode()
    if preview:
        from insolegen.exports.report import variants_report_html

        files["report.html"] = variants_report_html([_with_patient(r) for r in results], pictures).encode()
    return files


def _mean_infill_pct(part: SidePart) -> float:
    """The part's zones' infill averaged by the part's volume in each (whole percent)."""
    volume = sum(z.part_volume_mm3 for z in part.zones)
    if volume <= 0:
        return 20.0
    return float(round(sum(z.infill_pct * z.part_volume_mm3 for z in part.zones) / volume))
