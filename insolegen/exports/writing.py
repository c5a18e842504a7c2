"""A finished build written to disk as one step: every file of it in ``OUT/<name>/``,
the folder claimed while it is written (a second writer is refused), earlier results
replaced only with ``force``, and nothing half-written left by a failure."""

from __future__ import annotations

from pathlib import Path

from insolegen.build.parts import BuildResult
from insolegen.exports.bundle import render_build
from insolegen.exports.files import claim_folder, publish

__all__ = ["write_build", "write_files"]


def write_build(result: BuildResult, out_dir: Path | str = "outputs", *, force: bool = False,
                preview: bool = True) -> Path:
    """Write ``result``'s files (STL and 3MF per side, build.json, and with ``preview``
    the picture and the report) into ``out_dir/<name>/``; return that folder.
    :class:`~insolegen.exports.files.OutputExistsError` when it holds earlier results
    and ``force`` is off; :class:`~insolegen.exports.files.OutputError` when it cannot
    be claimed."""
    folder = Path(out_dir) / result.profile.file_stem
    write_files(folder, render_build(result, preview=preview), force=force)
    return folder


def write_files(folder: Path | str, files: dict[str, bytes], *, force: bool = False) -> Path:
    """``files`` (name -> content) as the whole content of ``folder``, in one step."""
    folder = Path(folder)
    with claim_folder(folder, force=force) as claim:
        publish(claim, files)
    return folder
