"""Orthotic modifications ([modifications]) as smooth terms of the top surface.

Each is placed from the foot's own landmarks (heel centre, metatarsal-head line, the
medial and lateral edges across the width), so it follows a traced or scanned foot and
scales with it; it is built in the right-foot frame and mirrored with the part. Every
term is C1 (smoothstep edges, quartic domes), reaches exactly its asked height (a raise,
+) or depth (a relief, -) on a plateau or apex at its landmark, where build.json
measures it on the mesh. Positions and sizes: docs/clinical.md, "Modifications".

Across the foot, ``a`` is 0 on the medial edge and 1 on the lateral edge of the full
foot at that x; along it, distances are from the heel centre or the metatarsal-head line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.geometry.blends import RIM_FRACTION_OF_HEEL, dome, rim_rise, smoothstep
from insolegen.geometry.outline import Outline
from insolegen.profile.spec import SideSpec

__all__ = [
    "CLIP",
    "CUBOID",
    "CUTOUT",
    "FIRST_RAY_ACROSS",
    "FLANGE",
    "FOREFOOT_START_MM",
    "GROOVE",
    "HEEL_RELIEF_RADIUS_FRACTION",
    "HORSESHOE_FORWARD_FRACTION",
    "MET_BAR_ACROSS",
    "MET_BAR_MM",
    "MTH_ACROSS",
    "MTH_RELIEF_RADIUS_MM",
    "NAVICULAR",
    "REAR_END_FRACTION",
    "SESAMOID",
    "SKIVE_FORWARD_FRACTION",
    "SKIVE_KEYS",
    "SKIVE_PLATEAU_ACROSS",
    "Array",
    "Term",
    "modification_label",
    "modification_terms",
    "modifications_mm",
    "mth_line_point",
]

Array = NDArray[np.float64]

# Placement conventions (U), as fractions of foot length (FL) or of the width at x.
SKIVE_FORWARD_FRACTION = 0.06  # full skive to this far before the heel centre, gone by REAR_END
REAR_END_FRACTION = 0.30
SKIVE_KEYS = ("medial_heel_skive_mm", "lateral_heel_skive_mm")
SKIVE_PLATEAU_ACROSS = 0.70  # the skive's full depth from here to the cup: share of the half heel
# The 1st ray's lateral edge lies between MTH1 (a = 0.13) and MTH2 (0.31): full medial of
# 0.19, none lateral of 0.25, so a Morton's extension adds nothing under MTH2 and a
# reverse Morton's nothing under MTH1 (each head's 9 mm relief radius clear of the edge's
# middle).
FIRST_RAY_ACROSS = (0.19, 0.25)
FOREFOOT_START_MM = (25.0, 12.0)  # extensions start this far behind the MTH line, rising over the second
MET_BAR_MM = (30.0, 10.0, 5.0)  # behind the MTH line: starts rising, full from, full to; 0 on the line
MET_BAR_ACROSS = (0.08, 0.92)  # across MTH 1-5, edges eased over 0.08 of the width
# Centre x / FL, centre a, half length / FL, half width / width. The cuboid lies just
# behind the 5th metatarsal's base (its styloid, about 0.37-0.40 FL: the head at 0.64 less
# a 5th metatarsal of about 0.25 FL): the pad spans 0.275-0.365 FL, off the styloid.
CUBOID = (0.32, 0.78, 0.045, 0.22)
NAVICULAR = (0.38, 0.16, 0.08, 0.22)
MTH_ACROSS = (0.13, 0.31, 0.49, 0.67, 0.85)  # heads 1..5 on the MTH line
MTH_RELIEF_RADIUS_MM = 9.0
SESAMOID = (6.0, 0.16, 8.0)  # behind the MTH line (mm), across, radius (mm)
HEEL_RELIEF_RADIUS_FRACTION = 0.05  # of FL (13 mm on a 265 mm foot)
HORSESHOE_FORWARD_FRACTION = 0.09  # the horseshoe's hollow runs forward this far, open to the front
GROOVE = (0.22, 0.58, 0.28, 8.0)  # from x / FL, to x / FL, across, half width (mm)
FLANGE = (0.20, 0.62, 0.05)  # medial flange: full from x / FL to x / FL, eased in and out over
CLIP = (0.10, 0.30, 0.05)  # lateral clip: the same along the lateral heel and cuboid, gone by 0.35 (the styloid)
CUTOUT = (8.0, 0.12, 18.0, 12.0)  # first-ray cut-out: ahead of the MTH line (mm), across, half length, half width


@dataclass(frozen=True)
class Term:
    """One modification on one side: its key, the height asked (+ raise, - relief), the
    point where it is measured (right-foot frame) and its height field."""

    key: str
    asked_mm: float
    at: tuple[float, float]
    height_mm: Callable[[Array, Array], Array]


def modification_terms(spec: SideSpec, outline: Outline) -> tuple[Term, ...]:
    """Every non-zero modification of ``spec`` as a term over ``outline``."""
    # Over 60 lines: fourteen modifications, each a small closure over the same landmarks; issue 28
    # (clinically right shapes) rebuilds them as registered terms.
    mods = spec.modifications
    lm = outline.landmarks
    fl = spec.foot_length_mm
    x_hc, y_hc = lm.heel_centre

    def across(x: Array, y: Array) -> Array:
        lat, med = outline.edges_at(x)
        return (med - y) / np.maximum(med - lat, 1e-9)

    def point(x: float, a: float) -> tuple[float, float]:
        lat, med = outline.edges_at(np.array([x]))
        return (float(x), float(med[0] - a * (med[0] - lat[0])))

    def on_line(a: float, behind_mm: float = 0.0) -> tuple[float, float]:
        return mth_line_point(outline, a, behind_mm)

    terms: list[Term] = []
    # Each term's closure takes its own values as defaults: a loop variable or a name
    # reused below would otherwise change every earlier term's height.

    def rear_weight(x: Array) -> Array:
        full = x_hc + SKIVE_FORWARD_FRACTION * fl
        return 1.0 - smoothstep((x - full) / (REAR_END_FRACTION * fl - full))

    for key, depth, sign in (("medial_heel_skive_mm", mods.medial_heel_skive_mm, 1.0),
                             ("lateral_heel_skive_mm", mods.lateral_heel_skive_mm, -1.0)):
        if depth > 0:
            # A wedge in the frontal plane: nothing at the heel's midline, full from
            # SKIVE_PLATEAU_ACROSS of the way to that side's edge (the cup wall on top).
            # The wedge's frontal-plane shape is the heel centre's, all along the heel
            # (the outline narrows to a point at the back: a local width would make it
            # a step there).
            lat0, med0 = outline.edges_at(np.array([x_hc]))
            mid0, half0 = float((lat0[0] + med0[0]) / 2), float((med0[0] - lat0[0]) / 2)

            def skive(x: Array, y: Array, depth: float = depth, sign: float = sign, mid0: float = mid0,
                      half0: float = half0) -> Array:
                toward = sign * (y - mid0) / half0
                return depth * smoothstep(toward / SKIVE_PLATEAU_ACROSS) * rear_weight(x)

            at = (x_hc, mid0 + sign * 0.85 * half0)
            terms.append(Term(key, depth, at, skive))

    a0, a1 = FIRST_RAY_ACROSS
    start, rise = FOREFOOT_START_MM

    def forefoot(x: Array, y: Array, start: float = start, rise: float = rise) -> Array:
        """0 until ``start`` mm behind the MTH line, 1 from ``start - rise`` on to the toes."""
        return smoothstep((start - (lm.mth_line_x(y) - x)) / rise)

    # The 1st ray's lateral edge: a line along the foot through the MTH line at a0 and
    # a1 of its width (a line, not a share of the local width: toward the toe tip the
    # outline narrows to a point and a share of it would make a cliff there).
    y_full, y_none = on_line(a0)[1], on_line(a1)[1]

    def first_ray(y: Array, y_full: float = y_full, y_none: float = y_none) -> Array:
        """1 under the 1st ray (medial of y_full), 0 lateral of y_none."""
        return smoothstep((y - y_none) / (y_full - y_none))

    if mods.mortons_extension_mm > 0:
        h = mods.mortons_extension_mm

        def mortons(x: Array, y: Array, h: float = h) -> Array:
            return h * forefoot(x, y) * first_ray(y)

        terms.append(Term("mortons_extension_mm", h, on_line(a0 / 2, -5.0), mortons))
    if mods.reverse_mortons_mm > 0:
        h = mods.reverse_mortons_mm

        def reverse(x: Array, y: Array, h: float = h) -> Array:
            return h * forefoot(x, y) * (1 - first_ray(y))

        terms.append(Term("reverse_mortons_mm", h, on_line(0.65, -5.0), reverse))
    if mods.met_bar_mm > 0:
        h = mods.met_bar_mm
        begin, full, end = MET_BAR_MM
        lo, hi = MET_BAR_ACROSS

        def met_bar(x: Array, y: Array, h: float = h, begin: float = begin, full: float = full, end: float = end,
                    lo: float = lo, hi: float = hi) -> Array:
            behind = lm.mth_line_x(y) - x
            along = smoothstep((begin - behind) / (begin - full)) * smoothstep(behind / end)
            a = across(x, y)
            return h * along * smoothstep(a / lo) * smoothstep((1 - a) / (1 - hi))

        terms.append(Term("met_bar_mm", h, on_line(0.5, (full + end) / 2), met_bar))
    for key, h, (cx, ca, hl, hw) in (("cuboid_pad_mm", mods.cuboid_pad_mm, CUBOID),
                                      ("navicular_pad_mm", mods.navicular_pad_mm, NAVICULAR)):
        if h > 0:
            centre = point(cx * fl, ca)

            def pad(x: Array, y: Array, h: float = h, centre: tuple[float, float] = centre, hl: float = hl,
                    hw: float = hw) -> Array:
                lat, med = outline.edges_at(x)
                r2 = ((x - centre[0]) / (hl * fl)) ** 2 + ((y - centre[1]) / (hw * np.maximum(med - lat, 1e-9))) ** 2
                return h * dome(r2)

            terms.append(Term(key, h, centre, pad))
    # (key, depth, centre, radius[, how far a horseshoe's hollow runs forward])
    reliefs: list[tuple[str, float, tuple[float, float], float] | tuple[str, float, tuple[float, float], float, float]] = [
        (f"mth_relief_mm[{i + 1}]", d, on_line(MTH_ACROSS[i]), MTH_RELIEF_RADIUS_MM)
        for i, d in enumerate(mods.mth_relief_mm) if d > 0]
    if mods.sesamoid_relief_mm > 0:
        behind, a, radius = SESAMOID
        reliefs.append(("sesamoid_relief_mm", mods.sesamoid_relief_mm, on_line(a, behind), radius))
    if mods.heel_relief_mm > 0:
        radius = HEEL_RELIEF_RADIUS_FRACTION * fl
        reach = HORSESHOE_FORWARD_FRACTION * fl if mods.heel_relief_shape == "horseshoe" else 0.0
        reliefs.append(("heel_relief_mm", mods.heel_relief_mm, (x_hc, y_hc), radius, reach))
    for key, depth, centre, radius, *rest in reliefs:
        reach = rest[0] if rest else 0.0

        def relief(x: Array, y: Array, depth: float = depth, centre: tuple[float, float] = centre, radius: float = radius,
                   reach: float = reach) -> Array:
            # a round hollow; a horseshoe's runs on forward (a stadium, open to the toes)
            dx = x - centre[0]
            dx = np.where(dx > 0, np.maximum(dx - reach, 0.0), dx)
            return -depth * dome((dx**2 + (y - centre[1]) ** 2) / radius**2)

        terms.append(Term(key, -depth, centre, relief))
    if mods.plantar_fascia_groove_mm > 0:
        g = mods.plantar_fascia_groove_mm
        x_from, x_to, a_g, half = GROOVE

        def groove(x: Array, y: Array, g: float = g, x_from: float = x_from, x_to: float = x_to, a_g: float = a_g,
                   half: float = half) -> Array:
            lat, med = outline.edges_at(x)
            line = med - a_g * (med - lat)
            ends = smoothstep((x - x_from * fl) / 15.0) * smoothstep((x_to * fl - x) / 15.0)
            return -g * dome(((y - line) / half) ** 2) * ends

        terms.append(Term("plantar_fascia_groove_mm", -g, point((x_from + x_to) / 2 * fl, a_g), groove))
    wall_rise = RIM_FRACTION_OF_HEEL * spec.heel_width_mm  # the heel cup's rim profile (blends.py)
    for key, h, (x_from, x_to, ease), medial in (("medial_flange_mm", mods.medial_flange_mm, FLANGE, True),
                                                  ("lateral_clip_mm", mods.lateral_clip_mm, CLIP, False)):
        if h > 0:
            # A wall along that edge with the heel cup's rim profile (blends.rim_rise),
            # full between x_from and x_to.
            def wall(x: Array, y: Array, h: float = h, x_from: float = x_from, x_to: float = x_to, ease: float = ease,
                     medial: bool = medial) -> Array:
                lat, med = outline.edges_at(x)
                d = (med - y) if medial else (y - lat)
                along = smoothstep((x - (x_from - ease) * fl) / (ease * fl)) * smoothstep(
                    ((x_to + ease) * fl - x) / (ease * fl))
                return h * rim_rise(d, wall_rise) * along

            x_at = (x_from + x_to) / 2 * fl
            lat_at, med_at = outline.edges_at(np.array([x_at]))
            at = (x_at, float(med_at[0] - 1.0) if medial else float(lat_at[0] + 1.0))
            terms.append(Term(key, h, at, wall))
    if mods.first_ray_cutout:
        # Down to the printable minimum under the 1st MPJ: the forefoot base less it.
        depth = spec.thickness_mm + spec.lift_forefoot_mm - PRINTABLE_MIN_MM
        ahead, a_c, half_l, half_w = CUTOUT
        centre = on_line(a_c, -ahead)

        def cutout(x: Array, y: Array, depth: float = depth, centre: tuple[float, float] = centre, half_l: float = half_l,
                   half_w: float = half_w) -> Array:
            return -depth * dome(((x - centre[0]) / half_l) ** 2 + ((y - centre[1]) / half_w) ** 2)

        if depth > 0:
            terms.append(Term("first_ray_cutout", -depth, centre, cutout))
    return tuple(terms)


def mth_line_point(outline: Outline, a: float, behind_mm: float = 0.0) -> tuple[float, float]:
    """The point ``a`` of the width from the medial edge on the metatarsal-head line,
    ``behind_mm`` toward the heel (a few passes: the line is oblique, the width changes
    along it); where the head reliefs and extensions are placed and measured."""
    lm = outline.landmarks

    def point(x: float) -> tuple[float, float]:
        lat, med = outline.edges_at(np.array([x]))
        return (float(x), float(med[0] - a * (med[0] - lat[0])))

    x = float(lm.mth_line_x(0.0))
    for _ in range(3):
        _, y = point(x)
        x = float(lm.mth_line_x(y)) - behind_mm
    return point(x)


def modification_label(key: str) -> str:
    """'mth_relief_mm[2]' -> 'MTH 2 relief', 'met_bar_mm' -> 'met bar'."""
    if key.startswith("mth_relief_mm["):
        return f"MTH {key[len('mth_relief_mm['):-1]} relief"
    return key.removesuffix("_mm").replace("mortons", "Morton's").replace("first_ray", "first-ray").replace("_", " ")


def modifications_mm(terms: tuple[Term, ...], x: Array, y: Array) -> Array:
    """The sum of the terms at each (x, y)."""
    out = np.zeros(np.shape(x))
    for term in terms:
        out = out + term.height_mm(x, y)
    return out
