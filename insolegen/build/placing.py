"""Each part placed on the printer's bed (PrusaSlicer's and Orca's), and the shorter
insole length that fits when one does not."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import get_args

import numpy as np

from insolegen.build.parts import BedFitError, SidePart
from insolegen.build.side import side_outline
from insolegen.geometry.placement import Placement, describe_bed, hull_xy, largest_foot_mm, place_on_bed
from insolegen.profile.printers import DEFAULT_ORCA_BED_MM, DEFAULT_PRUSA_BED_MM
from insolegen.profile.schema import LengthKind
from insolegen.profile.spec import Profile, SideSpec

__all__ = ["LENGTHS_LONGEST_FIRST", "place_parts", "shorter_length_that_fits"]

# Insole lengths, longest first (the schema lists them so).
LENGTHS_LONGEST_FIRST: tuple[LengthKind, ...] = get_args(LengthKind)


def shorter_length_that_fits(spec: SideSpec, bed_mm: tuple[float, float]) -> str:
    """What to say about the shorter insole lengths on a bed this part does not fit:
    the longest ``shape.length`` that fits (its outline placed like the part), or that
    none does. Each shorter outline is built and placed, not estimated."""
    shorter = LENGTHS_LONGEST_FIRST[LENGTHS_LONGEST_FIRST.index(spec.length) + 1:]
    outline = None
    for length in shorter:
        outline = side_outline(dataclasses.replace(spec, length=length)).boundary
        if place_on_bed(outline, bed_mm).fits:
            return f'a shorter insole fits: shape.length = "{length}" (a {np.ptp(outline[:, 0]):.0f} mm insole)'
    if outline is None:
        return "no shorter insole length exists"
    return f'not even shape.length = "{shorter[-1]}" (a {np.ptp(outline[:, 0]):.0f} mm insole) fits'


def place_parts(profile: Profile, parts: Sequence[SidePart]) -> tuple[dict[str, tuple[Placement, Placement]], list[str]]:
    """Each part on its bed: the profile's printer for both files, else the default
    beds (MK4 for the PrusaSlicer file, X1 for the Orca one). Raises BedFitError when a
    part fits the chosen printer at no angle; with the default beds that only warns.
    Either way the message says which shorter insole length would fit."""
    placements: dict[str, tuple[Placement, Placement]] = {}
    warnings: list[str] = []
    for part in parts:
        xy = part.mesh.vertices[:, :2]
        hull = hull_xy(xy)  # once for either bed
        if profile.print is not None:
            place = place_on_bed(hull, profile.print.bed_mm)
            if not place.fits:
                bed = describe_bed(profile.print.printer, profile.print.bed_mm)
                raise BedFitError(
                    f"the {part.spec.side} insole ({np.ptp(xy[:, 0]):.0f} mm long) does not fit {bed} at any "
                    f"angle: the largest foot it takes is {largest_foot_mm(xy, profile.print.bed_mm):.0f} mm "
                    f"long; {shorter_length_that_fits(part.spec, profile.print.bed_mm)}; or choose a bigger "
                    "printer (print.printer) or bed (print.bed_mm)"
                )
            placements[part.spec.side] = (place, place)
        else:
            pair = (place_on_bed(hull, DEFAULT_PRUSA_BED_MM), place_on_bed(hull, DEFAULT_ORCA_BED_MM))
            for place, what in zip(pair, ("PrusaSlicer", "Orca / Bambu")):
                if not place.fits:
                    warnings.append(
                        f"{part.spec.side}: does not fit the default {what} bed "
                        f"({place.bed_mm[0]:g} x {place.bed_mm[1]:g} mm): set [print] printer or bed_mm; "
                        f"{shorter_length_that_fits(part.spec, place.bed_mm)}"
                    )
            placements[part.spec.side] = pair
    return placements, warnings
