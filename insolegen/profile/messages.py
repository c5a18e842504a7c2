"""Pydantic's validation errors as problems: the key as the profile writes it
("left.modifications.mth_relief_mm[2]"), the value exactly as given, and one line saying
what is allowed (a misspelt key: what it may have meant, or the table it belongs in)."""

from __future__ import annotations

import difflib
from typing import Any

from insolegen.core.paths import brief
from insolegen.profile.problems import Problem, problem
from insolegen.profile.schema import RANGES, ProfileDoc
from insolegen.profile.slips import with_slip

__all__: list[str] = []  # a package: its modules are imported by name


def _describe(err: dict[str, Any]) -> Problem:
    """One problem for one pydantic error: key, value as given, what is allowed."""
    key = ""
    for part in err["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return problem(key, err.get("input") if err["type"] != "missing" else None, _describe_line(err, key))


ALLOWED_LIST_CHARS = 240  # a problem stays one readable line (a side table takes some 40 keys)


def _listed(keys: list[str]) -> str:
    """The keys, as many as fit in ALLOWED_LIST_CHARS, and how many more."""
    shown: list[str] = []
    for k in keys:
        if len(", ".join([*shown, k])) > ALLOWED_LIST_CHARS:
            return f"{', '.join(shown)} and {len(keys) - len(shown)} more (the README's profile reference)"
        shown.append(k)
    return ", ".join(shown)


def _describe_line(err: dict[str, Any], key: str) -> str:
    loc = [str(p) for p in err["loc"]]
    field = loc[-1] if loc else ""
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        home = _home_table(field, loc[:-1])
        if home:  # a key of another table: where it goes, not the long list of this one's
            return f"{key}: unknown key here: {field} belongs in " + (home if home.startswith("the") else f"[{home}]")
        close = difflib.get_close_matches(field, allowed, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        if len(loc) == 2 and loc[0] in ("left", "right") and field in ("foot", "shape"):
            return f"{key}: not a table here: the [{field}] keys for one side go straight under [{loc[0]}]"
        if len(loc) == 2 and loc[0] in ("left", "right"):
            # a side table takes the [foot] and [shape] keys and two tables: some 40 keys,
            # said by where they come from (a list of them all ran past one line)
            return (f"{key}: unknown key{hint}; allowed here: any key of [foot] or [shape] (e.g. size, "
                    f"arch_height_mm), and the tables [{loc[0]}.modifications] and [{loc[0]}.pressure]")
        return f"{key}: unknown key{hint}; allowed here: {_listed(allowed)}"
    if kind == "missing":
        return f"{key} is required"
    if kind == "string_too_long":
        return f"{key} = {brief(value)} is too long ({len(str(value))} characters): at most {err['ctx']['max_length']}"
    if kind == "string_too_short":
        return f"{key} = {brief(value)} is empty: leave the key out instead"
    if kind in {"too_short", "too_long"}:
        return f"{key} = {brief(value)}: {err['msg'].replace('List', 'the list')}"
    if kind in {"greater_than_equal", "less_than_equal", "finite_number"} and field in RANGES:
        lo, hi, unit = RANGES[field]
        message = f"{key} = {brief(value)} is out of range: allowed is {lo:g} to {hi:g} {unit}"
        return with_slip(message, value, lo, hi) if unit == "mm" and isinstance(value, float | int) else message
    if kind == "literal_error":
        return f"{key} = {brief(value)} is not allowed: use one of {err['ctx']['expected']}"
    if kind in {"float_type", "bool_type", "string_type", "model_type", "dict_type", "list_type"}:
        expected = {
            "float_type": "a number",
            "bool_type": "true or false",
            "string_type": "a string in quotes",
            "model_type": "a table",
            "dict_type": "a table",
            "list_type": "a list",
        }[kind]
        return f"{key} = {brief(value)} has the wrong type: expected {expected}"
    return f"{key} = {brief(value)}: {err['msg']}"


def _home_table(field: str, table: list[str]) -> str | None:
    """The table a key written in the wrong one belongs in ([left] and [right] take the
    [foot] and [shape] keys, and their own modifications and pressure)."""
    here = table[-1] if table else ""
    side = table[0] if table and table[0] in ("left", "right") else None
    if table and field in ("name", "side"):
        return "the top, before any table"
    if field in _allowed_keys([]):  # a table's own name ([shoe], [lift]): the generic line lists what is allowed
        return None
    for name in ("foot", "shape", "modifications", "pressure", "lift", "zones", "print", "shoe", "patient", "lattice"):
        if name != here and field in _allowed_keys([name]):
            if side and name in ("modifications", "pressure"):
                return f"{side}.{name}"
            return None if side and name in ("foot", "shape") else name
    return None


def _allowed_keys(table: list[str]) -> list[str]:
    model: Any = ProfileDoc
    for part in table:
        if part.isdigit():
            continue  # an item of a list of tables: the table's model was found already
        model = model.model_fields[part].annotation
        model = next((a for a in getattr(model, "__args__", ()) if hasattr(a, "model_fields")), model)
    return list(getattr(model, "model_fields", {}))
