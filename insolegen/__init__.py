"""insolegen: custom 3D-printable insoles and leg-length lifts from a TOML profile.

The public API (what the command line and the designer use)::

    import insolegen

    profile = insolegen.load_profile("profiles/plain-eu42.toml")   # or profile_from_dict({...})
    result = insolegen.build_profile(profile)                      # checked parts and their record
    folder = insolegen.write_build(result, "outputs")              # STL, 3MF, build.json, preview, report
    verdict = insolegen.check_file(folder / "plain-eu42-left.stl") # is a print file printable?

A refusal is a :class:`ProfileError` whose ``problems`` are :class:`Problem` (key, value
as given, the line said). Everything is imported on first use, so ``import insolegen``
costs nothing until it is used. The stages below it: core -> profile -> formats ->
inputs -> geometry -> checks -> build -> exports (README, "Code map").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from insolegen.core.version import __version__

if TYPE_CHECKING:  # what the names below are, for type checkers and editors
    from pathlib import Path

    from insolegen.build.parts import BedFitError, BuildError, BuildResult
    from insolegen.build.record import BuildRecord, SideRecord
    from insolegen.checks.files import FileCheck, check_file
    from insolegen.exports.files import OutputError, OutputExistsError
    from insolegen.exports.writing import write_build, write_files
    from insolegen.profile.problems import Problem, ProfileError
    from insolegen.profile.reading import parse_toml
    from insolegen.profile.spec import Profile

__all__ = [
    "BedFitError", "BuildError", "BuildRecord", "BuildResult", "FileCheck", "OutputError", "OutputExistsError",
    "Problem", "Profile", "ProfileError", "SideRecord", "__version__", "build_profile", "check_file", "load_profile",
    "parse_toml", "profile_from_dict", "read_feet", "render_files", "write_build", "write_files",
]

# name -> the module that holds it (imported when the name is first used)
_LAZY = {
    "BedFitError": "insolegen.build.parts",
    "BuildError": "insolegen.build.parts",
    "BuildResult": "insolegen.build.parts",
    "BuildRecord": "insolegen.build.record",
    "SideRecord": "insolegen.build.record",
    "FileCheck": "insolegen.checks.files",
    "check_file": "insolegen.checks.files",
    "OutputError": "insolegen.exports.files",
    "OutputExistsError": "insolegen.exports.files",
    "write_build": "insolegen.exports.writing",
    "write_files": "insolegen.exports.writing",
    "parse_toml": "insolegen.profile.reading",
    "Problem": "insolegen.profile.problems",
    "ProfileError": "insolegen.profile.problems",
    "Profile": "insolegen.profile.spec",
}


def load_profile(path: Path | str) -> Profile:
    """The profile at ``path``, validated (a :class:`ProfileError` naming every problem
    otherwise). Files it names (tracings, scans, pressure maps) are read by :func:`build_profile`."""
    from insolegen.profile.loader import load_profile as load

    return load(path)


def profile_from_dict(data: dict[str, Any], *, name: str = "insole", base_dir: Path | str | None = None) -> Profile:
    """A profile from its parsed TOML as a dict (JSON's null is "not given"), validated;
    ``name`` when it has none; files it names are found under ``base_dir``."""
    from pathlib import Path

    from insolegen.profile.loader import profile_from_dict as from_dict
    from insolegen.profile.reading import without_none

    source = Path(base_dir) / "profile.toml" if base_dir is not None else None
    return from_dict(without_none(data), default_name=name, source=source)


def build_profile(profile: Profile) -> BuildResult:
    """Build and check every side of ``profile``: the parts, their checks, their record
    and their placements on the bed. :class:`ProfileError` for input the build cannot
    use, :class:`BedFitError` for a part no bed angle takes, :class:`BuildError` for a
    part that fails its own checks."""
    # (not "build": insolegen.build is the package of the build stage)
    from insolegen.build import pipeline

    return pipeline.build_profile(profile)


def read_feet(profile: Profile) -> Profile:
    """``profile`` with the files it names read (tracings, scans, pressure maps) and its
    sides measured from them; :func:`build_profile` does this itself when it has not been done."""
    from insolegen.inputs.feet import resolve_feet

    return resolve_feet(profile)


def render_files(result: BuildResult, *, preview: bool = True) -> dict[str, bytes]:
    """Every file of a build, in memory (file name -> content), as :func:`write_build`
    writes them."""
    from insolegen.exports.bundle import render_build

    return render_build(result, preview=preview)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'insolegen' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
