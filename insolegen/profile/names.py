"""The profile's ``name`` and the file-safe name its build is written under.

``name`` is the patient's name as the clinic writes it, in any script ("Müller Jörg",
"Ana Lima", "Иван Петров"): it is shown in the report and build.json, never used as a
path. The build's folder and files (``OUT/<stem>/<stem>-left.stl``) are named by a
*stem* made from it:

- a name that already is a file name (ASCII letters, digits, ``-``, ``_``, ``.``) is the
  stem as it is, so every profile written before names were free text builds into the
  same folder as before;
- any other name is transliterated to a slug: lower case, accents dropped (Unicode
  NFKD), letters NFKD does not split spelled out (ß -> ss, æ -> ae, ø -> o, ł -> l,
  đ -> d, ...), Cyrillic and Greek by a small table, every other run of characters
  (spaces, punctuation, scripts without a Latin form such as CJK) becoming one ``-``;
- with ``[patient] id``, the id's slug is appended (``ana-lima-p-2291``): two patients
  of the same name get two folders, and a name without any Latin letter (``王芳``) is
  then named by the id alone. Without an id such a name is refused, saying to set one.

Every stem obeys the file-name rule (:func:`name_problem`): it is a name on every system
a clinic uses (Linux, macOS, Windows) and carries nothing that can reach into TOML or a
path.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "DISPLAY_NAME_MAX_CHARS", "NAME_MAX_CHARS", "NAME_RULE", "RESERVED_NAMES", "StemError", "display_name_problem",
    "file_stem", "forbidden_character", "name_from_file_stem", "name_problem", "slug",
]

NAME_MAX_CHARS = 80  # a stem (folder and file names)
DISPLAY_NAME_MAX_CHARS = 120  # the name as written
_NAME_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{NAME_MAX_CHARS - 1}}}")
_FILE_NAME_CHARS = re.compile(r"[A-Za-z0-9_.-]+")
# Windows refuses these as a file or folder name, with any extension (CON.txt too).
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)
NAME_RULE = (f"allowed are 1-{NAME_MAX_CHARS} letters, digits, '-', '_' and '.', starting with a letter or digit, "
             "not ending in '.', without '..' and not a reserved device name (CON, NUL, COM1, ...)")

# Letters NFKD leaves whole (they are letters of their own, not accented ones), after
# casefold (which already makes ß "ss").
_LATIN = {"æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe", "ı": "i", "ħ": "h",
          "ŋ": "ng", "ĸ": "k", "ſ": "s", "ə": "e", "ɛ": "e", "ɔ": "o"}
# Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Bulgarian letters) and Greek, letter
# by letter in a plain English-reader's spelling; after NFKD, so й is и and ё is е.
_CYRILLIC = dict(zip(
    "абвгдежзиклмнопрстуфхцчшщъыьэюяєіїґўђјљњћџѕ",
    ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts",
     "ch", "sh", "shch", "-", "y", "-", "e", "yu", "ya", "ye", "i", "yi", "g", "u", "dj", "j", "lj", "nj", "c", "dz", "dz"]))
_GREEK = dict(zip("αβγδεζηθικλμνξοπρστυφχψω",
                  ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s", "t", "y", "f",
                   "ch", "ps", "o"]))
_TABLE = {**_LATIN, **{k: ("" if v == "-" else v) for k, v in _CYRILLIC.items()}, **_GREEK}
# Characters that must not be in a name at all: controls (a newline would end the line
# in a starter profile or a report), and the bidirectional overrides that make text show
# in another order than it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class StemError(ValueError):
    """A name (or patient id) no stem can be made of; the message says what to do."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a build's files (the file-name rule), or None."""
    if not _NAME_RE.fullmatch(name) or ".." in name or name.endswith("."):
        return "cannot be used in file names"
    if name.split(".")[0].upper() in RESERVED_NAMES:
        return "is a reserved device name on Windows"
    return None


def forbidden_character(text: str, allowed: str = "") -> str | None:
    """The first control or reordering character in ``text`` (as U+XXXX), or None;
    ``allowed`` lists ones that may be there (a newline in notes)."""
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") or ch in _BIDI_CONTROLS:
            return f"U+{ord(ch):04X}"
    return None


def display_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a profile's name (free text in any script), or None."""
    if not name.strip():
        return "is empty: give the patient's name"
    if len(name) > DISPLAY_NAME_MAX_CHARS:
        return f"is {len(name)} characters long: at most {DISPLAY_NAME_MAX_CHARS}"
    bad = forbidden_character(name)
    if bad:
        return f"contains a control character ({bad}): not allowed in a name"
    if "/" in name or "\\" in name:
        return "contains '/' or '\\': not allowed in a name, which the file names come from (it is not a path)"
    if _FILE_NAME_CHARS.fullmatch(name):  # used as the stem as it is
        why = name_problem(name)
        return f"{why}: {NAME_RULE}" if why else None
    return None


def slug(text: str) -> str:
    """``text`` in lower-case ASCII letters and digits joined by single '-' ("Müller
    Jörg" -> "muller-jorg"); characters with no Latin form are dropped ('' when none
    has one)."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))
    spelled = "".join(_TABLE.get(ch, ch) for ch in bare.replace("ου", "ou"))  # Greek ου is one sound
    return re.sub(r"[^a-z0-9]+", "-", spelled).strip("-")


def file_stem(name: str, patient_id: str | None = None) -> str:
    """The stem a build's folder and files are named by (see the module's docstring);
    raises :class:`StemError` when none can be made. ``name`` must have passed
    :func:`display_name_problem`."""
    base = name if _FILE_NAME_CHARS.fullmatch(name) else slug(name)
    ident = slug(patient_id) if patient_id is not None else ""
    if patient_id is not None and not ident:
        raise StemError(f"patient.id = {patient_id[:40]!r} has no letter or digit with a Latin form, so it cannot "
                        "name files: give an id of letters and digits, e.g. \"P-2291\"")
    if ident and base.casefold() != ident.casefold():
        room = NAME_MAX_CHARS - len(ident) - 1
        base = _cut(base, room) if room > 0 else ""
        stem = f"{base}-{ident}" if base else ident
    else:
        stem = base
    if not stem:
        raise StemError(f"name = {name[:40]!r} has no letter or digit with a Latin form to name the files by: "
                        "set patient.id (e.g. [patient] id = \"P-2291\"; insolegen new: --patient-id), "
                        "which names them then")
    stem = _cut(stem, NAME_MAX_CHARS)
    why = name_problem(stem)
    if why:
        raise StemError(f"name = {name[:40]!r} gives the file name {stem!r}, which {why}: "
                        "set patient.id to name the files by it too")
    return stem


def _cut(stem: str, limit: int) -> str:
    """``stem`` at most ``limit`` characters, cut at a '-' when there is one."""
    if len(stem) <= limit:
        return stem
    cut = stem[:limit]
    if "-" in cut and stem[limit] != "-":
        cut = cut.rsplit("-", 1)[0]
    return cut.rstrip("-._")


def name_from_file_stem(stem: str) -> str:
    """A usable name made from a file name (``insolegen new`` without ``--name``)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")[:NAME_MAX_CHARS].rstrip("-.")
    name = re.sub(r"\.\.+", ".", name)
    if not name or name_problem(name):
        return "insole" if not name else f"insole-{name}"[:NAME_MAX_CHARS].rstrip("-.")
    return name
