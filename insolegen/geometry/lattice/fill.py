"""Graded lattice insoles ([lattice], issue 12): the insole's solid filled with a
triply periodic sheet (gyroid or Schwarz diamond) whose local solid fraction follows the
zones' percentages, eased across ``blend_mm`` instead of stepping, inside solid skins
(top and bottom) and a solid rim.

The sheet is {|g(k p)| < t}, g the surface's function, k = 2 pi / cell. Its solid
fraction rises with t (tabled once per surface by sampling a cell), and its thinnest
wall is 2 t / (k max|grad g|) (max|grad g| = 1.729 on both sheets), so wall_min_mm sets
the least t, hence the least fraction a cell size can print. The sheet is meshed by
marching cubes on one grid with the core (the solid less its skins and rim), trimmed to
the core grown by OVERLAP_MM and joined to the shell (the solid less the core) by
manifold3d's booleans; the union's slivers are mended (insolegen.geometry.mending).
docs/lattice.md tells the whole of it.

Over 400 lines: the lattice's fields, marching, mending and measuring, in the order a
part is made; they share the grids.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core.sheets import greatest_threshold, least_threshold, sheet
from insolegen.geometry.distance import distance_field
from insolegen.geometry.lattice.drains import DrainPlan
from insolegen.geometry.mending import collapse_needles, collapse_short_edges, drop_specks, fill_sealed_voids, merge_coincident
from insolegen.geometry.solid import Mesh
from insolegen.profile.spec import LatticeSpec

if TYPE_CHECKING:
    import manifold3d  # for the annotations: the functions import it where they use it

__all__ = [
    "FAINT_MM",
    "FIELD_STEP_MM",
    "GRAD_BOUND",
    "LIFT_BLEND_MM",
    "MEASURE_HEIGHT_CELLS",
    "MEASURE_INSET_MM",
    "NODE_NUDGE",
    "OVERLAP_MM",
    "SPECK_MM3",
    "TYPES",
    "WALL_SLACK_MM",
    "Array",
    "Grid2D",
    "LatticeFill",
    "blended_fraction",
    "bodies_and_cavities",
    "fill_with_lattice",
    "fraction_for",
    "fraction_table",
    "greatest_fraction",
    "least_fraction",
    "measured_fraction",
    "solid_fraction",
    "thinnest_allowed_mm",
    "threshold_for",
]

Array = NDArray[np.float64]

OVERLAP_MM = 0.3  # the lattice reaches this far into the shell
SPECK_MM3 = 0.01  # a closed piece smaller than this is a boolean's speck
FIELD_STEP_MM = 1.0  # the fraction, top and edge-distance fields are sampled this finely
LIFT_BLEND_MM = 2.0  # the lift layer's fraction eases into the zones' above over this height
WALL_SLACK_MM = 0.05  # a lattice part's walls are checked to their minimum less this
MEASURE_HEIGHT_CELLS = 0.5  # a measuring box is at least half a cell tall
MEASURE_INSET_MM = 0.3  # and stays this far inside the skins (the overlap's fillet)
FAINT_MM = 0.02  # a grid point this close inside the sheet's surface reads as void
GRAD_BOUND = math.sqrt(6.0)  # |grad g| <= this anywhere on either sheet (each partial <= sqrt 2)
NODE_NUDGE = 1e-3  # a marching grid's value is kept this far from the surface (field units: about mm)
TYPES = ("gyroid", "diamond")


@cache
def fraction_table(kind: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(t, solid fraction of {|g| < t}) from 0 to the sheet's largest |g|, sampled on a
    64^3 grid of one cell: a pure function of the surface, tabled once."""
    n = 64
    u = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    g = np.abs(sheet(kind, *np.meshgrid(u, u, u, indexing="ij"))).ravel()
    g.sort()
    t = np.linspace(0.0, float(g[-1]), 200)
    return tuple(t.tolist()), tuple((np.searchsorted(g, t) / len(g)).tolist())


def threshold_for(kind: str, fraction: Array) -> Array:
    t, f = fraction_table(kind)
    return np.interp(fraction, f, t)


def fraction_for(kind: str, threshold: Array) -> Array:
    t, f = fraction_table(kind)
    return np.interp(threshold, t, f)


def thinnest_allowed_mm(settings: LatticeSpec) -> float:
    """The thinnest wall a lattice part is held to: the least of its sheet's wall, skins
    and rim, less WALL_SLACK_MM (the marching grid's chords cut a curved sheet's wall
    by up to a few hundredths)."""
    return min(settings.wall_min_mm, settings.skin_bottom_mm, settings.skin_top_mm,
               settings.perimeter_mm) - WALL_SLACK_MM


def least_fraction(settings: LatticeSpec) -> float:
    """The thinnest sheet a cell size prints: its wall wall_min_mm thick."""
    return float(fraction_for(settings.kind, np.array(least_threshold(settings.cell_mm, settings.wall_min_mm)))[()])


def greatest_fraction(settings: LatticeSpec) -> float:
    """The thickest sheet the marching grid draws true: its voids' necks two steps across
    (insolegen.core.sheets)."""
    t = greatest_threshold(settings.kind, settings.cell_mm, settings.edge_mm)
    return float(fraction_for(settings.kind, np.array(max(t, 0.0)))[()])


@dataclass(frozen=True)
class Grid2D:
    """A field over the plane sampled every ``step`` from ``origin``, read bilinearly."""

    origin: tuple[float, float]
    step: float
    values: Array  # (ny, nx)

    def at(self, x: Array, y: Array) -> Array:
        ny, nx = self.values.shape
        fx = np.clip((np.asarray(x) - self.origin[0]) / self.step, 0, nx - 1.000001)
        fy = np.clip((np.asarray(y) - self.origin[1]) / self.step, 0, ny - 1.000001)
        i, j = fy.astype(np.int64), fx.astype(np.int64)
        a, b = fy - i, fx - j
        v = self.values
        return (1 - a) * ((1 - b) * v[i, j] + b * v[i, j + 1]) + a * ((1 - b) * v[i + 1, j] + b * v[i + 1, j + 1])

    def on_grid(self, xs: Array, ys: Array) -> Array:
        """``at`` on every (x, y) of xs by ys ((len(xs), len(ys)), as meshgrid's "ij"),
        along x, then along y: bilinear reading is separable (two taps each way, element
        by element: a BLAS product would give other last bits on other processors)."""
        ny, nx = self.values.shape

        def taps(coords: Array, origin: float, n: int) -> tuple[NDArray[np.int64], Array]:
            f = np.clip((np.asarray(coords) - origin) / self.step, 0, n - 1.000001)
            k = f.astype(np.int64)
            return k, f - k

        kx, fx = taps(xs, self.origin[0], nx)
        ky, fy = taps(ys, self.origin[1], ny)
        along_x = self.values.T[kx] * (1 - fx)[:, None] + self.values.T[kx + 1] * fx[:, None]  # (len(xs), ny)
        return along_x[:, ky] * (1 - fy)[None, :] + along_x[:, ky + 1] * fy[None, :]


def blended_fraction(areas: Sequence[tuple[float, shapely.Geometry]], bounds: tuple[float, float, float, float],
                     blend_mm: float) -> Grid2D:
    """Each zone's fraction on a FIELD_STEP_MM grid, eased across zone edges by a box
    filter blend_mm wide (a step becomes a straight ramp that wide: monotonic)."""
    x0, y0, x1, y1 = bounds
    margin = blend_mm + 2 * FIELD_STEP_MM
    gx = np.arange(x0 - margin, x1 + margin + FIELD_STEP_MM, FIELD_STEP_MM)
    gy = np.arange(y0 - margin, y1 + margin + FIELD_STEP_MM, FIELD_STEP_MM)
    xx, yy = np.meshgrid(gx, gy)
    values = np.full(xx.shape, np.nan)
    for fraction, area in areas:
        values[shapely.contains_xy(area, xx, yy) & np.isnan(values)] = fraction
    # outside every zone: the nearest zone's value (the filter must not pull edges down)
    from scipy import ndimage

    if np.isnan(values).all():
        values[:] = 0.0
    elif np.isnan(values).any():
        _, (iy, ix) = ndimage.distance_transform_edt(np.isnan(values), return_indices=True)
        values = values[iy, ix]
    width = 2 * round(blend_mm / FIELD_STEP_MM / 2) + 1  # odd: the filter centred on each cell
    if width > 1:
        values = ndimage.uniform_filter(values, size=width, mode="nearest")
    return Grid2D((float(gx[0]), float(gy[0])), FIELD_STEP_MM, values)


def _marched(field: Array, origin: tuple[float, float, float], step_mm: float) -> manifold3d.Manifold:
    """The solid where ``field`` > 0 on a grid (x, y, z indexed) from ``origin``:
    scikit-image's marching cubes, vectorised (manifold3d's level set calls back into
    Python at every grid point: 20-30 times slower here), closed by a border of -1."""
    import manifold3d
    from skimage.measure import marching_cubes

    padded = np.pad(np.asarray(field, dtype=np.float32), 1, constant_values=-1.0)
    # A grid node on the surface (the sheet's symmetry puts some exactly there) gives
    # each edge it ends its own vertex at the same point: a pinch that an STL, welded by
    # position, turns into edges of four triangles. Nudged off the surface, the vertices
    # sit NODE_NUDGE / |step of the field| (over half a micrometre) from the node.
    near = np.abs(padded) < NODE_NUDGE
    padded[near] = np.where(padded[near] < 0, -NODE_NUDGE, NODE_NUDGE)
    if padded.max() <= 0:
        return manifold3d.Manifold()
    verts, faces, _, _ = marching_cubes(padded, 0.0, spacing=(step_mm, step_mm, step_mm), allow_degenerate=False)
    verts = verts - step_mm + np.asarray(origin)  # the pad's cell back
    mesh = manifold3d.Mesh64(vert_properties=np.ascontiguousarray(verts, dtype=np.float64),
                             tri_verts=np.ascontiguousarray(faces[:, ::-1], dtype=np.uint64))  # wound outward
    return manifold3d.Manifold(mesh)


def _faint_as_void(field: Array, kind: str, k: float, px: Array, py: Array, pz: Array) -> Array:
    """``field`` (the sheet's t - |g| on the grid px by py by pz) with its points inside
    the sheet by under FAINT_MM (value over |grad g|, in mm) read as just outside.

    Marching cubes draws slivers of solid at such a point when the void lies about it:
    a horn tapering to the point, or a fin between two tunnels that hug it (0.02-0.14
    mm across: 3 of 140 coupons swept with a ray from every face had one). The surface
    only grazes the point, so reading it as outside moves the surface by under FAINT_MM.
    Measured in mm, not in the field's units: a fixed value moved the surface up to
    0.1 mm where |grad g| is small, thinning the thinnest walls."""
    limit = FAINT_MM * k * GRAD_BOUND  # the most a point FAINT_MM inside can read
    i, j, m = np.nonzero((field > 0) & (field < limit))
    if len(i) == 0:
        return field
    p = np.stack([k * px[i], k * py[j], k * pz[m]])
    step = 1e-4
    grad = np.zeros(len(i))
    for axis in range(3):
        ahead, behind = p.copy(), p.copy()
        ahead[axis] += step
        behind[axis] -= step
        grad += ((sheet(kind, *ahead) - sheet(kind, *behind)) / (2 * step)) ** 2
    faint = field[i, j, m] < FAINT_MM * k * np.sqrt(grad)
    field[i[faint], j[faint], m[faint]] = -NODE_NUDGE
    return field


@dataclass(frozen=True)
class LatticeFill:
    """What fill_with_lattice made: the part (None when a void cannot be drained:
    ``drains.undrainable`` says where) and its drains (None: voids left sealed)."""

    mesh: Mesh | None
    drains: DrainPlan | None


def fill_with_lattice(body: Mesh, outline_ring: Array, top_mm: Callable[[Array, Array], Array],
                      fraction: Grid2D, settings: LatticeSpec, keep_solid: shapely.Geometry | None = None,
                      lift: tuple[Callable[[Array, Array], Array], float] | None = None) -> LatticeFill:
    """``body`` (the part, in its own frame: the outline ring and the top given in the
    same frame) with its core replaced by the graded sheet. ``keep_solid``: a region of
    the plane left solid through (under the label). ``lift``: (the lift layer's top
    above the bed, its fraction) for a lifted side. With ``settings.drain_hole_mm``
    every void is drilled from below (insolegen.geometry.lattice.drains) or, if a small pocket, filled."""
    # Over 60 lines: the lattice's fields, marching and booleans in the order they run, sharing the
    # grids.
    from scipy import ndimage

    from insolegen.geometry.lattice.drains import drilled, plan_drains
    from insolegen.geometry.zones import from_manifold, to_manifold

    k = 2 * math.pi / settings.cell_mm
    least = least_fraction(settings)
    x0, y0 = outline_ring.min(axis=0)
    x1, y1 = outline_ring.max(axis=0)
    gx = np.arange(x0 - 2, x1 + 2 + FIELD_STEP_MM, FIELD_STEP_MM)
    gy = np.arange(y0 - 2, y1 + 2 + FIELD_STEP_MM, FIELD_STEP_MM)
    xx, yy = np.meshgrid(gx, gy)
    ring = outline_ring if shapely.LinearRing(outline_ring).is_ccw else outline_ring[::-1]
    edge = distance_field(ring, x_max_mm=float(x1), needed_mm=settings.perimeter_mm + 5.0, step_mm=FIELD_STEP_MM)
    inner = edge.distance_mm(xx, yy) - settings.perimeter_mm
    if keep_solid is not None and not keep_solid.is_empty:
        d = shapely.distance(keep_solid, shapely.points(xx.ravel(), yy.ravel())).reshape(xx.shape)
        inner = np.minimum(inner, d - settings.perimeter_mm)
    top = np.asarray(top_mm(xx, yy))
    # the skin is skin_top_mm thick across itself, not just upright: on a heel cup's
    # 50 degree side an upright 1.2 mm is 0.77 mm across (1 / cos of the slope)
    dz_dy, dz_dx = np.gradient(top, FIELD_STEP_MM)
    ceiling = top - settings.skin_top_mm * np.sqrt(1.0 + dz_dx ** 2 + dz_dy ** 2)
    greatest = greatest_fraction(settings)
    t_field = threshold_for(settings.kind, np.clip(fraction.at(xx, yy), least, greatest))
    lift_top = np.asarray(lift[0](xx, yy)) if lift is not None else None
    t_lift = float(threshold_for(settings.kind, np.array(min(max(lift[1], least), greatest)))) if lift is not None else 0.0
    # The sheet is meshed with its true values wherever a marching cell can reach the
    # trimmed core (the core grown by OVERLAP_MM): a cell's corners lie within a step
    # of it up and down, and within the ceiling's slope (the steepest within a step
    # and the field's own step) times a step's diagonal across.
    spread = 2 * math.ceil(settings.edge_mm / FIELD_STEP_MM) + 1
    steepest = ndimage.maximum_filter(np.sqrt(dz_dx ** 2 + dz_dy ** 2), size=spread, mode="nearest")
    plane = {"inner": inner, "ceiling": ceiling, "t": t_field}
    if lift_top is not None:
        plane["lift"] = lift_top
    h = settings.edge_mm
    z0 = settings.skin_bottom_mm - OVERLAP_MM - 2 * h
    z1 = float(np.max(ceiling)) + OVERLAP_MM + 2 * h
    px = np.arange(float(gx[0]), float(gx[-1]) + h, h)
    py = np.arange(float(gy[0]), float(gy[-1]) + h, h)
    pz = np.arange(z0, z1 + h, h)
    # the plane's fields on the marching grid's columns, once
    cx, cy = np.meshgrid(px, py, indexing="ij")
    corner = (float(gx[0]), float(gy[0]))
    col = {name: Grid2D(corner, FIELD_STEP_MM, values).at(cx, cy)[:, :, None] for name, values in plane.items()}
    zz = pz[None, None, :]

    def core_and_t(col: dict[str, Array], zz: Array | np.float64) -> tuple[Array, Array]:
        """The distance into the core and the sheet's threshold, on columns ``col``
        (the plane's fields at some points) at heights ``zz``."""
        core = np.minimum(np.minimum(zz - settings.skin_bottom_mm, col["ceiling"] - zz), col["inner"])
        t = col["t"]
        if "lift" in col:
            s = np.clip((zz - col["lift"]) / LIFT_BLEND_MM + 0.5, 0.0, 1.0)
            t = t_lift + (t - t_lift) * s * s * (3 - 2 * s)
        return core, t

    def open_through(xs: Array, ys: Array, heights: Array) -> NDArray[np.bool_]:
        """No sheet, and inside the core, at every (x, y) of xs by ys, at every one of
        the heights."""
        here = {name: Grid2D(corner, FIELD_STEP_MM, values).on_grid(xs, ys) for name, values in plane.items()}
        clear = np.ones((len(xs), len(ys)), dtype=bool)
        u, v = k * np.asarray(xs)[:, None], k * np.asarray(ys)[None, :]  # the sheet's sines on the axes only
        for z in heights:
            core, t = core_and_t(here, np.float64(z))
            clear &= (core > 0) & (np.abs(sheet(settings.kind, u, v, np.float64(k * z))) > t)
        return clear

    core, t = core_and_t(col, zz)
    u, v, w = np.meshgrid(k * px, k * py, k * pz, indexing="ij", sparse=True)
    g = sheet(settings.kind, u, v, w)
    # The sheet, cut off only out of the cells' reach, and then trimmed to the core
    # grown by OVERLAP_MM by a boolean. Clipped in the field instead (the least of its
    # value and the distance into the core), the values near the skins and rim were the
    # clip's, and marching cubes ran tunnels through cells there that the true sheet
    # does not have, leaving 0.03 mm fins beside them.
    # (the slope read on the columns here only: the drains' checks need no reach)
    slope = Grid2D(corner, FIELD_STEP_MM, steepest).at(cx, cy)[:, :, None]
    reach = OVERLAP_MM + (2.0 + math.sqrt(2.0) * slope) * h
    field = _faint_as_void(np.where(core > -reach, t - np.abs(g), -1.0), settings.kind, k, px, py, pz)
    drains = None
    if settings.drain_hole_mm > 0:
        drains = plan_drains((field < 0) & (core > 0), (px[0], py[0], pz[0]), h, settings.skin_bottom_mm,
                             settings.drain_hole_mm, settings.cell_mm, open_through)
        if drains.undrainable:
            return LatticeFill(None, drains)
    del g, u, v, w
    sheet_solid = _marched(field, (px[0], py[0], pz[0]), h)
    body_solid = to_manifold(body)
    exact = _marched(core, (px[0], py[0], pz[0]), h)
    grown = _marched(core + OVERLAP_MM, (px[0], py[0], pz[0]), h)
    shell = body_solid - exact
    joined = (shell + (sheet_solid ^ grown))
    if drains is not None:
        joined = drilled(joined, drains.holes_xy_mm, settings.drain_hole_mm, settings.skin_bottom_mm)

    # Mended on the STL's float32 corners, so the 3MF, the checks and the STL hold the
    # same; a mend's new corner (a midpoint) is rounded and mended once more.
    mended = _mended(_as_float32(from_manifold(joined)))
    rounded = _as_float32(mended)
    if not np.array_equal(rounded.vertices, mended.vertices):
        rounded = _as_float32(_mended(rounded))
    if drains is not None:
        # the pockets too small to drill filled: their shells taken out of the mesh (made
        # solid in the field instead, their faces met the rim's and left slivers), with
        # any the grid did not see (pinched off between its points, under 1 mm3)
        rounded, filled_mm3 = fill_sealed_voids(rounded, drains.pocket_mm3)
        drains = dataclasses.replace(drains, filled_mm3=filled_mm3)
    return LatticeFill(rounded, drains)


def _as_float32(mesh: Mesh) -> Mesh:
    return Mesh(vertices=mesh.vertices.astype(np.float32).astype(np.float64), faces=mesh.faces)


def _mended(mesh: Mesh) -> Mesh:
    """The union's sub-micrometre edges collapsed, needles and caps mended, and the
    specks it leaves where the sheet grazes the shell (a thousandth of a cubic
    millimetre, solid or hollow) dropped, so the part is one solid and its voids."""
    return drop_specks(merge_coincident(collapse_needles(collapse_short_edges(mesh))), SPECK_MM3)


def solid_fraction(solid: Mesh | manifold3d.Manifold, box: tuple[float, float, float, float, float, float]) -> float:
    """The share of ``box`` (x0, y0, z0, x1, y1, z1) that ``solid`` (a Mesh, or a
    manifold3d.Manifold made once for several boxes) fills: manifold3d's exact
    intersection volume."""
    import manifold3d

    from insolegen.geometry.zones import to_manifold

    x0, y0, z0, x1, y1, z1 = box
    if isinstance(solid, Mesh):
        solid = to_manifold(solid)
    cube = manifold3d.Manifold.cube([x1 - x0, y1 - y0, z1 - z0]).translate([x0, y0, z0])
    return float((solid ^ cube).volume() / ((x1 - x0) * (y1 - y0) * (z1 - z0)))


def measured_fraction(solid: Mesh | manifold3d.Manifold, centre_xy: tuple[float, float], core_bottom_mm: float,
                      core_top_mm: float, cell_mm: float) -> float | None:
    """The solid fraction (percent) of ``solid`` (as solid_fraction takes it) in a box
    one whole cell square centred on
    ``centre_xy``, from just above ``core_bottom_mm`` to just below ``core_top_mm``;
    None when that is under MEASURE_HEIGHT_CELLS of a cell. Over whole periods across,
    a window half a period tall or more holds both sheets' mean fraction within 2 %
    (relative; sampled on a 96^3 cell at 30 and 50 %), so the box need not be a whole
    cell tall."""
    z0, z1 = core_bottom_mm + MEASURE_INSET_MM, core_top_mm - MEASURE_INSET_MM
    if z1 - z0 < MEASURE_HEIGHT_CELLS * cell_mm:
        return None
    x, y, half = centre_xy[0], centre_xy[1], cell_mm / 2
    return round(100 * solid_fraction(solid, (x - half, y - half, z0, x + half, y + half, z1)), 1)


def bodies_and_cavities(solid: Mesh | manifold3d.Manifold) -> tuple[int, int]:
    """(solid pieces, sealed cavities): the closed shells by the sign of their volume (a
    cavity's shell faces inward)."""
    from insolegen.geometry.zones import to_manifold

    if isinstance(solid, Mesh):
        solid = to_manifold(solid)
    volumes = [p.volume() for p in solid.decompose()]
    return sum(v > 0 for v in volumes), sum(v < 0 for v in volumes)
