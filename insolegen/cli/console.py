"""What the commands print, and how: a line to stdout or stderr (a reader that went
away is no error), JSON, the rich console for tables; the exit codes."""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_UNWRITABLE"]

EXIT_OK = 0


EXIT_FAILED = 1  # not printable, or a build that failed its own checks or was cut short writing


EXIT_BAD_INPUT = 2  # refused: bad input, or results in the way


EXIT_UNWRITABLE = 3  # the output folder cannot be written


EXIT_INTERRUPTED = 130


def _say(message: str) -> None:
    _write(sys.stdout, message)


def _err(message: str) -> None:
    _write(sys.stderr, message)


def _write(stream, message: str) -> None:  # type: ignore[no-untyped-def]
    """Print a line; a reader that went away (``insolegen ... | head -1``) is not an
    error of the command: the rest of the output is dropped, the exit code stays."""
    try:
        print(message, file=stream, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # Python's own flush at exit must not fail either
        os.close(devnull)


def _stderr_console() -> Any:  # a rich Console (rich is imported only when a batch shows its bar)
    from rich.console import Console

    return Console(stderr=True)


def _json(value: object) -> str:
    """Strict JSON (a measure that could not be taken is null, not NaN)."""
    def clean(v: object) -> object:
        if isinstance(v, float) or (type(v).__module__ == "numpy" and hasattr(v, "is_integer")):
            return float(v) if math.isfinite(float(v)) else None  # type: ignore[arg-type]
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value), indent=2, allow_nan=False)
