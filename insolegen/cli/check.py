"""`insolegen check`: is this STL or 3MF printable (and does it fit the bed)? The
checking is insolegen.check_file's; this says it."""

from __future__ import annotations

import argparse

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, _err, _json, _say
from insolegen.cli.interrupts import _load
from insolegen.core.paths import brief

__all__ = ["cmd_check"]


def cmd_check(args: argparse.Namespace) -> int:
    _load("insolegen.checks.meshcheck", "insolegen.formats.meshes", "insolegen.geometry.placement",
          "insolegen.formats.threemf.read")
    import insolegen

    bed, printer = _bed_of(args)
    if bed is None and args.printer is not None:
        return EXIT_BAD_INPUT
    status = EXIT_OK
    for name in args.meshes:
        checked = insolegen.check_file(name, min_thickness_mm=args.min_thickness, bed_mm=bed, printer=printer)
        if args.json and checked.reached_a_verdict:
            _say(_json(checked.as_dict()))
        else:
            for line in checked.lines:
                _say(line)
        if not checked.ok:
            status = EXIT_FAILED
    return status


def _bed_of(args: argparse.Namespace) -> tuple[tuple[float, float] | None, str | None]:
    from insolegen.profile.printers import PRINTERS

    if args.bed is not None:
        return args.bed, None
    if args.printer is not None:
        preset = PRINTERS.get(args.printer.lower())
        if preset is None:
            _err(f"--printer {brief(args.printer)} is not a preset: use one of {', '.join(PRINTERS)}")
            return None, None
        return preset.bed_mm, preset.name
    return None, None
