"""Drain holes for a lattice's voids ([lattice] drain_hole_mm, for SLS, MJF and resin).

Inside its skins and rim a lattice's voids are sealed: an FDM printer prints them so,
but a powder-bed printer leaves them full of unfused powder and a resin printer full of
liquid resin (and the sealed void pulls at each layer like a suction cup). Each void
therefore gets escape holes up through the bottom skin, as the process guides ask (one
or more per cavity, 3 to 3.5 mm the least; docs/lattice.md has the sources): two per
void, as far apart as it allows, so air goes in at one while powder or resin comes out
of the other.

The voids are found on the marching grid itself (the grid points of the core where the
sheet is not), as 6-connected components. A hole is placed only where the void's
floor has room for it, CLEAR_MM clear of the sheet, so the drill cuts the skin alone and
never grazes the sheet (which would leave slivers thinner than any wall). The room is
the void's own width: in a 10 mm gyroid a disc of about 4 mm fits at 30 % solid, 3.3 mm
at 50 %, 2.5 mm at 70 %, so the hole is set no wider than the cell and fraction allow. A pocket too small
to take a hole (cut off by the rim, the label's column or the top skin) is filled solid
instead; a void larger than POCKET_CELLS of a cell with no room at its floor is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import NDArray

RISE_MM = 0.3  # a hole runs this far up past the bottom skin, into the void
HOLES_PER_VOID = 2  # one lets air in while the other lets powder or resin out
POCKET_CELLS = 0.125  # a void under this share of a cell's volume may be filled solid
SEGMENTS = 24  # a hole's polygon
FINE_MM = 0.1  # the floor's void is sampled this finely (the marching grid is 0.4-1 mm)
CLEAR_MM = 0.3  # a hole keeps this far from the sheet: the marched surface strays ~0.1 mm
                # from the true one at a 1 mm step, and a drill grazing the sheet would
                # leave it a sliver thinner than any wall
ROOM_LAYERS = 4  # heights sampled from the floor to the hole's top, and a little over


@dataclass(frozen=True)
class Undrainable:
    """A void with no room for a hole at its floor: its volume, a point of it, and the
    widest hole its floor takes (0: it does not reach the floor)."""

    volume_mm3: float
    x_mm: float
    y_mm: float
    widest_mm: float


@dataclass(frozen=True)
class DrainPlan:
    holes_xy_mm: tuple[tuple[float, float], ...]
    voids: int  # the voids drained
    fill: NDArray[np.bool_]  # the grid points of the pockets to fill solid
    filled_mm3: float
    undrainable: tuple[Undrainable, ...]


OpenAt = Callable[[NDArray[np.float64], NDArray[np.float64], float], NDArray[np.bool_]]


def plan_drains(void: NDArray[np.bool_], origin_mm: tuple[float, float, float], step_mm: float,
                floor_mm: float, diameter_mm: float, cell_mm: float, open_at: OpenAt) -> DrainPlan:
    """Where to drill each void of ``void`` (the marching grid's points, x, y, z
    indexed, point (i, j, k) at origin + step * (i, j, k)) from below: up through the
    skin under ``floor_mm`` (the core's bottom) and RISE_MM into the void. The voids
    are told apart on that grid; the room for a hole is measured on a FINE_MM grid by
    ``open_at(x, y, z)`` (the true field: True where there is no sheet and it is inside
    the core), open at every height from the floor to the hole's top."""
    from scipy import ndimage

    labels, count = ndimage.label(void)
    if count == 0:
        return DrainPlan((), 0, np.zeros_like(void), 0.0, ())
    volumes = np.bincount(labels.ravel(), minlength=count + 1) * step_mm ** 3
    nx, ny, _ = void.shape
    fx = origin_mm[0] + np.arange(0.0, (nx - 1) * step_mm + FINE_MM / 2, FINE_MM)
    fy = origin_mm[1] + np.arange(0.0, (ny - 1) * step_mm + FINE_MM / 2, FINE_MM)
    xx, yy = np.meshgrid(fx, fy, indexing="ij")
    open_through = np.ones(xx.shape, dtype=bool)
    for z in np.linspace(floor_mm + 0.02, floor_mm + RISE_MM + CLEAR_MM, ROOM_LAYERS):
        open_through &= open_at(xx, yy, float(z))
    # the distance to the nearest closed sample, less a sample for the surface lying
    # anywhere before it
    room = ndimage.distance_transform_edt(open_through) * FINE_MM - FINE_MM
    # each fine sample takes the void of its nearest grid point just above the floor
    z = origin_mm[2] + step_mm * np.arange(void.shape[2])
    above = int(np.flatnonzero(z > floor_mm)[0])
    gi = np.clip(np.rint((xx - origin_mm[0]) / step_mm).astype(int), 0, nx - 1)
    gj = np.clip(np.rint((yy - origin_mm[1]) / step_mm).astype(int), 0, ny - 1)
    which = np.where(open_through, labels[gi, gj, above], 0)
    need = drill_radius_mm(diameter_mm) + CLEAR_MM
    holes: list[tuple[float, float]] = []
    filled = np.zeros(count + 1, dtype=bool)
    undrainable = []
    drained = 0
    widest = ndimage.maximum(room, which, index=np.arange(count + 1))
    for c in range(1, count + 1):
        fits = np.argwhere((which == c) & (room >= need))
        if len(fits) == 0:
            if volumes[c] <= POCKET_CELLS * cell_mm ** 3:
                filled[c] = True
            else:
                i, j, _ = np.argwhere(labels == c)[0]
                takes = widest_hole_mm(float(widest[c])) if np.isfinite(widest[c]) else 0.0
                undrainable.append(Undrainable(round(float(volumes[c]), 1), round(origin_mm[0] + step_mm * i, 1),
                                               round(origin_mm[1] + step_mm * j, 1), takes))
            continue
        drained += 1
        first = fits[np.argmax(room[fits[:, 0], fits[:, 1]])]
        chosen = [first]
        if HOLES_PER_VOID > 1:
            spread = np.hypot(*(fits - first).T) * FINE_MM
            if spread.max() >= diameter_mm + 2 * CLEAR_MM:  # a second hole clear of the first
                chosen.append(fits[np.argmax(spread)])
        holes += [(float(fx[i]), float(fy[j])) for i, j in chosen]
    fill = filled[labels]
    return DrainPlan(tuple(holes), drained, fill, float(volumes[filled].sum()), tuple(undrainable))


def widest_hole_mm(room_mm: float) -> float:
    """The widest drill (across its sides) a floor with ``room_mm`` of room takes,
    rounded down to a tenth."""
    radius = max(room_mm - CLEAR_MM, 0.0) * math.cos(math.pi / SEGMENTS)
    return math.floor(20 * radius) / 10


def drill_radius_mm(diameter_mm: float) -> float:
    """The drill polygon's corner radius: its sides touch the circle, so the hole is at
    least ``diameter_mm`` across everywhere."""
    return diameter_mm / 2 / math.cos(math.pi / SEGMENTS)


def drilled(solid, holes_xy_mm: tuple[tuple[float, float], ...], diameter_mm: float,  # noqa: ANN001, ANN201
            floor_mm: float):
    """``solid`` (a manifold3d.Manifold, its underside at z = 0) with the holes cut from
    below the bed to RISE_MM above ``floor_mm``."""
    import manifold3d

    if not holes_xy_mm:
        return solid
    height = floor_mm + RISE_MM + 1.0
    radius = drill_radius_mm(diameter_mm)
    drill = manifold3d.Manifold.cylinder(height, radius, radius, SEGMENTS)
    return solid - manifold3d.Manifold.batch_boolean(
        [drill.translate([x, y, -1.0]) for x, y in holes_xy_mm], manifold3d.OpType.Add)
