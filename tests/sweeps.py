"""How many examples a property sweep runs: all of them in the whole suite (the
README's test command, CI), a quarter in the fast loop (`-m "not slow"`), so the loop a
developer runs while working stays quick and the full sweep still runs before anything
lands. conftest.py sets the share when pytest starts, before the tests are imported."""

from __future__ import annotations

SHARE = {"value": 1.0}


def examples(full: int) -> int:
    """The examples to run of a sweep written for ``full``."""
    return max(3, round(full * SHARE["value"]))
