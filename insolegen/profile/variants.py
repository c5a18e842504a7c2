"""Variants for a fitting: `insolegen build p.toml --vary KEY=V1,V2 [--vary ...]` builds
one profile per combination of the values (a grid), numbered 1..N in the order of the
grid (the last --vary changing fastest), each validated like any profile. The profile
stage: values in, profiles out; nothing is read or built here."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insolegen.profile.loader import profile_from_dict
from insolegen.profile.problems import ProfileError
from insolegen.profile.spec import Profile

__all__ = ["MAX_VALUES", "MAX_VARIANTS", "Vary", "VaryError", "parse_vary", "variant_profiles"]

MAX_VARIANTS = 12  # a fitting tries two or three; more is a batch, not a fitting
MAX_VALUES = 12
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Vary:
    """One --vary: a profile key path (``modifications.medial_heel_skive_mm``) and the
    values to try, as TOML values."""

    key: str
    values: tuple[Any, ...]


class VaryError(ValueError):
    """A --vary that cannot be read; the message names it and says what is allowed."""


def parse_vary(text: str) -> Vary:
    """``KEY=V1,V2,...``: each value read as TOML (2, 2.5, true, "horseshoe"; a bare
    word is taken as a string)."""
    key, sep, values = text.partition("=")
    key = key.strip()
    shown = text if len(text) <= 60 else text[:57] + "..."
    if not sep or not _KEY.match(key):
        raise VaryError(f"--vary {shown!r}: allowed is KEY=V1,V2,... with KEY a profile key such as "
                        "modifications.medial_heel_skive_mm")
    parts = [v.strip() for v in values.split(",")]
    if not parts or any(not v for v in parts):
        raise VaryError(f"--vary {shown!r}: give at least one value, separated by commas (no empty ones)")
    if len(parts) > MAX_VALUES:
        raise VaryError(f"--vary {key}: {len(parts)} values; allowed is at most {MAX_VALUES}")
    return Vary(key, tuple(_value(v) for v in parts))


def _value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: a string ("horseshoe")


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``a.b.c`` in nested tables, making the tables on the way; a key path through
    a value that is not a table is refused."""
    *tables, last = key.split(".")
    here = data
    for i, name in enumerate(tables):
        here = here.setdefault(name, {})
        if not isinstance(here, dict):
            raise VaryError(f"--vary {key}: {'.'.join(tables[:i + 1])} is a value in the profile, not a table")
    here[last] = value


def variant_profiles(data: dict[str, Any], varies: list[Vary], *, default_name: str = "insole",
                     source: Path | None = None) -> list[Profile]:
    """One validated profile per combination, numbered from 1: each builds as
    ``<file stem>-v<n>`` and carries its number and values; varying one side's keys
    only, each builds that side alone. Every problem of every variant is raised at once,
    each line saying which variant it belongs to."""
    keys = [v.key for v in varies]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise VaryError(f"--vary {repeated[0]} is given twice: give each key once, with all its values")
    grid = list(itertools.product(*(v.values for v in varies)))
    if len(grid) > MAX_VARIANTS:
        raise VaryError(f"--vary makes {len(grid)} variants ({' x '.join(str(len(v.values)) for v in varies)}); "
                        f"allowed is at most {MAX_VARIANTS} (build a batch of profiles for more)")
    only = _one_side(data, keys)
    profiles: list[Profile] = []
    problems: list[str] = []
    for number, values in enumerate(grid, start=1):
        doc = copy.deepcopy(data)
        if only is not None:
            doc["side"] = only
        for key, value in zip(keys, values):
            _set(doc, key, value)
        said = ", ".join(f"{k} = {_shown(v)}" for k, v in zip(keys, values))
        try:
            profile = profile_from_dict(doc, default_name=default_name, source=source)
        except ProfileError as exc:
            problems.extend(p.prefixed(f"variant {number} ({said}): ") for p in exc.problems)
            continue
        profiles.append(dataclasses.replace(profile, file_stem=f"{profile.file_stem}-v{number}", variant=number,
                                            variant_values=tuple(zip(keys, values))))
    if problems:
        raise ProfileError(list(dict.fromkeys(problems)), source)
    return profiles


def _one_side(data: dict[str, Any], keys: list[str]) -> str | None:
    """The side every --vary key lies under (``right.modifications...``), when the
    profile builds both: then each variant builds that side alone (the other would be
    the same part in every variant). None otherwise, and when a lift is on the other side
    (its checks need that side built)."""
    sides = {key.split(".")[0] for key in keys}
    if len(sides) != 1 or not sides <= {"left", "right"} or data.get("side", "both") != "both":
        return None
    (side,) = sides
    lift = data.get("lift")
    if isinstance(lift, dict) and lift.get("side") not in (None, side):
        return None
    return side


def _shown(value: Any) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return f"{value:g}" if isinstance(value, float) else str(value)
