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
from pathlib import Path

__all__ = ["DEFAULT_MATERIAL", "MATERIALS", "MODULUS_RANGE_MPA", "TPU_POISSON", "Material", "MaterialFileError",
           "gent_modulus_mpa", "read_material_file"]

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
    uncertainty_pct: float | None = None  # a calibrated material's 95 % interval

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "modulus_mpa": self.modulus_mpa, "poisson": self.poisson, "source": self.source,
                "uncertainty_pct": self.uncertainty_pct}


class MaterialFileError(ValueError):
    """A material file that cannot be used; the message is one line naming the field."""


MODULUS_RANGE_MPA = (0.5, 5000.0)


def read_material_file(path: Path) -> Material:
    """A material written by `insolegen calibrate` (TOML: name, modulus_mpa, poisson,
    source, uncertainty_pct)."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MaterialFileError(f"cannot read the material file: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MaterialFileError(f"the material file is not TOML: {exc}") from None
    name, modulus = data.get("name"), data.get("modulus_mpa")
    if not isinstance(name, str) or not name.strip():
        raise MaterialFileError("name is missing: the material file needs name = \"...\"")
    low, high = MODULUS_RANGE_MPA
    if isinstance(modulus, bool) or not isinstance(modulus, (int, float)) or not low <= modulus <= high:
        raise MaterialFileError(f"modulus_mpa = {modulus!r}: a number from {low:g} to {high:g} (MPa)")
    poisson = data.get("poisson", TPU_POISSON)
    if poisson != TPU_POISSON:
        raise MaterialFileError(f"poisson = {poisson!r}: the moduli table is computed at {TPU_POISSON} (a TPU)")
    uncertainty = data.get("uncertainty_pct")
    return Material(name.strip(), float(modulus), TPU_POISSON, str(data.get("source", path.name)),
                    None if not isinstance(uncertainty, (int, float)) else float(uncertainty))


MATERIALS: dict[str, Material] = {m.name: m for m in (
    Material("TPU 95A", 26.0, TPU_POISSON,
             "NinjaTek Cheetah (95A) technical data sheet: tensile modulus 26 MPa, ASTM D638"),
    Material("TPU 90A", round(gent_modulus_mpa(90.0), 1), TPU_POISSON,
             "Gent's relation at 90 Shore A (no maker's tensile modulus found for a 90A filament)"),
    Material("TPU 85A", 12.0, TPU_POISSON,
             "NinjaTek NinjaFlex (85A) technical data sheet: tensile modulus 12 MPa, ASTM D638"),
)}
DEFAULT_MATERIAL = "TPU 95A"
