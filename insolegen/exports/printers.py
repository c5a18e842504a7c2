"""Printer presets: bed sizes (mm) and which slicer file family each printer uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import numpy as np
from numpy.typing import NDArray

from .placement import place_on_bed

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


def largest_foot_mm(outline_xy: NDArray[np.float64], bed_mm: tuple[float, float]) -> float:
    """The longest insole of this shape the bed takes (any rotation), in mm."""
    length = float(np.ptp(outline_xy[:, 0]))
    lo, hi = 0.2, 3.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if place_on_bed(outline_xy * mid, bed_mm).fits:
            lo = mid
        else:
            hi = mid
    return length * lo


def describe_bed(printer: Optional[str], bed_mm: tuple[float, float]) -> str:
    size = f"{bed_mm[0]:g} x {bed_mm[1]:g} mm"
    return f"the {printer} bed ({size})" if printer else f"a {size} bed"

