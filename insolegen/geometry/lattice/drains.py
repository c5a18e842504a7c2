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
instead, if under POCKET_CELLS of a cell and POCKET_SHARE of all the voids; a larger
void with no room at its floor is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import manifold3d  # for the annotations: drilled imports it where it uses it

__all__ = [
    "CLEAR_MM",
    "FINE_MM",
    "HOLES_PER_VOID",
    "POCKET_CELLS",
    "POCKET_SHARE",
    "RISE_MM",
    "ROOM_LAYERS",
    "SEGMENTS",
    "DrainPlan",
    "OpenThrough",
    "Undrainable",
    "drill_radius_mm",
    "drilled",
    "plan_drains",
    "widest_hole_mm",
]

RISE_MM = 0.3  # a hole runs this far up past the bottom skin, into the void
HOLES_PER_VOID = 2  # one lets air in while the other lets powder or resin out
POCKET_CELLS = 0.125  # a void under this share of a cell's volume, and
POCKET_SHARE = 0.01  # of all the voids' volume, may be filled solid (in a small part, such
                     # as a coupon, a whole labyrinth can be under an eighth of a cell)
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
    fill: NDArray[np.bool_]  # the grid points of the pockets too small to drill (filled on the mesh)
    filled_mm3: float  # their volume (on the grid; the mesh's own once filled)
    undrainable: tuple[Undrainable, ...]
    pocket_mm3: float = 0.0  # the largest void that may be filled

    @property
    def widest_all_take_mm(self) -> float:
        """The widest hole every undrainable void takes (0: one does not reach the
        floor): the size a refusal offers, so that a retry with it is not refused."""
        return min(u.widest_mm for u in self.undrainable)


# (xs, ys, heights) -> True at each (x, y) of xs by ys clear of the sheet and inside the
# core at every one of the heights
OpenThrough = Callable[[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]], NDArray[np.bool_]]


def plan_drains(void: NDArray[np.bool_], origin_mm: tuple[float, float, float], step_mm: float,
                floor_mm: float, diameter_mm: float, cell_mm: float, open_through: OpenThrough) -> DrainPlan:
    """Where to drill each void of ``void`` (the marching grid's points, x, y, z
    indexed, point (i, j, k) at origin + step * (i, j, k)) from below: up through the
    skin under ``floor_mm`` (the core's bottom) and RISE_MM into the void. The voids
    are told apart on that grid; the room for a hole is measured on a FINE_MM grid by
    ``open_through`` (the true field), open at every height from the floor to a little
    over the hole's top."""
    # Over 60 lines: finding the voids, their floors and two holes each, sharing the voids' labels.
    from scipy import ndimage

    labels, count = ndimage.label(void)
    if count == 0:
        return DrainPlan((), 0, np.zeros_like(void), 0.0, ())
    volumes = np.bincount(labels.ravel(), minlength=count + 1) * step_mm ** 3
    pocket = min(POCKET_CELLS * cell_mm ** 3, POCKET_SHARE * float(volumes[1:].sum()))
    nx, ny, _ = void.shape
    fx = origin_mm[0] + np.arange(0.0, (nx - 1) * step_mm + FINE_MM / 2, FINE_MM)
    fy = origin_mm[1] + np.arange(0.0, (ny - 1) * step_mm + FINE_MM / 2, FINE_MM)
    clear = open_through(fx, fy, np.linspace(floor_mm + 0.02, floor_mm + RISE_MM + CLEAR_MM, ROOM_LAYERS))
    # the distance to the nearest closed sample, less a sample for the surface lying
    # anywhere before it
    room = ndimage.distance_transform_edt(clear) * FINE_MM - FINE_MM
    # each fine sample takes the void of its nearest grid point just above the floor
    z = origin_mm[2] + step_mm * np.arange(void.shape[2])
    above = int(np.flatnonzero(z > floor_mm)[0])
    gi = np.clip(np.rint((fx - origin_mm[0]) / step_mm).astype(int), 0, nx - 1)
    gj = np.clip(np.rint((fy - origin_mm[1]) / step_mm).astype(int), 0, ny - 1)
    which = np.where(clear, labels[:, :, above][np.ix_(gi, gj)], 0)
    need = drill_radius_mm(diameter_mm) + CLEAR_MM
    widest = np.zeros(count + 1)
    np.maximum.at(widest, which.ravel(), room.ravel())
    # the samples with room for a hole, grouped by their void (one pass, not one a void)
    fit = np.flatnonzero((which.ravel() > 0) & (room.ravel() >= need))
    fit = fit[np.argsort(which.ravel()[fit], kind="stable")]
    owners, starts = np.unique(which.ravel()[fit], return_index=True)
    groups = dict(zip(owners.tolist(), np.split(fit, starts[1:])))
    holes: list[tuple[float, float]] = []
    filled = np.zeros(count + 1, dtype=bool)
    undrainable = []
    boxes = None
    for c in range(1, count + 1):
        if c in groups:
            fits = np.column_stack(np.unravel_index(groups[c], which.shape))
            first = fits[np.argmax(room[fits[:, 0], fits[:, 1]])]
            chosen = [first]
            if HOLES_PER_VOID > 1:
                spread = np.hypot(*(fits - first).T) * FINE_MM
                # a second hole, the skin between them at least a hole wide (wider than any wall)
                if spread.max() >= 2 * drill_radius_mm(diameter_mm) + diameter_mm:
                    chosen.append(fits[np.argmax(spread)])
            holes += [(float(fx[i]), float(fy[j])) for i, j in chosen]
        elif volumes[c] <= pocket:
            filled[c] = True
        else:
            boxes = boxes if boxes is not None else ndimage.find_objects(labels)
            i, j = boxes[c - 1][0].start, boxes[c - 1][1].start
            undrainable.append(Undrainable(round(float(volumes[c]), 1), round(origin_mm[0] + step_mm * i, 1),
                                           round(origin_mm[1] + step_mm * j, 1),
                                           widest_hole_mm(float(widest[c])) if widest[c] > 0 else 0.0))
    drained = len(groups)
    fill = filled[labels]
    return DrainPlan(tuple(holes), drained, fill, float(volumes[filled].sum()), tuple(undrainable), pocket)


def widest_hole_mm(room_mm: float) -> float:
    """The widest drill (across its sides) a floor with ``room_mm`` of room takes,
    rounded down to a tenth."""
    radius = max(room_mm - CLEAR_MM, 0.0) * math.cos(math.pi / SEGMENTS)
    return math.floor(20 * radius) / 10


def drill_radius_mm(diameter_mm: float) -> float:
    """The drill polygon's corner radius: its sides touch the circle, so the hole is at
    least ``diameter_mm`` across everywhere."""
    return diameter_mm / 2 / math.cos(math.pi / SEGMENTS)


def drilled(solid: manifold3d.Manifold, holes_xy_mm: tuple[tuple[float, float], ...], diameter_mm: float,
            floor_mm: float) -> manifold3d.Manifold:
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
