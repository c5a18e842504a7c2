"""Read a TOML profile into a validated :class:`Profile`, or raise :class:`ProfileError`
with one message per problem (naming the key, the value and what is allowed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Iterable, Optional

from pydantic import ValidationError

from . import schema
from .clinical import lift_checks, side_warnings
from .schema import FOOT_KEYS, RANGES, SHAPE_KEYS, ProfileDoc
from .sizes import SizeError, parse_size
from .spec import Profile, SideSpec
from .zonecheck import custom_zone_problems, lift_zone_checks, zones_spec

# Foot proportions as fractions of foot length (shared/docs/domain.md, ANSUR II).
BALL_WIDTH_FRACTION = 0.38
HEEL_WIDTH_FRACTION = 0.27
# Widths outside these fractions make an outline that is no longer foot-shaped.
BALL_WIDTH_FRACTION_LIMITS = (0.28, 0.50)
HEEL_WIDTH_FRACTION_LIMITS = (0.18, 0.40)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


class ProfileError(Exception):
    """An invalid profile; ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: Iterable[str], source: Optional[Path] = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__("\n".join(self.problems))


def load_profile(path: Path | str) -> Profile:
    """Load, validate and resolve the profile at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError([f"{path}: no such profile file"], path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError([f"{path}: cannot read the profile ({exc})"], path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError([f"{path}: not valid TOML: {exc}"], path) from None
    return profile_from_dict(data, default_name=path.stem, source=path)


def profile_from_dict(
    data: dict[str, Any], *, default_name: str = "insole", source: Optional[Path] = None
) -> Profile:
    """Validate a parsed TOML document and resolve one :class:`SideSpec` per side built."""
    try:
        doc = ProfileDoc.model_validate(data)
    except ValidationError as exc:
        # Report size strings too, so one run shows every problem.
        raise ProfileError([_describe(err) for err in exc.errors()] + _size_problems(data), source) from None

    problems: list[str] = []
    warnings: list[str] = []
    name = doc.name if doc.name is not None else default_name
    if not _NAME_RE.match(name) or ".." in name:
        problems.append(
            f"name = {name!r} cannot be used in file names: allowed are 1-80 letters, digits, "
            "'-', '_' and '.', starting with a letter or digit, without '..' or path separators"
        )

    sides = ("left", "right") if doc.side == "both" else (doc.side,)
    if doc.lift is not None and doc.lift.side not in sides:
        problems.append(
            f"lift.side = {doc.lift.side!r} but only the {doc.side} side is built (side = "
            f"{doc.side!r}): allowed is a side that is built, or set side = \"both\""
        )
    for unused in {"left", "right"} - set(sides):
        if getattr(doc, unused).model_fields_set:
            warnings.append(f"[{unused}] is ignored: side = {doc.side!r} does not build it")

    specs: list[SideSpec] = []
    per_side: dict[str, list[str]] = {}
    for side in sides:
        spec = _resolve_side(doc, side, problems)
        if spec is not None:
            specs.append(spec)
            per_side[side] = side_warnings(spec)
    warnings.extend(_merge_sides(per_side))
    problems = list(dict.fromkeys(problems))  # a shared key's problem once, not per side
    zones = zones_spec(doc.zones, problems)
    for spec in specs:
        problems.extend(p for p in custom_zone_problems(zones, spec) if p not in problems)
    if doc.lift is not None and doc.lift.side in sides and not problems:
        lifted = next(s for s in specs if s.side == doc.lift.side)
        lift_warnings, refusals = lift_checks(doc.lift, lifted.heel_thickness_mm)
        zone_warnings, zone_refusals = lift_zone_checks(zones, doc.lift.forefoot_mm, doc.zones.allow_soft_lift)
        warnings.extend(lift_warnings + zone_warnings)
        problems.extend(refusals + zone_refusals)
    if problems:
        raise ProfileError(problems, source)
    return Profile(
        name=name,
        sides=tuple(specs),
        warnings=tuple(warnings),
        source=source,
        lift=doc.lift.model_dump() if doc.lift else None,
        zones=zones,
    )


def _size_problems(data: dict[str, Any]) -> list[str]:
    found = []
    for table in ("foot", "left", "right"):
        size = data.get(table, {}).get("size") if isinstance(data.get(table), dict) else None
        if isinstance(size, str):
            try:
                parse_size(size)
            except SizeError as exc:
                found.append(f"{table}.size = {size!r}: {exc}")
    return found


def _merge_sides(per_side: dict[str, list[str]]) -> list[str]:
    """A warning both sides share is given once; one side's own is labelled with it."""
    everywhere = set.intersection(*(set(w) for w in per_side.values())) if len(per_side) > 1 else set()
    merged: list[str] = []
    for side, found in per_side.items():
        for warning in found:
            if warning in everywhere:
                if warning not in merged:
                    merged.append(warning)
            else:
                merged.append(f"{side}: {warning}")
    return merged


def _resolve_side(doc: ProfileDoc, side: str, problems: list[str]) -> Optional[SideSpec]:
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
    womens = False
    if size is not None:
        try:
            parsed = parse_size(size)
        except SizeError as exc:
            problems.append(f"{size_key} = {size!r}: {exc}")
            return None
        womens = parsed.is_womens
        if length_mm is None:
            length_mm = parsed.foot_length_mm
            lo, hi, _ = RANGES["length_mm"]
            if not lo <= length_mm <= hi:
                problems.append(
                    f"{size_key} = {size!r} gives a foot length of {length_mm:.0f} mm: "
                    f"allowed is {lo:g} to {hi:g} mm"
                )
                return None
    if length_mm is None:
        problems.append(
            "no foot size: foot.size (e.g. \"EU 42\") or foot.length_mm is required "
            f"(or {side}.size / {side}.length_mm for one side)"
        )
        return None

    ball, ball_key = pick("ball_width_mm", doc.foot)
    heel, heel_key = pick("heel_width_mm", doc.foot)
    ball = ball if ball is not None else BALL_WIDTH_FRACTION * length_mm
    heel = heel if heel is not None else HEEL_WIDTH_FRACTION * length_mm
    for value, key, (lo, hi) in (
        (ball, ball_key, BALL_WIDTH_FRACTION_LIMITS),
        (heel, heel_key, HEEL_WIDTH_FRACTION_LIMITS),
    ):
        if not lo * length_mm <= value <= hi * length_mm:
            problems.append(
                f"{key} = {value:g} does not fit a {length_mm:.0f} mm foot: allowed is "
                f"{lo * length_mm:.0f} to {hi * length_mm:.0f} mm ({lo}-{hi} x foot length)"
            )
    if heel >= ball:
        problems.append(
            f"{heel_key} = {heel:g} is not narrower than {ball_key} = {ball:g}: "
            "allowed is a heel narrower than the ball"
        )

    shape = {key: pick(key, doc.shape)[0] for key in SHAPE_KEYS}
    thickness = shape["thickness_mm"] if shape["thickness_mm"] is not None else schema.DEFAULT_THICKNESS_MM
    defaults = {
        "length": "full",
        "thickness_mm": thickness,
        "heel_thickness_mm": thickness,
        "heel_cup_depth_mm": schema.DEFAULT_HEEL_CUP_WOMENS_MM if womens else schema.DEFAULT_HEEL_CUP_MM,
        "arch_height_mm": schema.DEFAULT_ARCH_HEIGHT_MM,
        "arch_apex_pct": schema.DEFAULT_ARCH_APEX_PCT,
        "met_pad_height_mm": 0.0,
        "rearfoot_post_deg": 0.0,
        "forefoot_post_deg": 0.0,
    }
    resolved = {k: (v if v is not None else defaults[k]) for k, v in shape.items()}
    if len(problems) > before:
        return None
    lift = doc.lift if doc.lift is not None and doc.lift.side == side else None
    return SideSpec(
        side=side,  # type: ignore[arg-type]
        foot_length_mm=float(length_mm),
        ball_width_mm=float(ball),
        heel_width_mm=float(heel),
        size=size,
        lift_heel_mm=lift.heel_mm if lift else 0.0,
        lift_forefoot_mm=lift.forefoot_mm if lift else 0.0,
        **resolved,
    )


def _describe(err: dict[str, Any]) -> str:
    """One line for one pydantic error: key, value, what is allowed."""
    loc = [str(p) for p in err["loc"]]
    key = ""
    for part in err["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    field = loc[-1] if loc else ""
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return f"{key}: unknown key; allowed here: {', '.join(allowed)}"
    if kind == "missing":
        return f"{key} is required"
    if kind in {"too_short", "too_long"}:
        return f"{key} = {value!r}: {err['msg'].replace('List', 'the list')}"
    if kind in {"greater_than_equal", "less_than_equal", "finite_number"} and field in RANGES:
        lo, hi, unit = RANGES[field]
        return f"{key} = {value!r} is out of range: allowed is {lo:g} to {hi:g} {unit}"
    if kind == "literal_error":
        return f"{key} = {value!r} is not allowed: use one of {err['ctx']['expected']}"
    if kind in {"float_type", "bool_type", "string_type", "model_type", "dict_type", "list_type"}:
        expected = {
            "float_type": "a number",
            "bool_type": "true or false",
            "string_type": "a string in quotes",
            "model_type": "a table",
            "dict_type": "a table",
            "list_type": "a list",
        }[kind]
        return f"{key} = {value!r} has the wrong type: expected {expected}"
    return f"{key} = {value!r}: {err['msg']}"


def _allowed_keys(table: list[str]) -> list[str]:
    model: Any = ProfileDoc
    for part in table:
        if part.isdigit():
            continue  # an item of a list of tables: the table's model was found already
        model = model.model_fields[part].annotation
        model = next((a for a in getattr(model, "__args__", ()) if hasattr(a, "model_fields")), model)
    return list(getattr(model, "model_fields", {}))
