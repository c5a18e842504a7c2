"""Validation of [zones] that needs more than the schema: patterns, custom polygons'
own shape, and the lift zone's firmness. (Custom polygons against each side's real
outline are checked by the build, once the outline exists: insolegen.geometry.zones.)"""

from __future__ import annotations

import shapely
from shapely.validation import explain_validity

from insolegen.profile.problems import problem
from insolegen.profile.schema import ADAPTIVE_PATTERNS, PATTERNS, ZonesTable
from insolegen.profile.spec import CustomZone, ZonesSpec

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
