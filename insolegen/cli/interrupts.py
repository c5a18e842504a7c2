"""Ctrl-C. A build process (the command, or a --jobs worker) takes SIGINT in one of three
ways: RAISE stops what it is doing (KeyboardInterrupt; the folder claim and the staging
folder are cleared on the way out), DEFER lets a build's swap-in finish (it takes
milliseconds, and afterwards the summary can say for certain the build was written),
IGNORE is an idle worker's (the command stops the pool). The mode is kept with the pid
that set it: a worker forked a moment ago has not set its own yet and must not act on
the command's."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["STATE", "OnInterrupt", "SignalState"]


class OnInterrupt(Enum):
    RAISE = "raise"
    DEFER = "defer"
    IGNORE = "ignore"


@dataclass
class SignalState:
    """This process's Ctrl-C state: one per process, as signals are."""

    mode: tuple[int, OnInterrupt] = (0, OnInterrupt.RAISE)
    interrupted: bool = False  # a SIGINT arrived in this process (the batch loop stops)
    stop_workers: Any = None  # in a worker: the command's "stop" event (set on Ctrl-C)


STATE = SignalState()


def _on_sigint(signum: int, frame: object) -> None:
    pid, mode = STATE.mode
    if pid != os.getpid():
        return
    STATE.interrupted = True
    if mode is OnInterrupt.RAISE:
        _set_interrupt_mode(OnInterrupt.IGNORE)  # once: a second Ctrl-C must not cut the clean-up short
        raise KeyboardInterrupt


def _set_interrupt_mode(mode: OnInterrupt) -> tuple[int, OnInterrupt]:
    previous, STATE.mode = STATE.mode, (os.getpid(), mode)
    return previous


@contextmanager
def _interrupts(mode: OnInterrupt) -> Iterator[None]:
    _, previous = _set_interrupt_mode(mode)
    try:
        yield
    finally:
        if STATE.mode[1] is mode:  # not spent by a Ctrl-C meanwhile
            _set_interrupt_mode(previous)


@contextmanager
def _sigint_handled() -> Iterator[None]:
    """Our SIGINT handler for the length of a command (main thread only: elsewhere,
    e.g. a test calling main from a thread, Python's own stays)."""
    STATE.interrupted = False
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    _set_interrupt_mode(OnInterrupt.RAISE)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # ended meanwhile
        os.kill(pid, signum)


def _load(*modules: str) -> None:
    """Import what a command needs with Ctrl-C held back until it is done: a
    KeyboardInterrupt inside a C extension's import comes out as an ImportError
    ("numpy._core.multiarray failed to import") with a traceback."""
    import importlib

    with _interrupts(OnInterrupt.DEFER):
        for name in modules:
            importlib.import_module(name)
    if STATE.interrupted:
        raise KeyboardInterrupt
