"""What a part's 3MF files hold, in words, for the preview and the report: the lift
layer's infill, its height, and which zones lie on it (found on the zone solids the 3MF
files are written from, not assumed)."""

from __future__ import annotations

from insolegen.build.parts import SidePart
from insolegen.geometry.zones import Zone, zones_on_lift

__all__ = ["lift_height_text", "lift_zone", "lift_zones_text"]


def lift_zone(part: SidePart) -> Zone | None:
    return next((z for z in part.zones if z.kind == "lift"), None)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def lift_zones_text(part: SidePart) -> str | None:
    """"lift layer 60 % under the heel, arch and forefoot zones" (None without a lift)."""
    lift = lift_zone(part)
    if lift is None:
        return None
    on = zones_on_lift(part.zones)
    others = [z.name for z in part.zones if z.kind != "lift"]
    where = "every zone" if on == others else f"the {_listed(on)} zone" + ("s" if len(on) > 1 else "")
    return f"lift layer {lift.infill_pct:g} % under {where}"


def lift_height_text(part: SidePart) -> str | None:
    """How high the lift layer reaches, from the bed (None without a lift)."""
    if lift_zone(part) is None:
        return None
    spec = part.spec
    if spec.lift_forefoot_mm > 0:
        return (f"from the bed up to {spec.lift_heel_mm:g} mm at the heel centre and "
                f"{spec.lift_forefoot_mm:g} mm from the metatarsal heads on")
    return (f"from the bed up to {spec.lift_heel_mm:g} mm at the heel centre, "
            "thinning out just behind the metatarsal heads")
