"""`insolegen sheet`: the marker sheet to print and stand on for a photo of the foot."""

from __future__ import annotations

import argparse
from pathlib import Path

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNWRITABLE, _err, _say
from insolegen.core.paths import shown

__all__ = ["cmd_sheet"]


def cmd_sheet(args: argparse.Namespace) -> int:
    from insolegen.exports.files import NotARegularFileError, describe_write_error, write_new_file
    from insolegen.exports.marker_sheet import marker_sheet

    path = Path(args.out or f"insolegen-sheet-{args.paper}.pdf")
    if path.suffix.lower() != ".pdf":
        _err(f"--out {shown(path)}: the sheet is a PDF: give a file name ending in .pdf")
        return EXIT_BAD_INPUT
    try:
        write_new_file(path, marker_sheet(args.paper), force=args.force)
    except NotARegularFileError as exc:
        _err(f"{shown(path)} is {exc.strerror}: only a regular file is ever replaced; give the sheet a file name")
        return EXIT_BAD_INPUT
    except FileExistsError:
        _err(f"{shown(path)} already exists: not overwriting it (use --force to replace it)")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"{shown(path)}: cannot write the sheet: {describe_write_error(exc)}")
        return EXIT_UNWRITABLE
    _say(f"wrote {path}: print it at 100 % (actual size, not \"fit to page\"), check its scale bar measures 100 mm, "
         "stand on it with the heel on the line, and photograph it from straight above with all four markers in view")
    return EXIT_OK
