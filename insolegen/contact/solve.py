"""The foot standing on a support: a rigid skeleton over the plantar tissue, the tissue
over the support's columns, each point on its own (a bed of springs), all in series.

At each point of a regular grid under the foot the skeleton's sole, unloaded, is at
``unloaded_mm`` above the reference plane; the foot moves as a rigid body by a height z
and two tilts (about the target centre of pressure), so the sole is at

    unloaded + z + tilt_x (x - cx) + tilt_y (y - cy).

Where the support's top is above that, the overlap is taken up by the tissue
(``insolegen.contact.tissue``: exponential in its strain) and the support's column
(linear, kPa per mm; a rigid support takes none) in series: the same pressure in both,
their compressions adding to the overlap. The three unknowns are solved so that the
total force equals the load and the centre of pressure lies at the one asked (from the
barefoot map). Each point's pressure is found by Newton's method from zero: the overlap
is a concave, rising function of the pressure, so the steps rise monotonically to it.
Deterministic: a fixed start, fixed iterations and tolerances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq, root

from insolegen.contact.tissue import Tissue

__all__ = ["Pose", "Sole", "Standing", "StandingError", "pressures_kpa", "stand"]

Array = NDArray[np.float64]
NEWTON_STEPS = 60
FORCE_TOLERANCE = 1e-4  # of the load; the tests hold the balance to 0.5 %
COP_TOLERANCE_MM = 0.05


class StandingError(ValueError):
    """The foot cannot be balanced as asked (no support under it, or the centre of
    pressure outside what the support can carry)."""


@dataclass(frozen=True)
class Sole:
    """The foot over a grid: the points (mm), each cell's area (mm2), the tissue's
    unloaded thickness (mm) and scale A (kPa) at each point, the skeleton's unloaded
    sole height (mm, in the foot's frame) and the tissue's law."""

    x_mm: Array
    y_mm: Array
    cell_mm2: float
    thickness_mm: Array
    scale_kpa: Array
    unloaded_mm: Array
    tissue: Tissue


@dataclass(frozen=True)
class Pose:
    height_mm: float
    tilt_x: float  # mm of height per mm along x
    tilt_y: float
    centre_mm: tuple[float, float]


@dataclass(frozen=True)
class Standing:
    pressure_kpa: Array
    pose: Pose
    force_n: float
    cop_mm: tuple[float, float]


def _series_pressure(overlap: Array, sole: Sole, kpa_per_mm: Array) -> Array:
    """The pressure that compresses tissue and column together by ``overlap`` (> 0)."""
    h, a, b = sole.thickness_mm, sole.scale_kpa * sole.tissue.scale_factor, sole.tissue.shape
    rigid = ~np.isfinite(kpa_per_mm)
    out = np.zeros_like(overlap)
    # a rigid support: all of it in the tissue
    out[rigid] = a[rigid] * np.expm1(b * overlap[rigid] / h[rigid])
    soft = ~rigid
    if soft.any():
        hs, as_, k, d = h[soft], a[soft], kpa_per_mm[soft], overlap[soft]
        p = np.zeros_like(d)
        for _ in range(NEWTON_STEPS):
            f = hs / b * np.log1p(p / as_) + p / k - d
            step = f / (hs / (b * (as_ + p)) + 1.0 / k)
            p = p - step
            if np.all(np.abs(step) <= 1e-9 * (1.0 + p)):
                break
        out[soft] = p
    return out


def pressures_kpa(sole: Sole, top_mm: Array, kpa_per_mm: Array, pose: Pose) -> Array:
    """Each point's pressure with the foot at ``pose`` on a support whose top is at
    ``top_mm`` (the reference plane 0 is the shoe's floor) and whose column is
    ``kpa_per_mm`` (inf: rigid)."""
    cx, cy = pose.centre_mm
    sole_at = sole.unloaded_mm + pose.height_mm + pose.tilt_x * (sole.x_mm - cx) + pose.tilt_y * (sole.y_mm - cy)
    overlap = top_mm - sole_at
    touching = overlap > 0
    out = np.zeros_like(overlap)
    if touching.any():
        out[touching] = _series_pressure(overlap[touching], _subset(sole, touching), kpa_per_mm[touching])
    return out


def _subset(sole: Sole, chosen: NDArray[np.bool_]) -> Sole:
    return Sole(sole.x_mm[chosen], sole.y_mm[chosen], sole.cell_mm2, sole.thickness_mm[chosen], sole.scale_kpa[chosen],
                sole.unloaded_mm[chosen], sole.tissue)


def _force_and_centre(sole: Sole, p: Array) -> tuple[float, float, float]:
    force = float(p.sum())
    if force <= 0:
        return 0.0, float("nan"), float("nan")
    return force * sole.cell_mm2 * 1e-3, float((p * sole.x_mm).sum() / force), float((p * sole.y_mm).sum() / force)


def stand(sole: Sole, top_mm: Array, kpa_per_mm: Array, load_n: float, cop_mm: tuple[float, float]) -> Standing:
    """The foot balanced on the support: the load carried, its centre of pressure at
    ``cop_mm``. Raises StandingError when that cannot be met."""
    cx, cy = cop_mm

    def at(z: float, tx: float = 0.0, ty: float = 0.0) -> Array:
        return pressures_kpa(sole, top_mm, kpa_per_mm, Pose(z, tx, ty, cop_mm))

    # the height alone first (no tilt), by bracketing: the force falls as the foot rises
    free = float(np.max(top_mm - sole.unloaded_mm))  # above this nothing touches
    deepest = free - float(np.max(sole.thickness_mm)) * 2.0

    def short_of_load(z: float) -> float:
        return _force_and_centre(sole, at(z))[0] - load_n

    if short_of_load(deepest) < 0:
        raise StandingError(f"a load of {load_n:.0f} N sinks the foot deeper than twice its tissue's thickness")
    z0 = brentq(short_of_load, deepest, free, xtol=1e-9, maxiter=200)

    def residual(v: Array) -> Array:
        force, x, y = _force_and_centre(sole, at(float(v[0]), float(v[1]), float(v[2])))
        if force <= 0:
            return np.array([-1.0, 1.0, 1.0])
        return np.array([(force - load_n) / load_n, (x - cx) / 10.0, (y - cy) / 10.0])

    solved = root(residual, np.array([z0, 0.0, 0.0]), method="hybr", options={"xtol": 1e-12, "maxfev": 400})
    z, tx, ty = (float(v) for v in solved.x)
    p = at(z, tx, ty)
    force, x, y = _force_and_centre(sole, p)
    if not (abs(force - load_n) <= FORCE_TOLERANCE * load_n * 10 and abs(x - cx) <= COP_TOLERANCE_MM * 10
            and abs(y - cy) <= COP_TOLERANCE_MM * 10):
        raise StandingError(f"the foot could not be balanced: {force:.1f} N of {load_n:.1f} N, centre of pressure at "
                            f"({x:.1f}, {y:.1f}) mm for ({cx:.1f}, {cy:.1f})")
    return Standing(pressure_kpa=p, pose=Pose(z, tx, ty, cop_mm), force_n=force, cop_mm=(x, y))
