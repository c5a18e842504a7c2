"""Design to a pressure target (issue 25): ``[pressure] target_peak_kpa`` and/or
``target_reduction_pct`` (below the flat insole of the same material and thickness)
adjust the side, within the clinical rules and the printable minimum, until the
predicted standing pressure meets them, or say by how much and why it cannot.

The levers, tried in this order (the least invasive first), each over a fixed range:

1. the reliefs' depths (``pressure.relief_table``, every depth times 1 to 3; the
   printable minimum holds each cut wherever the part is thin);
2. the firmness under the peak: the softest band's infill (``pressure.softest_pct``) with
   the map's bands (``zones = "pressure"``, offloading), or else the fixed zone's under
   the region the peak is in (``zones.heel`` for the heel, ``zones.arch`` the midfoot,
   ``zones.forefoot`` the heads and hallux, ``zones.toes`` the toes; the profile's, so
   both sides of a pair), down to the least the firmness table covers; a zone asked as a
   stiffness or a foam keeps it;
3. the arch's total-contact fill (``shape.arch_height_mm``, up to 8 mm more, within the
   25 mm the clinical rules allow), which moves load onto the midfoot.

For each lever four points across its range are tried in order (a lever may help up to
a point and then hurt, as an arch filled too high overloads the midfoot): at the first
that meets the target a bisection (6 steps) finds the least change that does; if none
does, the point that lowered the peak most is kept (when it lowered it by 1 kPa or
more), and the next lever is tried from there. A deterministic search over whole builds
(each about a second): a targeted build takes up to half a minute.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from insolegen.build.parts import SidePart
from insolegen.build.prediction import predict_side, side_load
from insolegen.build.record import DesignChange, DesignFigures
from insolegen.build.side import build_side
from insolegen.contact.cases import Prediction
from insolegen.firmness.table import table_least
from insolegen.profile.spec import Profile, SideSpec, ZonesSpec

__all__ = ["ARCH_FILL_MAX_MM", "RELIEF_FACTOR_MAX", "designed_profile"]

RELIEF_FACTOR_MAX = 3.0
ARCH_FILL_MAX_MM = 8.0
ARCH_CLINICAL_MAX_MM = 25.0  # insolegen.profile.clinical warns above it
BISECTIONS = 6
TRIALS = 4  # points across each lever's range
WORTH_KPA = 1.0  # a change that lowers the peak less than this is not made


@dataclass(frozen=True)
class _Design:
    """What the levers change: the side and the profile's zones."""

    spec: SideSpec
    zones: ZonesSpec


@dataclass(frozen=True)
class _Lever:
    key: str
    start: float
    end: float
    apply: Callable[[_Design, float], _Design]


REGION_ZONE = {"heel": "heel", "midfoot": "arch", "hallux": "forefoot", "toes": "toes",
               **{f"MTH {k}": "forefoot" for k in range(1, 6)}}


def _relief(d: _Design, factor: float) -> _Design:
    p = d.spec.pressure
    assert p is not None
    table = tuple((k, round(depth * factor, 3)) for k, depth in p.relief_table)
    return dataclasses.replace(d, spec=dataclasses.replace(d.spec, pressure=dataclasses.replace(p, relief_table=table)))


def _softest(d: _Design, pct: float) -> _Design:
    p = d.spec.pressure
    assert p is not None
    return dataclasses.replace(d, spec=dataclasses.replace(d.spec, pressure=dataclasses.replace(p, softest_pct=round(pct, 1))))


ZONE_FIELDS = {"heel": "heel_pct", "arch": "arch_pct", "forefoot": "forefoot_pct", "toes": "toes_pct"}


def _zone(name: str) -> Callable[[_Design, float], _Design]:
    def apply(d: _Design, pct: float) -> _Design:
        changed: dict[str, float] = {ZONE_FIELDS[name]: round(pct, 1)}
        return dataclasses.replace(d, zones=dataclasses.replace(d.zones, **changed))  # type: ignore[arg-type]

    return apply


def _arch(d: _Design, mm: float) -> _Design:
    return dataclasses.replace(d, spec=dataclasses.replace(d.spec, arch_height_mm=round(mm, 2)))


def _levers(design: _Design, peak_region: str) -> list[_Lever]:
    spec, zones = design.spec, design.zones
    p = spec.pressure
    assert p is not None
    least = 100 * table_least("infill")
    out = [_Lever(f"{p.key}.relief_table (depths times)", 1.0, RELIEF_FACTOR_MAX, _relief)]
    if p.graded_zones:
        if p.grading == "offload" and p.softest_kpa_per_mm is None and p.softest_pct > least:
            out.append(_Lever(f"{p.key}.softest_pct", p.softest_pct, least, _softest))
    else:
        zone = REGION_ZONE[peak_region]
        pct = getattr(zones, f"{zone}_pct")
        if pct > least and all(t.zone != zone for t in zones.targets):
            out.append(_Lever(f"zones.{zone}", pct, least, _zone(zone)))
    arch_end = min(spec.arch_height_mm + ARCH_FILL_MAX_MM, ARCH_CLINICAL_MAX_MM)
    if arch_end > spec.arch_height_mm:
        out.append(_Lever("shape.arch_height_mm", spec.arch_height_mm, arch_end, _arch))
    return out


def _reduction(prediction: Prediction) -> float:
    return 100.0 * (1.0 - prediction.designed.peak_kpa / prediction.flat.peak_kpa)


def _meets(prediction: Prediction, peak_kpa: float | None, reduction_pct: float | None) -> bool:
    return ((peak_kpa is None or prediction.designed.peak_kpa <= peak_kpa)
            and (reduction_pct is None or _reduction(prediction) >= reduction_pct))


def _peak_region(prediction: Prediction) -> str:
    return max(prediction.designed.regions, key=lambda r: r.peak_kpa).name


def _design_side(profile: Profile, spec: SideSpec) -> tuple[_Design, DesignFigures]:
    """The side (and the profile's zones) with the levers set for the target, and what was done."""
    # Over 60 lines: the search's steps (predict, each lever's far end, its bisection, the record) share its state.
    asked = spec.pressure
    assert asked is not None
    peak_kpa, reduction_pct = asked.target_peak_kpa, asked.target_reduction_pct
    cache: dict[tuple[object, ...], Prediction] = {}

    def predict(d: _Design) -> Prediction:
        s = d.spec
        assert s.pressure is not None
        key = (s.pressure.relief_table, s.pressure.softest_pct, s.arch_height_mm, d.zones)  # what the levers change
        if key not in cache:
            part: SidePart = build_side(s, zones=d.zones)
            load, load_from, _ = side_load(part, profile.patient.mass_kg)
            prediction = predict_side(part, profile.material, profile.zones.pattern, load, load_from,
                                      profile.patient.diabetic)
            assert prediction is not None  # checked with the profile: a map and the gyroid infill
            cache[key] = prediction
        return cache[key]

    current = _Design(spec, profile.zones)
    start = predict(current)
    changes: list[DesignChange] = []
    said: list[str] = []
    for lever in _levers(current, _peak_region(start)):
        now = predict(current)
        if _meets(now, peak_kpa, reduction_pct):
            break
        steps = [lever.start + (lever.end - lever.start) * k / TRIALS for k in range(1, TRIALS + 1)]
        meeting = next((k for k, v in enumerate(steps) if _meets(predict(lever.apply(current, v)), peak_kpa,
                                                                   reduction_pct)), None)
        if meeting is not None:
            lo, hi = (lever.start if meeting == 0 else steps[meeting - 1]), steps[meeting]  # lo does not meet, hi does
            for _ in range(BISECTIONS):
                mid = (lo + hi) / 2
                if _meets(predict(lever.apply(current, mid)), peak_kpa, reduction_pct):
                    hi = mid
                else:
                    lo = mid
            current = lever.apply(current, hi)
            changes.append(DesignChange(key=lever.key, from_value=lever.start, to_value=round(hi, 3)))
            continue
        best = min(steps, key=lambda v: predict(lever.apply(current, v)).designed.peak_kpa)
        gain = now.designed.peak_kpa - predict(lever.apply(current, best)).designed.peak_kpa
        if gain >= WORTH_KPA:
            current = lever.apply(current, best)
            changes.append(DesignChange(key=lever.key, from_value=lever.start, to_value=round(best, 3)))
            said.append(f"{lever.key} at {best:g} lowered the peak most ({gain:.0f} kPa)")
        else:
            said.append(f"{lever.key} over its range ({lever.start:g} to {lever.end:g}) did not lower the peak")
    final = predict(current)
    met = _meets(final, peak_kpa, reduction_pct)
    shortfall = None
    if not met:
        parts = []
        if peak_kpa is not None and final.designed.peak_kpa > peak_kpa:
            parts.append(f"the peak is {final.designed.peak_kpa:.0f} kPa, {final.designed.peak_kpa - peak_kpa:.0f} kPa "
                         f"over the {peak_kpa:g} asked")
        if reduction_pct is not None and _reduction(final) < reduction_pct:
            parts.append(f"the reduction is {_reduction(final):.0f} %, {reduction_pct - _reduction(final):.0f} points "
                         f"short of the {reduction_pct:g} % asked")
        shortfall = (f"not reachable: {'; '.join(parts)}; the peak is under the {_peak_region(final)}; "
                     + "; ".join(said))
    figures = DesignFigures(
        target_peak_kpa=peak_kpa, target_reduction_pct=reduction_pct, met=met, changes=tuple(changes),
        peak_before_kpa=start.designed.peak_kpa, peak_kpa=final.designed.peak_kpa,
        reduction_before_pct=round(_reduction(start), 1), reduction_pct=round(_reduction(final), 1),
        builds=len(cache), shortfall=shortfall)
    return current, figures


def designed_profile(profile: Profile) -> tuple[Profile, dict[str, DesignFigures]]:
    """The profile with each targeted side designed to its target, and what was done
    per side (the other sides as they were)."""
    sides = list(profile.sides)
    done: dict[str, DesignFigures] = {}
    for k, spec in enumerate(sides):
        p = spec.pressure
        if p is None or (p.target_peak_kpa is None and p.target_reduction_pct is None):
            continue
        design, done[spec.side] = _design_side(profile, spec)
        sides[k] = design.spec
        profile = dataclasses.replace(profile, zones=design.zones)  # a zone's firmness is the profile's: both sides
    if not done:
        return profile, done
    return dataclasses.replace(profile, sides=tuple(sides)), done
