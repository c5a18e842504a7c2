"""Every default of the profile in one place (docs/clinical.md, "Design
parameters" and "Firmness by zone"): the schema, the resolved specs and the starter
profile all read them here."""

__all__ = [
    "ARCH_APEX_PCT", "ARCH_HEIGHT_MM", "CHILD_FOOT_MM", "DIABETIC_BASE_MM", "HEEL_CUP_MM", "HEEL_CUP_WOMENS_MM",
    "PATTERN", "PRESSURE_BANDS", "PRESSURE_FIRMEST_PCT", "PRESSURE_MAX_STEP_PCT", "PRESSURE_SOFTEST_PCT",
    "RELIEF_ABOVE_KPA", "RELIEF_DEPTH_AT_TWICE_MM", "SCAN_SMOOTHING_MM", "THICKNESS_MM", "ZONE_PCT", "for_foot",
]

THICKNESS_MM = 3.0
DIABETIC_BASE_MM = 4.8  # a custom diabetic insert: 3/16 in of Shore A 35 or firmer (US Medicare A5513)
HEEL_CUP_MM = 12.0  # men; a women's size gets HEEL_CUP_WOMENS_MM
HEEL_CUP_WOMENS_MM = 10.0
ARCH_HEIGHT_MM = 15.0
ARCH_APEX_PCT = 42.0
# Below this foot length the heel cup's and the arch's defaults shrink in proportion to
# the foot (docs/clinical.md, "Children"): a child's foot (Cheng 1997: 153-156 mm at 3
# years, about 230 mm at 12-15) is not an adult's; labs deepen the cup with the foot's size.
CHILD_FOOT_MM = 230.0


def for_foot(adult_mm: float, foot_length_mm: float) -> float:
    """An adult default (heel cup, arch) for a foot this long: the same from
    CHILD_FOOT_MM up, in proportion below it (to 0.1 mm)."""
    return round(adult_mm * min(1.0, foot_length_mm / CHILD_FOOT_MM), 1)

SCAN_SMOOTHING_MM = 2.0
PATTERN = "gyroid"
# Infill percent per zone, 95A TPU gyroid.
ZONE_PCT = {"heel": 15.0, "arch": 30.0, "forefoot": 15.0, "toes": 10.0, "lift": 60.0, "top_cover": 100.0}
# The top cover ([modifications] top_cover_mm) is printed solid by default: a smooth,
# hard-wearing skin; its softness then comes from its material (zones.top_cover_extruder).

# [pressure] (docs/pressure.md): offload above about 200 kPa (ECOPLAN, PLOS ONE e0247915);
# 8 bands from 10 to 45 % infill: steps of 5 points; a step over 10 points is refused
# (neighbouring bands stay alike underfoot).
RELIEF_ABOVE_KPA = 200.0
RELIEF_DEPTH_AT_TWICE_MM = 3.0  # the default relief: 0 mm at the threshold, this at twice it
PRESSURE_BANDS = 8
PRESSURE_SOFTEST_PCT = 10.0
PRESSURE_FIRMEST_PCT = 45.0
PRESSURE_MAX_STEP_PCT = 10.0
