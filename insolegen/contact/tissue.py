"""The plantar soft tissue under the foot's skeleton: how far it compresses under a
pressure, and how thick it is where.

The law is exponential, as soft tissue stiffens with strain:

    pressure = A (exp(B strain) - 1),   strain = compression / unloaded thickness.

- **B, the law's shape**, from Choi et al. 2001 (J Korean Acad Rehabil Med 25(5):861):
  the heel pad under an ultrasound probe loaded with 1, 2 and 3 kg kept 0.67, 0.53 and
  0.45 of its unloaded thickness in controls, 0.80, 0.68 and 0.58 in diabetics. With the
  pressure proportional to the load (one probe), the law fits both series within 2 %:
  B = 4.12 (controls) and 2.84 (diabetics), the diabetics' A 3.85 times the controls'
  (tests/test_contact.py fits it again). So the diabetic tissue compresses about 40 %
  less under the same pressure, near Sun et al. 2011's indentation moduli (1.4-1.7 times
  the controls', Arch Phys Med Rehabil 92:1484) and within Cheung et al. 2005's two to
  five times (J Biomech 38:1045).
- **A, the scale**, is the model's calibrated parameter (the probe's area is not in the
  abstract, so Choi's kilograms give no kPa): fitted on Cheung & Zhang 2005's insole
  comparison (insolegen/contact/calibration.py says how).
- **Softer under the heel**: Sun et al. 2011's indentation moduli of healthy tissue, 44.95
  kPa under the heel, 62.05 and 52.93 under the 1st and 2nd metatarsal heads, 50.49 under
  the hallux, make the heel's scale 0.78 of the heads' mean and the toes' 0.88, eased
  between along the foot as the thickness is (``scale_factor_at``; Pai & Ledoux 2010
  also found the calcaneus's tissue the least stiff of six sites).
- **Thickness**, unloaded: 17 mm under the heel (the median 16.0 mm of Teng et al. 2022,
  BMC Musculoskelet Disord, doi:10.1186/s12891-022-05197-w, in gait, and the mean 18.8 mm of a 670-patient
  radiographic series), 15 mm under the metatarsal heads (15.2 mm under the 2nd, Cavanagh
  1999, J Biomech 32:623), 10 mm under the toes (8.9-13.5 mm of forefoot tissue quoted
  from Garcia 2008, second-hand), eased linearly between along the foot. The diabetic
  tissue is as thick (Sun 2011; Hsu et al. 2000, Diabet Med 17:854).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["DIABETIC", "HEALTHY", "TISSUE_KINDS", "Tissue", "scale_factor_at", "thickness_mm"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Tissue:
    """The compression law's shape B and its scale A relative to healthy tissue's."""

    name: str
    shape: float  # B
    scale_factor: float  # A / A of healthy tissue

    def pressure_kpa(self, strain: Array, scale_kpa: float | Array) -> Array:
        """Pressure (kPa) at a strain (compression over unloaded thickness)."""
        return np.asarray(scale_kpa * self.scale_factor * np.expm1(self.shape * np.asarray(strain)))

    def strain(self, pressure_kpa: Array, scale_kpa: float | Array) -> Array:
        """The strain a pressure compresses the tissue to."""
        return np.asarray(np.log1p(np.asarray(pressure_kpa) / (scale_kpa * self.scale_factor)) / self.shape)


HEALTHY = Tissue("healthy", 4.12, 1.0)
DIABETIC = Tissue("diabetic", 2.84, 3.85)
TISSUE_KINDS = {t.name: t for t in (HEALTHY, DIABETIC)}

# (fraction of the foot's length from the heel, unloaded thickness mm, scale relative to the heads')
_STATIONS = ((0.0, 17.0, 0.78), (0.30, 17.0, 0.78), (0.72, 15.0, 1.0), (0.85, 10.0, 0.88), (1.0, 10.0, 0.88))


def _along(x_mm: Array, foot_length_mm: float, column: int) -> Array:
    if not math.isfinite(foot_length_mm) or foot_length_mm <= 0:
        raise ValueError(f"foot length {foot_length_mm!r} mm: a positive length")
    fraction = np.clip(np.asarray(x_mm, dtype=np.float64) / foot_length_mm, 0.0, 1.0)
    return np.asarray(np.interp(fraction, [s[0] for s in _STATIONS], [s[column] for s in _STATIONS]))


def thickness_mm(x_mm: Array, foot_length_mm: float) -> Array:
    """The tissue's unloaded thickness at each point, by its place along the foot."""
    return _along(x_mm, foot_length_mm, 1)


def scale_factor_at(x_mm: Array, foot_length_mm: float) -> Array:
    """The tissue's scale at each point relative to the metatarsal heads' (softer under the heel)."""
    return _along(x_mm, foot_length_mm, 2)
