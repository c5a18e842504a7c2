"""Published results on the sheet gyroid that the model can be set beside, and the
model's own figure for each (docs/firmness.md shows them as a table and in the picture;
tests/test_firmness.py holds the docs to it).

Only what could be read in the stored literature here is listed. Most studies were
reachable as abstracts only, so their tables of E/Es against fraction are not; those
give the qualitative checks in docs/firmness.md instead. A power-law exponent is
compared over the range the study fitted; the model's exponent is the least-squares
slope of log E/Es on log fraction through the table's rows in that range (pure-Python
log, so it does not depend on the processor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from insolegen.firmness.table import table

__all__ = ["PUBLISHED", "Published", "model_exponent", "model_poisson_range"]


@dataclass(frozen=True)
class Published:
    quantity: str  # what is compared, in words
    value: float
    spread: float  # +- as published; 0 when none is given
    source: str
    method: str  # finite elements or experiment, and on what
    fit_range: tuple[float, float]  # solid fractions the model's figure is taken over (see docs/firmness.md)


PUBLISHED = (
    Published("exponent n of Young's modulus, E/Es = C phi^n", 1.21, 0.0,
              "Lan, Peng, Do, Fox & Tran, Materials Science in Additive Manufacturing 2(3) (2023), "
              "doi:10.36922/msam.1753, eq. XV",
              "finite elements, sheet gyroid", (0.05, 0.45)),
    Published("exponent n of the shear modulus, G/Es = C phi^n", 1.27, 0.0,
              "Lan, Peng, Do, Fox & Tran (2023), eq. XVI",
              "finite elements, sheet gyroid", (0.05, 0.45)),
    Published("Poisson's ratio under uniaxial load", 0.34, 0.06,
              "DeValk & Lakes, physica status solidi (b) (2021), 'Poisson's ratio and modulus of "
              "gyroid lattices', abstract",
              "compression of printed polymer gyroid sheets of several densities", (0.1, 0.45)),
)


def _slope(xs: list[float], ys: list[float]) -> float:
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def _rows(kind: str, fit_range: tuple[float, float], key: str) -> list[dict[str, float]]:
    lo, hi = fit_range
    return [r for r in table()["kinds"][kind] if lo <= r["fraction"] <= hi and r.get(key, 0) > 0]


def model_exponent(kind: str, key: str, fit_range: tuple[float, float]) -> float:
    """The model's power-law exponent of ``key`` ('e3' Young's, 'g1' shear) over the
    table's rows of ``kind`` within ``fit_range`` (solid fractions)."""
    rows = _rows(kind, fit_range, key)
    if len(rows) < 2:
        raise ValueError(f"{kind}: fewer than two rows with {key} between {fit_range[0]} and {fit_range[1]}")
    return _slope([r["fraction"] for r in rows], [r[key] for r in rows])


def model_poisson_range(kind: str, fit_range: tuple[float, float]) -> tuple[float, float]:
    """The least and greatest Poisson's ratio nu31 of the table's rows within ``fit_range``."""
    values = [r["nu31"] for r in _rows(kind, fit_range, "nu31")]
    if not values:
        raise ValueError(f"{kind}: no row with nu31 between {fit_range[0]} and {fit_range[1]}")
    return min(values), max(values)
