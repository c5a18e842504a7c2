"""Units, converted to millimetres only at the edges (file readers, size formulas)."""

__all__ = ["FOOT_LENGTH_RANGE_MM", "INCH_MM", "UNIT_MM"]

INCH_MM = 25.4
UNIT_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": INCH_MM}

# A foot (or its tracing) is this long; a file whose size fits no unit is no foot.
FOOT_LENGTH_RANGE_MM = (150.0, 350.0)
