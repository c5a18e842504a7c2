"""Shoe sizes to foot length (mm).

Formulas from docs/clinical.md ("Foot size to foot length"):

- Mondopoint (ISO 9407): size = foot length in mm.
- EU (Paris point): EU = 1.5 x last length in cm, last = foot length + 15 mm, the same
  for women and men ("EU W 39" and "EU M 42" say whose defaults apply).
- UK: UK = 3 x last (in) - 25.  US men: US = 3 x last (in) - 24.  US women = US men + 1.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from insolegen.core.units import INCH_MM, UNIT_MM
from insolegen.profile.schema import RANGES

__all__ = [
    "LAST_ALLOWANCE_MM",
    "SIZE_FORMS",
    "WOMENS_SYSTEMS",
    "ShoeSize",
    "SizeError",
    "SizeSystem",
    "foot_length_mm",
    "parse_size",
    "size_length_problem",
]

LAST_ALLOWANCE_MM = 15.0  # a shoe last is about 15 mm longer than the foot

SIZE_FORMS = '"EU 42", "EU W 39", "US M 9", "US W 10.5", "UK 8" or "MP 265" (Mondopoint)'


class SizeSystem(Enum):
    """A size system, by how it is written. EU numbers are the same for women and men
    (Paris point): "EU W" and "EU M" only say whose defaults apply (the heel cup)."""

    EU = "EU"
    EU_WOMEN = "EU W"
    EU_MEN = "EU M"
    UK = "UK"
    US_MEN = "US M"
    US_WOMEN = "US W"
    MONDOPOINT = "MP"


WOMENS_SYSTEMS = frozenset({SizeSystem.EU_WOMEN, SizeSystem.US_WOMEN})

_SIZE_RE = re.compile(
    r"^\s*(?P<system>EU\s*[MW]|EU|UK|MP|MONDO|MONDOPOINT|US\s*[MW]|US)\s*(?P<value>\d{1,4}(?:[.,]\d{1,3})?)\s*$",
    re.IGNORECASE,
)

_SYSTEMS = {
    "EU": SizeSystem.EU, "EUW": SizeSystem.EU_WOMEN, "EUM": SizeSystem.EU_MEN, "UK": SizeSystem.UK,
    "MP": SizeSystem.MONDOPOINT, "MONDO": SizeSystem.MONDOPOINT, "MONDOPOINT": SizeSystem.MONDOPOINT,
    "USM": SizeSystem.US_MEN, "USW": SizeSystem.US_WOMEN,
}


class SizeError(ValueError):
    """A size string that cannot be read; the message says what forms are allowed."""


@dataclass(frozen=True)
class ShoeSize:
    """A parsed shoe size: its system and its number."""

    system: SizeSystem
    value: float

    @property
    def foot_length_mm(self) -> float:
        return foot_length_mm(self.system, self.value)

    @property
    def is_womens(self) -> bool:
        return self.system in WOMENS_SYSTEMS

    def __str__(self) -> str:
        """The size in its normal written form, e.g. "EU W 39"."""
        return f"{self.system.value} {self.value:g}"


def parse_size(text: str) -> ShoeSize:
    """Read a size such as "EU 42", "EU W 39" or "US W 10.5" (case and spaces are free)."""
    match = _SIZE_RE.match(text)
    if not match:
        raise SizeError(f"not a size this tool reads: use {SIZE_FORMS}")
    key = match["system"].upper().replace(" ", "")
    if key == "US":
        raise SizeError(
            f"US sizes must say men's or women's: write \"US M {match['value']}\" "
            f"or \"US W {match['value']}\""
        )
    value = float(match["value"].replace(",", "."))
    return ShoeSize(system=_SYSTEMS[key], value=value)


def size_length_problem(size: ShoeSize) -> str | None:
    """Why ``size`` gives no foot length the profile allows (with a hint when it reads
    as centimetres: "MP 26.5" is Mondopoint 265 written in cm), or None."""
    lo, hi, _unit = RANGES["length_mm"]
    length = size.foot_length_mm
    if lo <= length <= hi:
        return None
    message = f"gives a foot length of {length:.0f} mm: allowed is {lo:g} to {hi:g} mm"
    in_cm = size.value * UNIT_MM["cm"]
    if size.system is SizeSystem.MONDOPOINT and lo <= in_cm <= hi:
        message += f' (centimetres? Mondopoint is the foot length in mm: write "MP {in_cm:g}")'
    return message


def foot_length_mm(system: SizeSystem, value: float) -> float:
    """Foot length in mm for a size in one of the systems."""
    if system is SizeSystem.MONDOPOINT:
        return value
    if system in (SizeSystem.EU, SizeSystem.EU_WOMEN, SizeSystem.EU_MEN):
        last_mm = value / 1.5 * 10.0
        return last_mm - LAST_ALLOWANCE_MM
    if system is SizeSystem.UK:
        last_in = (value + 25.0) / 3.0
    elif system is SizeSystem.US_MEN:
        last_in = (value + 24.0) / 3.0
    else:  # US women's: men's + 1.5
        last_in = (value - 1.5 + 24.0) / 3.0
    return last_in * INCH_MM - LAST_ALLOWANCE_MM
