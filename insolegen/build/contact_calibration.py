"""Fit the contact model's two constants on one published result and set it beside others.

    python -m insolegen.build.contact_calibration tests/data/real/emed-walk.lst

The foot: a real barefoot step on a novel emed plate (tests/data/real/emed-walk.lst, the
pressuRe project's example, MIT), at its most standing-like picture (the one whose heel
and forefoot each carry the most of the load at once), laid on the parametric EU 42 foot,
loaded with half of 70 kg (the picture's shape at that load).

**Calibrated on** Cheung & Zhang 2005 (Arch Phys Med Rehabil 86:353, doi
10.1016/j.apmr.2004.03.031; finite elements, one 70 kg man, balanced standing): a
custom-moulded soft insole (E = 0.3 MPa) against a flat rigid one (E = 1000 MPa) took the
heel's peak 31.6 % and the metatarsal heads' 40.7 % down. The model's moulded insole
takes the foot's unloaded sole shape with 10 mm under its lowest point (the paper's
thickness was not read: an assumption). The tissue's scale A0 and the bone share are the
two constants fitted to those two figures (least squares over a fixed grid, then
Nelder-Mead from the best point: deterministic).

**Validated on**, not fitted: the same study's midfoot peak (+22.2 %) and contact area
(+59.7 %); Goske et al. 2006 (J Biomech, doi 10.1016/j.jbiomech.2005.08.006; 2-D heel
model, early stance): against barefoot, flat insoles took the heel's peak down 24 %, fully
conforming ones up to 44 % (their foams' moduli were not read: PORON 4701-30's secant
modulus at 25 %, 9.5 mm, stands in).
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from insolegen.build.prediction import STANDARD_GRAVITY, Case, Foot, case_on, foot_from
from insolegen.build.side import side_outline
from insolegen.contact.barefoot import Calibration
from insolegen.contact.tissue import HEALTHY
from insolegen.firmness.foams import FOAMS
from insolegen.geometry.outline import Outline
from insolegen.geometry.pressure_field import PressureField, pressure_field
from insolegen.geometry.pressure_fit import fit_pressure
from insolegen.inputs.pressure_files import read_pressure_file, read_pressure_frames
from insolegen.profile import profile_from_dict

__all__ = [
    "CHEUNG_ZHANG", "GOSKE", "Comparison", "Step", "calibrate", "compare", "standing_foot", "standing_step", "validation_table",
]

MASS_KG = 70.0
LOAD_N = MASS_KG * STANDARD_GRAVITY / 2  # balanced standing: half the weight a foot
MOULDED_BASE_MM = 10.0
CHEUNG_ZHANG = {"heel": -31.6, "metatarsal heads": -40.7, "midfoot": 22.2, "contact area": 59.7}
FITTED = ("heel", "metatarsal heads")
GOSKE = {"flat insole, heel": -24.0, "conforming insole, heel": -44.0}
GOSKE_THICKNESS_MM = 9.5


@dataclass(frozen=True)
class Comparison:
    figure: str
    published: float
    model: float
    source: str
    fitted: bool


@dataclass(frozen=True)
class Step:
    """The step's most standing-like picture laid on the EU 42 right foot."""

    outline: Outline
    field: PressureField
    frame: int


def standing_step(path: Path) -> Step:
    """The picture of the step whose heel and forefoot each carry the most at once."""
    peak = read_pressure_file(path)
    spec = profile_from_dict({"name": "calibration", "side": "right", "foot": {"size": "EU 42"}}).sides[0]
    outline = side_outline(spec)
    fit = fit_pressure(peak, outline, "right")
    half = outline.landmarks.foot_length_mm / 2
    probe = foot_from(outline, pressure_field(peak, fit), LOAD_N, HEALTHY, Calibration(scale_kpa=1.0, bone_share=0.0))
    x, y = probe.sole.x_mm, probe.sole.y_mm
    frames = read_pressure_frames(path)
    carried = []
    for grid in frames:
        p = pressure_field(grid, fit).kpa(x, y)
        carried.append(min(float(p[x < half].sum()), float(p[x >= half].sum())))
    best = int(np.argmax(carried))
    return Step(outline, pressure_field(frames[best], fit), best + 1)


def standing_foot(step: Step, calibration: Calibration) -> Foot:
    return foot_from(step.outline, step.field, LOAD_N, HEALTHY, calibration)


def _peak(case: Case, names: tuple[str, ...]) -> float:
    return max(r.peak_kpa for r in case.regions if r.name in names)


def _change(before: float, after: float) -> float:
    return 100.0 * (after / before - 1.0)


def compare(foot: Foot) -> list[Comparison]:
    """The model's figure for each published one, on ``foot``."""
    load = LOAD_N
    n = foot.sole.x_mm.size
    rigid = case_on(foot, np.zeros(n), np.full(n, np.inf), load)
    shape = foot.sole.unloaded_mm - foot.sole.unloaded_mm.min() + MOULDED_BASE_MM
    moulded = case_on(foot, shape, 300.0 / shape, load)  # E = 0.3 MPa: 300 kPa over the column's mm
    mth = tuple(f"MTH {k}" for k in range(1, 6))
    cz = {"heel": _change(_peak(rigid, ("heel",)), _peak(moulded, ("heel",))),
          "metatarsal heads": _change(_peak(rigid, mth), _peak(moulded, mth)),
          "midfoot": _change(_peak(rigid, ("midfoot",)), _peak(moulded, ("midfoot",))),
          "contact area": _change(rigid.contact_cm2, moulded.contact_cm2)}
    out = [Comparison(f"custom-moulded soft against flat rigid: {name}", CHEUNG_ZHANG[name], round(value, 1),
                      "Cheung & Zhang 2005", name in FITTED) for name, value in cz.items()]
    foam_kpa_per_mm = FOAMS["PORON 4701-30"].secant_modulus_mpa * 1000.0 / GOSKE_THICKNESS_MM
    flat = case_on(foot, np.full(n, GOSKE_THICKNESS_MM), np.full(n, foam_kpa_per_mm), load)
    conforming_top = foot.sole.unloaded_mm - foot.sole.unloaded_mm.min() + GOSKE_THICKNESS_MM
    conforming = case_on(foot, conforming_top, FOAMS["PORON 4701-30"].secant_modulus_mpa * 1000.0 / conforming_top, load)
    heel = _peak(rigid, ("heel",))
    out.append(Comparison("flat insole against barefoot: heel", GOSKE["flat insole, heel"],
                          round(_change(heel, _peak(flat, ("heel",))), 1), "Goske et al. 2006", False))
    out.append(Comparison("conforming insole against barefoot: heel", GOSKE["conforming insole, heel"],
                          round(_change(heel, _peak(conforming, ("heel",))), 1), "Goske et al. 2006", False))
    return out


def _misfit(step: Step, scale_kpa: float, bone_share: float) -> float:
    foot = standing_foot(step, Calibration(scale_kpa=scale_kpa, bone_share=bone_share))
    return sum((c.model - c.published) ** 2 for c in compare(foot) if c.fitted)


def calibrate(step: Step) -> Calibration:
    """A0 and the bone share that best give Cheung & Zhang's heel and metatarsal figures."""
    grid = itertools.product((0.5, 1.0, 2.0, 4.0, 8.0, 16.0), (0.0, 0.5, 1.0, 1.5, 2.0))
    scale, share = min(grid, key=lambda v: _misfit(step, *v))
    found = minimize(lambda v: _misfit(step, float(np.exp(v[0])), float(v[1])), np.array([np.log(scale), share]),
                     method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-4, "maxiter": 200})
    return Calibration(scale_kpa=round(float(np.exp(found.x[0])), 3), bone_share=round(float(found.x[1]), 3))


def validation_table(comparisons: list[Comparison]) -> str:
    """docs/pressure-model.md's table: each published change beside the model's."""
    lines = ["| comparison | published | model | source | use |", "|---|---:|---:|---|---|"]
    lines += [f"| {c.figure} | {c.published:+.1f} % | {c.model:+.1f} % | {c.source} | {'fitted' if c.fitted else 'checked'} |"
              for c in comparisons]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", type=Path, help="a barefoot step (the emed listing in tests/data/real)")
    args = parser.parse_args(argv)
    step = standing_step(args.step)
    calibration = calibrate(step)
    print(f"picture {step.frame}; {calibration}")
    print(validation_table(compare(standing_foot(step, calibration))))


if __name__ == "__main__":
    main()
