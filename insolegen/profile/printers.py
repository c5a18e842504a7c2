"""Printer presets: bed sizes (mm) and which slicer file family each printer uses. The
one home of every bed size, the default beds of the two 3MF files included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_ORCA_BED_MM", "DEFAULT_PRUSA_BED_MM", "PRINTERS", "Family", "Printer"]

Family = Literal["prusa", "orca", "any"]


@dataclass(frozen=True)
class Printer:
    name: str
    bed_mm: tuple[float, float]
    family: Family


# Usable bed sizes from the makers' specifications.
PRINTERS: dict[str, Printer] = {
    p.name: p
    for p in (
        Printer("prusa-mk4", (250.0, 210.0), "prusa"),
        Printer("prusa-mk3s", (250.0, 210.0), "prusa"),
        Printer("prusa-mini", (180.0, 180.0), "prusa"),
        Printer("prusa-core-one", (250.0, 220.0), "prusa"),
        Printer("prusa-xl", (360.0, 360.0), "prusa"),
        Printer("bambu-x1", (256.0, 256.0), "orca"),
        Printer("bambu-p1", (256.0, 256.0), "orca"),
        Printer("bambu-a1", (256.0, 256.0), "orca"),
        Printer("bambu-a1-mini", (180.0, 180.0), "orca"),
        Printer("ender-3", (220.0, 220.0), "any"),
        Printer("creality-k1", (220.0, 220.0), "any"),
        Printer("voron-350", (350.0, 350.0), "any"),
    )
}

# The beds the 3MF files are placed on when the profile names no printer: PrusaSlicer's
# file on an MK4, the Orca / Bambu Studio file on an X1.
DEFAULT_PRUSA_BED_MM = PRINTERS["prusa-mk4"].bed_mm
DEFAULT_ORCA_BED_MM = PRINTERS["bambu-x1"].bed_mm
