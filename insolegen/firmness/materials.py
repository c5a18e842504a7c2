"""The printing materials the firmness model knows ([print] material): each one's Young's
modulus and Poisson ratio, with where the number comes from.

The modulus of printed TPU depends on the test (tensile or compressive, strain rate,
strain range) and on the print (layer bonding, flow, temperature): makers' figures for one
nominal hardness differ several-fold. The values here are makers' tensile moduli (ASTM
D638) where a maker publishes one, else Gent's (1958) relation of Shore A hardness to
Young's modulus, E = 0.0981 (56 + 7.62336 S) / (0.137505 (254 - 2.54 S)) MPa. They are a
starting point: `insolegen calibrate` fits the modulus of the user's own filament and
printer from pressed coupons. Poisson's ratio: 0.45 for every TPU (a nearly
incompressible elastomer; the homogenised table is computed at this value).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_MATERIAL", "MATERIALS", "TPU_POISSON", "Material", "gent_modulus_mpa"]

TPU_POISSON = 0.45


def gent_modulus_mpa(shore_a: float) -> float:
    """Young's modulus (MPa) from Shore A hardness by Gent's relation (Gent 1958, Trans.
    Inst. Rubber Ind. 34:46); it rises steeply above 90 A and has no meaning near 100."""
    return 0.0981 * (56 + 7.62336 * shore_a) / (0.137505 * (254 - 2.54 * shore_a))


@dataclass(frozen=True)
class Material:
    name: str
    modulus_mpa: float
    poisson: float
    source: str


MATERIALS: dict[str, Material] = {m.name: m for m in (
    Material("TPU 95A", 26.0, TPU_POISSON,
             "NinjaTek Cheetah (95A) technical data sheet: tensile modulus 26 MPa, ASTM D638"),
    Material("TPU 90A", round(gent_modulus_mpa(90.0), 1), TPU_POISSON,
             "Gent's relation at 90 Shore A (no maker's tensile modulus found for a 90A filament)"),
    Material("TPU 85A", 12.0, TPU_POISSON,
             "NinjaTek NinjaFlex (85A) technical data sheet: tensile modulus 12 MPa, ASTM D638"),
)}
DEFAULT_MATERIAL = "TPU 95A"
