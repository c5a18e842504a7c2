"""Clinical warnings and refusals, from docs/clinical.md.

Each check returns messages; ``refusals`` stop the build unless the profile carries the
override key the message names, ``warnings`` are printed and recorded in build.json.
"""

from __future__ import annotations

from insolegen.firmness.materials import DEFAULT_MATERIAL, MATERIALS, Material
from insolegen.profile.defaults import CHILD_FOOT_MM, DIABETIC_BASE_MM
from insolegen.profile.problems import problem
from insolegen.profile.schema import RANGES, LiftTable
from insolegen.profile.slips import unit_slip
from insolegen.profile.spec import SideSpec

__all__ = [
    "ADULT_FOOT_MM",
    "ARCH_APEX_USUAL_PCT",
    "ARCH_WARN_MM",
    "BALL_WIDTH_FRACTION_USUAL",
    "BOTTOM_OUT_STRAIN",
    "CHILD_LIFT_MM",
    "CORRECTION_LIMIT",
    "CORRECTION_WARN",
    "HEEL_CUP_WARN_MM",
    "HEEL_ONLY_LIFT_WARN_MM",
    "HEEL_WIDTH_FRACTION_USUAL",
    "IN_SHOE_LIFT_MM",
    "LLD_REFER_MM",
    "LLD_UNTREATED_MM",
    "MET_PAD_WARN_MM",
    "POST_WARN_DEG",
    "RIM_WARN_MM",
    "TOTAL_HEEL_LIMIT_MM",
    "TOTAL_HEEL_WARN_MM",
    "bottoming_out",
    "diabetic_checks",
    "lift_checks",
    "merged_side_warnings",
    "net_correction",
    "side_warnings",
    "unusual_widths",
]

ADULT_FOOT_MM = (200.0, 330.0)
CHILD_LIFT_MM = 10.0  # children: cap in-shoe lifts at 1 cm, correct about half or less
BALL_WIDTH_FRACTION_USUAL = (0.33, 0.43)  # ANSUR II 0.377 +- 2.5 SD
HEEL_WIDTH_FRACTION_USUAL = (0.22, 0.32)  # ANSUR II 0.273 +- 2.5 SD
HEEL_CUP_WARN_MM = 18.0
ARCH_WARN_MM = 25.0
ARCH_APEX_USUAL_PCT = (38.0, 50.0)
POST_WARN_DEG = 8.0
MET_PAD_WARN_MM = 6.0
HEEL_ONLY_LIFT_WARN_MM = 6.0
IN_SHOE_LIFT_MM = 10.0
TOTAL_HEEL_WARN_MM = 12.0
TOTAL_HEEL_LIMIT_MM = 15.0
BOTTOM_OUT_STRAIN = 0.5  # insoles work at 20-50 % strain; past that a cushion nears densification
RIM_WARN_MM = 20.0  # a lifted heel cup's rim above this wants the shoe's counter checked (U)
CORRECTION_WARN = 0.75
CORRECTION_LIMIT = 1.0
LLD_REFER_MM = 20.0
LLD_UNTREATED_MM = 3.0


def merged_side_warnings(specs: list[SideSpec] | tuple[SideSpec, ...]) -> list[str]:
    """Every side's warnings: one both sides share is given once; a side's own is
    labelled with it."""
    per_side = {spec.side: side_warnings(spec) for spec in specs}
    everywhere = set.intersection(*(set(w) for w in per_side.values())) if len(per_side) > 1 else set()
    merged: list[str] = []
    for side, found in per_side.items():
        for warning in found:
            if warning in everywhere:
                if warning not in merged:
                    merged.append(warning)
            else:
                merged.append(f"{side}: {warning}")
    return merged


def _child_age(foot_length_mm: float) -> str:
    """A rough age for a child's foot length (Cheng 1997, 2,829 children, mean of boys
    and girls: 155 mm at 3 years, growing about 9 mm a year to about 230 mm at 12)."""
    years = 3 + (foot_length_mm - 155.0) / 9.0
    if years < 3:
        return "under 3 years"
    return f"{int(years)}-{int(years) + 1} years"


def unusual_widths(spec: SideSpec) -> list[tuple[str, float, float, tuple[float, float]]]:
    """(key, width mm, fraction of foot length, usual range) for each of the ball and
    heel widths outside the usual proportions: a warning for a measured or typed foot,
    a refusal for a scanned one (insolegen.inputs.feet)."""
    out = []
    for key, width, usual in (("ball_width_mm", spec.ball_width_mm, BALL_WIDTH_FRACTION_USUAL),
                              ("heel_width_mm", spec.heel_width_mm, HEEL_WIDTH_FRACTION_USUAL)):
        fraction = width / spec.foot_length_mm
        if not usual[0] <= fraction <= usual[1]:
            out.append((key, width, fraction, usual))
    return out


def side_warnings(spec: SideSpec) -> list[str]:
    """Warnings about one side's foot and shape parameters (without the side's name)."""
    out: list[str] = []
    fl = spec.foot_length_mm
    if fl < CHILD_FOOT_MM:
        scaled = [f"{k.removesuffix('_mm').replace('_', ' ')} {getattr(spec, k):g} mm" for k in spec.defaulted]
        # under 200 mm a child's; 200-230 mm a child's or a small adult's (EU W 35-36)
        whose = ("a child's" if fl < ADULT_FOOT_MM[0] else "a child's or a small adult's")
        out.append(
            f"foot length {fl:.0f} mm is {whose} (under {CHILD_FOOT_MM:.0f} mm; a child of about "
            f"{_child_age(fl)} by Cheng 1997)"
            + (f": defaults scaled to the foot ({', '.join(scaled)})" if scaled else "")
            + ("; check the prescription with the child's clinician" if fl < ADULT_FOOT_MM[0] else "")
        )
        if spec.lift_heel_mm > CHILD_LIFT_MM:
            out.append(f"lift.heel_mm = {spec.lift_heel_mm:g} in a child's shoe: in-shoe lifts for children are "
                       f"capped at about {CHILD_LIFT_MM:g} mm, correcting about half the discrepancy or less")
    elif fl > ADULT_FOOT_MM[1]:
        out.append(
            f"foot length {fl:.0f} mm is outside the adult range "
            f"{ADULT_FOOT_MM[0]:.0f}-{ADULT_FOOT_MM[1]:.0f} mm: check the measurement"
        )
    for key, width, fraction, usual in unusual_widths(spec):
        out.append(f"{key} = {width:g} is {fraction:.2f} x foot length; usual is {usual[0]}-{usual[1]}: "
                   "check the measurement")
    if spec.heel_cup_depth_mm > HEEL_CUP_WARN_MM:
        out.append(
            f"heel_cup_depth_mm = {spec.heel_cup_depth_mm:g} is above {HEEL_CUP_WARN_MM:g} mm: "
            "needs deep shoes"
        )
    if spec.arch_height_mm > ARCH_WARN_MM:
        out.append(
            f"arch_height_mm = {spec.arch_height_mm:g} is above the typical 0-{ARCH_WARN_MM:g} mm "
            "and approaches navicular height (36-55 mm)"
        )
    lo, hi = ARCH_APEX_USUAL_PCT
    if spec.arch_height_mm > 0 and not lo <= spec.arch_apex_pct <= hi:
        out.append(
            f"arch_apex_pct = {spec.arch_apex_pct:g} is outside the usual {lo:g}-{hi:g} %"
        )
    for key in ("rearfoot_post_deg", "forefoot_post_deg"):
        value = getattr(spec, key)
        if abs(value) > POST_WARN_DEG:
            out.append(
                f"{key} = {value:g} is beyond the typical range of {POST_WARN_DEG:g} degrees "
                "varus or valgus"
            )
    if spec.lift_forefoot_mm > 0 and spec.length != "full":
        out.append(
            f"lift.forefoot_mm = {spec.lift_forefoot_mm:g} on a {spec.length} insole: the lift tapers to nothing "
            "at its front edge, so the toes stand that much lower than the ball; a forefoot lift wants "
            "shape.length = \"full\", or a shoe whose toe box takes the step"
        )
    if spec.met_pad_height_mm > MET_PAD_WARN_MM:
        out.append(
            f"met_pad_height_mm = {spec.met_pad_height_mm:g} is taller than the usual 3-6 mm"
        )
    return out


def net_correction(lift: LiftTable, heel_thickness_mm: float, other_heel_mm: float | None) -> tuple[float, str]:
    """The correction that matters, the difference between the two shoes' heels, in mm,
    and what it was worked out from. ``other_heel_mm``: the other side's heel base when
    it is built too; else ``lift.other_shoe_mm`` (its liner, 0 for none); else the other
    shoe is taken to hold this insole's own heel base (the lift alone corrects)."""
    stack = heel_thickness_mm + lift.heel_mm
    if other_heel_mm is not None:
        return stack - other_heel_mm, f"{stack:g} mm of heel against the other insole's {other_heel_mm:g}"
    if lift.other_shoe_mm is not None:
        held = f"a {lift.other_shoe_mm:g} mm liner" if lift.other_shoe_mm > 0 else "nothing"
        return stack - lift.other_shoe_mm, f"{stack:g} mm of heel against {held} in the other shoe (lift.other_shoe_mm)"
    return lift.heel_mm, f"the lift alone, if the other shoe holds the same {heel_thickness_mm:g} mm heel"


def _other_shoe(lift: LiftTable, heel_thickness_mm: float, other_heel_mm: float | None) -> list[str]:
    """What the other shoe must hold for the lift to correct what it says."""
    other = "right" if lift.side == "left" else "left"
    if other_heel_mm is not None and lift.other_shoe_mm is not None:
        return [f"lift.other_shoe_mm = {lift.other_shoe_mm:g} is ignored: the {other} insole is built too, "
                "and the correction is the difference between the two"]
    if other_heel_mm is None and lift.other_shoe_mm is None:
        stack = heel_thickness_mm + lift.heel_mm
        bare = f"{stack:g} mm" + (f" ({stack / lift.measured_lld_mm * 100:.0f} %)" if lift.measured_lld_mm else "")
        return [f"only the {lift.side} insole is built: the {lift.heel_mm:g} mm lift corrects {lift.heel_mm:g} mm only "
                f"if the {other} shoe holds the same {heel_thickness_mm:g} mm heel (this profile's insole without the "
                f"lift, or a liner that thick); with nothing in it the correction is {bare}. Give "
                "lift.other_shoe_mm (the other shoe's liner at the heel, 0 for none) to work it out"]
    return []


def lift_checks(lift: LiftTable, heel_thickness_mm: float, other_heel_mm: float | None = None, *,
                cup_mm: float = 0.0, counter_known: bool = False) -> tuple[list[str], list[str]]:
    """(warnings, refusals) for a lift; heel_thickness_mm is the lift side's heel base,
    other_heel_mm the other side's when both are built, cup_mm its heel cup;
    counter_known: the shoe's heel counter is given (profile.shoe_rules checks it)."""
    warnings: list[str] = []
    refusals: list[str] = []
    warnings.extend(_other_shoe(lift, heel_thickness_mm, other_heel_mm))
    if lift.forefoot_mm > lift.heel_mm:
        refusals.append(problem("lift.forefoot_mm", lift.forefoot_mm,
            f"lift.forefoot_mm = {lift.forefoot_mm:g} is higher than lift.heel_mm = {lift.heel_mm:g}: "
            "allowed is 0 to heel_mm (a lift is highest under the heel)"
        ))
    if lift.heel_mm > IN_SHOE_LIFT_MM:
        warnings.append(
            f"lift.heel_mm = {lift.heel_mm:g} is above the ~{IN_SHOE_LIFT_MM:g} mm an in-shoe lift "
            "takes: above that the lift belongs on the outside of the shoe"
        )
    if lift.heel_mm > HEEL_ONLY_LIFT_WARN_MM:
        taper = ("; with forefoot_mm = 0 it also makes the foot slide forward: a lift tapered to the ball "
                 "(forefoot_mm > 0) or a full-length one") if lift.forefoot_mm == 0 else ""
        warnings.append(
            f"lift.heel_mm = {lift.heel_mm:g}: a heel lift over ~{HEEL_ONLY_LIFT_WARN_MM:g} mm inside the shoe lifts "
            "the heel out of its counter (heel slippage); up to about 10 mm goes as a detached tapered lift in a deep "
            "shoe, more as a lift on the outside of the shoe" + taper
        )
    rim = heel_thickness_mm + lift.heel_mm + cup_mm
    if cup_mm > 0 and rim > RIM_WARN_MM and not counter_known:
        warnings.append(
            f"the heel cup's rim stands {rim:g} mm above the shoe's floor (heel {heel_thickness_mm:g} + lift "
            f"{lift.heel_mm:g} + cup {cup_mm:g}): the shoe's heel counter must be about {rim + 15:g} mm deep to hold "
            "the heel; give shoe.heel_depth_mm to check it, or lower the cup on the lifted side"
        )
    total = heel_thickness_mm + lift.heel_mm
    if total > TOTAL_HEEL_LIMIT_MM:
        message = (
            f"total heel height {total:g} mm (heel base {heel_thickness_mm:g} + lift.heel_mm "
            f"{lift.heel_mm:g}) is above {TOTAL_HEEL_LIMIT_MM:g} mm"
        )
        if lift.allow_tall_heel:
            warnings.append(message + " (allowed by lift.allow_tall_heel)")
        else:
            refusals.append(problem("lift.heel_mm", lift.heel_mm,
                    message + ": set lift.allow_tall_heel = true to build it anyway"))
    elif total > TOTAL_HEEL_WARN_MM:
        warnings.append(
            f"total heel height {total:g} mm is above {TOTAL_HEEL_WARN_MM:g} mm: needs a deep shoe"
        )
    warnings.extend(_correction_checks(lift, refusals, *net_correction(lift, heel_thickness_mm, other_heel_mm)))
    return warnings, refusals


def _correction_checks(lift: LiftTable, refusals: list[str], net_mm: float, how: str) -> list[str]:
    lld: float | None = lift.measured_lld_mm
    if lld is None:
        return []
    out: list[str] = []
    # 0.9 is more likely 9 mm written in cm than a discrepancy of under a millimetre.
    slip = unit_slip(lld, LLD_UNTREATED_MM, RANGES["measured_lld_mm"][1])
    slip = f" ({slip})" if slip else ""
    if lld >= LLD_REFER_MM:
        out.append(
            f"lift.measured_lld_mm = {lld:g}: a discrepancy of 2 cm or more should be reviewed "
            "by a clinician"
        )
    elif lld < LLD_UNTREATED_MM:
        out.append(
            f"lift.measured_lld_mm = {lld:g}: under 3 mm is usually not treated unless symptomatic{slip}"
        )
    if lld == 0:
        if lift.heel_mm > 0:
            refusals.append(problem("lift.measured_lld_mm", lld,
                    "lift.measured_lld_mm = 0 but lift.heel_mm > 0: nothing to correct"))
        return out
    fraction = net_mm / lld
    pct = f"{fraction * 100:.0f} %"
    corrects = f"lift.heel_mm = {lift.heel_mm:g} corrects {net_mm:g} mm ({how}), {pct} of measured_lld_mm = {lld:g}"
    if fraction > CORRECTION_LIMIT:
        message = f"{corrects}: more than the whole discrepancy" + slip
        if lift.allow_overcorrection:
            out.append(message + " (allowed by lift.allow_overcorrection)")
        else:
            refusals.append(problem("lift.heel_mm", lift.heel_mm,
                message + "; allowed is up to 100 % (start at 50-70 %), "
                "or set lift.allow_overcorrection = true"
            ))
    elif fraction > CORRECTION_WARN:
        out.append(f"{corrects}: above 75 %; start around 50-70 % and raise in ~3 mm steps")
    return out


def diabetic_checks(specs: list[SideSpec] | tuple[SideSpec, ...], zone_pcts: tuple[float, ...]) -> list[str]:
    """Warnings for a diabetic foot's insert (docs/clinical.md, "Diabetic foot"): a custom
    insert is total contact (moulded to a model of the foot), multiple density, and at
    least 4.8 mm (3/16 in) of Shore A 35 or firmer under the foot (US Medicare A5513)."""
    out = []
    for spec in specs:
        label = f"{spec.side}: " if len(specs) > 1 else ""
        base = min(spec.thickness_mm, spec.heel_thickness_mm)
        if base < DIABETIC_BASE_MM:
            out.append(f"{label}patient.diabetic: a {base:g} mm base is under the {DIABETIC_BASE_MM:g} mm (3/16 in) a "
                       "custom diabetic insert needs: shape.thickness_mm and heel_thickness_mm 4.8 or more")
        source = spec.source
        moulded = source is not None and source.kind == "scan" and source.conform
        if not moulded:
            out.append(f"{label}patient.diabetic: a custom diabetic insert is total contact, moulded to the foot; "
                       "this one is shaped from " + ("a tracing" if source is not None else "a size") +
                       ": build it from the patient's scan or impression (foot.scan, conform = true)")
    if len(set(zone_pcts)) < 2:
        out.append("patient.diabetic: every zone has the same infill; a diabetic insert is multiple density "
                   "(softer under the heads and the heel than under the arch)")
    return out


def bottoming_out(peak_kpa: float, infill_pct: float, where: str, material: Material = MATERIALS[DEFAULT_MATERIAL]) -> str | None:
    """A first estimate of whether a printed cushion collapses under a peak: the
    material's modulus times the density squared (Gibson-Ashby, bending-dominated), strain =
    peak / that; over BOTTOM_OUT_STRAIN the cushion is near its densification and no longer
    spreads the load (insoles work at 20-50 % strain). Not the firmness model's homogenised
    modulus (insolegen/firmness): that is a small-strain figure, 2-3 times the density
    squared at 10-20 %, and thin walls buckle long before 50 %, so for a warning about
    collapse the softer, bending-dominated estimate is the cautious one."""
    stiffness_kpa = material.modulus_mpa * 1000 * (infill_pct / 100) ** 2
    strain = peak_kpa / stiffness_kpa if stiffness_kpa > 0 else float("inf")
    if strain <= BOTTOM_OUT_STRAIN:
        return None
    least = 100 * (peak_kpa / (BOTTOM_OUT_STRAIN * material.modulus_mpa * 1000)) ** 0.5
    return (f"{where}: {infill_pct:g} % gyroid under a {peak_kpa:.0f} kPa peak would compress about "
            f"{min(strain, 9.99) * 100:.0f} % (first estimate: {material.name} {material.modulus_mpa:g} MPa x density "
            f"squared) and may bottom out; {least:.0f} % or more stays under {BOTTOM_OUT_STRAIN * 100:.0f} %")
