"""The command line's own argument types: each refuses a bad value in one line naming
the value and what is allowed (argparse prints it with the usage, exit 2)."""

from __future__ import annotations

import argparse
import math

from insolegen.core.paths import brief

__all__ = ["BED_RANGE_MM", "MIN_THICKNESS_RANGE_MM"]


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{brief(text)} is not a whole number: allowed is 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: give 1 or more (at most the number of cores is used)")
    return value


BED_RANGE_MM = (50.0, 2000.0)  # any real printer's bed side lies in here


MIN_THICKNESS_RANGE_MM = (0.1, 20.0)


def _bed(text: str) -> tuple[float, float]:
    lo, hi = BED_RANGE_MM
    parts = text.lower().replace(" ", "").split("x")
    try:
        width, depth = (float(v) for v in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{brief(text)}: give the bed as WIDTHxDEPTH in mm, e.g. 250x210") from None
    if not all(math.isfinite(v) and lo <= v <= hi for v in (width, depth)):
        raise argparse.ArgumentTypeError(f"{brief(text)}: each side must be {lo:g} to {hi:g} mm, e.g. 250x210")
    return width, depth


def _min_thickness(text: str) -> float:
    lo, hi = MIN_THICKNESS_RANGE_MM
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{brief(text)} is not a number: allowed is {lo:g} to {hi:g} mm") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise argparse.ArgumentTypeError(f"{brief(text)} is not allowed: give {lo:g} to {hi:g} mm")
    return value
