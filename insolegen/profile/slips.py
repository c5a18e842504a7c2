"""Unit slips: a length written in centimetres where the key asks for millimetres, e.g.
``length_mm = 26.5`` or ``measured_lld_mm = 0.9``. The hint says what the value would be
in millimetres, and is only given when that value is allowed (a likely reading, not a
guess)."""

from __future__ import annotations

from insolegen.core.units import UNIT_MM

__all__ = ["unit_slip", "with_slip"]


def unit_slip(value: float, lo_mm: float, hi_mm: float) -> str:
    """"centimetres? 26.5 cm is 265 mm" when ``value`` is outside ``lo_mm``-``hi_mm``
    as millimetres and inside read as centimetres; else ""."""
    in_mm = value * UNIT_MM["cm"]
    if lo_mm <= value <= hi_mm or not lo_mm <= in_mm <= hi_mm:
        return ""
    return f"centimetres? {value:g} cm is {in_mm:.4g} mm"


def with_slip(message: str, value: float, lo_mm: float, hi_mm: float) -> str:
    """``message`` with the unit-slip hint appended, when there is one."""
    hint = unit_slip(value, lo_mm, hi_mm)
    return f"{message} ({hint})" if hint else message
