"""Facts about feet that every stage measures by (docs/clinical.md, ANSUR II)."""

__all__ = ["HEEL_STATION_FRACTION"]

# The heel's width is measured this far from the back of the heel (fraction of foot length).
HEEL_STATION_FRACTION = 0.16
