"""Fit a filament's effective modulus from pressed coupons (`insolegen calibrate`).

Each coupon pressed over its block by a known weight sinks by (height - loaded height);
its measured stiffness is the pressure over the sink (kPa per mm). The firmness model
predicts each coupon's stiffness per MPa of the material's modulus
(coupons.json: ``predicted.kpa_per_mm_per_mpa``), so each coupon implies a modulus, and
the fit is their geometric mean (least squares on the logarithms: the errors of a press
are relative). With three or more coupons, one whose implied modulus differs from the
others' fit by more than the model allows (MODEL_ALLOWANCE, plus the caliper's
resolution over its sink) is named and left out. The uncertainty is the 95 % interval of
the mean (Student's t on the logarithms); with one or two coupons, the calipers'
resolution over the sinks, as nothing else can be judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CALIPER_MM", "MODEL_ALLOWANCE", "STANDARD_GRAVITY", "Fit", "Measurement", "fit_modulus"]

STANDARD_GRAVITY = 9.80665  # m/s^2: a kilogram's weight in newtons
CALIPER_MM = 0.02  # a digital caliper's resolution, read at two corners and averaged
# How far (relative) one coupon's implied modulus may stray from the others' before it is
# named: the model's own spread between its two resolutions (up to ~15 % at low
# densities), the print's scatter between coupons, and the strain (the model is linear).
MODEL_ALLOWANCE = 0.30


@dataclass(frozen=True)
class Measurement:
    coupon: str
    height_mm: float
    loaded_height_mm: float
    load_n: float
    pressed_mm2: float  # the block's top, pressed by the board
    kpa_per_mm_per_mpa: float  # the model's stiffness per MPa of the material's modulus

    @property
    def sink_mm(self) -> float:
        return self.height_mm - self.loaded_height_mm

    @property
    def kpa_per_mm(self) -> float:
        return self.load_n / self.pressed_mm2 * 1000.0 / self.sink_mm

    @property
    def strain(self) -> float:
        return self.sink_mm / self.height_mm

    @property
    def implied_mpa(self) -> float:
        return self.kpa_per_mm / self.kpa_per_mm_per_mpa


@dataclass(frozen=True)
class Fit:
    modulus_mpa: float
    uncertainty_pct: float  # the 95 % interval's half-width, relative
    used: tuple[Measurement, ...]
    named: tuple[tuple[Measurement, float], ...]  # left out: each with the fit of the others it strays from (MPa)


def _log_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fit_modulus(measurements: list[Measurement]) -> Fit:
    """The modulus that best explains the measurements (see the module)."""
    from scipy import stats

    if not measurements:
        raise ValueError("no coupons measured")
    used = list(measurements)
    named: list[tuple[Measurement, float]] = []
    if len(measurements) >= 3:
        for m in measurements:
            others = _log_mean([o.implied_mpa for o in measurements if o is not m])
            allowed = MODEL_ALLOWANCE + CALIPER_MM / m.sink_mm
            if abs(math.log(m.implied_mpa / others)) > math.log(1 + allowed):
                named.append((m, others))
        used = [m for m in measurements if all(m is not n for n, _ in named)]
        if len(used) < 2:  # they all disagree: nothing to trust more than the rest
            used, named = list(measurements), []
    logs = np.array([math.log(m.implied_mpa) for m in used])  # libm's, the same on every processor
    modulus = math.exp(float(logs.mean()))
    if len(used) >= 3:
        half = float(stats.t.ppf(0.975, len(used) - 1) * logs.std(ddof=1) / math.sqrt(len(used)))
    else:
        half = max(CALIPER_MM / m.sink_mm for m in used)
    return Fit(modulus_mpa=modulus, uncertainty_pct=100 * (math.exp(half) - 1), used=tuple(used), named=tuple(named))
