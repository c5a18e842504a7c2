"""Writing a set of output files all at once or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def existing(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.exists()]


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary name beside it, then rename them into place.

    If anything fails before the renames, the temporaries are removed and no target is
    touched, so a failed build never leaves partial results.
    """
    temps: list[tuple[Path, Path]] = []
    umask = os.umask(0)
    os.umask(umask)  # read it: mkstemp makes private files, results should follow the umask
    try:
        for target, data in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            temps.append((Path(name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(name, 0o666 & ~umask)
        for temp, target in temps:
            os.replace(temp, target)
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
