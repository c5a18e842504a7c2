"""Read a TOML profile into a validated :class:`Profile`, or raise :class:`ProfileError`
with one message per problem (naming the key, the value and what is allowed).

Over 400 lines: resolving a profile walks every table once, in order; reading,
pydantic's messages and the table rules are split out already.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from insolegen.core.paths import brief
from insolegen.firmness.materials import DEFAULT_MATERIAL, MATERIALS, Material, MaterialFileError, read_material_file
from insolegen.profile import defaults
from insolegen.profile.clinical import diabetic_checks, lift_checks, merged_side_warnings
from insolegen.profile.messages import _describe
from insolegen.profile.modification_rules import cover_checks, modification_checks, pair_checks
from insolegen.profile.names import StemError, display_name_problem, file_stem, forbidden_character
from insolegen.profile.printers import PRINTERS
from insolegen.profile.problems import Problem, ProfileError, keyed, problem
from insolegen.profile.reading import load_profile_data
from insolegen.profile.schema import FOOT_KEYS, MODIFICATION_KEYS, SHAPE_KEYS, PatientTable, ProfileDoc
from insolegen.profile.shoe_rules import shoe_checks
from insolegen.profile.sizes import SizeError, parse_size, size_length_problem
from insolegen.profile.spec import (
    FootFile,
    LatticeSpec,
    Modifications,
    Patient,
    PressureSpec,
    PrintSpec,
    Profile,
    Shoe,
    SideSpec,
    lattice_step_mm,
)
from insolegen.profile.table_rules import lattice_problems, pressure_problems
from insolegen.profile.zonecheck import lift_zone_checks, zones_spec

__all__ = [
    "BALL_WIDTH_FRACTION", "BALL_WIDTH_FRACTION_LIMITS", "EARLIEST_BIRTH", "HEEL_WIDTH_FRACTION",
    "HEEL_WIDTH_FRACTION_LIMITS", "MULTILINE_PATIENT_KEYS", "lattice_settings", "load_profile", "profile_from_dict",
]

# Foot proportions as fractions of foot length (docs/clinical.md, ANSUR II).
BALL_WIDTH_FRACTION = 0.38


HEEL_WIDTH_FRACTION = 0.27


# Widths outside these fractions make an outline that is no longer foot-shaped.
BALL_WIDTH_FRACTION_LIMITS = (0.28, 0.50)


HEEL_WIDTH_FRACTION_LIMITS = (0.18, 0.40)


def load_profile(path: Path | str) -> Profile:
    """Load, validate and resolve the profile at ``path``."""
    path = Path(path)
    return profile_from_dict(load_profile_data(path), default_name=path.stem, source=path)


def profile_from_dict(
    data: dict[str, Any], *, default_name: str = "insole", source: Path | None = None
) -> Profile:
    """Validate a parsed TOML document and resolve one :class:`SideSpec` per side built."""
    # Over 60 lines: every table resolved in order, each a few lines, so all problems are said at
    # once.
    try:
        doc = ProfileDoc.model_validate(data)
    except ValidationError as exc:
        # Report size strings too, so one run shows every problem.
        raise ProfileError([_describe(dict(err)) for err in exc.errors()] + _size_problems(data), source) from None

    problems: list[str] = []
    warnings: list[str] = []
    name = doc.name if doc.name is not None else default_name
    patient = _patient(doc.patient, problems)
    stem = _file_stem(name, patient, problems)

    sides = ("left", "right") if doc.side == "both" else (doc.side,)
    if doc.lift is not None and doc.lift.side not in sides:
        problems.append(problem("lift.side", doc.lift.side,
            f"lift.side = {doc.lift.side!r} but only the {doc.side} side is built (side = "
            f"{doc.side!r}): allowed is a side that is built, or set side = \"both\""
        ))
    for unused in {"left", "right"} - set(sides):
        if getattr(doc, unused).model_fields_set:
            warnings.append(f"[{unused}] is ignored: side = {doc.side!r} does not build it")

    specs: list[SideSpec] = []
    base_dir = source.parent if source is not None else Path(".")
    for side in sides:
        spec = _resolve_side(doc, side, problems, warnings, base_dir)
        if spec is not None:
            specs.append(spec)
    if not any(spec.needs_foot_file for spec in specs):
        # Sides on a real foot are measured, and warned about, when the foot stage has
        # read their files (insolegen.inputs.feet).
        warnings.extend(merged_side_warnings(specs))
    for spec in specs:
        mod_warnings, mod_refusals = modification_checks(spec)
        label = f"{spec.side}: " if len(specs) > 1 else ""
        warnings.extend(label + w for w in mod_warnings)
        problems.extend(keyed(r).prefixed(label) for r in mod_refusals)
    warnings.extend(pair_checks(specs))
    shoe = None if doc.shoe is None else Shoe(**doc.shoe.model_dump())
    if shoe is not None:
        for spec in specs:
            label = f"{spec.side}: " if len(specs) > 1 else ""
            warnings.extend(label + w for w in shoe_checks(spec, shoe))
    problems = list(dict.fromkeys(problems))  # a shared key's problem once, not per side
    problems.extend(pressure_problems(doc, sides))
    problems.extend(lattice_problems(doc, specs))
    zones = zones_spec(doc.zones, problems)
    warnings.extend(cover_checks(specs, zones.top_cover_pct))
    if patient.diabetic:
        graded = any(s.pressure is not None and s.pressure.graded_zones for s in specs)
        pcts = (zones.heel_pct, zones.arch_pct, zones.forefoot_pct, zones.toes_pct) if not graded else (0.0, 1.0)
        warnings.extend(diabetic_checks(specs, pcts))
    print_spec = _print_spec(doc, problems)
    material = _material(doc.print.material if doc.print is not None else DEFAULT_MATERIAL, base_dir, problems)
    if doc.lift is not None and doc.lift.side in sides and not problems:
        lifted = next(s for s in specs if s.side == doc.lift.side)
        others = [s for s in specs if s.side != doc.lift.side]
        lift_warnings, refusals = lift_checks(
            doc.lift, lifted.heel_thickness_mm, others[0].heel_thickness_mm if others else None,
            cup_mm=lifted.heel_cup_depth_mm, counter_known=doc.shoe is not None and doc.shoe.heel_depth_mm is not None)
        zone_warnings, zone_refusals = lift_zone_checks(zones, doc.lift.forefoot_mm, doc.zones.allow_soft_lift)
        warnings.extend(lift_warnings + zone_warnings)
        problems.extend(refusals + zone_refusals)
    if problems:
        raise ProfileError(problems, source)
    return Profile(
        name=name,
        file_stem=stem,
        patient=patient,
        sides=tuple(specs),
        warnings=tuple(warnings),
        source=source,
        lift=doc.lift.model_dump() if doc.lift else None,
        zones=zones,
        print=print_spec,
        shoe=shoe,
        label=doc.print.label if doc.print is not None else True,
        material=material,
        lattice=_lattice(doc),
    )


def _material(name: str, base_dir: Path, problems: list[str]) -> Material:
    """A material the model knows by name, or a file `insolegen calibrate` wrote (a path
    ending .toml, relative to the profile)."""
    if name.lower().endswith(".toml"):
        try:
            return read_material_file(base_dir / name)
        except MaterialFileError as exc:
            problems.append(problem("print.material", name, f"print.material = {brief(name)}: {exc}"))
            return MATERIALS[DEFAULT_MATERIAL]
    if name not in MATERIALS:
        problems.append(problem("print.material", name,
                                f"print.material = {brief(name)} is not a known material: use one of {', '.join(MATERIALS)}, "
                                "or a file insolegen calibrate wrote (a name ending .toml)"))
        return MATERIALS[DEFAULT_MATERIAL]
    return MATERIALS[name]


def _file_stem(name: str, patient: Patient, problems: list[str]) -> str:
    why = display_name_problem(name)
    if why:
        problems.append(problem("name", name, f"name = {brief(name)} {why}"))
        return ""
    try:
        return file_stem(name, patient.id)
    except StemError as exc:
        problems.append(problem("patient.id" if patient.id else "name", patient.id or name, str(exc)))
        return ""


EARLIEST_BIRTH = datetime.date(1900, 1, 1)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Free text of the record that may run over several lines.
MULTILINE_PATIENT_KEYS = ("diagnosis", "notes")


def _patient(table: PatientTable, problems: list[str]) -> Patient:
    """[patient] checked: no control characters (but line breaks in diagnosis and
    notes), a date of birth that is a real day, not in the future."""
    texts = {}
    for key in ("id", "clinician", "diagnosis", "shoe", "notes"):
        value = getattr(table, key)
        bad = forbidden_character(value, "\n\t" if key in MULTILINE_PATIENT_KEYS else "") if value else None
        if bad:
            where = "" if key in MULTILINE_PATIENT_KEYS else " (a line break is allowed in diagnosis and notes)"
            problems.append(problem(f"patient.{key}", value,
                                    f"patient.{key} = {brief(value)} contains a control character ({bad}){where}"))
        texts[key] = value
    return Patient(date_of_birth=_date_of_birth(table.date_of_birth, problems), diabetic=table.diabetic,
                   mass_kg=table.mass_kg, **texts)


def _date_of_birth(value: Any, problems: list[str]) -> datetime.date | None:
    key, example = "patient.date_of_birth", 'e.g. "1961-04-02" (year-month-day)'
    if value is None:
        return None
    if isinstance(value, datetime.datetime | datetime.time) or not isinstance(value, datetime.date | str):
        problems.append(problem(key, value, f"{key} = {brief(value)} is not a date: give the day only, {example}"))
        return None
    if isinstance(value, str):
        try:
            if not _ISO_DATE.fullmatch(value.strip()):
                raise ValueError
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            problems.append(problem(key, value, f"{key} = {brief(value)} is not a date: write it as YYYY-MM-DD, {example}"))
            return None
    today = datetime.date.today()
    if value > today:
        problems.append(problem(key, value,
                                f"{key} = {value.isoformat()} is in the future (today is {today.isoformat()}): check the year"))
        return None
    if value < EARLIEST_BIRTH:
        problems.append(problem(key, value, f"{key} = {value.isoformat()} is before {EARLIEST_BIRTH.year}: check the year"))
        return None
    return value


def _print_spec(doc: ProfileDoc, problems: list[str]) -> PrintSpec | None:
    table = doc.print
    if table is None:
        return None
    preset = None
    if table.printer is not None:
        preset = PRINTERS.get(table.printer.strip().lower())
        if preset is None:
            problems.append(problem(
                "print.printer", table.printer,
                f"print.printer = {brief(table.printer)} is not a preset: use one of {', '.join(PRINTERS)}, "
                "or give print.bed_mm = [width, depth]"
            ))
            return None
    if table.bed_mm is not None:
        return PrintSpec(printer=preset.name if preset else None, bed_mm=(table.bed_mm[0], table.bed_mm[1]),
                         family=preset.family if preset else "any")
    if preset is None:
        if table.model_fields_set <= {"label", "material"}:  # [print] only to turn the label off or name the material
            return None
        problems.append(problem("print", None, "[print] needs printer (a preset) or bed_mm = [width, depth]"))
        return None
    return PrintSpec(printer=preset.name, bed_mm=preset.bed_mm, family=preset.family)


def _size_problems(data: dict[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    for table in ("foot", "left", "right"):
        size = data.get(table, {}).get("size") if isinstance(data.get(table), dict) else None
        if isinstance(size, str):
            try:
                parse_size(size)
            except SizeError as exc:
                found.append(problem(f"{table}.size", size, f"{table}.size = {brief(size)}: {exc}"))
    return found


def _resolve_side(
    doc: ProfileDoc, side: str, problems: list[str], warnings: list[str], base_dir: Path
) -> SideSpec | None:
    # Over 60 lines: a side's size, widths and shape, each picked from its table and checked in turn.
    override = getattr(doc, side)
    given = override.model_fields_set

    def pick(key: str, table: Any) -> tuple[Any, str]:
        if key in given:
            return getattr(override, key), f"{side}.{key}"
        section = "foot" if key in FOOT_KEYS else "shape"
        return getattr(table, key), f"{section}.{key}"

    before = len(problems)
    size, size_key = pick("size", doc.foot)
    length_mm, length_key = pick("length_mm", doc.foot)
    foot_file = _foot_file(doc, side, pick, base_dir, problems, length_mm, length_key)
    if len(problems) > before:
        return None
    if foot_file is not None:
        return _pending_spec(doc, side, pick, foot_file, warnings, base_dir)
    womens = False
    if size is not None:
        try:
            parsed = parse_size(size)
        except SizeError as exc:
            problems.append(problem(size_key, size, f"{size_key} = {brief(size)}: {exc}"))
            return None
        womens = parsed.is_womens
        if length_mm is None:
            length_mm = parsed.foot_length_mm
            why = size_length_problem(parsed)
            if why:
                problems.append(problem(size_key, size, f"{size_key} = {brief(size)} {why}"))
                return None
    if length_mm is None:
        problems.append(problem("foot.size", None,
            "no foot size: foot.size (e.g. \"EU 42\") or foot.length_mm is required "
            f"(or {side}.size / {side}.length_mm for one side)"
        ))
        return None

    ball, ball_key = pick("ball_width_mm", doc.foot)
    heel, heel_key = pick("heel_width_mm", doc.foot)
    ball = ball if ball is not None else BALL_WIDTH_FRACTION * length_mm
    heel = heel if heel is not None else HEEL_WIDTH_FRACTION * length_mm
    for value, key, (lo, hi) in (
        (ball, ball_key, BALL_WIDTH_FRACTION_LIMITS),
        (heel, heel_key, HEEL_WIDTH_FRACTION_LIMITS),
    ):
        # Limits rounded to 0.1 mm, compared as printed: 0.28 x 350 is 98.00000000000001
        # in floating point, and 98 must pass when the message says "allowed is 98 to ...".
        lo_mm, hi_mm = round(lo * length_mm, 1), round(hi * length_mm, 1)
        if not lo_mm <= value <= hi_mm:
            problems.append(problem(
                key, value,
                f"{key} = {value:g} does not fit a {length_mm:g} mm foot: allowed is "
                f"{lo_mm:g} to {hi_mm:g} mm ({lo}-{hi} x foot length)"
            ))
    if heel >= ball:
        problems.append(problem(
            heel_key, heel,
            f"{heel_key} = {heel:g} is not narrower than {ball_key} = {ball:g}: "
            "allowed is a heel narrower than the ball"
        ))

    if len(problems) > before:
        return None
    shape = _shape(doc, pick, womens=womens, conform=False, length_mm=length_mm)
    return _side_spec(doc, side, length_mm, ball, heel, shape, size=size, base_dir=base_dir)


def _side_spec(doc: ProfileDoc, side: str, length_mm: float, ball_mm: float, heel_mm: float,
               shape: dict[str, Any], *, size: str | None = None, source: FootFile | None = None,
               base_dir: Path = Path(".")) -> SideSpec:
    """One side's spec; the lift is only on the side it names."""
    lift = doc.lift if doc.lift is not None and doc.lift.side == side else None
    return SideSpec(
        side=side,  # type: ignore[arg-type]
        foot_length_mm=float(length_mm),
        ball_width_mm=float(ball_mm),
        heel_width_mm=float(heel_mm),
        size=size,
        source=source,
        lift_heel_mm=lift.heel_mm if lift else 0.0,
        lift_forefoot_mm=lift.forefoot_mm if lift else 0.0,
        footbed_heel_mm=doc.shoe.heel_pitch_mm if doc.shoe is not None and doc.shoe.bottom == "shoe" else 0.0,
        footbed_toe_mm=doc.shoe.toe_spring_mm if doc.shoe is not None and doc.shoe.bottom == "shoe" else 0.0,
        modifications=_modifications(doc, side),
        pressure=_pressure(doc, side, base_dir),
        **shape,
    )


def _pressure(doc: ProfileDoc, side: str, base_dir: Path) -> PressureSpec | None:
    """The side's pressure map: [<side>.pressure], else [pressure] (which the profile's
    checks allow only when one side is built: a map shows one foot)."""
    own = getattr(doc, side).pressure
    table, key = (own, f"{side}.pressure") if own is not None else (doc.pressure, "pressure")
    if table is None:
        return None
    default_table = ((table.relief_above_kpa, 0.0), (2 * table.relief_above_kpa, defaults.RELIEF_DEPTH_AT_TWICE_MM))
    return PressureSpec(
        key=key, path=Path(os.path.abspath(base_dir / table.file)), given=table.file, units=table.units,
        pitch_mm=tuple(table.pitch_mm) if table.pitch_mm else None, frame=table.frame, plate_columns=table.plate_columns,
        side_told=table.side,
        relief_above_kpa=table.relief_above_kpa,
        relief_table=tuple((float(k), float(d)) for k, d in table.relief_table) if table.relief_table else default_table,
        graded_zones=table.zones == "pressure", grading=table.grading, bands=table.bands,
        softest_pct=table.softest_pct, firmest_pct=table.firmest_pct,
        softest_kpa_per_mm=table.softest_kpa_per_mm, firmest_kpa_per_mm=table.firmest_kpa_per_mm,
        target_peak_kpa=table.target_peak_kpa, target_reduction_pct=table.target_reduction_pct)


def _lattice(doc: ProfileDoc) -> LatticeSpec | None:
    table = doc.lattice
    if table is None or not table.enabled:
        return None
    edge = lattice_step_mm(table.cell_mm, table.wall_min_mm)
    return LatticeSpec(kind=table.type, cell_mm=table.cell_mm, wall_min_mm=table.wall_min_mm,
                       skin_top_mm=table.skin_top_mm, skin_bottom_mm=table.skin_bottom_mm,
                       perimeter_mm=table.perimeter_mm, blend_mm=table.blend_mm,
                       drain_hole_mm=table.drain_hole_mm, edge_mm=edge)


def lattice_settings(table: dict[str, Any], base_mm: float) -> LatticeSpec:
    """A [lattice] table on its own (``insolegen coupons``), for a part ``base_mm``
    thick, checked as in a profile: ProfileError naming the key otherwise."""
    shape = {"thickness_mm": base_mm, "heel_thickness_mm": base_mm}
    spec = profile_from_dict({"foot": {"size": "EU 42"}, "side": "right", "shape": shape,
                              "lattice": {**table, "enabled": True}}).lattice
    assert spec is not None
    return spec


def _modifications(doc: ProfileDoc, side: str) -> Modifications:
    """[modifications] for one side: each key from [<side>.modifications] where given
    there, else from [modifications], else off."""
    own = getattr(doc, side).modifications
    values: dict[str, Any] = {}
    for key in MODIFICATION_KEYS:
        value = getattr(own, key) if own is not None and getattr(own, key) is not None else getattr(
            doc.modifications, key)
        if value is not None:
            values[key] = tuple(float(v) for v in value) if key == "mth_relief_mm" else value
    return Modifications(**values)


def _shape(doc: ProfileDoc, pick: Any, *, womens: bool, conform: bool,
           length_mm: float | None = None) -> dict[str, Any]:
    """The [shape] keys for one side with defaults filled in. On a conforming scan the
    arch and heel cup adjust the scanned shape, so they default to 0 (add nothing). A
    child's foot (``length_mm`` under defaults.CHILD_FOOT_MM) gets them in proportion;
    ``defaulted`` names those left to the default, which the foot stage scales again
    once a tracing has told the length."""
    shape = {key: pick(key, doc.shape)[0] for key in SHAPE_KEYS}
    # a diabetic foot's insert: at least 4.8 mm (3/16 in) of base (docs/clinical.md)
    base = defaults.DIABETIC_BASE_MM if doc.patient.diabetic else defaults.THICKNESS_MM
    thickness = shape["thickness_mm"] if shape["thickness_mm"] is not None else base
    fallback = {
        "length": "full",
        "thickness_mm": thickness,
        "heel_thickness_mm": thickness,
        "heel_cup_depth_mm": defaults.HEEL_CUP_WOMENS_MM if womens else defaults.HEEL_CUP_MM,
        "arch_height_mm": defaults.ARCH_HEIGHT_MM,
        "arch_apex_pct": defaults.ARCH_APEX_PCT,
        "medial_border_dip_mm": 0.0,
        "met_pad_height_mm": 0.0,
        "rearfoot_post_deg": 0.0,
        "forefoot_post_deg": 0.0,
    }
    if conform:
        fallback.update(heel_cup_depth_mm=0.0, arch_height_mm=0.0)
    elif length_mm is not None:
        for key in ("heel_cup_depth_mm", "arch_height_mm"):
            fallback[key] = defaults.for_foot(float(fallback[key]), length_mm)
    out = {k: (v if v is not None else fallback[k]) for k, v in shape.items()}
    out["defaulted"] = tuple(k for k in ("heel_cup_depth_mm", "arch_height_mm") if shape[k] is None and not conform)
    return out


def _foot_file(
    doc: ProfileDoc, side: str, pick: Any, base_dir: Path, problems: list[str], length_mm: float | None,
    length_key: str,
) -> FootFile | None:
    """The tracing, scan or picture the side names, if any, as a request for the foot stage."""
    named = [(kind, *pick(kind, doc.foot)) for kind in ("outline", "scan", "image")]
    named = [(kind, given, key) for kind, given, key in named if given is not None]
    if len(named) > 1:
        keys = " and ".join(key for _, _, key in named)
        problems.append(problem(named[1][2], named[1][1],
                                f"{keys} are {'all' if len(named) > 2 else 'both'} given: use one of them"))
        return None
    if not named:
        return None
    kind, given, key = named[0]
    if not given.strip():  # "" would name the profile's own folder
        what, example = {"outline": ("tracing", "left.svg"), "scan": ("scan", "left.stl"),
                         "image": ("picture", "left.jpg")}[kind]
        problems.append(problem(key, given, f"{key} = {given!r} is empty: give the {what}'s file name "
                                f"(e.g. \"{example}\")"))
        return None
    # Not resolve(): a symlink loop or a NUL byte is the reader's to report, in its words.
    path = Path(os.path.abspath(base_dir / given))
    named_as = {"path": path, "key": key, "given": given, "in_side_table": key.startswith(side), "length_mm": length_mm,
                "length_key": length_key, "side_told": pick(f"{kind}_side", doc.foot)[0]}
    if kind == "outline":
        return FootFile(kind="outline", units=pick("outline_units", doc.foot)[0], **named_as)
    if kind == "image":
        return FootFile(kind="image", image_kind=pick("image_kind", doc.foot)[0], image_paper=pick("image_paper", doc.foot)[0],
                        image_dpi=pick("image_dpi", doc.foot)[0], **named_as)
    conform, _ = pick("conform", doc.foot)
    return FootFile(kind="scan", units=pick("scan_units", doc.foot)[0], scan_kind=pick("scan_kind", doc.foot)[0],
                    smoothing_mm=pick("scan_smoothing_mm", doc.foot)[0],
                    conform=True if conform is None else bool(conform),
                    allow_unusual_shape=bool(pick("allow_unusual_shape", doc.foot)[0]), **named_as)


def _pending_spec(doc: ProfileDoc, side: str, pick: Any, foot_file: FootFile, warnings: list[str],
                  base_dir: Path) -> SideSpec:
    """A side built on a real foot: its shape is known now; its length and widths are
    measured from the file by the foot stage (zero until then)."""
    for key in ("ball_width_mm", "heel_width_mm"):
        value, where = pick(key, doc.foot)
        if value is not None:
            warnings.append(f"{where} = {value:g} is ignored: the {foot_file.kind} sets the widths")
    return _side_spec(doc, side, 0.0, 0.0, 0.0, _shape(doc, pick, womens=False, conform=foot_file.conform),
                      source=foot_file, base_dir=base_dir)
