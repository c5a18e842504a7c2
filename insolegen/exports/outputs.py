"""The files a build writes into ``OUT/<folder>/``: their names and what each is for.

One home for the list: the build names its files from it (:mod:`.bundle`) and
``insolegen build --help`` shows it. A light module (no numpy), so that ``--help``
answers at once.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "BUILD_FILES", "LATTICE_FILES", "PREVIEW_FILES", "SIDE_FILES", "SIDE_STEM", "VARIANT_PREVIEW", "output_names",
    "outputs_help",
]

SIDE_STEM = "{stem}-{side}"  # e.g. ana-lima-left

# (key, file name, what it is for). ``{stem}`` is the profile's file-safe name, ``{side}``
# left or right; keys are what the rest of the build looks files up by.
SIDE_FILES = (
    ("{side}", SIDE_STEM + ".stl", "any slicer: the plain solid, binary STL in mm"),
    ("{side}.3mf", SIDE_STEM + ".3mf",
     "PrusaSlicer: the part with its firmness zones as infill modifiers, placed on the bed"),
    ("{side}.orca.3mf", SIDE_STEM + ".orca.3mf",
     "OrcaSlicer, Bambu Studio and Cura: the zones as modifier parts (Cura: infill meshes)"),
)
LATTICE_FILES = (  # with [lattice] enabled
    ("{side}.lattice", SIDE_STEM + "-lattice.stl", "the lattice part ([lattice]): binary STL, to print as it is"),
    ("{side}.lattice.3mf", SIDE_STEM + "-lattice.3mf",
     "PrusaSlicer: the lattice part placed on the bed, solid infill (the lattice is the firmness)"),
    ("{side}.lattice.orca.3mf", SIDE_STEM + "-lattice.orca.3mf",
     "OrcaSlicer and Bambu Studio: the lattice part placed on the bed, solid infill"),
)
BUILD_FILES = (
    ("build.json", "build.json", "what was built: the patient record, measured heights, sizes, zones, warnings"),
)
PREVIEW_FILES = (
    ("preview.png", "preview.png", "the picture to check the design by"),
    ("report.html", "report.html", "the report for the patient's record; prints on A4 or Letter"),
)


def output_names(stem: str, sides: Iterable[str], preview: bool, lattice: bool = False) -> dict[str, str]:
    """Key -> file name for a build of ``sides`` under the file-safe name ``stem``."""
    names = {}
    for side in sides:
        for key, name, _ in SIDE_FILES + (LATTICE_FILES if lattice else ()):
            names[key.format(side=side)] = name.format(stem=stem, side=side)
    for key, name, _ in BUILD_FILES + (PREVIEW_FILES if preview else ()):
        names[key] = name
    return names


# With --vary, each variant's parts carry its number (<name>-v2-left.stl, ...), its
# preview is <name>-v2-preview.png, and build.json and report.html cover them all.
VARIANT_PREVIEW = "{stem}-preview.png"


def outputs_help() -> str:
    """The list of files for ``insolegen build --help``."""
    lines = ["files written into OUT/<name>/ (<name>: the profile's file-safe name), per side built:"]
    lines += [f"  {name.format(stem='<name>', side='<side>'):24} {what}" for _, name, what in SIDE_FILES]
    lines.append("and once per build:")
    lines += [f"  {name:24} {what}" for _, name, what in BUILD_FILES]
    lines += [f"  {name:24} {what} (not with --no-preview)" for _, name, what in PREVIEW_FILES]
    lines.append("with --vary: each variant's files as <name>-v<n>-<side>.stl etc., <name>-v<n>-preview.png,")
    lines.append("  one build.json (\"variants\": each variant's record) and one report.html comparing them")
    return "\n".join(lines)
