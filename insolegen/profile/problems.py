"""A refusal as data: which key, the value exactly as given, and the one line said.

A :class:`Problem` is the line the command line prints (it is a ``str``, so every place
that joins, prints or searches problems keeps working), carrying the key and the value
alongside, so that the API returns them as given (``40``, not ``"40 is out of range"``;
``"42"``, not ``"'42'"``) and nothing has to read them back out of the text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["WHOLE_PROFILE", "Problem", "ProfileError", "ProfileFileError", "jsonable", "keyed", "problem"]

WHOLE_PROFILE = "profile"  # the key of a problem that is no one key's (unreadable, not TOML)


class Problem(str):
    """One refusal: ``str(problem)`` is its line; ``key`` and ``value`` what it is about."""

    key: str
    value: Any

    def __new__(cls, message: str, key: str = WHOLE_PROFILE, value: Any = None) -> Problem:
        made = super().__new__(cls, message)
        made.key = key
        made.value = value
        return made

    def prefixed(self, label: str) -> Problem:
        """The same problem, its line said for one side or variant ("left: ...")."""
        return Problem(label + str(self), self.key, self.value)

    def as_dict(self) -> dict[str, Any]:
        """For JSON: the value as given (dates as ISO text, the only TOML value JSON lacks)."""
        return {"key": self.key, "value": jsonable(self.value), "message": str(self)}

    def __reduce__(self) -> tuple[Any, ...]:  # pickled across --jobs workers with its data
        return (Problem, (str(self), self.key, self.value))


def problem(key: str, value: Any, message: str) -> Problem:
    """A problem with ``key`` and ``value``; ``message`` is the whole line."""
    return Problem(message, key, value)


def keyed(item: str, key: str = WHOLE_PROFILE) -> Problem:
    """A problem given as a plain line, kept with its key if it has one."""
    return item if isinstance(item, Problem) else Problem(item, key)


def jsonable(value: Any) -> Any:
    """``value`` with TOML's dates and times as ISO text, at any depth."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    return value


class ProfileError(Exception):
    """An invalid profile; ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: Iterable[str], source: Path | None = None) -> None:
        # each a Problem (key, value as given, line); a plain line is the whole profile's
        self.problems: list[Problem] = [keyed(p) for p in problems]
        self.source = source
        super().__init__("\n".join(self.problems))


class ProfileFileError(ProfileError):
    """A profile file that cannot be read at all (missing, a folder, not text)."""
