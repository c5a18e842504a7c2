"""The foot stage: read the tracings, scans and pictures a profile names, and give each such side
its real outline, sole and measured length and widths.

profile (validated, reads no files) -> **feet** (this module) -> geometry. A profile on
shoe sizes passes through unchanged. A file that cannot be used is a bad profile value:
:class:`~insolegen.profile.ProfileError` naming the key, as the profile stage does.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import numpy as np

from insolegen.core import exact
from insolegen.core.anatomy import HEEL_STATION_FRACTION
from insolegen.inputs.errors import InputFileError
from insolegen.profile import defaults
from insolegen.profile.clinical import bottoming_out, merged_side_warnings, unusual_widths
from insolegen.profile.problems import ProfileError, problem
from insolegen.profile.spec import FootFile, FootSource, Profile, SideSpec

__all__ = ["LENGTH_DISAGREEMENT_WARN", "resolve_feet"]

LENGTH_DISAGREEMENT_WARN = 0.03  # file and length_mm disagreeing by more than this warns


def resolve_feet(profile: Profile) -> Profile:
    """``profile`` with every side that names a file measured from it; unchanged when
    no side does. Each file is read once, even when both sides share it."""
    if not any(spec.needs_foot_file for spec in profile.sides):
        return profile
    problems: list[str] = []
    warnings: list[str] = []
    cache: dict[FootFile, tuple[Any, Any, dict[str, Any]]] = {}
    specs = []
    for spec in profile.sides:
        if spec.pressure is not None and spec.pressure.grid is None:
            spec = _with_pressure(spec, problems, warnings)
            if spec.pressure is not None and spec.pressure.grid is not None:
                warnings.extend(_cushion_under_peak(spec, profile))
                dropped = spec.pressure.grid.dropped
                if dropped:
                    shown = ", ".join(f"{r + 1}/{c + 1}" for r, c in dropped[:6]) + (" ..." if len(dropped) > 6 else "")
                    warnings.append(f"{spec.side}: {spec.pressure.key}.file: {len(dropped)} sensels read load while the "
                                    f"foot was in the air (stuck or noisy) and are left out (row/column: {shown}); "
                                    "build.json lists them all")
        if not isinstance(spec.source, FootFile):
            specs.append(spec)
            continue
        read = _read(spec.source, cache, problems, spec.side)
        if read is not None:
            specs.append(_measured(spec, *read, warnings))
            problems.extend(_unusual_scan(spec.source, specs[-1]))
    if problems:
        raise ProfileError(list(dict.fromkeys(problems)), profile.source)
    warnings.extend(merged_side_warnings(specs))
    return dataclasses.replace(profile, sides=tuple(specs), warnings=profile.warnings + tuple(warnings))


def _cushion_under_peak(spec: SideSpec, profile: Profile) -> list[str]:
    """Would the cushion under the map's peak bottom out (profile.clinical.bottoming_out)?
    Graded zones put their softest band there; fixed ones the softer of heel and forefoot."""
    pressure = spec.pressure
    assert pressure is not None and pressure.grid is not None
    peak = float(np.nanmax(pressure.grid.kpa))
    if pressure.graded_zones and pressure.softest_kpa_per_mm is not None:
        return []  # the bands asked as stiffness: the build picks them, and refuses what it cannot give
    if pressure.graded_zones:
        pct, where = pressure.softest_pct, f"{spec.side}: {pressure.key}.softest_pct"
    else:
        pct = min(profile.zones.heel_pct, profile.zones.forefoot_pct)
        where = f"{spec.side}: zones.heel / zones.forefoot"
    said = bottoming_out(peak, pct, where, profile.material)
    return [said] if said else []


def _with_pressure(spec: SideSpec, problems: list[str], warnings: list[str]) -> SideSpec:
    """``spec`` with its pressure map read (insolegen.inputs.pressure_files); the map's
    own pitch wins over pressure.pitch_mm, which is for files that do not give one."""
    from insolegen.core.paths import brief, without_path
    from insolegen.inputs.pressure_files import read_pressure_file

    asked = spec.pressure
    assert asked is not None
    try:
        grid = read_pressure_file(asked.path, asked.units, asked.frame, asked.plate_columns)
    except InputFileError as exc:
        problems.append(problem(f"{asked.key}.file", asked.given,
                f"{asked.key}.file = {brief(asked.given)}: {without_path(exc, asked.path)}"))
        return spec
    if grid.row_pitch_mm is None or grid.col_pitch_mm is None:
        if asked.pitch_mm is not None:
            grid = dataclasses.replace(grid, row_pitch_mm=asked.pitch_mm[0], col_pitch_mm=asked.pitch_mm[1])
        else:
            warnings.append(f"{spec.side}: {asked.key}: the map does not give its sensor pitch and {asked.key}.pitch_mm "
                            "is not set: it is scaled to the foot's length (set pitch_mm to place it exactly)")
    elif asked.pitch_mm is not None and not np.allclose(asked.pitch_mm, (grid.row_pitch_mm, grid.col_pitch_mm)):
        warnings.append(f"{spec.side}: {asked.key}.pitch_mm = {list(asked.pitch_mm)} is ignored: the file gives "
                        f"{grid.row_pitch_mm:g} x {grid.col_pitch_mm:g} mm")
    return dataclasses.replace(spec, pressure=dataclasses.replace(asked, grid=grid))


def _read(foot: FootFile, cache: dict, problems: list[str], side: str) -> tuple[Any, Any, dict[str, Any]] | None:
    """(aligned outline, sole or None, what build.json says about the file)."""
    from insolegen.core.paths import brief, without_path

    key = dataclasses.replace(foot, key="", in_side_table=False)  # the same file read the same way
    try:
        if foot.kind == "image":  # a picture may hold both feet: read once, then each side takes its own
            if key not in cache:
                cache[key] = _read_picture(foot)
            return _picture_side(foot, cache[key], side)
        if key in cache:
            return cache[key]
        read = _read_outline(foot) if foot.kind == "outline" else _read_scan(foot)
    except InputFileError as exc:
        problems.append(problem(foot.key, foot.given, f"{foot.key} = {brief(foot.given)}: {without_path(exc, foot.path)}"))
        return None
    cache[key] = read
    return read


def _read_picture(foot: FootFile) -> Any:
    from insolegen.inputs.pictures import read_picture

    return read_picture(foot.path, kind=foot.image_kind, paper=foot.image_paper, dpi=foot.image_dpi)


def _picture_side(foot: FootFile, read: Any, side: str) -> tuple[Any, Any, dict[str, Any]]:
    """This side's foot in the picture: the only one (mirrored for the other side, as a
    tracing is), or of two, the one whose shape is this side's."""
    from insolegen.inputs.align import align_outline

    if len(read.outlines) == 1:
        aligned = align_outline(read.outlines[0], foot.side_told, what="outline")
        chosen = 0
    else:
        if foot.side_told != "auto":
            raise InputFileError(f"the picture holds two feet, so image_side = {foot.side_told!r} cannot say which: "
                                 "leave it out (each side takes its own foot), or photograph one foot")
        both = [align_outline(points, "auto", what="outline") for points in read.outlines]
        sides = [a.side_detected for a in both]
        if sorted(str(s) for s in sides) != ["left", "right"]:
            shown = " and ".join("unclear" if s is None else s for s in sides)
            raise InputFileError(f"the picture holds two feet but their shapes read as {shown}: photograph each foot "
                                 "on its own and name them under [left] and [right]")
        chosen = [str(s) for s in sides].index(side)
        aligned = both[chosen]
    info = {"kind": "image", "file": foot.given, **read.info, "feet_in_picture": len(read.outlines),
            "foot_used": chosen + 1}
    if read.info["shapes"][chosen]["kind"] == "print":
        from insolegen.inputs.pictures import bridge_print_arch

        polygon, added = bridge_print_arch(aligned.polygon)
        aligned = dataclasses.replace(aligned, polygon=polygon)
        info["print_arch_bridged_mm2"] = round(added, 0)
    return aligned, None, dict(info, picture=(read, chosen))


def _read_outline(foot: FootFile) -> tuple[Any, Any, dict[str, Any]]:
    from insolegen.inputs.align import align_outline
    from insolegen.inputs.outline_files import read_outline_file

    read = read_outline_file(foot.path, foot.units)
    aligned = align_outline(read.points, foot.side_told, what="outline")
    info = {"kind": "outline", "file": foot.given, "units": read.units, "units_from": read.units_from,
            "closed_loops_found": read.loops_found}
    return aligned, None, info


def _read_scan(foot: FootFile) -> tuple[Any, Any, dict[str, Any]]:
    from insolegen.inputs.scans import read_scan

    assert foot.units is not None  # scan_units has a default ("auto"); only outline_units may be unset
    read = read_scan(foot.path, units=foot.units, kind=foot.scan_kind, side=foot.side_told,
                     length_mm=foot.length_mm, smoothing_mm=foot.smoothing_mm,
                     allow_unusual_shape=foot.allow_unusual_shape)
    angle = math.degrees(exact.atan2(read.outline.rotation[1, 0], read.outline.rotation[0, 0]))
    info = {
        "kind": "scan", "file": foot.given, "scan_kind": read.kind, "units": read.units,
        "units_from": read.units_from, "scale_to_mm": read.scale_to_mm, "triangles": read.triangles,
        "fragments_dropped": read.fragments_dropped, "holes_filled_mm2": round(read.holes_filled_mm2, 1),
        "smoothing_mm": foot.smoothing_mm,
        "alignment": {"floor_normal_in_file": [round(v, 5) for v in read.up],
                      "rotation_about_floor_normal_deg": round(angle, 3),
                      "offset_mm": [round(v, 3) for v in read.outline.offset],
                      "file_to_right_foot_frame": read.to_frame},
        "notes": read.notes,
    }
    if read.kind == "insole":
        info["open_sheet"] = read.open_sheet
    return read.outline, read.sole, info


def _unusual_scan(foot: FootFile, spec: SideSpec) -> list[str]:
    """A scan's foot whose widths are out of the usual proportions is refused (a
    tracing's or a typed size's only warns): a scan that misleads the reader builds a
    wrong insole without anyone having typed a number. foot.allow_unusual_shape builds it."""
    if foot.kind != "scan" or foot.allow_unusual_shape:
        return []
    return [problem(foot.key, foot.given,
            f"{foot.key} = {foot.given}: the scanned foot's {key.split('_')[0]} is {width:.0f} mm wide, "
            f"{fraction:.2f} x its {spec.foot_length_mm:.0f} mm length (usual {usual[0]}-{usual[1]}): "
            "check scan_kind and scan_units, or set allow_unusual_shape = true to build it anyway")
            for key, width, fraction, usual in unusual_widths(spec)]


def _measured(spec: SideSpec, aligned: Any, sole: Any, info: dict[str, Any], warnings: list[str]) -> SideSpec:
    """The side on its real foot: length and widths measured from the outline."""
    import shapely

    foot: FootFile = spec.source  # type: ignore[assignment]
    side = spec.side
    info = dict(info, side_detected=aligned.side_detected, side_used=side)
    picture, picture_outline = info.pop("picture", (None, 0))
    if aligned.side_detected is not None and aligned.side_detected != side and (
            foot.in_side_table or foot.side_told != "auto"):
        warnings.append(
            f"{side}: the {foot.kind} looks like a {aligned.side_detected} foot but builds the {side} "
            "insole (mirrored): check the file"
        )
    polygon = shapely.Polygon(aligned.polygon)
    x0, _, x1, _ = polygon.bounds
    length = x1 - x0
    fore = polygon.intersection(shapely.box(x0 + 0.5 * length, -1e4, x1 + 1, 1e4))
    ball = fore.bounds[3] - fore.bounds[1]
    heel_x = x0 + HEEL_STATION_FRACTION * length
    heel = polygon.intersection(shapely.LineString([(heel_x, -1e4), (heel_x, 1e4)])).length
    info["measured"] = {"length_mm": round(length, 2), "ball_width_mm": round(ball, 2), "heel_width_mm": round(heel, 2)}
    if foot.length_mm is not None and abs(length - foot.length_mm) > LENGTH_DISAGREEMENT_WARN * foot.length_mm:
        warnings.append(
            f"{side}: the {foot.kind} is {length:.1f} mm long but {foot.length_key} = {foot.length_mm:g}: they "
            f"disagree by {abs(length - foot.length_mm) / foot.length_mm * 100:.1f} % (more than 3 %); "
            "check the units or the measurement"
        )
    copy: Literal["none", "closed", "sheet"] = (
        ("sheet" if info["open_sheet"] else "closed") if info.get("scan_kind") == "insole" else "none")
    source = FootSource(kind=foot.kind, polygon=aligned.polygon, sole=sole, conform=foot.conform, info=info,
                        insole_copy=copy, picture=picture, picture_outline=picture_outline)
    # Defaults follow a child's foot length (defaults.for_foot), known only now.
    cup, arch = (defaults.for_foot(getattr(spec, key), float(length)) if key in spec.defaulted else getattr(spec, key)
                 for key in ("heel_cup_depth_mm", "arch_height_mm"))
    if copy != "none":
        # The copied top has its own heel cup and arch: the parametric ones are not added.
        warnings += [f"{side}: shape.{key} = {getattr(spec, key):g} is ignored: the insole's scan is copied with its "
                     "own heel cup and arch (modifications, posts, lift and zones apply on top)"
                     for key in ("heel_cup_depth_mm", "arch_height_mm")
                     if key not in spec.defaulted and getattr(spec, key) != 0]
        cup = arch = 0.0
    return dataclasses.replace(spec, foot_length_mm=float(length), ball_width_mm=float(ball),
                               heel_width_mm=float(heel), source=source, heel_cup_depth_mm=cup, arch_height_mm=arch)
