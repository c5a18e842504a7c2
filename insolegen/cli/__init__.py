"""Command line: ``insolegen new | build | check | coupons | serve``, one module per
command over the public API (:mod:`insolegen`), with Ctrl-C handling
(:mod:`insolegen.cli.interrupts`) and the ``--jobs`` process pool
(:mod:`insolegen.cli.pool`).

Exit codes (README, "Exit codes"): 0 success; 1 a mesh that is not printable (check)
or a build that failed its own checks or was cut short while writing (disk full); 2
refused: bad input (profile, arguments) or results in the way (use --force); 3 the
output folder cannot be written (no permission, read-only, not a folder); 130
interrupted.
"""

from __future__ import annotations

import sys


def _quiet_interrupt(kind, value, traceback) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C while the command is still starting up (importing this module, before
    main() handles it) ends it with one word, not a traceback."""
    if issubclass(kind, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
    else:
        sys.__excepthook__(kind, value, traceback)


if sys.excepthook is sys.__excepthook__:  # another program's own hook is left alone
    sys.excepthook = _quiet_interrupt


from insolegen.cli.main import main, run  # noqa: E402 (after the hook: importing takes tens of milliseconds)

__all__ = ["main", "run"]
