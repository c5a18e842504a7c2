"""`insolegen calibrate`: fit your filament's modulus from pressed coupons and write it as
a material file the profiles can name ([print] material = "my-tpu.toml")."""

from __future__ import annotations

import argparse
import csv
import datetime
import math
from pathlib import Path
from typing import Any

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNWRITABLE, _err, _say
from insolegen.core.paths import brief, shown

__all__ = ["cmd_calibrate"]

LOAD_COLUMNS = {"load_kg": 9.80665, "load_n": 1.0}  # the weight on the board, in kg or N
NEEDED = ("coupon", "height_mm", "loaded_height_mm")


class _Refused(Exception):
    """One line for the user: what is wrong and how to fix it."""


def _coupons(path: Path) -> dict[str, Any]:
    """coupons.json as `insolegen coupons` wrote it (given itself or its folder)."""
    import json

    file = path / "coupons.json" if path.is_dir() else path
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Refused(f"{shown(file)}: cannot read it ({exc.strerror or exc}): give the folder "
                       "`insolegen coupons` wrote, or its coupons.json") from None
    except (ValueError, UnicodeDecodeError):
        raise _Refused(f"{shown(file)} is not the JSON `insolegen coupons` writes") from None
    listed = document.get("coupons") if isinstance(document, dict) else None
    if not isinstance(listed, list) or not all(isinstance(c, dict) and "predicted" in c for c in listed):
        raise _Refused(f"{shown(file)} lists no coupons with the model's prediction: make them again with "
                       "this version's `insolegen coupons`")
    return {"file": file, "block_mm": document.get("block_mm"), "coupons": listed}


def _number(row: dict[str, str], key: str, line: int) -> float:
    text = (row.get(key) or "").strip()
    try:
        value = float(text)
    except ValueError:
        raise _Refused(f"line {line}: {key} = {brief(text) if text else 'nothing'} is not a number (mm, kg or N)") from None
    if not math.isfinite(value) or value <= 0:
        raise _Refused(f"line {line}: {key} = {text}: more than 0")
    return value


def _measurements(path: Path, coupons: dict[str, Any]) -> list[Any]:
    """The CSV's rows, each matched to its coupon (by file stem, label or percent)."""
    # Over 60 lines: the CSV's header, each row's coupon, numbers and their sense, checked in turn,
    # each with its own line for the user.
    from insolegen.firmness.calibration import Measurement

    x_mm, y_mm = coupons["block_mm"][:2]
    by_name: dict[str, dict[str, Any]] = {}
    for c in coupons["coupons"]:
        stem = str(c.get("file", "")).removesuffix(".stl")
        for key in (stem, str(c.get("label", "")), f"{c.get('asked_pct', ''):g}" if isinstance(c.get("asked_pct"), float)
                    else str(c.get("asked_pct"))):
            by_name[key.strip().lower()] = c
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _Refused(f"{shown(path)}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise _Refused(f"{shown(path)} is not a text (CSV) file") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [k for k in NEEDED if k not in header]
    loads = [k for k in LOAD_COLUMNS if k in header]
    if missing or len(loads) != 1:
        raise _Refused(f"{shown(path)}: the header must name {', '.join(NEEDED)} and one of load_kg, load_n "
                       f"(found: {', '.join(header) or 'nothing'})")
    out = []
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        name = (row.get("coupon") or "").strip()
        coupon = by_name.get(name.lower()) or by_name.get(name.lower().removesuffix("%").strip())
        if coupon is None:
            raise _Refused(f"line {line}: coupon = {brief(name)} is not one of {shown(coupons['file'])}'s: "
                           f"use a file name, label or percent it lists (e.g. {coupons['coupons'][0]['label']})")
        height = _number(row, "height_mm", line)
        loaded = _number(row, "loaded_height_mm", line)
        load = _number(row, loads[0], line) * LOAD_COLUMNS[loads[0]]
        if loaded >= height:
            raise _Refused(f"line {line}: loaded_height_mm = {loaded:g} is not under height_mm = {height:g}: "
                           "the loaded height is the coupon's height with the weight on it")
        if abs(height - coupons["block_mm"][2]) > 1.0:
            raise _Refused(f"line {line}: height_mm = {height:g} is not a coupon's ({coupons['block_mm'][2]:g} mm "
                           "printed): measure the block, not the tab")
        out.append(Measurement(coupon=str(coupon["label"]), height_mm=height, loaded_height_mm=loaded, load_n=load,
                               pressed_mm2=x_mm * y_mm,
                               kpa_per_mm_per_mpa=float(coupon["predicted"]["kpa_per_mm_per_mpa"])))
    if not out:
        raise _Refused(f"{shown(path)} has no measurements under its header")
    return out


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the modulus, say each coupon's part in it, write the material file."""
    import tomli_w

    from insolegen.exports.files import NotARegularFileError, describe_write_error, write_new_file
    from insolegen.firmness.calibration import MODEL_ALLOWANCE, fit_modulus

    try:
        coupons = _coupons(Path(args.coupons))
        measured = _measurements(Path(args.measurements), coupons)
    except _Refused as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    fit = fit_modulus(measured)
    for m in measured:
        left_out = next((others for n, others in fit.named if n is m), None)
        note = "" if left_out is None else (
            f"  <- left out: {100 * (m.implied_mpa / left_out - 1):+.0f} % from the others' {left_out:.1f} MPa, "
            f"more than the model allows ({100 * MODEL_ALLOWANCE:.0f} % and the calipers): press it again")
        strain = "" if m.strain <= 0.15 else f"  (strain {100 * m.strain:.0f} %: the model is for small strains; press lighter)"
        _say(f"{m.coupon:>6}: sank {m.sink_mm:.2f} mm under {m.load_n:.0f} N: {m.kpa_per_mm:.0f} kPa/mm, "
             f"so {m.implied_mpa:.1f} MPa{note}{strain}")
    _say(f"fitted: {fit.modulus_mpa:.1f} MPa +- {fit.uncertainty_pct:.0f} % (95 %) from {len(fit.used)} of "
         f"{len(measured)} coupons")
    path = Path(args.out)
    today = datetime.date.today().isoformat()
    document = {"name": args.name, "modulus_mpa": round(fit.modulus_mpa, 2), "poisson": 0.45,
                "uncertainty_pct": round(fit.uncertainty_pct, 1),
                "source": f"insolegen calibrate on {today}: {len(fit.used)} coupons of {shown(coupons['file'])} pressed "
                          f"({', '.join(m.coupon for m in fit.used)})"}
    text = "# A material fitted by insolegen calibrate: name it in a profile as [print] material = \"" + \
           f"{path.name}\"\n" + tomli_w.dumps(document)
    try:
        write_new_file(path, text.encode("utf-8"), force=args.force)
    except NotARegularFileError as exc:
        _err(f"{shown(path)} is {exc.strerror}: only a regular file is ever replaced; give the material a file name")
        return EXIT_BAD_INPUT
    except FileExistsError:
        _err(f"{shown(path)} already exists: not overwriting it (use --force to replace it)")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"{shown(path)}: cannot write the material: {describe_write_error(exc)}")
        return EXIT_UNWRITABLE
    _say(f"wrote {path}: in a profile, [print] material = \"{path.name}\" (a path relative to the profile)")
    return EXIT_OK
