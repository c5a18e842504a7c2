"""Shoe sizes to foot length (mm).

Formulas from shared/docs/domain.md ("Foot size to foot length"):

- Mondopoint (ISO 9407): size = foot length in mm.
- EU (Paris point): EU = 1.5 x last length in cm, last = foot length + 15 mm.
- UK: UK = 3 x last (in) - 25.  US men: US = 3 x last (in) - 24.  US women = US men + 1.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..units import INCH_MM

LAST_ALLOWANCE_MM = 15.0  # a shoe last is about 15 mm longer than the foot

SIZE_FORMS = '"EU 42", "US M 9", "US W 10.5", "UK 8" or "MP 265" (Mondopoint)'

_SIZE_RE = re.compile(
    r"^\s*(?P<system>EU|UK|MP|MONDO|MONDOPOINT|US\s*[MW]|US)\s*(?P<value>\d{1,4}(?:[.,]\d{1,3})?)\s*$",
    re.IGNORECASE,
)


_SYSTEMS = {
    "EU": "EU", "UK": "UK", "MP": "MP", "MONDO": "MP", "MONDOPOINT": "MP",
    "USM": "US M", "USW": "US W", "US": "US",
}


class SizeError(ValueError):
    """A size string that cannot be read; the message says what forms are allowed."""


@dataclass(frozen=True)
class ShoeSize:
    """A parsed shoe size: the system ("EU", "UK", "US M", "US W", "MP") and its number."""

    system: str
    value: float

    @property
    def foot_length_mm(self) -> float:
        return foot_length_mm(self.system, self.value)

    @property
    def is_womens(self) -> bool:
        return self.system == "US W"


def parse_size(text: str) -> ShoeSize:
    """Read a size such as "EU 42" or "US W 10.5" (case and spaces are free)."""
    match = _SIZE_RE.match(text)
    if not match:
        raise SizeError(f"not a size this tool reads: use {SIZE_FORMS}")
    system = _SYSTEMS[match["system"].upper().replace(" ", "")]
    if system == "US":
        raise SizeError(
            f"US sizes must say men's or women's: write \"US M {match['value']}\" "
            f"or \"US W {match['value']}\""
        )
    value = float(match["value"].replace(",", "."))
    return ShoeSize(system=system, value=value)


def foot_length_mm(system: str, value: float) -> float:
    """Foot length in mm for a size in one of the systems EU, UK, US M, US W, MP."""
    if system == "MP":
        return value
    if system == "EU":
        last_mm = value / 1.5 * 10.0
        return last_mm - LAST_ALLOWANCE_MM
    if system == "UK":
        last_in = (value + 25.0) / 3.0
    elif system == "US M":
        last_in = (value + 24.0) / 3.0
    elif system == "US W":
        last_in = (value - 1.5 + 24.0) / 3.0
    else:
        raise SizeError(f"unknown size system {system!r}: use {SIZE_FORMS}")
    return last_in * INCH_MM - LAST_ALLOWANCE_MM
