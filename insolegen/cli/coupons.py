"""`insolegen coupons`: test blocks to press, one per infill density or lattice fraction."""

from __future__ import annotations

import argparse
from pathlib import Path

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, EXIT_UNWRITABLE, _err, _say
from insolegen.cli.interrupts import OnInterrupt, _interrupts
from insolegen.core.paths import brief, shown

__all__ = ["cmd_coupons"]


def _densities(text: str) -> list[float]:
    values = []
    for item in text.split(","):
        try:
            value = float(item.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{brief(item.strip()) if item.strip() else 'an empty value'} is not a number: give "
                                             "percentages separated by commas, e.g. 10,20,30") from None
        values.append(value)
    return values


def cmd_coupons(args: argparse.Namespace) -> int:
    """Write calibration coupons: one block per density, the density on its tab."""
    # Over 60 lines: the command's options checked one by one, each said in its own words, then the
    # coupons made.
    from insolegen.build.coupons import (
        COUPON_MM,
        DEFAULT_DENSITIES,
        CouponDrainError,
        CouponError,
        CouponKind,
        density_problems,
        infill_coupon,
        lattice_coupon,
        lattice_densities,
    )
    from insolegen.exports.coupon_files import coupon_files
    from insolegen.exports.files import OutputError, claim_folder, describe_write_error, folder_unwritable, publish
    from insolegen.geometry.lattice.fill import greatest_fraction, least_fraction
    from insolegen.profile import ProfileError
    from insolegen.profile.loader import lattice_settings

    kind = CouponKind.LATTICE if args.lattice else CouponKind.INFILL
    settings = None
    if kind is CouponKind.LATTICE:
        table = {"type": args.type, "cell_mm": args.cell_mm, "wall_min_mm": args.wall_min_mm,
                 "drain_hole_mm": args.drain_hole_mm}
        options = {"lattice.type": "--type", "lattice.cell_mm": "--cell-mm", "lattice.wall_min_mm": "--wall-min-mm",
                   "lattice.drain_hole_mm": "--drain-hole-mm"}
        try:  # checked as a profile's [lattice] is; "2.0" said as given, "2"
            settings = lattice_settings({k: int(v) if isinstance(v, float) and v.is_integer() else v
                                         for k, v in table.items() if v is not None}, COUPON_MM[2])
        except ProfileError as exc:
            said = str(exc.problems[0])
            for key, option in options.items():
                said = said.replace(f"{key} = ", f"{option} ").replace(key, option)
            _err(f"coupons: {said}")
            return EXIT_BAD_INPUT
    elif any(v is not None for v in (args.type, args.cell_mm, args.wall_min_mm, args.drain_hole_mm)):
        _err("coupons: --type, --cell-mm, --wall-min-mm and --drain-hole-mm shape a lattice: give them with --lattice")
        return EXIT_BAD_INPUT
    least = 100 * least_fraction(settings) if settings is not None else 0.0
    greatest = 100 * greatest_fraction(settings) if settings is not None else 100.0
    densities: list[float] = args.densities if args.densities is not None else (
        lattice_densities(least, greatest) if settings is not None else [float(d) for d in DEFAULT_DENSITIES])
    problems = density_problems(densities)
    if settings is not None:
        problems += [f"--densities {d:g} is under the least solid fraction a {settings.cell_mm:g} mm {settings.kind} "
                     f"cell with {settings.wall_min_mm:g} mm walls prints ({least:.1f} %): allowed is {least:.1f} "
                     f"to {greatest:.1f} % (a larger --cell-mm goes lower)" for d in densities if d < least]
        problems += [f"--densities {d:g} is over the most a {settings.cell_mm:g} mm {settings.kind} cell keeps open "
                     f"({greatest:.1f} %: its voids' necks close above it): allowed is {least:.1f} to {greatest:.1f} %"
                     for d in densities if d > greatest]
    if problems:
        _err(f"coupons: {problems[0]}")
        return EXIT_BAD_INPUT
    folder = Path(args.out) / f"coupons-{kind.value}"
    try:
        with claim_folder(folder, force=args.force) as claim:
            made = [lattice_coupon(d, settings) if settings is not None else infill_coupon(d) for d in densities]
            files = coupon_files(made, settings)
            with _interrupts(OnInterrupt.DEFER):
                publish(claim, files)
    except OutputError as exc:
        _err(f"coupons: {exc}")
        return EXIT_BAD_INPUT
    except CouponDrainError as exc:
        _err(f"coupons: {exc}")
        return EXIT_BAD_INPUT
    except CouponError as exc:
        _err(f"coupons: build failed: {exc}")
        return EXIT_FAILED
    except OSError as exc:
        _err(f"coupons: cannot write the results to {shown(folder)}: {describe_write_error(exc)}; nothing was written")
        return EXIT_UNWRITABLE if folder_unwritable(exc) else EXIT_FAILED
    for coupon in made:
        measured = f", measured {coupon.measured_pct:.1f} % solid" if coupon.measured_pct is not None else ""
        what = "infill" if kind is CouponKind.INFILL else "solid (lattice)"
        drained = f", {coupon.drain_holes} drain holes" if coupon.drain_holes else ""
        _say(f"{folder / (coupon.stem + '.stl')}: {coupon.built_pct:g} % {what}{measured}, "
             f"{len(coupon.mesh.faces)} triangles{drained}")
    _say(str(folder / "coupons.json"))
    return EXIT_OK
