"""Writing a build's folder: all of it or none of it, one writer at a time.

Every file of a build is written into a hidden staging folder beside the target
(``OUT/.<name>.staging-*``), then swapped in as one step: the staging folder is renamed
to ``OUT/<name>`` when there is none yet, or exchanged with the old one atomically
(Linux ``renameat2(RENAME_EXCHANGE)``) and the old one removed. A build folder therefore
only ever holds one complete build, never a mix, and a replaced build leaves no stale
files behind. A lock (``flock`` on ``OUT/.<name>.lock``, released by the kernel when a
process dies) lets one build at a time claim a name; leftovers of a crashed build are
cleared by the next one to claim it. This is the only module that writes build results.

Over 400 lines: the lock, the staging, the swap and the clearing of what killed builds
left share their names and their order; the one home for writing a user's files.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from insolegen.core.paths import describe_os_error, shown

__all__ = [
    "HELD_SIGNALS",
    "LISTED_CLASHES",
    "LOCK_SUFFIX",
    "OLD_TAG",
    "STAGING_TAG",
    "UNWRITABLE_ERRNOS",
    "Claim",
    "NotARegularFileError",
    "OutputBusyError",
    "OutputError",
    "OutputExistsError",
    "UnwritableFolderError",
    "claim_folder",
    "clear_stale_claims",
    "describe_write_error",
    "folder_unwritable",
    "publish",
    "write_new_file",
]

STAGING_TAG = ".staging-"
OLD_TAG = ".old-"
LOCK_SUFFIX = ".lock"
LISTED_CLASHES = 4  # existing files named in a refusal; the rest are counted


# Errors that say the output folder cannot be written at all (exit 3), as opposed to a
# write that failed part way (disk full, I/O error: exit 1).
UNWRITABLE_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR})
_WRITE_ERRNO_TEXT = {
    errno.EACCES: "permission denied: this user may not write there",
    errno.EPERM: "permission denied: this user may not write there",
    errno.EROFS: "a read-only file system",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
}


class UnwritableFolderError(OSError):
    """The output folder cannot be made, or nothing can be written into it."""


def folder_unwritable(exc: OSError) -> bool:
    """True when ``exc`` says the output folder cannot be written at all (exit 3)."""
    return isinstance(exc, UnwritableFolderError) or exc.errno in UNWRITABLE_ERRNOS


def describe_write_error(exc: OSError) -> str:
    """What a failed write means for a user, in a few words (the reading-side texts of
    :func:`describe_os_error` say "cannot be read")."""
    if isinstance(exc, UnwritableFolderError):
        return str(exc.strerror)  # said already, with the folder
    return _WRITE_ERRNO_TEXT.get(exc.errno or 0) or describe_os_error(exc)


class OutputError(Exception):
    """Results that cannot be written where asked (bad input: exit 2)."""


class OutputBusyError(OutputError):
    """Another build is writing the same folder right now."""


class OutputExistsError(OutputError):
    """Earlier results are in the way and ``--force`` was not given."""


@dataclass(frozen=True)
class Claim:
    """The right to write ``folder``, held until the ``claim_folder`` block ends."""

    folder: Path


def _hidden(folder: Path, tag: str) -> str:
    return f".{folder.name}{tag}"


@contextmanager
def claim_folder(folder: Path, *, force: bool) -> Iterator[Claim]:
    """Claim ``folder`` for one build: refuse when another process holds it
    (:class:`OutputBusyError`) or when it holds earlier results and ``force`` is off
    (:class:`OutputExistsError`); clear what crashed builds left behind."""
    parent = folder.parent
    made = [p for p in (parent, *parent.parents) if not os.path.lexists(p)]  # deepest first
    try:
        _make_folder(parent)
    except OSError as exc:
        raise UnwritableFolderError(exc.errno, f"cannot make the folder {shown(parent)}: "
                                    f"{describe_write_error(exc)}") from None
    try:
        # Ctrl-C is held from before the lock file is made until the code that removes
        # it is guarding it: one landing in between left the file behind.
        held = _hold_interrupts()
        try:
            fd = _lock(parent / (_hidden(folder, LOCK_SUFFIX)), folder)
        except BaseException:
            _release_interrupts(held)
            raise
        try:
            try:
                _recover(folder)  # what killed builds left goes even when a Ctrl-C is waiting
            finally:
                _release_interrupts(held)  # a Ctrl-C held till now is raised here, inside the guard
            clash = _clashes(folder)
            if clash and not force:
                raise OutputExistsError(
                    f"results already exist ({clash}): not overwriting them (use --force to replace them)")
            yield Claim(folder)
        finally:
            held = _hold_interrupts()  # nor between unlinking the lock and closing it
            try:
                _unlock(parent / _hidden(folder, LOCK_SUFFIX), fd)
            finally:
                _release_interrupts(held)
    finally:
        _remove_if_empty(made)


HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class _Held:
    handlers: dict  # signal -> the handler to restore
    arrived: list[int]


def _hold_interrupts() -> _Held | None:
    """Hold SIGINT and SIGTERM back for a few system calls: a handler that only notes
    them stands in for the real ones, which ``_release_interrupts`` puts back and runs.
    Not a signal mask: a signal sent to the process lands on any thread that does not
    mask it (numpy's and the pool's threads), and Python then runs the handler in the
    main thread all the same. None off the main thread, where handlers cannot be set
    (and a signal is never handled)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    held = _Held({}, [])
    for signum in HELD_SIGNALS:
        held.handlers[signum] = signal.signal(signum, lambda got, frame: held.arrived.append(got))
    return held


def _release_interrupts(held: _Held | None) -> None:
    if held is None:
        return
    for signum, handler in held.handlers.items():
        signal.signal(signum, handler)
    for signum in dict.fromkeys(held.arrived):  # each once, in the order they came
        handler = held.handlers[signum]
        if callable(handler):
            handler(signum, None)  # e.g. raises KeyboardInterrupt
        elif handler == signal.SIG_DFL:
            signal.raise_signal(signum)
        # SIG_IGN, or a handler not set from Python (None): nothing to run


def _make_folder(folder: Path) -> None:
    """``mkdir -p``; a file where a folder should be is said as such (mkdir reports it
    as "exists", which reads as if the folder were there)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, "a file, not a folder", str(folder)) from None


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders a refused or failed build made for its lock, if still empty."""
    for made in folders:
        try:
            made.rmdir()
        except OSError:
            return


def _lock(path: Path, folder: Path) -> int:
    """An exclusive lock on ``path``; the inode check makes the unlink in _unlock safe
    (a process that opened the file just before it was removed retries on the new one)."""
    for _ in range(10):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:  # the first file made there: nothing can be written
            raise UnwritableFolderError(exc.errno, f"cannot write into {shown(path.parent)}: "
                                        f"{describe_write_error(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputBusyError(
                f"another insolegen build is writing {shown(folder)} right now: wait for it to finish, "
                "or build into another folder (--out)") from None
        try:
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
    raise OutputBusyError(f"{shown(folder)}: could not take the build lock: other builds keep replacing it")


def _unlock(path: Path, fd: int) -> None:
    try:
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def clear_stale_claims(out_dir: Path) -> list[str]:
    """Clear what dead builds left in ``out_dir``: each ``.<name>.lock`` no live process
    holds, with that name's staging and old folders. A batch calls it after it had to
    kill a worker that would not stop (the kill leaves the worker's claim behind).
    A lock still held is another build's, and is left alone. The names cleared."""
    cleared: list[str] = []
    try:
        locks = [p for p in out_dir.iterdir() if p.name.startswith(".") and p.name.endswith(LOCK_SUFFIX)]
    except OSError:
        return cleared
    for path in locks:
        folder = out_dir / path.name[1:-len(LOCK_SUFFIX)]
        held = _hold_interrupts()
        try:
            try:
                fd = _lock(path, folder)
            except (OutputBusyError, UnwritableFolderError):
                continue
            try:
                _recover(folder)
            finally:
                _unlock(path, fd)
            cleared.append(folder.name)
        finally:
            _release_interrupts(held)
    return cleared


def _leftovers(folder: Path, tag: str) -> list[Path]:
    prefix = _hidden(folder, tag)
    try:
        return [p for p in folder.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return []


def _recover(folder: Path) -> None:
    """Undo what a crashed build left: a build killed between the two renames of the
    fallback swap has its previous folder under an ``.old-`` name; put it back. Then
    remove staging and old folders (the lock says no one else is using them)."""
    old = _leftovers(folder, OLD_TAG)
    if old and not os.path.lexists(folder):
        newest = max(old, key=lambda p: p.stat().st_mtime)
        os.rename(newest, folder)
    for stale in _leftovers(folder, STAGING_TAG) + _leftovers(folder, OLD_TAG):
        shutil.rmtree(stale, ignore_errors=True)


def _clashes(folder: Path) -> str:
    """What of earlier results is in ``folder`` (empty when nothing is)."""
    if not os.path.lexists(folder):
        return ""
    if not folder.is_dir():
        raise OutputError(f"{shown(folder)} exists and is not a folder: move it away, or build into another folder (--out)")
    names = sorted(p.name for p in folder.iterdir())
    listed = ", ".join(shown(folder / n) for n in names[:LISTED_CLASHES])
    more = f" and {len(names) - LISTED_CLASHES} more" if len(names) > LISTED_CLASHES else ""
    return listed + more


def publish(claim: Claim, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (name -> content) as the whole content of the claimed folder, in
    one step. On any failure before the swap, nothing in the folder has changed."""
    folder = claim.folder
    staging = folder.parent / f"{_hidden(folder, STAGING_TAG)}{os.getpid()}-{os.urandom(4).hex()}"
    os.mkdir(staging, 0o777)  # the umask applies, as for any file the user makes
    try:
        for name, data in files.items():
            _write_new(staging / name, data)
        _fsync_dir(staging)
        _swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())  # content on disk before the rename makes it visible


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(staging: Path, folder: Path) -> None:
    """Make ``staging`` the folder. Afterwards ``staging`` holds the old build (or is
    gone) and the caller removes it."""
    if not os.path.lexists(folder):
        os.rename(staging, folder)
    elif not _exchange(staging, folder):
        # No atomic exchange here (not Linux, or a file system without it): two renames,
        # and a crash between them is undone by _recover on the next build.
        old = folder.parent / f"{_hidden(folder, OLD_TAG)}{os.getpid()}-{os.urandom(4).hex()}"
        os.rename(folder, old)
        os.rename(staging, folder)
        os.rename(old, staging)
    _fsync_dir(folder.parent)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2; False when the system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _renameat2() -> Callable[..., int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # libc, already loaded
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


class NotARegularFileError(FileExistsError):
    """The name is taken by something that is not a regular file (a folder, a FIFO, a
    device, a socket, a symbolic link): never replaced, --force or not."""


def _not_regular(path: Path) -> str | None:
    """What ``path`` is when it exists and is not a regular file ("a folder", "a FIFO"
    ...), else None."""
    import stat

    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISREG(mode):
        return None
    return ("a folder" if stat.S_ISDIR(mode) else "a symbolic link" if stat.S_ISLNK(mode) else
            "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")


def write_new_file(path: Path, data: bytes, *, force: bool) -> None:
    """Write one file (a starter profile) whole: into a temporary name beside it, then
    renamed over it. Without ``force`` an existing file is kept (FileExistsError), even
    one made by another process a moment ago (the final step is a hard link, which
    fails if the name exists)."""
    kind = _not_regular(path)
    if kind:  # a user's data is only ever replaced by --force, and nothing but a regular file ever is
        raise NotARegularFileError(errno.EEXIST, kind, str(path))
    if not force and os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, "exists", str(path))
    _make_folder(path.parent)
    temp = path.parent / f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        _write_new(temp, data)
        if force:
            os.replace(temp, path)
        else:
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
