"""`insolegen new`: a commented starter profile."""

from __future__ import annotations

import argparse
from pathlib import Path

from insolegen.cli.console import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNWRITABLE, _err, _say
from insolegen.cli.interrupts import _load
from insolegen.core.paths import brief, shown

__all__ = ["cmd_new"]


def cmd_new(args: argparse.Namespace) -> int:
    _load("insolegen.profile.starter", "insolegen.exports.files")
    from insolegen.exports.files import NotARegularFileError, describe_write_error, write_new_file
    from insolegen.profile import ProfileError, profile_from_dict
    from insolegen.profile.names import StemError, display_name_problem, name_from_file_stem
    from insolegen.profile.reading import parse_toml
    from insolegen.profile.sizes import SizeError
    from insolegen.profile.starter import starter_profile

    path = Path(args.profile)
    name = args.name if args.name is not None else name_from_file_stem(path.stem)
    given = f"--name {brief(name)}" + (f" --patient-id {brief(args.patient_id)}" if args.patient_id is not None else "")
    why = display_name_problem(name)
    if why:
        _err(f"--name {brief(name)} {why}")
        return EXIT_BAD_INPUT
    try:
        text = starter_profile(name, args.size, str(path), args.patient_id)
        # The profile written is one that builds: read back by the loader, the one judge.
        profile_from_dict(parse_toml(text), default_name=path.stem)
    except SizeError as exc:
        _err(f"--size {brief(args.size)}: {exc}")
        return EXIT_BAD_INPUT
    except StemError as exc:
        _err(f"{given}: {exc}")
        return EXIT_BAD_INPUT
    except ProfileError as exc:
        _err(f"{given}: " + "; ".join(exc.problems))
        return EXIT_BAD_INPUT
    try:
        write_new_file(path, text.encode("utf-8"), force=args.force)
    except NotARegularFileError as exc:
        _err(f"{shown(path)} is {exc.strerror}: only a regular file is ever replaced; give the profile a file name "
             f"of its own (e.g. {shown(path / 'me.toml') if exc.strerror == 'a folder' else 'me.toml'})")
        return EXIT_BAD_INPUT
    except FileExistsError:
        _err(f"{shown(path)} already exists: not overwriting it (use --force to replace it)")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"{shown(path)}: cannot write the profile: {describe_write_error(exc)}")
        return EXIT_UNWRITABLE
    _say(f"wrote {path}: edit it, then run: insolegen build {path}")
    return EXIT_OK
