"""What a prediction holds (issue 25): the foot on one support and what is read from it,
and a side's two cases (the insole as built, a flat one). Plain data, made by
insolegen/build/prediction.py, kept on the build's result for the report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Case", "Prediction", "RegionPressure"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class RegionPressure:
    name: str
    peak_kpa: float  # over 1 cm2
    mean_kpa: float  # over the region's points in contact
    contact_cm2: float


@dataclass(frozen=True)
class Case:
    """The foot on one support: the points' pressures and what is read from them."""

    pressure_kpa: Array  # per grid point, unaveraged
    averaged_kpa: Array  # per grid point, over 1 cm2
    peak_kpa: float
    contact_cm2: float
    force_n: float
    regions: tuple[RegionPressure, ...]


@dataclass(frozen=True)
class Prediction:
    x_mm: Array
    y_mm: Array
    barefoot_kpa: Array
    load_n: float
    load_from: str  # "patient.mass_kg", "the map's own force" or a stated default
    tissue: str
    designed: Case
    flat: Case
    flat_thickness_mm: float
    flat_kpa_per_mm: float
