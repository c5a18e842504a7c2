"""The profile's ``name``: it becomes a folder and file names, so it must be one on
every system a clinic uses (Linux, macOS, Windows) and carry nothing that can reach
into TOML or a path."""

from __future__ import annotations

import re

NAME_MAX_CHARS = 80
_NAME_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{NAME_MAX_CHARS - 1}}}")
# Windows refuses these as a file or folder name, with any extension (CON.txt too).
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)
NAME_RULE = (f"allowed are 1-{NAME_MAX_CHARS} letters, digits, '-', '_' and '.', starting with a letter or digit, "
             "not ending in '.', without '..' and not a reserved device name (CON, NUL, COM1, ...)")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a build's files, or None when it can."""
    if not _NAME_RE.fullmatch(name) or ".." in name or name.endswith("."):
        return "cannot be used in file names"
    if name.split(".")[0].upper() in RESERVED_NAMES:
        return "is a reserved device name on Windows"
    return None


def name_from_file_stem(stem: str) -> str:
    """A usable name made from a file name (``insolegen new`` without ``--name``)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")[:NAME_MAX_CHARS].rstrip("-.")
    name = re.sub(r"\.\.+", ".", name)
    if not name or name_problem(name):
        return "insole" if not name else f"insole-{name}"[:NAME_MAX_CHARS].rstrip("-.")
    return name
