"""Opening a user's input file safely: one clear message for every way a path can be
unusable (missing, a folder, a device or FIFO, a symlink loop, a NUL byte, a name too
long, unreadable, too large), and never a hang on a FIFO or a device.

A leaf module: every stage that reads a user's file (profile, outlines, scans, meshes
for ``check``) uses it, so it imports nothing from the package.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = [
    "BRIEF_CHARS", "MB", "SHOWN_PATH_CHARS", "UnusablePathError", "brief", "describe_os_error", "path_problem",
    "read_input_bytes", "shown", "without_path",
]

SHOWN_PATH_CHARS = 120  # longer paths are cut in messages (a path can be megabytes long)
MB = 1024 * 1024
BRIEF_CHARS = 60  # a user's value echoed in a message is cut to this many characters


class UnusablePathError(Exception):
    """A path that names no readable regular file; the message names the path and why."""


def shown(path: object, limit: int = SHOWN_PATH_CHARS) -> str:
    """A path (or any user text) as it appears in a message: printable, at most
    ``limit`` characters, with the length said when it was cut."""
    text = str(path)
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text[: limit * 2])
    if len(str(path)) > limit:
        return f"{text[:limit]}... ({len(str(path))} characters)"
    return text


def brief(value: object) -> str:
    """``repr`` of a user's value, cut short: a message never echoes megabytes."""
    text = repr(value)
    if len(text) <= BRIEF_CHARS:
        return text
    # the value's own length (a string's without the quotes repr adds)
    size = (f", {len(value)} items" if isinstance(value, (list, tuple, dict)) else
            f", {len(value)} characters" if isinstance(value, str) else f", {len(text)} characters")
    return f"{text[:BRIEF_CHARS]}... ({type(value).__name__}{size})"


def without_path(message: object, path: object) -> str:
    """A reader's message without the path it starts with: for a line that names the
    file already (by its path or by the profile key that gave it)."""
    text = str(message)
    for prefix in (f"{shown(path)}: ", f"{path}: "):
        text = text.removeprefix(prefix)
    return text


_ERRNO_TEXT = {
    errno.ENOENT: "no such file",
    errno.ELOOP: "a loop of symbolic links (or too many links in a row)",
    errno.ENAMETOOLONG: "the name is too long for this system (at most 255 bytes a component)",
    errno.EACCES: "permission denied: the file cannot be read",
    errno.EPERM: "permission denied: the file cannot be read",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "a folder, not a file",
    errno.ENXIO: "a device or socket, not a file",
}


def describe_os_error(exc: OSError) -> str:
    """What an OSError means for a user, in a few words."""
    return _ERRNO_TEXT.get(exc.errno or 0, exc.strerror or exc.__class__.__name__)


def _kind(mode: int) -> str | None:
    """None for a regular file, else what the path is instead."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a regular file"


def path_problem(path: Path | str) -> str | None:
    """Why ``path`` names no regular file (missing, a folder, a FIFO, ...), said as
    :func:`read_input_bytes` would say it, or None; nothing is opened or read."""
    text = str(path)
    if "\x00" in text:
        return "the path contains a NUL byte"
    if not text:
        return "the path is empty"
    try:
        return _kind(os.stat(text).st_mode)
    except OSError as exc:
        return describe_os_error(exc)


def read_input_bytes(path: Path | str, *, max_bytes: int, what: str = "file") -> bytes:
    """The whole content of a user's regular file, or :class:`UnusablePathError`.

    Opened non-blocking and checked after opening (``fstat``), so a FIFO or device
    never hangs the reader and a file swapped between the check and the read is still
    caught. Files above ``max_bytes`` are refused before they are read.
    """
    text = str(path)
    if "\x00" in text:
        raise UnusablePathError(f"{shown(path)}: the {what} path contains a NUL byte")
    if not text:
        raise UnusablePathError(f"the {what} path is empty")
    try:
        fd = os.open(text, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnusablePathError(f"{shown(path)}: {describe_os_error(exc)}") from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind is not None:
            raise UnusablePathError(f"{shown(path)}: {kind}")
        if info.st_size > max_bytes:
            raise UnusablePathError(
                f"{shown(path)}: the {what} is {_megabytes(info.st_size)}: at most {_megabytes(max_bytes)} is read"
            )
        data = bytearray()  # grown in place: no second copy of a large file
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            data += chunk
            if len(data) > max_bytes:  # grew while being read
                raise UnusablePathError(f"{shown(path)}: the {what} is larger than {max_bytes / MB:.0f} MB")
        return bytes(data)
    except OSError as exc:
        raise UnusablePathError(f"{shown(path)}: cannot be read: {describe_os_error(exc)}") from None
    finally:
        os.close(fd)


def _megabytes(size: int) -> str:
    """A size in MB as it compares: 1.36 MB, not "1 MB" against a 1 MB cap."""
    return f"{size / MB:.2f}".rstrip("0").rstrip(".") + " MB"
