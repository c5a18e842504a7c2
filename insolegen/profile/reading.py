"""A profile file read: bytes (bounded, no FIFO or device) -> UTF-8 text -> TOML -> a
dict, each step refused in one line (ProfileFileError, ProfileError); the folder a
profile builds into, read without validating the rest."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from insolegen.core.paths import UnusablePathError, read_input_bytes, without_path
from insolegen.profile.names import StemError, display_name_problem, file_stem
from insolegen.profile.problems import ProfileError, ProfileFileError

__all__ = ["MAX_NESTING", "PROFILE_MAX_BYTES", "load_profile_data", "parse_toml", "profile_stem", "without_none"]

# Deeper than this, a profile is no prescription (and Python's parsers would recurse
# until they fail): refused with one line.
MAX_NESTING = 8


PROFILE_MAX_BYTES = 1024 * 1024


def load_profile_data(path: Path) -> dict[str, Any]:
    """The profile file's TOML, parsed (not yet validated): :class:`ProfileFileError`
    when it cannot be read, :class:`ProfileError` when it is not TOML."""
    try:
        raw = read_input_bytes(path, max_bytes=PROFILE_MAX_BYTES, what="profile")
    except UnusablePathError as exc:
        raise ProfileFileError([f"cannot read the profile: {without_path(exc, path)}"], path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileFileError([_not_a_profile(path) or f"the profile is not UTF-8 text (byte {exc.start}): save it "
                                "as UTF-8"], path) from None
    try:
        return parse_toml(text, path)
    except ProfileError:
        said = _not_a_profile(path)
        if said:
            raise ProfileFileError([said], path) from None
        raise


# Files a user may hand `build` by mistake, by their extension: what they are for instead
_OTHER_FILES = {".stl": "a print file: insolegen check checks it", ".3mf": "a print file: insolegen check checks it",
                ".obj": "a scan: name it in a profile as foot.scan", ".ply": "a scan: name it in a profile as foot.scan",
                ".svg": "a tracing: name it in a profile as foot.outline",
                ".dxf": "a tracing: name it in a profile as foot.outline", ".json": "a build record (build.json)?"}


def _not_a_profile(path: Path) -> str | None:
    """For a file that reads as no profile and is not named .toml: what it may be instead."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return None
    what = _OTHER_FILES.get(suffix)
    return ("not a profile: a profile is a TOML file (.toml)" + (f"; this looks like {what}" if what else "")
            + " (insolegen new me.toml --size \"EU 42\" writes one to start from)")


def profile_stem(path: Path | str) -> str | None:
    """The file stem a profile builds under (its folder's name), read cheaply: no
    files it names are read. None when the profile cannot be read or its name or
    patient id is unusable (building it will say why)."""
    path = Path(path)
    try:
        data = parse_toml(read_input_bytes(path, max_bytes=PROFILE_MAX_BYTES, what="profile").decode("utf-8"))
    except (UnusablePathError, UnicodeDecodeError, ProfileError):
        return None
    name = data.get("name", path.stem)
    patient = data.get("patient")
    ident = patient.get("id") if isinstance(patient, dict) else None
    if not isinstance(name, str) or not isinstance(ident, str | None) or display_name_problem(name):
        return None
    try:
        return file_stem(name, ident)
    except StemError:
        return None


def parse_toml(text: str, path: Path | None = None) -> dict[str, Any]:
    """TOML text to a dict, or :class:`ProfileError` with one line. Nesting is bounded
    (Python's TOML parser recurses per level and fails with RecursionError)."""
    if text.startswith("\ufeff"):  # a byte-order mark (Windows editors): TOML forbids it, the user cannot see it
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError([f"not valid TOML: {exc}{_unquoted_hint(text, exc)}"], path) from None
    except RecursionError:
        raise ProfileError([f"not a profile: arrays or tables nested hundreds deep (at most {MAX_NESTING})"],
                           path) from None
    if _nesting(data) > MAX_NESTING:
        raise ProfileError([f"not a profile: arrays or tables nested more than {MAX_NESTING} deep"], path)
    return data


_BARE_VALUE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*([A-Za-z][^\"'\[{#\n]*?)\s*(?:#.*)?$")


def _unquoted_hint(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """For a line like ``size = EU 42``: the hint to quote the value."""
    # Python 3.13+ gives the line; 3.11 and 3.12 only say it in the message
    at = re.search(r"at line (\d+)", str(exc))
    line = getattr(exc, "lineno", None) or (int(at.group(1)) if at else None)
    lines = text.splitlines()
    if not line or line > len(lines):
        return ""
    bare = _BARE_VALUE.match(lines[line - 1])
    if not bare or bare.group(2) in ("true", "false", "inf", "nan"):
        return ""
    return f" (text is written in quotes: {bare.group(1)} = \"{bare.group(2)}\")"


def _nesting(value: Any, depth: int = 0) -> int:
    if depth > MAX_NESTING:
        return depth
    if isinstance(value, dict):
        return max((_nesting(v, depth + 1) for v in value.values()), default=depth + 1)
    if isinstance(value, list):
        return max((_nesting(v, depth + 1) for v in value), default=depth + 1)
    return depth


def without_none(data: Any) -> Any:
    """``data`` with every None (JSON's null) left out, at any depth: "not given"."""
    if isinstance(data, dict):
        return {k: without_none(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [without_none(v) for v in data if v is not None]
    return data
