"""The insole's top surface as a smooth height field z = h(x, y) over the outline.

Every feature is a smooth (at least C1) term added to the base, so the sum has no steps
or kinks a user can feel, and each term is zero where the profile's heights are
measured unless it is the one being measured. Right-foot frame, millimetres.

The heel cup follows the distance to the outline, read from a cubic B-spline field
sampled once per surface (:mod:`insolegen.geometry.distance`): C2, and within ~0.005 mm of the
exact distance to the outline's polyline on a smooth outline (a scan's zigzag outline
is smoothed a little more). :meth:`TopSurface.heel_cup_exact_mm` keeps the exact one for
comparison. :meth:`TopSurface.height_mm` runs at every mesh probe, so it computes each
term only where it can be non-zero.

Over 400 lines: the top is one sum whose terms read each other (the medial wall fills to
the cup, post, skive and arch; the front taper and the cover act on the whole sum) and
share the landmarks and the cup's distance field; the modifications live apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from insolegen.core import exact
from insolegen.core.anatomy import HEEL_STATION_FRACTION
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.geometry.blends import RIM_FRACTION_OF_HEEL, RIM_TOP_MM, rim_rise, smoothstep
from insolegen.geometry.distance import DistanceField, distance_field, polyline_distance_mm
from insolegen.geometry.modifications import SKIVE_KEYS, Term, modification_terms, modifications_mm
from insolegen.geometry.outline import Outline, cut_line_x
from insolegen.geometry.pressure_field import PressureRelief
from insolegen.profile.spec import FootSource, SideSpec

__all__ = [
    "ARCH_ACROSS",
    "ARCH_END_FRACTION",
    "ARCH_MEASURE_ACROSS",
    "ARCH_START_FRACTION",
    "CUP_FIELD_STEP_MM",
    "CUP_RIM_FRACTION_OF_HEEL",
    "CUP_RIM_TOP_MM",
    "FOREFOOT_POST_FRACTIONS",
    "FOREFOOT_RISE_EASE_FRACTIONS",
    "FOREFOOT_RISE_MM",
    "FRONT_TAPER_MM",
    "MEDIAL_WALL_EASE_MM",
    "MET_PAD_ALONG_MTH_LINE",
    "MET_PAD_DISTAL_MM",
    "MET_PAD_HALF_WIDTH_FRACTION",
    "MET_PAD_PROXIMAL_MM",
    "MET_PAD_TAIL_FRACTION",
    "RAMP_ROUNDING",
    "REARFOOT_END_FRACTION",
    "Array",
    "FloorFn",
    "TopSurface",
    "heel_cup_distance",
    "linear_ramp",
    "top_surface",
]

Array = NDArray[np.float64]


class FloorFn(Protocol):
    """An underside's height above the bed: called with x alone (the label, the
    footprint) or with x and y (the solid), as :meth:`TopSurface.footbed_mm` takes."""

    def __call__(self, x: Array, y: Array | None = None) -> Array: ...


# Feature placement, as fractions of foot length unless named otherwise. (U) conventions
# chosen to match docs/clinical.md's landmarks; see the README's profile reference.
CUP_RIM_FRACTION_OF_HEEL = RIM_FRACTION_OF_HEEL  # the cup rises over this share of the heel width
CUP_RIM_TOP_MM = RIM_TOP_MM  # a flat top along the rim (blends.py: the walls share it)
REARFOOT_END_FRACTION = 0.34  # heel cup and rearfoot post have faded out here
ARCH_START_FRACTION = HEEL_STATION_FRACTION + 0.02
ARCH_END_FRACTION = 0.62  # before the 5th metatarsal head (0.64)
ARCH_ACROSS = (0.35, 0.85)  # rises from 35 % to 85 % of the width (lateral 0, medial 1)
ARCH_MEASURE_ACROSS = 0.90  # where the apex height is measured across the width
FOREFOOT_POST_FRACTIONS = (0.50, 0.62)  # fades in over this span
MET_PAD_ALONG_MTH_LINE = 0.35  # between MTH 2 and 3, from MTH1 toward MTH5
MET_PAD_PROXIMAL_MM = 8.0  # apex behind the MTH line (docs/clinical.md: 5-10 mm)
MET_PAD_DISTAL_MM = 8.0  # the pad ends on the MTH line, never beyond it
MET_PAD_TAIL_FRACTION = 0.11  # teardrop tail toward the heel
MET_PAD_HALF_WIDTH_FRACTION = 0.045
FOREFOOT_RISE_MM = 4.0  # a scan's sole rises at most this above its level under the heads, ahead of the midfoot
FOREFOOT_RISE_EASE_FRACTIONS = (0.58, 0.64)  # the limit eases in over this span of foot length
FRONT_TAPER_MM = 10.0  # a shortened device's top eases down to the printable minimum over this at its front
MEDIAL_WALL_EASE_MM = 1.0  # the medial wall's fill eases in over this deficit (C1), at most half of it short
RAMP_ROUNDING = 0.1  # share of the lift and base ramps rounded at each end
# The cup's distance to the outline is read from a B-spline field sampled this finely:
# its error is set by the outline's own vertex spacing (~0.005 mm), not by this step.
CUP_FIELD_STEP_MM = 1.5


def linear_ramp(u: Array, rounding: float = RAMP_ROUNDING) -> Array:
    """0 for u <= 0 and 1 for u >= 1, constant slope between, with C1 parabolic ends.

    The middle (1 - 2 x rounding) has constant slope 1 / (1 - rounding); ramp(0) = 0 and
    ramp(1) = 1 exactly, so heights at the heel centre and MTH line are exact.
    """
    d = rounding
    shape = np.shape(u)
    u = np.clip(np.array(u, dtype=float, ndmin=1), 0.0, 1.0)
    k = 1.0 / (2.0 * d * (1.0 - d))
    out = (u - d / 2) / (1 - d)
    low, high = u < d, u > 1 - d
    out[low] = k * u[low] ** 2
    out[high] = 1 - k * (1 - u[high]) ** 2
    return out.reshape(shape)


@dataclass(frozen=True)
class TopSurface:
    """h(x, y) for one right-foot insole. Build it with :func:`top_surface`."""

    spec: SideSpec
    outline: Outline
    _cup_distance: DistanceField | None = field(repr=False)  # None without a heel cup
    _rearfoot_y: tuple[float, float] = field(repr=False)  # (lateral-most, medial-most)
    _forefoot_y: tuple[float, float] = field(repr=False)
    modification_terms: tuple[Term, ...] = ()  # [modifications], each placed on this outline
    pressure_relief: PressureRelief | None = None  # [pressure]: the map's relief, cut last

    # -- the terms ---------------------------------------------------------------------

    @property
    def cup_distance(self) -> DistanceField | None:
        """The heel cup's distance field (None without a cup): another side on the same
        outline may reuse it."""
        return self._cup_distance
    def progress(self, x: Array, y: Array) -> Array:
        """0 at the heel centre, 1 on the metatarsal-head line (extended across)."""
        lm = self.outline.landmarks
        x_hc = lm.heel_centre[0]
        return (x - x_hc) / (lm.mth_line_x(y) - x_hc)

    def footbed_mm(self, x: Array, y: Array | None = None) -> Array:
        """The underside's height above the bed: 0 for a flat insole; with [shoe] bottom
        = "shoe", the shoe's footbed, a function of x alone (a footbed is straight across):
        the heel pitch behind the heel centre, easing (smoothstep) down to 0 at the ball
        (the metatarsal heads' mid-point), then rising as a parabola to the toe spring at
        the toe tip (foot length). C1 throughout: level at the heel, the ball and the
        join. docs/clinical.md, "Shoe fit"."""
        s = self.spec
        x = np.asarray(x, dtype=float)
        if s.footbed_heel_mm == 0 and s.footbed_toe_mm == 0:
            return np.zeros(x.shape)
        lm = self.outline.landmarks
        x_heel, x_ball, x_toe = lm.heel_centre[0], lm.mth_mid[0], lm.foot_length_mm
        heel = s.footbed_heel_mm * (1.0 - smoothstep((x - x_heel) / (x_ball - x_heel)))
        toe = s.footbed_toe_mm * (np.clip(x - x_ball, 0.0, None) / (x_toe - x_ball)) ** 2
        return heel + toe

    def footbed_curvature_per_mm(self) -> float:
        """The footbed's largest curvature (1/mm): the smoothstep's 6 H / L^2 at its
        ends, the toe parabola's 2 T / L^2."""
        s, lm = self.spec, self.outline.landmarks
        heel = lm.mth_mid[0] - lm.heel_centre[0]
        toe = lm.foot_length_mm - lm.mth_mid[0]
        return max(6 * s.footbed_heel_mm / heel ** 2, 2 * s.footbed_toe_mm / toe ** 2)

    def top_mm(self, x: Array, y: Array) -> Array:
        """The top's height above the bed: the footbed plus :meth:`height_mm`."""
        return self.footbed_mm(x) + self.height_mm(x, y)

    @property
    def has_footbed(self) -> bool:
        return self.spec.footbed_heel_mm > 0 or self.spec.footbed_toe_mm > 0

    @property
    def floor(self) -> FloorFn | None:
        """What the part stands on, for the solids and the label: the footbed, or None
        for flat on the bed."""
        return self.footbed_mm if self.has_footbed else None

    def base_mm(self, x: Array, y: Array) -> Array:
        s = self.spec
        return s.heel_thickness_mm + (s.thickness_mm - s.heel_thickness_mm) * linear_ramp(self.progress(x, y))

    def lift_mm(self, x: Array, y: Array) -> Array:
        s = self.spec
        return s.lift_heel_mm + (s.lift_forefoot_mm - s.lift_heel_mm) * linear_ramp(self.progress(x, y))

    def lift_layer_mm(self, x: Array, y: Array) -> Array:
        """The lift layer as printed (its zone): the lift, eased out with the front taper
        of a shortened device."""
        lift = self.lift_mm(x, y)
        if self.spec.length != "full" and self.spec.lift_forefoot_mm > 0:
            lift = lift * self._front_fade(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return lift

    def front_taper_mm(self, x: Array, y: Array, height: Array) -> Array:
        """``height`` (above the underside) as a shortened device's front edge leaves it
        (:meth:`_front_taper`); unchanged on a full-length one."""
        if self.spec.length == "full":
            return np.asarray(height, dtype=float)
        return self._front_taper(np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(height, dtype=float))

    def _front_fade(self, x: Array, y: Array) -> Array:
        """1 behind a shortened device's front taper, 0 on its cut line."""
        return smoothstep((cut_line_x(self.outline.landmarks, self.spec.length, y) - x) / FRONT_TAPER_MM)

    def heel_cup_mm(self, x: Array, y: Array) -> Array:
        """The cup: heel_cup_depth_mm on the rim's flat top, easing down to zero at the
        rim width from the edge, faded out toward REARFOOT_END."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        out = np.zeros(x.shape)
        if self._cup_distance is not None:
            near = x < REARFOOT_END_FRACTION * self.spec.foot_length_mm
            out[near] = self._cup_on(x[near], y[near]) * self._rearfoot_weight(x[near])
        return out

    def _cup_on(self, x: Array, y: Array) -> Array:
        """The cup before the rearfoot weight, at points behind REARFOOT_END."""
        assert self._cup_distance is not None  # called only for a side with a cup
        return self.spec.heel_cup_depth_mm * self._cup_rise(self._cup_distance.distance_mm(x, y))

    def heel_cup_exact_mm(self, x: Array, y: Array) -> Array:
        """The heel cup on the exact polyline distance (slow): what the distance field
        stands in for, kept to measure how far the two differ."""
        s = self.spec
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        out = np.zeros(x.shape)
        if s.heel_cup_depth_mm <= 0:
            return out
        d = self.distance_to_edge_mm(x.ravel(), y.ravel(), limit_mm=CUP_RIM_FRACTION_OF_HEEL * s.heel_width_mm)
        out = s.heel_cup_depth_mm * self._cup_rise(d.reshape(x.shape)) * self._rearfoot_weight(x)
        return out

    def _cup_rise(self, d: Array) -> Array:
        """1 on the rim's flat top, 0 on the seat, for a distance ``d`` from the edge."""
        return rim_rise(d, CUP_RIM_FRACTION_OF_HEEL * self.spec.heel_width_mm)

    def arch_mm(self, x: Array, y: Array) -> Array:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        out = np.zeros(x.shape)
        fl = self.spec.foot_length_mm
        on = (x > ARCH_START_FRACTION * fl) & (x < ARCH_END_FRACTION * fl)
        out[on] = self._arch_on(x[on], y[on])
        return out

    def _arch_on(self, x: Array, y: Array) -> Array:
        """The arch at points between its start and end (zero elsewhere)."""
        s = self.spec
        fl = s.foot_length_mm
        x0, xa, x1 = ARCH_START_FRACTION * fl, s.arch_apex_pct / 100 * fl, ARCH_END_FRACTION * fl
        # Half a cosine up to the apex and half a cosine down after it: one phase t in
        # [0, 2] (cos(pi (1 + u)) = -cos(pi u)), so one cosine per point.
        t = np.where(x <= xa, np.clip((x - x0) / (xa - x0), 0, 1), 1 + np.clip((x - xa) / (x1 - xa), 0, 1))
        along = 0.5 * (1 - np.cos(np.pi * t))
        lat, med = self.outline.edges_at(x)
        across = (y - lat) / np.maximum(med - lat, 1e-9)
        lo, hi = ARCH_ACROSS
        return s.arch_height_mm * along * smoothstep((across - lo) / (hi - lo))

    def medial_wall_mm(self, x: Array, y: Array) -> Array:
        """The fill that carries the heel cup's medial wall on into the arch (0 elsewhere)."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        out = np.zeros(x.shape)
        on = self._medial_wall_box(x)
        out[on] = self._medial_wall_on(x[on], y[on])
        return out

    def _medial_wall_box(self, x: Array) -> NDArray[np.bool_]:
        if self.spec.heel_cup_depth_mm <= 0 or self.spec.arch_height_mm <= 0:
            return np.zeros(np.shape(x), dtype=bool)
        x_hc = self.outline.landmarks.heel_centre[0]
        return (x > x_hc) & (x < self.spec.arch_apex_pct / 100 * self.spec.foot_length_mm)

    def _medial_wall_on(self, x: Array, y: Array) -> Array:
        """Between the heel centre and the arch apex the cup fades and the arch rises; on
        their own the two leave a trough along the medial border (3-9 mm deep at 0.28 FL)
        just under the sustentaculum tali, where a functional orthosis's medial wall runs
        on from the cup into the arch (docs/clinical.md, "Medial border"). So the sum is
        filled up to a blend of the two shapes at full height: the rear as it stands at
        the heel centre (the cup's rim profile off the medial edge, the rearfoot post and
        a heel skive), turning (smoothstep) into the arch's profile at its apex. Along
        the border that never falls below the lower of the cup's depth
        and the arch's height; less ``medial_border_dip_mm`` in the middle when a
        prescription lowers it on purpose. The fill is eased in (C1) over
        MEDIAL_WALL_EASE_MM of deficit, so it stays at most half that short of the blend."""
        s = self.spec
        fl = s.foot_length_mm
        x_hc = self.outline.landmarks.heel_centre[0]
        x_apex = s.arch_apex_pct / 100 * fl
        b = smoothstep((x - x_hc) / (x_apex - x_hc))
        lat, med = self.outline.edges_at(x)
        lo, hi = ARCH_ACROSS
        across = smoothstep(((y - lat) / np.maximum(med - lat, 1e-9) - lo) / (hi - lo))
        # The cup's cross-section at the heel centre, at the same distance from the
        # medial edge (the edge moves across between the heel and the arch).
        _, med_hc = self.outline.edges_at(np.array([x_hc]))
        assert self._cup_distance is not None  # the box is empty without a cup
        x_back = np.full(x.shape, x_hc)
        cup_shape = self._cup_rise(self._cup_distance.distance_mm(x_back, med_hc[0] - (med - y)))
        skives = [t for t in self.modification_terms if t.key in SKIVE_KEYS]
        # The rear as it stands at the heel centre (cup, post and skive at full weight),
        # carried forward at the same distance from the medial edge.
        rear = s.heel_cup_depth_mm * cup_shape + self._tilt(y, s.rearfoot_post_deg, self._rearfoot_y)
        for term in skives:
            rear = rear + term.height_mm(x_back, y)
        wanted = ((1 - b) * rear + b * s.arch_height_mm * across
                  - s.medial_border_dip_mm * 4 * b * (1 - b) * np.maximum(cup_shape, across))
        have = np.zeros(x.shape)
        back = x < REARFOOT_END_FRACTION * fl
        have[back] = (self._cup_on(x[back], y[back]) + self._tilt(y[back], s.rearfoot_post_deg, self._rearfoot_y)
                      ) * self._rearfoot_weight(x[back])
        arch = x > ARCH_START_FRACTION * fl
        have[arch] += self._arch_on(x[arch], y[arch])
        for term in skives:
            have = have + term.height_mm(x, y)
        deficit = wanted - have
        k = MEDIAL_WALL_EASE_MM
        return np.where(deficit <= 0, 0.0, np.where(deficit < k, deficit**2 / (2 * k), deficit - k / 2))

    def met_pad_mm(self, x: Array, y: Array) -> Array:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        out = np.zeros(x.shape)
        if self.spec.met_pad_height_mm > 0:
            on = self._met_pad_box(x, y)
            out[on] = self._met_pad_on(x[on], y[on])
        return out

    def _met_pad_box(self, x: Array, y: Array) -> NDArray[np.bool_]:
        """A box around the pad (it is zero outside: tail behind, distal ahead, and at
        most its half width, which is largest across the apex, to either side)."""
        fl = self.spec.foot_length_mm
        px, py = self.met_pad_apex()
        half = MET_PAD_HALF_WIDTH_FRACTION * fl
        return ((x > px - MET_PAD_TAIL_FRACTION * fl) & (x < px + MET_PAD_DISTAL_MM)
                & (y > py - half) & (y < py + half))

    def _met_pad_on(self, x: Array, y: Array) -> Array:
        s = self.spec
        px, py = self.met_pad_apex()
        fl = s.foot_length_mm
        dx, dy = x - px, y - py
        tail = MET_PAD_TAIL_FRACTION * fl
        along = np.where(dx >= 0, dx / MET_PAD_DISTAL_MM, dx / tail)
        # Teardrop: narrower toward the heel.
        half_width = MET_PAD_HALF_WIDTH_FRACTION * fl * (1 + 0.5 * np.clip(dx / tail, -1, 0))
        r2 = along**2 + (dy / half_width) ** 2
        return s.met_pad_height_mm * np.clip(1 - r2, 0, None) ** 2

    def posts_mm(self, x: Array, y: Array) -> Array:
        s = self.spec
        fl = s.foot_length_mm
        rear = self._tilt(y, s.rearfoot_post_deg, self._rearfoot_y) * self._rearfoot_weight(x)
        lo, hi = FOREFOOT_POST_FRACTIONS
        fore_weight = smoothstep((x - lo * fl) / ((hi - lo) * fl))
        fore = self._tilt(y, s.forefoot_post_deg, self._forefoot_y) * fore_weight
        return rear + fore

    def sole_mm(self, x: Array, y: Array) -> Array:
        """The scanned plantar surface (height above its lowest point), when conforming,
        its rise toward the forefoot's edge limited (:meth:`_sole_on`)."""
        source = self.spec.foot
        if source is None or not source.conform or source.sole is None:
            return np.zeros_like(x)
        return self._sole_on(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def _sole_on(self, x: Array, y: Array) -> Array:
        """A scan's sole, but ahead of the midfoot it rises at most FOREFOOT_RISE_MM above
        its level under the metatarsal heads: a scan's sole climbs the sides of the
        forefoot and the toes (6-12 mm in the outer few millimetres), where a shoe has
        room for a few millimetres at most (docs/clinical.md, "Reading real feet"). The
        limit is eased in (C1) over FOREFOOT_RISE_EASE_FRACTIONS of the foot's length and
        over a millimetre of excess, so it is at most half a millimetre higher."""
        sole = self.spec.foot.sole  # type: ignore[union-attr]  # called only with a conforming scan
        out = sole.height_mm(x, y)
        fl = self.spec.foot_length_mm
        lo, hi = FOREFOOT_RISE_EASE_FRACTIONS
        ahead = np.flatnonzero(x > lo * fl)
        if len(ahead):
            mx, my = self.outline.landmarks.mth_mid
            cap = float(sole.height_mm(np.array([mx]), np.array([my]))[0]) + FOREFOOT_RISE_MM
            excess = out[ahead] - cap
            k = 1.0
            eased = np.where(excess <= 0, 0.0, np.where(excess < k, excess**2 / (2 * k), excess - k / 2))
            out[ahead] -= eased * smoothstep((x[ahead] - lo * fl) / ((hi - lo) * fl))
        return out

    # -- the sum -----------------------------------------------------------------------
    def height_mm(self, x: Array, y: Array) -> Array:
        """Top height above the bed (z = 0) at each (x, y), in mm.

        The same sum as base + sole + lift + heel cup + arch + medial wall + met pad +
        posts + modifications (tapered at a shortened device's front) + top cover, with each
        term computed only where it can be non-zero (this runs at every mesh probe)."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        shape = x.shape
        x, y = x.ravel(), y.ravel()
        s = self.spec
        fl = s.foot_length_mm
        # Base and lift ramp together along the same progress.
        ramp = linear_ramp(self.progress(x, y))
        source = s.source
        if isinstance(source, FootSource) and source.insole_copy != "none":
            # an insole's scan copied: its top as scanned (over its own bottom, or over
            # the profile's thickness for a top sheet), the lift under it
            out = s.lift_heel_mm + (s.lift_forefoot_mm - s.lift_heel_mm) * ramp + source.sole.height_mm(x, y)
            if source.insole_copy == "sheet":
                out += s.thickness_mm
        else:
            out = (s.heel_thickness_mm + s.lift_heel_mm) + (
                s.thickness_mm - s.heel_thickness_mm + s.lift_forefoot_mm - s.lift_heel_mm) * ramp
        # (a foot file not yet read adds nothing: it has no sole)
        if isinstance(source, FootSource) and source.conform and source.sole is not None and \
                source.insole_copy == "none":
            out += self._sole_on(x, y)
        rear = np.flatnonzero(x < REARFOOT_END_FRACTION * fl)
        if len(rear) and (self._cup_distance is not None or s.rearfoot_post_deg != 0):
            xr, yr = x[rear], y[rear]
            rear_terms = self._tilt(yr, s.rearfoot_post_deg, self._rearfoot_y)
            if self._cup_distance is not None:
                rear_terms = rear_terms + self._cup_on(xr, yr)
            out[rear] += rear_terms * self._rearfoot_weight(xr)
        if s.arch_height_mm != 0:
            on = np.flatnonzero((x > ARCH_START_FRACTION * fl) & (x < ARCH_END_FRACTION * fl))
            out[on] += self._arch_on(x[on], y[on])
        on = np.flatnonzero(self._medial_wall_box(x))
        if len(on):
            out[on] += self._medial_wall_on(x[on], y[on])
        if s.met_pad_height_mm > 0:
            on = np.flatnonzero(self._met_pad_box(x, y))
            out[on] += self._met_pad_on(x[on], y[on])
        if s.forefoot_post_deg != 0:
            lo, hi = FOREFOOT_POST_FRACTIONS
            on = np.flatnonzero(x > lo * fl)
            out[on] += self._tilt(y[on], s.forefoot_post_deg, self._forefoot_y) * smoothstep(
                (x[on] - lo * fl) / ((hi - lo) * fl))
        if self.modification_terms:
            out += modifications_mm(self.modification_terms, x, y)
        if self.pressure_relief is not None:
            # its depth is held to leave the printable minimum under the rest
            out -= self.pressure_relief.depth_mm(x, y, out)
        if s.length != "full":
            out = self._front_taper(x, y, out)
        # A top cover is a layer added on top of the device, the same thickness all over
        # (a cover carved out of it would make the device firmer, not softer).
        out += s.modifications.top_cover_mm
        return out.reshape(shape)

    def _front_taper(self, x: Array, y: Array, height: Array) -> Array:
        """A three-quarter or sulcus device ends with its front edge skived: over the
        last FRONT_TAPER_MM before the cut line everything above the printable minimum
        (base, lift, posts, pads) eases down (smoothstep) to that minimum, so the foot
        meets no ledge where the device ends (docs/clinical.md, "Length")."""
        return PRINTABLE_MIN_MM + (height - PRINTABLE_MIN_MM) * self._front_fade(x, y)

    # -- helpers -----------------------------------------------------------------------
    def met_pad_apex(self) -> tuple[float, float]:
        lm = self.outline.landmarks
        t = MET_PAD_ALONG_MTH_LINE
        x = lm.mth1[0] + t * (lm.mth5[0] - lm.mth1[0])
        y = lm.mth1[1] + t * (lm.mth5[1] - lm.mth1[1])
        return (x - MET_PAD_PROXIMAL_MM, y)

    def arch_apex(self) -> tuple[float, float]:
        x = self.spec.arch_apex_pct / 100 * self.spec.foot_length_mm
        lat, med = self.outline.edges_at(np.array([x]))
        return (x, float(lat[0] + ARCH_MEASURE_ACROSS * (med[0] - lat[0])))

    def distance_to_edge_mm(self, x: Array, y: Array, limit_mm: float = np.inf) -> Array:
        """Distance from each point to the outline's boundary (exact to the polyline).

        Points farther than ``limit_mm`` get ``inf``, which is much faster to find.
        """
        return polyline_distance_mm(self.outline.boundary, x, y, limit_mm).reshape(np.shape(x))

    def _rearfoot_weight(self, x: Array) -> Array:
        fl = self.spec.foot_length_mm
        x_hc = self.outline.landmarks.heel_centre[0]
        return 1.0 - smoothstep((x - x_hc) / (REARFOOT_END_FRACTION * fl - x_hc))

    @staticmethod
    def _tilt(y: Array, degrees: float, pivots: tuple[float, float]) -> Array:
        # Posts pivot on the low edge so they only ever add material: varus (+) raises
        # the medial (+y) side about the lateral-most edge, valgus the reverse.
        if degrees == 0:
            return np.zeros_like(y)
        lateral, medial = pivots
        if degrees > 0:
            return exact.tan(math.radians(degrees)) * np.clip(y - lateral, 0, None)
        return exact.tan(math.radians(-degrees)) * np.clip(medial - y, 0, None)


def top_surface(spec: SideSpec, outline: Outline, cup_distance: DistanceField | None = None,
                pressure_relief: PressureRelief | None = None) -> TopSurface:
    """The top height field for ``spec`` over ``outline`` (both right-footed).

    ``cup_distance``: the heel cup's distance field for this same outline, when another
    side on the same foot has made it already (it depends on the outline alone)."""
    fl = spec.foot_length_mm
    ex, lat, med = outline.edge_x, outline.lateral_y, outline.medial_y
    rear = ex <= REARFOOT_END_FRACTION * fl
    fore = ex >= FOREFOOT_POST_FRACTIONS[0] * fl
    cup = None
    if spec.heel_cup_depth_mm > 0:
        cup = cup_distance if cup_distance is not None else heel_cup_distance(spec, outline)
    return TopSurface(
        spec=spec,
        outline=outline,
        _cup_distance=cup,
        _rearfoot_y=(float(lat[rear].min()), float(med[rear].max())),
        _forefoot_y=(float(lat[fore].min()), float(med[fore].max())),
        modification_terms=modification_terms(spec, outline),
        pressure_relief=pressure_relief,
    )


def heel_cup_distance(spec: SideSpec, outline: Outline) -> DistanceField:
    """The heel cup's distance to the edge: read only behind REARFOOT_END and only up to
    the rim width (farther, the cup is zero), so the field covers just that. It depends
    on the outline and the heel width alone: sides on the same foot share it."""
    return distance_field(outline.boundary, x_max_mm=REARFOOT_END_FRACTION * spec.foot_length_mm,
                          needed_mm=CUP_RIM_FRACTION_OF_HEEL * spec.heel_width_mm, step_mm=CUP_FIELD_STEP_MM)
