"""Clinical rules for [modifications]: what a combination needs, conflicts with or
risks (docs/clinical.md, "Modifications", with sources). Each side's rules return
(warnings, refusals); a refusal names the override key where clinicians legitimately
go beyond it, and otherwise what is allowed."""

from __future__ import annotations

from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.profile.problems import problem
from insolegen.profile.spec import SideSpec

__all__ = [
    "COVER_FIRM_PCT",
    "COVER_SKIN_MM",
    "EXTENSION_SIDE_DIFFERENCE_MM",
    "MEDIAL_SUPPORT_WARN_MM",
    "REVERSE_MORTONS_THIN_MM",
    "SKIVE_DEEP_CUP_MM",
    "SKIVE_MIN_CUP_MM",
    "SKIVE_PLUS_INVERSION",
    "cover_checks",
    "modification_checks",
    "pair_checks",
]

SKIVE_MIN_CUP_MM = 14.0  # a skive needs a cup at least this deep [PT]
SKIVE_DEEP_CUP_MM = 20.0  # skive (mm) + inversion (deg) over 5: a 20-22 mm cup [PT]
SKIVE_PLUS_INVERSION = 5.0
REVERSE_MORTONS_THIN_MM = 4.0  # reverse Morton's can cause toe nerve symptoms: keep it thin [PLr]
EXTENSION_SIDE_DIFFERENCE_MM = 3.0  # extensions equal on both sides unless gait says otherwise [KRf]
MEDIAL_SUPPORT_WARN_MM = 25.0  # arch + navicular pad: the arch warning's height
COVER_SKIN_MM = 1.5  # a vinyl-like skin is 1-1.5 mm [PD]; thicker covers are there to cushion
COVER_FIRM_PCT = 50.0


def _key(name: str) -> str:
    return f"modifications.{name}"


def modification_checks(spec: SideSpec) -> tuple[list[str], list[str]]:
    """(warnings, refusals) for one side, each without the side's name."""
    # Over 60 lines: one clinical rule after another, each a few lines with its source.
    m = spec.modifications
    warnings: list[str] = []
    refusals: list[str] = []
    skives = [(k, v) for k, v in (("medial_heel_skive_mm", m.medial_heel_skive_mm),
                                  ("lateral_heel_skive_mm", m.lateral_heel_skive_mm)) if v > 0]
    if len(skives) == 2:
        refusals.append(problem(_key('lateral_heel_skive_mm'), m.lateral_heel_skive_mm,
                f"{_key('medial_heel_skive_mm')} = {m.medial_heel_skive_mm:g} and "
                        f"{_key('lateral_heel_skive_mm')} = {m.lateral_heel_skive_mm:g}: a varus and a valgus "
                        "skive work against each other: allowed is one of them"))
    for key, depth in skives:
        if spec.heel_cup_depth_mm < SKIVE_MIN_CUP_MM and not m.allow_shallow_cup:
            refusals.append(problem(_key(key), depth,
                    f"{_key(key)} = {depth:g} needs a heel cup of {SKIVE_MIN_CUP_MM:g} mm or more "
                            f"(shape.heel_cup_depth_mm = {spec.heel_cup_depth_mm:g}): deepen the cup, or set "
                            f"{_key('allow_shallow_cup')} = true"))
        if (key.startswith("medial") and depth + max(spec.rearfoot_post_deg, 0.0) > SKIVE_PLUS_INVERSION
                and spec.heel_cup_depth_mm < SKIVE_DEEP_CUP_MM):
            warnings.append(f"{_key(key)} = {depth:g} with a {spec.rearfoot_post_deg:g}\u00b0 rearfoot post: "
                            f"skive plus inversion over {SKIVE_PLUS_INVERSION:g} usually wants a 20-22 mm heel cup "
                            f"(shape.heel_cup_depth_mm = {spec.heel_cup_depth_mm:g})")
        varus = key.startswith("medial")
        post = spec.rearfoot_post_deg
        if (varus and post < 0) or (not varus and post > 0):
            warnings.append(f"{_key(key)} = {depth:g} with shape.rearfoot_post_deg = {post:g}: the skive and the "
                            "post tilt the heel opposite ways")
    if m.mortons_extension_mm > 0:
        if spec.length == "three-quarter":
            refusals.append(problem(_key('mortons_extension_mm'), m.mortons_extension_mm,
                    f"{_key('mortons_extension_mm')} = {m.mortons_extension_mm:g} runs under the 1st MTH "
                            "and the hallux: allowed with shape.length = \"full\" or \"sulcus\", not "
                            "\"three-quarter\""))
        if m.reverse_mortons_mm > 0:
            refusals.append(problem(_key('reverse_mortons_mm'), m.reverse_mortons_mm,
                    f"{_key('mortons_extension_mm')} = {m.mortons_extension_mm:g} and "
                            f"{_key('reverse_mortons_mm')} = {m.reverse_mortons_mm:g}: one loads the 1st ray, the "
                            "other lets it drop: allowed is one of them"))
    if m.reverse_mortons_mm > 0 and spec.length == "three-quarter":
        refusals.append(problem(_key('reverse_mortons_mm'), m.reverse_mortons_mm,
                f"{_key('reverse_mortons_mm')} = {m.reverse_mortons_mm:g} runs under MTH 2-5: allowed "
                        "with shape.length = \"full\" or \"sulcus\""))
    if m.reverse_mortons_mm > REVERSE_MORTONS_THIN_MM:
        warnings.append(f"{_key('reverse_mortons_mm')} = {m.reverse_mortons_mm:g}: a thick reverse Morton's can "
                        f"cause toe nerve symptoms; usually {REVERSE_MORTONS_THIN_MM:g} mm or less")
    # A three-quarter device ends 10-15 mm behind the heads: a met pad (apex 8 mm behind
    # the line, its front on the line) or a met bar (full to 5 mm behind it) would be cut
    # off by the device's end; on a shell they go under a longer top cover.
    for key, height in (("shape.met_pad_height_mm", spec.met_pad_height_mm), (_key("met_bar_mm"), m.met_bar_mm)):
        if height > 0 and spec.length == "three-quarter":
            refusals.append(problem(key, height,
                    f"{key} = {height:g} reaches the metatarsal heads, but a three-quarter insole ends "
                    "about 11 mm behind them: the pad would end on a cut edge; allowed with shape.length = "
                    "\"full\" or \"sulcus\""))
    if m.met_bar_mm > 0 and spec.met_pad_height_mm > 0:
        warnings.append(f"{_key('met_bar_mm')} = {m.met_bar_mm:g} with shape.met_pad_height_mm = "
                        f"{spec.met_pad_height_mm:g}: a met bar and a met pad both lift the heads; usually one")
    forefoot_base = spec.thickness_mm + spec.lift_forefoot_mm
    heads = [(f"mth_relief_mm[{i + 1}]", d) for i, d in enumerate(m.mth_relief_mm) if d > 0]
    if heads and spec.length == "three-quarter":
        refusals.append(problem(_key('mth_relief_mm'), list(m.mth_relief_mm),
                f"{_key('mth_relief_mm')} = {list(m.mth_relief_mm)}: a three-quarter insole ends behind "
                        "the metatarsal heads: allowed with shape.length = \"full\" or \"sulcus\""))
    if heads and spec.met_pad_height_mm <= 0 and m.met_bar_mm <= 0:
        warnings.append(f"{_key('mth_relief_mm')} = {list(m.mth_relief_mm)} without a met pad or met bar: a "
                        "relief under a head works with a pad just proximal to it")
    cuts = list(heads)
    if m.sesamoid_relief_mm > 0:
        # the sesamoids lie just behind the 1st head: the two hollows overlap
        cuts.append(("sesamoid_relief_mm (with mth_relief_mm[1])", m.sesamoid_relief_mm + m.mth_relief_mm[0]))
    if m.plantar_fascia_groove_mm > 0:
        cuts.append(("plantar_fascia_groove_mm", m.plantar_fascia_groove_mm))
        warnings.append(f"{_key('plantar_fascia_groove_mm')} = {m.plantar_fascia_groove_mm:g}: a groove can lift "
                        "the device off the arch; it is best added after a first fitting")
    for key, depth in cuts:
        if forefoot_base - depth < PRINTABLE_MIN_MM:
            refusals.append(problem(_key(key.split(' ')[0]), depth,
                    f"{_key(key)}: {depth:g} mm deep leaves {forefoot_base - depth:.1f} mm of the "
                            f"{forefoot_base:g} mm base: allowed is at most {forefoot_base - PRINTABLE_MIN_MM:.1f} "
                            f"mm (the printable minimum is {PRINTABLE_MIN_MM:g} mm)"))
    if m.heel_relief_mm > 0:
        heel_base = spec.heel_thickness_mm + spec.lift_heel_mm
        if heel_base - m.heel_relief_mm < PRINTABLE_MIN_MM:
            refusals.append(problem(_key('heel_relief_mm'), m.heel_relief_mm,
                    f"{_key('heel_relief_mm')} = {m.heel_relief_mm:g} leaves "
                            f"{heel_base - m.heel_relief_mm:.1f} mm under the heel: allowed is 0 to "
                            f"{heel_base - PRINTABLE_MIN_MM:.1f} mm (the heel base less the printable minimum "
                            f"{PRINTABLE_MIN_MM:g} mm)"))
    for key, height in (("medial_flange_mm", m.medial_flange_mm), ("lateral_clip_mm", m.lateral_clip_mm)):
        if height > spec.heel_cup_depth_mm:
            warnings.append(f"{_key(key)} = {height:g} is higher than the heel cup (shape.heel_cup_depth_mm = "
                            f"{spec.heel_cup_depth_mm:g}): a wall usually stays at or below the cup's rim")
    if m.first_ray_cutout:
        if m.mortons_extension_mm > 0:
            refusals.append(problem(_key('first_ray_cutout'), True,
                    f"{_key('first_ray_cutout')} = true and {_key('mortons_extension_mm')} = "
                            f"{m.mortons_extension_mm:g}: one drops the 1st ray, the other loads it: allowed is "
                            "one of them"))
        under_first = [(k, d) for k, d in (("mth_relief_mm", m.mth_relief_mm[0]),
                                           ("sesamoid_relief_mm", m.sesamoid_relief_mm)) if d > 0]
        for key, depth in under_first:
            # the cut-out already takes the 1st MPJ down to the printable minimum
            refusals.append(problem(_key(key), list(m.mth_relief_mm) if key == "mth_relief_mm" else depth,
                    f"{_key(key)} cuts under the 1st MPJ, where {_key('first_ray_cutout')} = true already "
                    f"leaves only the printable minimum ({PRINTABLE_MIN_MM:g} mm): allowed is one of them"))
        if spec.length == "three-quarter":
            refusals.append(problem(_key('first_ray_cutout'), True,
                    f"{_key('first_ray_cutout')} = true lies under the 1st MPJ: allowed with shape.length "
                            "= \"full\" or \"sulcus\""))
        if spec.thickness_mm + spec.lift_forefoot_mm - PRINTABLE_MIN_MM < 0.5:
            refusals.append(problem(_key('first_ray_cutout'), True,
                    f"{_key('first_ray_cutout')} = true on a {spec.thickness_mm:g} mm forefoot base: "
                            f"less than 0.5 mm to cut above the printable minimum ({PRINTABLE_MIN_MM:g} mm): "
                            "allowed on a base of 1.7 mm or more"))
        warnings.append(f"{_key('first_ray_cutout')} = true: a cut-out destabilises the device; reverse Morton's, "
                        "minimal fill and 2-3\u00b0 of inversion are usually tried first")
    if m.navicular_pad_mm > 0 and spec.arch_height_mm + m.navicular_pad_mm > MEDIAL_SUPPORT_WARN_MM:
        warnings.append(f"{_key('navicular_pad_mm')} = {m.navicular_pad_mm:g} on a {spec.arch_height_mm:g} mm "
                        f"arch: {spec.arch_height_mm + m.navicular_pad_mm:g} mm of medial support, above "
                        f"{MEDIAL_SUPPORT_WARN_MM:g} mm")
    return warnings, refusals


def cover_checks(specs: list[SideSpec] | tuple[SideSpec, ...], cover_pct: float) -> list[str]:
    """A top cover is added on top: thin and solid it is a skin, thick it should cushion
    (docs/clinical.md: vinyl skins 1-1.5 mm; cushioning covers 3-6 mm)."""
    thickest = max((s.modifications.top_cover_mm for s in specs), default=0.0)
    if thickest > COVER_SKIN_MM and cover_pct >= COVER_FIRM_PCT:
        return [f"{_key('top_cover_mm')} = {thickest:g} at zones.top_cover = {cover_pct:g} %: a cover thicker than "
                f"{COVER_SKIN_MM:g} mm printed this dense is firm, not a cushion; for a cushioning cover give "
                "zones.top_cover 10-20 % (or a softer filament with zones.top_cover_extruder)"]
    return []


def pair_checks(specs: list[SideSpec] | tuple[SideSpec, ...]) -> list[str]:
    """Warnings that compare the two sides."""
    if len(specs) != 2:
        return []
    a, b = (s.modifications for s in specs)
    out = []
    for key in ("mortons_extension_mm", "reverse_mortons_mm"):
        va, vb = getattr(a, key), getattr(b, key)
        if abs(va - vb) > EXTENSION_SIDE_DIFFERENCE_MM:
            out.append(f"{_key(key)}: {va:g} mm on the {specs[0].side} and {vb:g} mm on the {specs[1].side}: "
                       f"extensions usually match within {EXTENSION_SIDE_DIFFERENCE_MM:g} mm unless gait says "
                       "otherwise")
    return out
