"""Orthotic foams a zone's firmness can be asked as ([zones] heel_foam = "PORON 4701-30"):
each one's compression stress at a stated strain from its maker's data, with the source.

A printed zone "as firm as" a foam is one whose column, of the zone's own height, has the
foam's secant modulus at that strain (stress over strain): the same pressure compresses
both by the same fraction of their height. Foams stiffen steeply with strain, so the
equivalence holds near the stated strain (25 %, where makers quote compression force
deflection), not at every load.

Not here, for want of sources: EVA by Shore A hardness (no published compression data per
hardness was found; Gent's hardness relation is for solid rubber, not foams), PORON
4701-50 and Plastazote LD45.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FOAMS", "Foam"]


@dataclass(frozen=True)
class Foam:
    name: str
    stress_kpa: float
    strain: float  # the fraction of its height the foam is compressed at that stress
    source: str

    @property
    def secant_modulus_mpa(self) -> float:
        return self.stress_kpa / 1000.0 / self.strain


FOAMS: dict[str, Foam] = {f.name: f for f in (
    Foam("PORON 4701-30", 34.0, 0.25,
         "Rogers Corp., PORON 4701-30 Very Soft Supported data sheet: compression force deflection "
         "5.0 psi (34 kPa) at 25 % for 1.63-2.36 mm sheets (ASTM D3574); 8.4 psi (58 kPa) for 0.53-1.19 mm"),
    Foam("Plastazote LD33", 40.0, 0.25,
         "Zotefoams Plastazote LD33 typical values (as published by the reseller Custom Foams): "
         "compression stress 40 kPa at 25 %, 75 at 40 %, 115 at 50 %, 175 at 60 %"),
)}
