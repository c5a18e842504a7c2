"""How much of a sweep the fast loop runs: a property sweep runs all its examples in the
whole suite (the README's test command, CI) and a quarter in the fast loop (`-m "not
slow"`); a parametrised sweep runs every case in the whole suite and a spread few in the
fast loop (``cases``). So the loop a developer runs while working stays quick and the full
sweep still runs before anything lands. conftest.py sets the share when pytest starts,
before the tests are imported."""

from __future__ import annotations

SHARE = {"value": 1.0}


def examples(full: int) -> int:
    """The examples to run of a sweep written for ``full``."""
    return max(3, round(full * SHARE["value"]))


def cases(values: list, keep: int) -> list:
    """A parametrised sweep's cases: ``keep`` of them, spread evenly from the first to the
    last, run in the fast loop as well; the others are marked slow, so the whole suite (the
    README's test command, CI) still runs every one. Each value is one case's argument, or
    a tuple of them for a test with several arguments; a ``pytest.param`` keeps its id and
    marks."""
    import pytest

    parameter_set = type(pytest.param(None))  # what pytest.param makes (its class is not public)
    n = len(values)
    chosen = set(range(n)) if keep >= n else {round(i * (n - 1) / max(keep - 1, 1)) for i in range(keep)}
    out = []
    for i, value in enumerate(values):
        if isinstance(value, parameter_set):
            args, marks, name = value.values, list(value.marks), value.id
        else:
            args, marks, name = (value if isinstance(value, tuple) else (value,)), [], None
        out.append(pytest.param(*args, marks=marks + ([] if i in chosen else [pytest.mark.slow]), id=name))
    return out
