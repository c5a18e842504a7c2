"""The files of ``insolegen coupons`` (name -> bytes): each coupon's STL, its
PrusaSlicer 3MF (and, for infill coupons, the OrcaSlicer / Bambu / Cura one), and
coupons.json (what was asked, built and measured, and how to press them)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from insolegen.build.coupons import COUPON_MM, Coupon, CouponKind
from insolegen.core.printing import TPU
from insolegen.core.version import __version__
from insolegen.exports.stl import stl_bytes
from insolegen.exports.threemf import orca_3mf, prusa_3mf
from insolegen.firmness.calibration import STANDARD_GRAVITY
from insolegen.firmness.column import LINE_WIDTH_MM, Skins, block_kpa_per_mm
from insolegen.firmness.materials import DEFAULT_MATERIAL, MATERIALS, Material
from insolegen.firmness.table import relative_modulus
from insolegen.formats.stl import STL_WALL_MARK
from insolegen.geometry.lattice.fill import thinnest_allowed_mm
from insolegen.geometry.placement import place_on_bed
from insolegen.geometry.zones import Zone
from insolegen.profile.printers import DEFAULT_ORCA_BED_MM, DEFAULT_PRUSA_BED_MM
from insolegen.profile.spec import LatticeSpec

__all__ = ["MEASURING", "PATTERN", "coupon_files", "predicted"]

PATTERN = "gyroid"  # an infill coupon's infill: the profiles' default pattern
MEASURING = ("Press each coupon's top (the block, not the tab) with a known weight or a kitchen scale "
             "under a flat board, and note how far it sinks: README, \"Calibration coupons\".")


def predicted(coupon: Coupon, lattice: LatticeSpec | None, material: Material = MATERIALS[DEFAULT_MATERIAL]) -> dict[str, object]:
    """The firmness model's stiffness of the coupon pressed over its block (insolegen/firmness):
    the gyroid infill at its percent inside the printed skins and walls, or the lattice's
    sheet at its built fraction inside its own skins and rim. ``kpa_per_mm_per_mpa`` is
    the stiffness per MPa of the material's modulus, which `insolegen calibrate` fits."""
    if lattice is None:
        kind, skins, band = "infill", Skins(TPU.top_layers * TPU.layer_height_mm,
                                           TPU.bottom_layers * TPU.layer_height_mm), TPU.walls * LINE_WIDTH_MM
    else:
        kind, skins, band = lattice.kind, Skins(lattice.skin_top_mm, lattice.skin_bottom_mm), lattice.perimeter_mm
    relative = relative_modulus(kind, coupon.built_pct / 100)
    x, y, z = COUPON_MM
    per_mpa = block_kpa_per_mm(x, y, z, relative.along, 1.0, skins, band)
    return {"material": material.name, "material_modulus_mpa": material.modulus_mpa,
            "cell": "PrusaSlicer gyroid infill" if kind == "infill" else f"{kind} sheet",
            "relative_modulus": round(relative.along, 5),
            "kpa_per_mm": round(per_mpa * material.modulus_mpa, 1), "kpa_per_mm_per_mpa": round(per_mpa, 4),
            "sink_mm_under_5_kg": round(5 * STANDARD_GRAVITY / (x * y) * 1000 / (per_mpa * material.modulus_mpa), 3),
            "extrapolated": relative.extrapolated, "model": "small strain (linear elastic)"}


def coupon_files(coupons: Sequence[Coupon], lattice: LatticeSpec | None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    listed = []
    for coupon in coupons:
        stem = coupon.stem
        wall = thinnest_allowed_mm(lattice) if lattice is not None else None  # a lattice's, for check
        mark = STL_WALL_MARK.format(wall) if wall is not None else "insolegen"
        files[f"{stem}.stl"] = stl_bytes(coupon.mesh, header=f"{mark} {stem} mm")
        prusa_place = place_on_bed(coupon.mesh.vertices, DEFAULT_PRUSA_BED_MM)
        entry: dict[str, object] = {**coupon.as_dict(), "file": f"{stem}.stl", "prusaslicer_3mf": f"{stem}.3mf",
                                    "predicted": predicted(coupon, lattice)}
        if coupon.kind is CouponKind.INFILL:
            files[f"{stem}.3mf"] = prusa_3mf(stem, coupon.mesh, (), PATTERN, prusa_place, fill_pct=coupon.built_pct)
            # Orca and Cura read a zone's infill from a modifier: one the size of the coupon
            whole = Zone(stem, coupon.built_pct, "custom", coupon.mesh, float(coupon.report.volume_mm3))
            files[f"{stem}.orca.3mf"] = orca_3mf(stem, coupon.mesh, (whole,), PATTERN,
                                                 place_on_bed(coupon.mesh.vertices, DEFAULT_ORCA_BED_MM))
            entry["orca_3mf"] = f"{stem}.orca.3mf"
        else:
            # the lattice is the firmness: printed solid, no infill of its own
            files[f"{stem}.3mf"] = prusa_3mf(stem, coupon.mesh, (), PATTERN, prusa_place, fill_pct=100.0,
                                             thinnest_wall_mm=wall)
            files[f"{stem}.orca.3mf"] = orca_3mf(stem, coupon.mesh, (), PATTERN,
                                                 place_on_bed(coupon.mesh.vertices, DEFAULT_ORCA_BED_MM), fill_pct=100.0,
                                                 thinnest_wall_mm=wall)
            entry["orca_3mf"] = f"{stem}.orca.3mf"
        listed.append(entry)
    kind = coupons[0].kind if coupons else CouponKind.INFILL
    document = {
        "insolegen_version": __version__,
        "kind": kind.value,
        "block_mm": list(COUPON_MM),
        "infill_pattern": PATTERN if kind is CouponKind.INFILL else None,
        "lattice": lattice.as_dict() if lattice is not None else None,
        "measuring": MEASURING,
        "coupons": listed,
    }
    files["coupons.json"] = (json.dumps(document, indent=2, allow_nan=False) + "\n").encode()
    return files
