"""The ``insolegen`` command's parser and entry point: each command's options, then
its module's ``cmd_*`` (insolegen.cli.build, check, new, coupons, calibrate, sheet, serve)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from insolegen.cli.arguments import _bed, _jobs, _min_thickness
from insolegen.cli.build import cmd_build
from insolegen.cli.calibrate import cmd_calibrate
from insolegen.cli.check import cmd_check
from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_INTERRUPTED, _err
from insolegen.cli.coupons import _densities, cmd_coupons
from insolegen.cli.interrupts import _sigint_handled
from insolegen.cli.new import cmd_new
from insolegen.cli.serve import _port, cmd_serve
from insolegen.cli.sheet import cmd_sheet
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.core.version import __version__
from insolegen.exports.outputs import outputs_help

__all__ = ["main", "make_parser", "run"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 as well; keep its usage line
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    # Over 60 lines: the commands' options, one line each.
    parser = _Parser(prog="insolegen", description="Custom 3D-printable insoles from a TOML profile.")
    parser.add_argument("--version", action="version", version=f"insolegen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    new = sub.add_parser("new", help="write a commented starter profile")
    new.add_argument("profile", help="path of the profile to write, e.g. profiles/me.toml")
    new.add_argument("--size", required=True, help='shoe size, e.g. "EU 42", "US W 10.5", "MP 265"')
    new.add_argument("--name", help='the patient\'s name, any script, e.g. "Ana Lima" (default: the file name); '
                                    "the output files are named by a plain form of it")
    new.add_argument("--patient-id", help="the clinic's id for the patient (optional); it becomes part of the "
                                          "file names")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.set_defaults(run=cmd_new)

    build = sub.add_parser("build", help="build STL files and build.json from profiles",
                           description="Build each profile's insoles, check them and write them.",
                           epilog=outputs_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("profiles", nargs="+", help="profile TOML files")
    build.add_argument("--out", default="outputs", help="output folder (default: outputs); results go in OUT/<name>/")
    build.add_argument("--force", action="store_true", help="replace existing results")
    build.add_argument("--jobs", "-j", type=_jobs, default=1,
                       help="profiles built at once, in separate processes (default 1; at most the number of cores)")
    build.add_argument("--no-preview", action="store_true", help="skip preview.png and report.html (faster)")
    build.add_argument("--estimate", action="store_true",
                       help="PrusaSlicer's print time and filament for each part, in build.json and the report "
                            "(needs prusa-slicer; slices each side: tens of seconds)")
    build.add_argument("--vary", action="append", metavar="KEY=V1,V2",
                       help="variants for a fitting: build one part per value (several --vary make a grid, at most "
                            "12), each labelled with its number (R v2 ...), into one folder with one report "
                            "comparing them; e.g. --vary modifications.medial_heel_skive_mm=0,2,4")
    build.set_defaults(run=cmd_build)

    check = sub.add_parser("check", help="check whether STL or 3MF files are printable")
    check.add_argument("meshes", nargs="+", help="STL or 3MF files")
    check.add_argument("--printer", help="also check the bed fit for a printer preset, e.g. prusa-mk4")
    check.add_argument("--bed", type=_bed, help="also check the bed fit for a custom bed, WIDTHxDEPTH in mm")
    check.add_argument("--min-thickness", type=_min_thickness, default=None,
                       help=f"thinnest printable section in mm (default {PRINTABLE_MIN_MM:g}, or the thinnest wall a "
                            "lattice part's file says it was made to)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(run=cmd_check)

    coupons = sub.add_parser(
        "coupons", help="calibration coupons: test blocks to press, one per density",
        description="Write one 40 x 40 x 10 mm test block per density, the density cut into its tab, to print "
                    "in your material and press (README, \"Calibration coupons\"). Results go in "
                    "OUT/coupons-infill/ or OUT/coupons-lattice/.")
    kinds = coupons.add_mutually_exclusive_group()
    kinds.add_argument("--infill", action="store_true",
                       help="solid blocks whose 3MF asks the slicer for each infill percent (the default)")
    kinds.add_argument("--lattice", action="store_true",
                       help="blocks filled with the graded lattice ([lattice]) at each solid fraction")
    coupons.add_argument("--densities", type=_densities, metavar="P1,P2,...",
                         help="percentages, e.g. 10,20,30 (default 10,20,30,40,50,60 for infill; for a lattice, six "
                              "steps of 10 from the least its cell and wall print)")
    coupons.add_argument("--type", choices=("gyroid", "diamond"), help="the lattice's sheet (default gyroid)")
    coupons.add_argument("--cell-mm", type=float, help="the lattice's cell size in mm (default 10)")
    coupons.add_argument("--wall-min-mm", type=float, help="the lattice's thinnest wall in mm (default 0.8)")
    coupons.add_argument("--drain-hole-mm", type=float,
                         help="escape holes into the voids, for SLS, MJF or resin (default 0: sealed, for FDM)")
    coupons.add_argument("--out", default="outputs", help="output folder (default: outputs)")
    coupons.add_argument("--force", action="store_true", help="replace existing coupons")
    coupons.set_defaults(run=cmd_coupons)

    calibrate = sub.add_parser(
        "calibrate", help="fit your filament's modulus from pressed coupons: a material file for profiles",
        description="Read what you measured on pressed coupons (a CSV: coupon, height_mm, loaded_height_mm, and "
                    "load_kg or load_n) and fit the modulus of your filament and printer with the firmness model; "
                    "write it as a material file a profile names ([print] material = \"my-tpu.toml\"). README, "
                    "\"Firmness in numbers\".")
    calibrate.add_argument("coupons", help="the folder insolegen coupons wrote (or its coupons.json)")
    calibrate.add_argument("measurements", help="the CSV of what you measured, one row per coupon pressed")
    calibrate.add_argument("--name", required=True, help="the material's name, e.g. \"My TPU 95A on the MK4\"")
    calibrate.add_argument("--out", default="material.toml", help="the material file to write (default: material.toml)")
    calibrate.add_argument("--force", action="store_true", help="replace an existing material file")
    calibrate.set_defaults(run=cmd_calibrate)

    sheet = sub.add_parser("sheet", help="the marker sheet to print and photograph a foot on (a PDF)",
                           description="Write the marker sheet: print it at actual size, stand on it, photograph the "
                                       "foot from above and name the photo in a profile as foot.image.")
    sheet.add_argument("--paper", choices=("a4", "letter", "a3"), default="a4", help="the paper you print on (default a4)")
    sheet.add_argument("--out", help="the PDF to write (default: insolegen-sheet-PAPER.pdf)")
    sheet.add_argument("--force", action="store_true", help="replace an existing file")
    sheet.set_defaults(run=cmd_sheet)

    serve = sub.add_parser("serve", help="the designer: a local web page with a live 3D view",
                           description="Serve the designer (a web page: the profile as a form, a live 3D view, "
                                       "downloads) and its API on this machine.")
    serve.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; another warns)")
    serve.add_argument("--open", action="store_true", help="open the page in the default browser")
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    with _sigint_handled():
        try:
            return int(args.run(args))
        except KeyboardInterrupt:
            _err("interrupted")
            return EXIT_INTERRUPTED


def run() -> None:
    """The ``insolegen`` command: :func:`main`, then out without tearing the interpreter
    down. Everything a command writes is on disk (fsynced) when main returns; what is
    left is freeing thousands of objects one by one, 0.05 s of a 0.8 s build."""
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error (message printed)
        if not isinstance(exc.code, int) and exc.code is not None:
            raise
        code = exc.code or 0
    except KeyboardInterrupt:  # before main's own handling (reading the arguments)
        _err("interrupted")
        code = EXIT_INTERRUPTED
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (``insolegen ... | head``): nothing more to say
        pass
    os._exit(code)
