"""Rules for [shoe] (docs/clinical.md, "Shoe fit"): what the shoe leaves room for.
Each returns warnings (a fit the clinician may still choose), without the side's name."""

from __future__ import annotations

from insolegen.profile.spec import Shoe, SideSpec

__all__ = ["HEEL_COUNTER_MIN_MM", "HIGH_HEEL_MM", "shoe_checks"]

HEEL_COUNTER_MIN_MM = 15.0  # counter left above the heel stack to keep the heel in the shoe (U)
HIGH_HEEL_MM = 38.0  # heels over 1.5 in need a modified cast [NW]


def shoe_checks(spec: SideSpec, shoe: Shoe) -> list[str]:
    warnings = []
    if shoe.heel_depth_mm is not None:
        stack = spec.heel_thickness_mm + spec.lift_heel_mm + spec.heel_cup_depth_mm
        left = shoe.heel_depth_mm - stack
        if left < HEEL_COUNTER_MIN_MM:
            lift = f" + lift {spec.lift_heel_mm:g}" if spec.lift_heel_mm > 0 else ""
            warnings.append(
                f"shoe.heel_depth_mm = {shoe.heel_depth_mm:g}: the heel stack (base {spec.heel_thickness_mm:g}{lift} "
                f"+ cup {spec.heel_cup_depth_mm:g} = {stack:g} mm) leaves {left:g} mm of heel counter; "
                f"{HEEL_COUNTER_MIN_MM:g} mm or more keeps the heel in the shoe (a deeper shoe, a lower cup or lift)")
    if shoe.heel_pitch_mm > HIGH_HEEL_MM:
        warnings.append(f"shoe.heel_pitch_mm = {shoe.heel_pitch_mm:g}: heels over {HIGH_HEEL_MM:g} mm (1.5 in) "
                        "usually need the cast or scan taken at that heel height")
    if shoe.bottom == "shoe" and shoe.heel_pitch_mm == 0 and shoe.toe_spring_mm == 0:
        warnings.append('shoe.bottom = "shoe" with no heel pitch or toe spring: the underside is flat')
    return warnings
