"""The shipped table of homogenised moduli (moduli.json, made by
:mod:`insolegen.firmness.precompute`), interpolated at build time: no cell is computed
during a build.

Between rows, log(E/Es) is interpolated linearly in log(fraction) (a power law piece by
piece, as cellular solids' moduli run); above the last row, toward the solid (fraction 1,
E/Es 1). Below the first row the two lowest rows' power law is extended and the result
marked extrapolated.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CELL_KINDS", "TABLE_FILE", "RelativeModulus", "fraction_for", "relative_modulus", "table", "table_least"]

TABLE_FILE = Path(__file__).with_name("moduli.json")
CELL_KINDS = ("gyroid", "diamond", "infill")  # the two sheets ([lattice] kind) and PrusaSlicer's gyroid infill


@dataclass(frozen=True)
class RelativeModulus:
    """E/Es of a cell along the build direction (the foot's load), and across it."""

    along: float
    across: float
    extrapolated: bool  # below the table's least fraction
    uncertainty: float  # the table's change between its two resolutions there, relative


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(TABLE_FILE.read_text())
    return loaded


def _rows(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = [r for r in table()["kinds"][kind] if r["e3"] > 0 and r["e1"] > 0]
    key = "density" if kind == "infill" else "fraction"
    x = np.array([r[key] for r in rows] + [1.0])
    along = np.array([r["e3"] for r in rows] + [1.0])
    across = np.array([r["e1"] for r in rows] + [1.0])
    spread = np.array([abs(r["e3"] - r["e3_coarse"]) / r["e3"] if r["e3_coarse"] > 0 else 1.0 for r in rows] + [0.0])
    return x, along, across, spread


def relative_modulus(kind: str, fraction: float) -> RelativeModulus:
    """E/Es of a cell: ``kind`` 'gyroid' or 'diamond' (a sheet at solid ``fraction``) or
    'infill' (PrusaSlicer's gyroid infill at density ``fraction``), 0 < fraction <= 1."""
    if kind not in CELL_KINDS:
        raise ValueError(f"cell kind {kind!r}: one of {', '.join(CELL_KINDS)}")
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"solid fraction {fraction!r}: more than 0 and at most 1")
    x, along, across, spread = _rows(kind)
    lx = math.log(fraction)
    if fraction >= x[0]:
        # scalar logarithms (libm), not numpy's: its vector ones differ in the last bit
        # from one processor's instruction set to another's (insolegen/core/exact.py)
        logs = np.array([math.log(v) for v in x])
        return RelativeModulus(
            along=math.exp(float(np.interp(lx, logs, [math.log(v) for v in along]))),
            across=math.exp(float(np.interp(lx, logs, [math.log(v) for v in across]))),
            extrapolated=False,
            uncertainty=float(np.interp(lx, logs, spread)),
        )

    def extended(values: np.ndarray) -> float:
        slope = math.log(values[1] / values[0]) / math.log(x[1] / x[0])
        return float(values[0] * (fraction / x[0]) ** slope)

    return RelativeModulus(along=extended(along), across=extended(across), extrapolated=True,
                           uncertainty=float(max(spread[0], 0.25)))


def table_least(kind: str) -> float:
    """The least fraction (density, for the infill) the table holds a computed row for."""
    return float(_rows(kind)[0][0])


def fraction_for(kind: str, relative: float, least: float, greatest: float) -> float:
    """The fraction (infill density) from ``least`` to ``greatest`` whose E/Es is
    ``relative`` (bisection on the table)."""
    lo, hi = least, greatest
    for _ in range(60):
        mid = (lo + hi) / 2
        if relative_modulus(kind, mid).along < relative:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
