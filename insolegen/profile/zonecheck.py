"""Validation of [zones] that needs more than the schema: patterns, custom polygons'
own shape, and the lift zone's firmness. (Custom polygons against each side's real
outline are checked by the build, once the outline exists: insolegen.geometry.zones.)"""

from __future__ import annotations

import shapely
from shapely.validation import explain_validity

from insolegen.core.paths import brief
from insolegen.firmness.foams import FOAMS
from insolegen.profile.problems import problem
from insolegen.profile.schema import ADAPTIVE_PATTERNS, PATTERNS, ZonesTable
from insolegen.profile.spec import CustomZone, ZonesSpec, ZoneTarget

__all__ = [
    "LIFT_ZONE_LIMIT_PCT", "MIN_ZONE_AREA_MM2", "MIN_ZONE_WIDTH_MM", "STANDARD_ZONES", "lift_zone_checks",
    "zones_spec",
]

STANDARD_ZONES = ("heel", "arch", "forefoot", "toes", "lift", "top_cover")
MIN_ZONE_AREA_MM2 = 25.0
MIN_ZONE_WIDTH_MM = 2.0  # narrower than ~4 extrusion lines gets no infill of its own
LIFT_ZONE_LIMIT_PCT = 30.0


def zones_spec(table: ZonesTable, problems: list[str]) -> ZonesSpec:
    """Check the pattern and polygons' own shape; return the resolved spec."""
    pattern = table.pattern.strip().lower()
    if pattern in ADAPTIVE_PATTERNS:
        problems.append(problem("zones.pattern", table.pattern,
            f"zones.pattern = {table.pattern[:40]!r} is adaptive: adaptive patterns ignore per-zone "
            f"density; use one of {', '.join(PATTERNS)}"
        ))
    elif pattern not in PATTERNS:
        problems.append(problem("zones.pattern", table.pattern,
                f"zones.pattern = {table.pattern[:40]!r} is not allowed: use one of {', '.join(PATTERNS)}"))
    custom = []
    seen: set[str] = set()
    for i, zone in enumerate(table.custom):
        key = f"zones.custom[{i}] ({zone.name!r})"
        if zone.name.lower() in STANDARD_ZONES + ("body",) or zone.name.lower() in seen:
            problems.append(problem(f"zones.custom[{i}].name", zone.name,
                    f"{key}: the name is already used; give each custom zone its own name"))
        seen.add(zone.name.lower())
        polygon = shapely.Polygon(zone.polygon)
        if not polygon.is_valid:
            problems.append(problem(f"zones.custom[{i}].polygon", zone.polygon,
                f"{key}: polygon is not a simple shape ({explain_validity(polygon)}); "
                "draw it without crossing edges"
            ))
            continue
        points = tuple((float(x), float(y)) for x, y in zone.polygon)
        custom.append(CustomZone(name=zone.name, polygon=points, infill_pct=zone.infill_pct))
    return ZonesSpec(
        targets=_targets(table, pattern, problems),
        pattern=pattern,
        heel_pct=table.heel,
        arch_pct=table.arch,
        forefoot_pct=table.forefoot,
        toes_pct=table.toes,
        lift_pct=table.lift,
        top_cover_pct=table.top_cover,
        top_cover_extruder=table.top_cover_extruder,
        custom=tuple(custom),
    )


def lift_zone_checks(zones: ZonesSpec, forefoot_mm: float, allow_soft: bool) -> tuple[list[str], list[str]]:
    """(warnings, refusals) for the lift's own firmness."""
    above = {"heel": zones.heel_pct, "arch": zones.arch_pct}
    if forefoot_mm > 0:
        above.update(forefoot=zones.forefoot_pct, toes=zones.toes_pct)
    warnings: list[str] = []
    refusals: list[str] = []
    if zones.lift_pct < LIFT_ZONE_LIMIT_PCT:
        message = (
            f"zones.lift = {zones.lift_pct:g} % is too soft for a lift (it compresses and loses height)"
        )
        if allow_soft:
            warnings.append(message + " (allowed by zones.allow_soft_lift)")
        else:
            refusals.append(problem("zones.lift", zones.lift_pct,
                message + f": allowed is {LIFT_ZONE_LIMIT_PCT:g} to 100 %, or set zones.allow_soft_lift = true"
            ))
    softer_than = [f"{name} {pct:g} %" for name, pct in above.items() if pct > zones.lift_pct]
    if softer_than:
        warnings.append(
            f"zones.lift = {zones.lift_pct:g} % is softer than the cushioning above it "
            f"({', '.join(softer_than)}): a lift should be the firmest layer"
        )
    return warnings, refusals


TARGET_ZONES = ("heel", "arch", "forefoot", "toes")


def _targets(table: ZonesTable, pattern: str, problems: list[str]) -> tuple[ZoneTarget, ...]:
    """The zones whose firmness is asked as a stiffness or a foam, each asked one way."""
    targets = []
    for zone in TARGET_ZONES:
        kpa, foam = getattr(table, f"{zone}_kpa_per_mm"), getattr(table, f"{zone}_foam")
        if kpa is None and foam is None:
            continue
        key = f"zones.{zone}_kpa_per_mm" if kpa is not None else f"zones.{zone}_foam"
        if kpa is not None and foam is not None:
            problems.append(problem(key, kpa, f"zones.{zone}_kpa_per_mm and zones.{zone}_foam both ask the {zone}'s "
                                              "firmness: give one"))
        elif zone in table.model_fields_set:
            problems.append(problem(key, kpa if kpa is not None else foam,
                                    f"zones.{zone} and {key} both ask the {zone}'s firmness: give one (the percent, "
                                    "or the target the build picks the percent for)"))
        elif foam is not None and foam not in FOAMS:
            problems.append(problem(key, foam, f"{key} = {brief(foam)} is not a foam the model knows: use one of "
                                               f"{', '.join(FOAMS)}, or give zones.{zone}_kpa_per_mm"))
        elif pattern != "gyroid":
            problems.append(problem(key, kpa if kpa is not None else foam,
                                    f"{key} needs zones.pattern = \"gyroid\" (the firmness model knows the slicer's "
                                    f"gyroid infill), not {pattern!r}"))
        targets.append(ZoneTarget(zone=zone, kpa_per_mm=kpa, foam=foam))
    return tuple(targets)

