"""3-D foot scans (positive foot surfaces and foam-box impressions) to an outline and a
plantar height field in the insole frame.

Steps: load (STL, OBJ, PLY) -> keep the largest connected piece -> units from the size
(a foot is 150-350 mm long) -> the floor: the support plane with the largest contact
area -> kind (a foot stands on the floor; an impression is a slab whose top is a plane
around a foot-shaped hollow) -> plantar height field by vertical rays on a 0.5 mm grid
-> footprint outline -> align (long axis, heel, side) -> smooth at a stated scale.

Every unusable file ends in one InputFileError line that says what the scan looks like
and what to do: unusable paths and damaged files (meshfiles), no triangles, non-finite
or absurd coordinates, a point, a line or a plane instead of a 3-D surface, no unit that
makes it a foot, stray parts far away, scrambled triangles, too little memory.

Over 400 lines: the steps above share the scan's frame and grids; split apart they would
pass a dozen arrays between modules. Issue 23 reworks these steps for real scanners'
files; it splits them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import shapely
from numpy.typing import NDArray

from insolegen.core import exact
from insolegen.core.paths import shown
from insolegen.core.rays import grid_hits
from insolegen.core.rows import column_minima, column_spans, first_of_each, row_cross, row_spans, unique_rows, used_mask
from insolegen.core.units import FOOT_LENGTH_RANGE_MM, UNIT_MM
from insolegen.formats.limits import MeshFileError, read_mesh_bytes
from insolegen.formats.meshes import xyz_points
from insolegen.formats.obj import obj_mesh
from insolegen.formats.ply import ply_mesh
from insolegen.formats.stl import stl_triangles_as_written
from insolegen.inputs.align import AlignedOutline, align_outline
from insolegen.inputs.errors import InputFileError
from insolegen.inputs.insole_copies import FOOT_FOREFOOT_MIN_MM, INSOLE_FOREFOOT_MAX_MM, insole_evidence
from insolegen.inputs.scan_rims import dish_opening, long_rim

if TYPE_CHECKING:
    from scipy.interpolate import RectBivariateSpline

__all__ = [
    "CAP_BAND_MM",
    "CAP_SHARE",
    "CLOUD_FORMATS",
    "CLOUD_LAYER_MM",
    "CLUSTER_DIVISIONS",
    "CONTACT_BAND_MM",
    "COPY_CAP_MM",
    "FLAT_RATIO",
    "FOOTPRINT_CUT_MM",
    "FOOT_WIDTH_TO_LENGTH",
    "GRID_MM",
    "IMPRESSION_DEPTH_MM",
    "KEY_CHUNK_VERTICES",
    "LARGE_SCAN_TRIANGLES",
    "LEVEL_TOLERANCE_DEG",
    "MAP_FACES_PER_BATCH",
    "MAX_ABS_COORDINATE",
    "MAX_CLOUD_SPACING_MM",
    "MAX_COVER",
    "MAX_FILL_OF_BOX",
    "MAX_FLOOR_SPAN_MM",
    "MAX_HEEL_TO_BALL",
    "MAX_RAY_TESTS",
    "MAX_SIDES_AT_SCAN_EDGE",
    "MAX_TOP_TILT_DEG",
    "MAX_UNSEEN_RING",
    "MIN_CLOUD_POINTS",
    "PIT_DEPTH_MM",
    "PIT_MM",
    "PLANE_BAND_MM",
    "PLANE_MIN_SHARE",
    "PLANE_TRIALS",
    "PLATFORM_RATIO",
    "RAY_TESTS_PER_BATCH",
    "SCALE_RANGE",
    "SCAN_FIX",
    "SCAN_FORMATS",
    "SMOOTHING_MM",
    "STRIP_MM",
    "VERTICAL_WALL_MM2",
    "ScanKind",
    "ScanRead",
    "SoleField",
    "find_floor",
    "read_scan",
]

COPY_CAP_MM = 60.0  # an insole's top is copied up to this height (a heel cup's rim is 10-25 mm)
CAP_BAND_MM = 0.3  # cells this close to the floor lie on a flat cut face
CAP_SHARE = 0.85  # a flat face under this share of a scan seen from below is a cut, not a floor (a foot: 30-70 %)
CONTACT_BAND_MM = 2.0  # points this close to a candidate floor count as touching it
FOOTPRINT_CUT_MM = 12.0  # the sole's outline: where the foot is lower than this
IMPRESSION_DEPTH_MM = 2.0  # an impression's hollow: deeper than this below the box top
GRID_MM = 0.5
PLANE_BAND_MM = 1.0  # cells this close to a fitted plane lie on it (scanner noise, foam grain)
PLANE_MIN_SHARE = 0.2  # a block's top is at least this share of what is seen from above
PLANE_TRIALS = 300  # RANSAC samples: a plane holding 20 % of cells is found with certainty ~1 - 0.992**300
MAX_TOP_TILT_DEG = 20.0  # a block's top is this close to level on its own floor, at most
LEVEL_TOLERANCE_DEG = 0.3  # a top tilted less than this is read as it stands
MAX_UNSEEN_RING = 0.3  # share of an impression's ring (5 mm round the hollow) that may be off the scan
STRIP_MM = 2.5  # an impression's hollow loses strips narrower than twice this (a tilted end face)
PIT_MM = 3.0  # a pit in an impression's hollow narrower than twice this and
PIT_DEPTH_MM = 3.0  # deeper than this is no sole (a cloud's cell seeing only the block's bottom)
# The plausibility gate: what a sole's outline is like (foot shapes: ANSUR II; the
# shared real scans measure 0.39 width/length, 0.75 fill, 0.77-0.82 heel/ball).
FOOT_WIDTH_TO_LENGTH = (0.30, 0.45)
MAX_FILL_OF_BOX = 0.88  # area / its minimum rotated rectangle: a rectangle is 1, a foot ~0.75
MAX_HEEL_TO_BALL = 0.92  # the heel's widest chord / the ball's: a foot is narrower at the heel
MAX_SIDES_AT_SCAN_EDGE = 2  # an impression's hollow may run off the block at the toes and heel only
PLATFORM_RATIO = 0.05  # a piece thinner than this fraction of its width is a platform, not a foot
MIN_CLOUD_POINTS = 2000  # a point cloud sparser than this cannot show a sole
CLOUD_LAYER_MM = 3.0  # a point this close to a cell's lowest (highest) is on that surface
MAX_CLOUD_SPACING_MM = 3.0  # a point cloud sparser than this shows no sole worth building on
SMOOTHING_MM = 2.0  # default scale of the Gaussian smoothing of the plantar surface
LARGE_SCAN_TRIANGLES = 400_000  # above this, vertices are clustered before anything else
CLUSTER_DIVISIONS = 1000
KEY_CHUNK_VERTICES = 1 << 20  # vertices (or triangles) handled at a time in the merge (bounds temporaries)
SCAN_FORMATS = (".stl", ".obj", ".ply", ".xyz")
CLOUD_FORMATS = (".ply", ".xyz")  # may hold points only (phone apps): heights from the points
# Sanity bounds on what a foot scan can be; each refusal says which one and why.
MAX_ABS_COORDINATE = 1e12  # file units: a foot in nanometres is ~3e8; beyond this no unit makes one
FLAT_RATIO = 1e-5  # thinner than this fraction of its length (3 um on a foot): flat (or a line)
SCALE_RANGE = (1e-6, 1e6)  # length_mm may rescale a scan by at most this (micrometres to kilometres)
MAX_FLOOR_SPAN_MM = 1000.0  # a foot scan or foam box fits in this on its floor; sizes the height grid
MAX_COVER = 10.0  # seen from above, triangles cover the scan's floor box this often at most (real: 0.9-1.9)
VERTICAL_WALL_MM2 = 0.5e-12  # projected area below which vertical_hits skips a triangle (|det| <= 1e-12)
RAY_TESTS_PER_BATCH = 6_000_000  # ray-triangle pairs a height map batch may hold, counted as _floor_grid_tests counts
MAP_FACES_PER_BATCH = 250_000  # and triangles (grid_hits holds ~300 bytes a triangle: 75 MB a batch)
MAX_RAY_TESTS = 30_000_000  # pairs for one height map in all (~20 s); real scans test < 6 million
SCAN_FIX = "a foot scan needs the sole's 3-D shape: export the scanned foot (or foam-box impression) as a 3-D mesh"

ScanKind = Literal["foot", "sole", "impression", "insole"]


@dataclass(frozen=True)
class SoleField:
    """Plantar surface height (mm) above the lowest point of the sole, on a regular grid
    in the right-foot insole frame; evaluated by a smooth bicubic spline."""

    xs: NDArray[np.float64]
    ys: NDArray[np.float64]
    z: NDArray[np.float64]  # (len(xs), len(ys))
    cap_mm: float = FOOTPRINT_CUT_MM

    @cached_property
    def _spline(self) -> RectBivariateSpline:
        from scipy.interpolate import RectBivariateSpline

        return RectBivariateSpline(self.xs, self.ys, self.z, kx=3, ky=3)

    def height_mm(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.clip(x, self.xs[0], self.xs[-1])
        y = np.clip(y, self.ys[0], self.ys[-1])
        return np.clip(self._spline.ev(x, y), 0.0, self.cap_mm)


@dataclass(frozen=True)
class ScanRead:
    """What a scan gave: outline and sole in the right-foot frame, and how it was read."""

    outline: AlignedOutline
    sole: SoleField
    kind: ScanKind
    units: str
    units_from: str
    scale_to_mm: float
    up: NDArray[np.float64]  # the floor's normal in the file's axes
    triangles: int
    fragments_dropped: int
    holes_filled_mm2: float
    to_frame: NDArray[np.float64]  # 4x4: file coordinates -> insole frame (mm)
    notes: list[str] = field(default_factory=list)
    # an insole's top sheet (no bottom seen): its top's lowest point is at z = 0, and the
    # copy stands on the profile's thickness; a closed insole's top is over its own bottom
    open_sheet: bool = False


def _load(path: Path, name: str) -> tuple[NDArray[np.float32] | NDArray[np.float64], NDArray[np.int64]]:
    """The scan's vertices and triangles, or InputFileError: the file is read once
    (capped, no hang on a FIFO or device) and parsed from memory. A binary STL's
    vertices stay float32, as written (half the memory); the rest are float64."""
    vertices: NDArray[np.float32] | NDArray[np.float64]
    kind = path.suffix.lower()
    if kind not in SCAN_FORMATS:
        found = f"unknown scan format {shown(kind, 20)!r}" if kind else "no file extension"
        raise InputFileError(f"{name}: {found}: use an .stl, .obj or .ply mesh, or a .ply or .xyz point cloud")
    try:
        data = read_mesh_bytes(path, what="scan")
        if kind == ".xyz":
            vertices, faces = xyz_points(data, name), np.empty((0, 3), np.int64)
        elif kind == ".stl":
            # binary STL straight into arrays: millions of triangles in well under a second
            corners = stl_triangles_as_written(data, name)  # float32: widened where used (_merge_and_keep_largest)
            vertices = corners.reshape(-1, 3)
            faces = np.arange(len(vertices), dtype=np.int64).reshape(-1, 3)
        else:
            vertices, faces = (obj_mesh if kind == ".obj" else ply_mesh)(data, name)
    except MeshFileError as exc:
        raise InputFileError(str(exc)) from None
    if len(faces) == 0 and (kind not in CLOUD_FORMATS or len(vertices) < MIN_CLOUD_POINTS):
        what = (f"only {len(vertices)} points, too few for a foot" if kind in CLOUD_FORMATS
                else "no triangles in the file (an empty mesh)")
        raise InputFileError(f"{name}: {what}: export the scan as a mesh, or as a point cloud of the whole "
                             f"sole (at least {MIN_CLOUD_POINTS:,} points)")
    _check_coordinates(vertices, name)
    return vertices, faces


def _check_coordinates(vertices: NDArray[np.float32] | NDArray[np.float64], name: str) -> None:
    """Finite and not absurdly large: later steps square and subtract coordinates."""
    bad = ~np.isfinite(vertices).all(axis=1)
    if bad.any():
        raise InputFileError(f"{name}: the scan has non-finite coordinates (NaN or infinity) at "
                             f"{int(bad.sum())} of its {len(vertices)} vertices: export it again")
    largest = max(float(vertices.max()), -float(vertices.min())) if len(vertices) else 0.0  # no |v| copy
    if largest > MAX_ABS_COORDINATE:
        raise InputFileError(f"{name}: the scan has coordinates as large as {largest:.3g}, which is no foot "
                             "in any unit: check the export (units, stray points)")


def _degenerate_message(vertices: NDArray[np.float32] | NDArray[np.float64], faces: NDArray[np.int64], name: str) -> str:
    """Why no triangle of the scan has an area: what the points look like."""
    points = vertices[np.unique(faces)].astype(np.float64)
    triangles = f"{len(faces)} triangle{'s' if len(faces) != 1 else ''}"
    if column_spans(points).max() == 0:
        return f"{name}: the scan is a single point: all the corners of its {triangles} coincide; {SCAN_FIX}"
    if _is_line(points):
        return f"{name}: the scan is a line: all the corners of its {triangles} lie on one straight line; {SCAN_FIX}"
    return (f"{name}: the scan has no surface: all its {triangles} have zero area (coincident or collinear "
            f"corners); {SCAN_FIX}")


def _principal_spans(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Extents along the principal axes, smallest first."""
    centred = points - points.mean(axis=0)
    axes = exact.symmetric_eigh(exact.covariance(centred))[1]
    return column_spans(exact.transform(centred, axes.T))


def _is_line(points: NDArray[np.float64]) -> bool:
    spans = _principal_spans(points)
    return bool(spans[1] <= FLAT_RATIO * spans[2])


def _check_shape(spans: NDArray[np.float64], triangles: int, name: str) -> None:
    """Refuse a scan that is a line or flat (``spans``: its extents along its principal
    axes, smallest first) before the floor search: Qhull fails on it."""
    count = f"{triangles} triangle{'s' if triangles != 1 else ''}"
    if spans[1] <= FLAT_RATIO * spans[2]:
        raise InputFileError(f"{name}: the scan is a line: all its points lie along one straight line "
                             f"({count}, {spans[2]:.4g} units long); {SCAN_FIX}")
    if spans[0] <= FLAT_RATIO * spans[2]:
        raise InputFileError(f"{name}: the scan is flat: all its points lie in one plane ({count}, "
                             f"{spans[0]:.3g} units thick over {spans[2]:.4g}); {SCAN_FIX}")


def _principal_axes(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Columns: the principal axes of the points, the longest last."""
    return exact.symmetric_eigh(exact.covariance(points - points.mean(axis=0)))[1]


def _find_floor_of_scan(points: NDArray[np.float64], name: str, rim: NDArray[np.float64] | None = None,
                        vertices: NDArray[np.float64] | None = None,
                        faces: NDArray[np.int64] | None = None) -> NDArray[np.float64]:
    """find_floor, with Qhull's failure on degenerate input said as what the scan is."""
    from scipy.spatial import QhullError

    try:
        sheet = rim is not None and vertices is not None and faces is not None
        return find_floor(points, dish_opening(vertices, faces, rim) if sheet else None)  # type: ignore[arg-type]
    except QhullError:
        # Points are finite and not flat by _check_shape's measure, so Qhull found them
        # degenerate at its own precision: too few, or nearly in one plane.
        raise InputFileError(f"{name}: the scan is (nearly) flat: no 3-D hull can be built from its "
                             f"{len(points)} points; {SCAN_FIX}") from None


def _floor_grid_tests(frame: NDArray[np.float64], faces: NDArray[np.int64], name: str) -> float:
    """How many ray-triangle pairs a height map of the scan tests, after refusing what
    would make it huge: a stray point far away (a huge grid), a scrambled mesh
    (triangles across the whole scan, as from wrong face indices), triangles far too
    large and thin for the scan (slivers across it)."""
    span = column_spans(frame[:, :2])
    if span.max() > MAX_FLOOR_SPAN_MM:
        raise InputFileError(
            f"{name}: the scan spans {span[0]:.0f} x {span[1]:.0f} mm on the floor it stands on; a foot scan "
            f"(or foam box) fits in {MAX_FLOOR_SPAN_MM:.0f} mm: crop it to the foot, without stray parts far from it"
        )
    x, y = frame[:, 0][faces], frame[:, 1][faces]
    projected = 0.5 * np.abs((x[:, 1] - x[:, 0]) * (y[:, 2] - y[:, 0]) - (x[:, 2] - x[:, 0]) * (y[:, 1] - y[:, 0]))
    cover = float(projected.sum()) / max(float(span[0] * span[1]), GRID_MM**2)
    if cover > MAX_COVER:
        raise InputFileError(
            f"{name}: the scan's triangles overlap far too much: seen from above they cover it {cover:.0f} times over "
            "(a scanned surface covers it a few times); the mesh is scrambled (wrong face indices?): check the export"
        )
    width, depth = row_spans(x), row_spans(y)
    # Counted as if rays were binned in cells about a triangle across (each triangle
    # meeting the rays of the cells its box covers; walls, no area seen from above,
    # none): an upper bound of what grid_hits tests, which tests only rays inside a
    # triangle's columns and rows.
    cell = max(GRID_MM, float(np.median(np.r_[width, depth])))
    seen = projected > VERTICAL_WALL_MM2
    tests = float(((width[seen] + cell) * (depth[seen] + cell)).sum()) / GRID_MM**2
    if tests > MAX_RAY_TESTS:
        raise InputFileError(
            f"{name}: the scan's triangles are far too large and thin for its size: its height map would take "
            f"{tests / 1e6:.0f} million ray tests (at most {MAX_RAY_TESTS / 1e6:.0f} million): remesh it finer and "
            "more even, and export it again"
        )
    return tests


def _merge_and_keep_largest(vertices: NDArray, faces: NDArray) -> tuple[NDArray, NDArray, int]:
    """Merge coincident vertices, then keep the largest connected piece by area."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    # One 63-bit key per vertex (21 bits an axis), so merging is a 1-D sort. Small scans
    # merge only coincident vertices (~0.2 um steps on a foot); large ones are clustered
    # on a grid of 1/1000 of their size (~0.3 mm), finer than the 0.5 mm sampling that
    # follows, which makes them several times smaller and faster to handle.
    # A binary STL's corners come as written, float32: widened before any arithmetic
    # (exactly), so the keys are those of the float64 corners.
    lo = column_minima(vertices)
    extent = float(column_spans(vertices).max()) or 1.0
    step = extent / (2**21 - 1) if len(faces) < LARGE_SCAN_TRIANGLES else extent / CLUSTER_DIVISIONS
    keys = np.empty(len(vertices), dtype=np.int64)
    for at in range(0, len(vertices), KEY_CHUNK_VERTICES):  # in pieces: no 3 x n float temporaries
        q = np.round((vertices[at:at + KEY_CHUNK_VERTICES].astype(np.float64) - lo) / step).astype(np.int64)
        keys[at:at + KEY_CHUNK_VERTICES] = (q[:, 0] << 42) | (q[:, 1] << 21) | q[:, 2]
    first, inverse = first_of_each(keys)
    del keys
    vertices, faces = vertices[first].astype(np.float64), inverse[faces]
    del inverse
    faces = faces[(faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])]
    n = len(vertices)
    edges = np.vstack([faces[:, [0, 1]], faces[:, [1, 2]]])
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    count, label = connected_components(graph, directed=False)
    del graph, edges
    area = np.empty(len(faces))
    for at in range(0, len(faces), KEY_CHUNK_VERTICES):  # in pieces: no n x 3 x 3 corner array
        tri = vertices[faces[at:at + KEY_CHUNK_VERTICES]]
        area[at:at + KEY_CHUNK_VERTICES] = 0.5 * np.linalg.norm(row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    piece_area = np.bincount(label[faces[:, 0]], weights=area, minlength=count)
    biggest = _largest_solid_piece(vertices, faces, label, piece_area)
    faces = faces[label[faces[:, 0]] == biggest]
    used = used_mask(faces, len(vertices))  # drop the other pieces' vertices
    renumbered = np.cumsum(used) - 1
    dropped = int(np.count_nonzero(piece_area > 0)) - 1
    return vertices[used], renumbered[faces], dropped


def _largest_solid_piece(vertices: NDArray, faces: NDArray, label: NDArray, piece_area: NDArray) -> int:
    """The largest piece by area that is not a platform: a turntable disc or a scanner
    plate scanned with the foot is often a piece of its own, larger than the foot, and
    flat (thinner than PLATFORM_RATIO of its width); a foot, even a plantar-only relief
    scan 20 mm tall, is not. Only pieces of at least a tenth of the largest are weighed."""
    order = np.argsort(piece_area)[::-1]
    for index in order[:8]:
        if piece_area[index] < 0.1 * piece_area[order[0]]:
            break
        points = vertices[used_mask(faces[label[faces[:, 0]] == index], len(vertices))]
        if len(points) >= 4:
            spans = _principal_spans(points[:: max(1, len(points) // 20000)])
            if spans[0] > PLATFORM_RATIO * spans[2]:
                return int(index)
    return int(order[0])


def _units(length_raw: float, units: str, length_mm: float | None, path: Path) -> tuple[float, str, str]:
    lo, hi = FOOT_LENGTH_RANGE_MM
    fits = [u for u, f in UNIT_MM.items() if lo <= length_raw * f <= hi]
    if units != "auto":
        length = length_raw * UNIT_MM[units]
        if not lo <= length <= hi:
            hint = f': pass scan_units = "{fits[0]}" ({length_raw * UNIT_MM[fits[0]]:.0f} mm)' if fits else ""
            raise InputFileError(
                f'{shown(path)}: the scan is {length_raw:.4g} units long, so with scan_units = "{units}" it is '
                f"{length:.4g} mm, not a foot ({lo:g}-{hi:g} mm){hint or ': check scan_units'}"
            )
        return UNIT_MM[units], units, "profile"
    if fits:
        return UNIT_MM[fits[0]], fits[0], "detected from the size"
    if length_mm is not None:
        _check_scale(length_mm / length_raw, length_raw, path)
        return length_mm / length_raw, "scaled", "length_mm"
    suggestions = ", ".join(f'{u} -> {length_raw * f:.4g} mm' for u, f in UNIT_MM.items())
    raise InputFileError(
        f"{shown(path)}: the scan is {length_raw:.4g} units long, which is no foot in any unit ({suggestions}): "
        "pass scan_units, or length_mm to set the scale"
    )


def _check_scale(scale: float, length_raw: float, path: Path) -> None:
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise InputFileError(
            f"{shown(path)}: the scan is {length_raw:.4g} units long: making it a foot with length_mm would scale it "
            f"by {scale:.3g}, beyond any unit ({SCALE_RANGE[0]:g} to {SCALE_RANGE[1]:g}): check the file's units"
        )


def _basis(up: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rows: two unit vectors across ``up``, then ``up`` (a right-handed frame)."""
    helper = np.array([1.0, 0, 0]) if abs(up[0]) < 0.9 else np.array([0, 1.0, 0])
    a = np.cross(up, helper)
    a /= exact.norm(a)
    return np.vstack([a, np.cross(up, a), up])


def _contact_area(points: NDArray[np.float64], up: NDArray[np.float64]) -> float:
    h = exact.transform(points, up)
    touching = points[h < h.min() + CONTACT_BAND_MM]
    if len(touching) < 3:
        return 0.0
    flat = exact.transform(touching, _basis(up)[:2])
    return float(shapely.area(shapely.convex_hull(shapely.multipoints(np.ascontiguousarray(flat)))))


def find_floor(points: NDArray[np.float64], opening: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """The up direction whose support plane (the floor) the part touches over the largest
    area. A floor is a face of the convex hull, so the candidates are the hull's largest
    faces (coplanar ones pooled). With ``opening`` (the way an open sheet opens: a sole
    cut round the foot, or an insole's top; scan_rims.dish_opening), only floors under
    it count: the foot is in the dish (a sole cut low touches the plane of its cut edge
    over more area than its floor)."""
    from scipy.spatial import ConvexHull

    hull = ConvexHull(points)
    tri = points[hull.simplices]
    area = 0.5 * np.linalg.norm(row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    normals = hull.equations[:, :3]
    keys = np.round(normals * 60).astype(np.int64)  # ~1 degree bins
    _, group, _ = unique_rows(keys)
    pooled = np.bincount(group.reshape(-1), weights=area)
    candidates = []
    for g in np.argsort(pooled)[::-1][:25]:
        members = group.reshape(-1) == g
        n = (normals[members] * area[members, None]).sum(axis=0)
        candidates.append(-n / exact.norm(n))  # outward normal of a bottom face points down
    if opening is not None:
        candidates = [u for u in candidates if float(u @ opening) > 0] or candidates
    scores = [_contact_area(points, u) for u in candidates]
    # No fine-tuning by the contact score: tilting toward raised parts (lifted toes, an
    # arch) can enlarge the contact band, so the exact hull plane is kept.
    return candidates[int(np.argmax(scores))]


def _grid(lo: NDArray, hi: NDArray, step: float) -> tuple[NDArray, NDArray]:
    """Grid lines a step apart from a step below ``lo`` to past ``hi``: each the first
    plus i x step, the same arithmetic as grid_hits' rays (np.arange's own values can
    differ from it by a unit in the last place near zero)."""
    def lines(a: float, b: float) -> NDArray:
        first = a - step
        return first + np.arange(len(np.arange(first, b + 2 * step, step))) * step
    return lines(float(lo[0]), float(hi[0])), lines(float(lo[1]), float(hi[1]))


def _height_maps(vertices: NDArray, faces: NDArray, xs: NDArray, ys: NDArray,
                 tests: float = 0.0) -> tuple[NDArray, NDArray]:
    """Lowest and highest surface z over each grid point of ``_grid`` (NaN where
    nothing is hit).

    The rays stand on a regular grid, so grid_hits tests each triangle only against the
    rays between its edges (a scan's triangles are mostly smaller than the grid: most
    meet no ray at all); 4-5x faster than binning rays (vertical_hits), the same hits.
    With more than RAY_TESTS_PER_BATCH ray tests expected (``tests``) or more than
    MAP_FACES_PER_BATCH triangles, the triangles go in batches: each ray meets each
    triangle once with the same arithmetic whatever else is in its batch, so the maps
    are the same, in bounded memory."""
    nx, ny = len(xs), len(ys)
    low = np.full(nx * ny, np.inf)
    high = np.full(nx * ny, -np.inf)
    batches = max(1, int(np.ceil(tests / RAY_TESTS_PER_BATCH)), int(np.ceil(len(faces) / MAP_FACES_PER_BATCH)))
    for chosen in np.array_split(np.arange(len(faces)), batches):
        hits = grid_hits(vertices, faces[chosen], (float(xs[0]), float(ys[0])), GRID_MM, (nx, ny))
        ray = (hits.ray % nx) * ny + hits.ray // nx  # grid_hits counts x fastest, these maps y
        np.minimum.at(low, ray, hits.z)
        np.maximum.at(high, ray, hits.z)
    low[~np.isfinite(low)] = np.nan
    high[~np.isfinite(high)] = np.nan
    return low.reshape(nx, ny), high.reshape(nx, ny)


def _mask_polygon(mask: NDArray[np.bool_], xs: NDArray, ys: NDArray) -> shapely.Polygon:
    """The outline of a raster mask (cells centred on xs, ys), from its row runs."""
    step = xs[1] - xs[0]
    boxes = []
    for i in range(mask.shape[0]):
        row = np.r_[False, mask[i], False]
        starts = np.flatnonzero(~row[:-1] & row[1:])
        stops = np.flatnonzero(row[:-1] & ~row[1:])
        for a, b in zip(starts, stops):
            boxes.append(shapely.box(xs[i] - step / 2, ys[a] - step / 2, xs[i] + step / 2, ys[b - 1] + step / 2))
    merged = shapely.union_all(boxes)
    polygon = max(shapely.get_parts(merged), key=lambda g: g.area)
    # Round the raster's stairs off at the grid scale.
    return shapely.Polygon(polygon.exterior).buffer(step, quad_segs=4).buffer(-step, quad_segs=4).simplify(step / 4)


def read_scan(
    path: Path,
    *,
    units: str = "auto",
    kind: str = "auto",
    side: str = "auto",
    length_mm: float | None = None,
    smoothing_mm: float = SMOOTHING_MM,
    allow_unusual_shape: bool = False,
    _scale: float | None = None,
) -> ScanRead:
    """Read a foot scan or foam-box impression; see the module docstring.

    With no unit that makes it a foot, ``length_mm`` sets the scale so that the sole's
    outline is that long. Every unusable file ends in InputFileError."""
    path = Path(path)
    try:
        return _read_scan(path, units=units, kind=kind, side=side, length_mm=length_mm,
                          smoothing_mm=smoothing_mm, allow_unusual_shape=allow_unusual_shape, _scale=_scale)
    except MemoryError:
        # The caps keep a file's arrays proportional to it (20 million triangles need
        # ~5 GB); a machine with less memory ends here rather than in a traceback.
        raise InputFileError(f"{shown(path)}: not enough memory to read this scan: decimate it "
                             "(fewer, larger triangles; 2 million are plenty for a foot) and export it again") from None


def _read_scan(
    path: Path,
    *,
    units: str,
    kind: str,
    side: str,
    length_mm: float | None,
    smoothing_mm: float,
    allow_unusual_shape: bool,
    _scale: float | None,
) -> ScanRead:
    """The steps: load and clean -> scale and stand on its floor -> kind and height maps
    -> sole and footprint -> aligned outline -> smoothed sole in the insole frame."""
    name = shown(path)
    vertices, faces, triangles, notes, dropped = _load_clean(path, name)
    mean, scale, unit_name, units_from, vertices = _scaled(vertices, triangles, units, length_mm, _scale, path, name)
    rim = long_rim(vertices, faces, _principal_axes(vertices)[:, -1]) if kind != "impression" else None
    up = _find_floor_of_scan(vertices[np.random.default_rng(0).choice(len(vertices), min(len(vertices), 20000),
                                                                      replace=False)], name, rim, vertices, faces)
    chosen, up, _frame, floor_z, xs, ys, low, high, top = _kind_and_maps(vertices, faces, up, kind, name, rim, notes)
    if rim is not None and chosen == "foot":
        chosen = "sole"
        notes.append("an open plantar surface (its sides cut off round the foot): stood with the cut edge up")
    sole, footprint, holes, sole_base_z = _sole_and_footprint(chosen, low, high, top, float(xs[1] - xs[0]), name)
    open_sheet = chosen == "insole" and rim is not None
    polygon = _mask_polygon(footprint, xs, ys)
    if not allow_unusual_shape:
        _check_plausible(polygon, chosen, xs, ys, np.isfinite(high), name)
    try:
        aligned = align_outline(shapely.get_coordinates(polygon.exterior)[:-1], side, what="scan")
    except InputFileError as exc:
        raise InputFileError(f"{name}: {exc}") from None
    if units_from == "length_mm" and _scale is None and length_mm is not None:
        # The first scale came from the whole scan's extent; match the sole's outline.
        return read_scan(path, units=units, kind=kind, side=side, length_mm=length_mm, smoothing_mm=smoothing_mm,
                         allow_unusual_shape=allow_unusual_shape, _scale=scale * length_mm / aligned.length_mm)
    if not FOOT_LENGTH_RANGE_MM[0] <= aligned.length_mm <= FOOT_LENGTH_RANGE_MM[1]:
        raise InputFileError(
            f"{name}: the scan's sole is {aligned.length_mm:.0f} mm long, not a foot: "
            "check scan_kind and scan_units"
        )
    field, field_zero_z = _sole_field(sole, footprint, xs, ys, aligned, smoothing_mm,
                                      copy=chosen == "insole", from_lowest=chosen != "insole" or open_sheet)
    return ScanRead(
        outline=aligned,
        sole=field,
        kind=chosen,
        units=unit_name,
        units_from=units_from,
        scale_to_mm=scale,
        up=up,
        triangles=triangles,
        fragments_dropped=dropped,
        holes_filled_mm2=float(holes.sum() * float(xs[1] - xs[0]) ** 2),
        # the sole field's zero is its lowest point: the frame puts it at z = 0 too, so
        # the file's sole lands on the insole's (an impression's hollow floor included)
        to_frame=_file_to_frame(mean, scale, up, floor_z + sole_base_z + field_zero_z, aligned),
        notes=notes,
        open_sheet=open_sheet,
    )


def _load_clean(path: Path, name: str) -> tuple[NDArray, NDArray, int, list[str], int]:
    """(vertices, faces, triangles in the file, notes, fragments dropped): the largest
    connected piece, coincident vertices merged."""
    raw_vertices, raw_faces = _load(path, name)
    if len(raw_faces) == 0:  # a point cloud: no pieces to tell apart; strays are dropped on the grid
        return raw_vertices, raw_faces, 0, [f"a point cloud of {len(raw_vertices):,} points: heights from the points"], 0
    vertices, faces, dropped = _merge_and_keep_largest(raw_vertices, raw_faces)
    triangles = len(raw_faces)
    if len(faces) == 0:
        raise InputFileError(_degenerate_message(raw_vertices, raw_faces, name))
    notes = [f"ignored {dropped} loose fragment(s) of the scan"] if dropped else []
    return vertices, faces, triangles, notes, dropped


def _scaled(vertices: NDArray, triangles: int, units: str, length_mm: float | None, _scale: float | None,
            path: Path, name: str) -> tuple[NDArray, float, str, str, NDArray]:
    """(mean, scale to mm, unit name, where it came from, centred vertices in mm)."""
    mean = vertices.mean(axis=0)
    centred = vertices - mean
    axes = exact.symmetric_eigh(exact.covariance(centred))[1]
    _check_shape(column_spans(exact.transform(centred, axes.T)), triangles, name)
    length_raw = float(np.ptp(exact.transform(centred, axes[:, -1])))
    if _scale is None:
        scale, unit_name, units_from = _units(length_raw, units, length_mm, path)
    else:
        scale, unit_name, units_from = _scale, "scaled", "length_mm"
    return mean, scale, unit_name, units_from, centred * scale


def _standing(vertices: NDArray, faces: NDArray, up: NDArray, name: str) -> tuple[NDArray, float, NDArray, NDArray,
                                                                                   NDArray, NDArray, float]:
    """The scan stood on its floor (normal ``up``): (frame, floor z, grid xs, ys, lowest
    and highest surface heights over the grid, top). A mesh is sampled by vertical rays
    every GRID_MM; a point cloud by its points, on cells that hold a few points each."""
    frame = exact.transform(vertices, _basis(up))
    floor_z = frame[:, 2].min()
    frame[:, 2] -= floor_z
    if len(faces) == 0:
        xs, ys, low, high = _cloud_maps(frame, name)
    else:
        tests = _floor_grid_tests(frame, faces, name)
        xs, ys = _grid(frame[:, :2].min(axis=0), frame[:, :2].max(axis=0), GRID_MM)
        low, high = _height_maps(frame, faces, xs, ys, tests)
    return frame, floor_z, xs, ys, low, high, float(frame[:, 2].max())


def _cloud_maps(frame: NDArray, name: str) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Lowest and highest point over each GRID_MM cell of a point cloud. Most cells of
    a phone's cloud hold no point: gaps enclosed by measured cells (a closing at the
    cloud's own spacing) take the nearest measured cell's value; the cloud's outer edge
    is not grown (a grown edge would widen the foot)."""

    span = np.ptp(frame[:, :2], axis=0)
    if span.max() > MAX_FLOOR_SPAN_MM:
        raise InputFileError(
            f"{name}: the point cloud spans {span[0]:.0f} x {span[1]:.0f} mm on the floor it stands on; a foot "
            f"scan (or foam box) fits in {MAX_FLOOR_SPAN_MM:.0f} mm: crop it to the foot, without stray points")
    # A closed surface seen from above is about two layers (top and bottom) and sides.
    spacing = float(np.sqrt(2.5 * max(span[0] * span[1], 1.0) / len(frame)))
    if spacing > MAX_CLOUD_SPACING_MM:
        raise InputFileError(
            f"{name}: the point cloud is too sparse for a sole: about one point every {spacing:.1f} mm "
            f"(at most {MAX_CLOUD_SPACING_MM:g} mm apart): export it denser, or as a mesh")
    # Which points are the lowest (highest) surface over where they stand: within
    # CLOUD_LAYER_MM of the lowest (highest) point of a cell a few points across.
    coarse = float(np.clip(2.5 * spacing, 1.0, 4 * MAX_CLOUD_SPACING_MM))
    cx, cy = _grid(frame[:, :2].min(axis=0), frame[:, :2].max(axis=0), coarse)
    cell = _cell_of(frame, cx, cy, coarse)
    lowest = np.full(len(cx) * len(cy), np.inf)
    highest = np.full(len(cx) * len(cy), -np.inf)
    np.minimum.at(lowest, cell, frame[:, 2])
    np.maximum.at(highest, cell, frame[:, 2])
    on_low = frame[:, 2] <= lowest[cell] + CLOUD_LAYER_MM
    on_high = frame[:, 2] >= highest[cell] - CLOUD_LAYER_MM
    # Those points alone mark the fine grid: an edge cell is the sole's only where a
    # sole point is, so the outline is not grown to the coarse cells.
    xs, ys = _grid(frame[:, :2].min(axis=0), frame[:, :2].max(axis=0), GRID_MM)
    low = np.full(len(xs) * len(ys), np.inf)
    high = np.full(len(xs) * len(ys), -np.inf)
    np.minimum.at(low, _cell_of(frame[on_low], xs, ys, GRID_MM), frame[on_low, 2])
    np.maximum.at(high, _cell_of(frame[on_high], xs, ys, GRID_MM), frame[on_high, 2])
    low_grid, high_grid = low.reshape(len(xs), len(ys)), high.reshape(len(xs), len(ys))
    reach = max(1, int(np.ceil(1.5 * spacing / GRID_MM)))
    return xs, ys, _closed_gaps(low_grid, reach), _closed_gaps(high_grid, reach)


def _cell_of(points: NDArray, xs: NDArray, ys: NDArray, step: float) -> NDArray[np.int64]:
    i = np.clip(np.round((points[:, 0] - xs[0]) / step).astype(np.int64), 0, len(xs) - 1)
    j = np.clip(np.round((points[:, 1] - ys[0]) / step).astype(np.int64), 0, len(ys) - 1)
    return i * len(ys) + j


def _closed_gaps(values: NDArray, reach: int) -> NDArray:
    """``values`` (inf where unmeasured) with gaps enclosed by measured cells (a closing
    ``reach`` cells wide) taking the nearest measured value; NaN elsewhere."""
    from scipy import ndimage

    measured = np.isfinite(values)
    if not measured.any():
        return np.full(values.shape, np.nan)
    gaps = ndimage.binary_closing(measured, structure=np.ones((3, 3), bool), iterations=reach) & ~measured
    nearest = ndimage.distance_transform_edt(~measured, return_distances=False, return_indices=True)
    return np.where(measured, values, np.where(gaps, values[tuple(nearest)], np.nan))


def _top_plane(high: NDArray, xs: NDArray, ys: NDArray) -> NDArray | None:
    """The plane (a, b, c: z = a x + b y + c) that most of the surface seen from above
    lies on, within PLANE_BAND_MM: a foam block's top, even tilted or slightly warped
    (RANSAC on the height map, then least squares on the cells near it). None when no
    plane holds PLANE_MIN_SHARE of what is seen."""
    seen = np.isfinite(high)
    if seen.sum() < 100:
        return None
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    px, py, pz = gx[seen], gy[seen], high[seen]
    rng = np.random.default_rng(0)
    pick = rng.choice(len(pz), size=min(len(pz), 20000), replace=False)
    sx, sy, sz = px[pick], py[pick], pz[pick]
    best, best_count = None, 0
    triples = rng.choice(len(sz), size=(PLANE_TRIALS, 3))
    for a, b, c in triples:
        m = np.array([[sx[a], sy[a], 1.0], [sx[b], sy[b], 1.0], [sx[c], sy[c], 1.0]])
        if abs(exact.det3(m)) < 1.0:  # three cells (nearly) in a line
            continue
        plane = exact.solve3(m, [sz[a], sz[b], sz[c]])
        if np.hypot(plane[0], plane[1]) > exact.tan(math.radians(MAX_TOP_TILT_DEG)):
            continue
        count = int(np.count_nonzero(np.abs(sx * plane[0] + sy * plane[1] + plane[2] - sz) < PLANE_BAND_MM))
        if count > best_count:
            best, best_count = plane, count
    if best is None or best_count < PLANE_MIN_SHARE * len(sz):
        return None
    for _ in range(2):  # refine on everything near the plane
        near = np.abs(px * best[0] + py * best[1] + best[2] - pz) < PLANE_BAND_MM
        best = _least_squares_plane(px[near], py[near], pz[near])
    return best


def _least_squares_plane(px: NDArray, py: NDArray, pz: NDArray) -> NDArray:
    """(a, b, c) of the plane z = a x + b y + c nearest the points in the least squares
    (the normal equations: three unknowns, well conditioned in mm)."""
    columns = (px, py, np.ones_like(px))
    normal = np.array([[float(np.sum(u * v)) for v in columns] for u in columns])
    return exact.solve3(normal, [float(np.sum(u * pz)) for u in columns])


def _kind_and_maps(vertices: NDArray, faces: NDArray, up: NDArray, kind: str, name: str,  # type: ignore[no-untyped-def]
                   rim: NDArray | None = None, notes: list[str] | None = None):
    """A foot or an impression, and the height maps of the scan stood the right way up.
    A foam box rests as well on its top as on its bottom, and a file's z may point into
    the foam: the hollow is looked for from both sides, relative to the plane of the
    block's top (fitted, so a top tilted or warped by a few degrees still reads), and
    the scan is stood on that plane when it is the impression's."""
    first = frame, floor_z, xs, ys, low, high, top = _standing(vertices, faces, up, name)
    floor_up = up
    chosen = kind
    if kind in ("auto", "impression"):
        for turn in (1.0, -1.0):
            if turn < 0:
                up = -floor_up
                frame, floor_z, xs, ys, low, high, top = _standing(vertices, faces, up, name)
            plane = _top_plane(high, xs, ys)
            if plane is None or not _has_hollow(high, xs, ys, plane):
                continue
            chosen = "impression"
            if np.hypot(plane[0], plane[1]) > exact.tan(math.radians(LEVEL_TOLERANCE_DEG)):
                # stand the block on its top's plane: heights are then depths below it
                normal = exact.transform(np.array([-plane[0], -plane[1], 1.0]) / np.hypot(1.0, np.hypot(*plane[:2])),
                                         _basis(up).T)
                up = normal / exact.norm(normal)
                frame, floor_z, xs, ys, low, high, top = _standing(vertices, faces, up, name)
                plane = _top_plane(high, xs, ys)
                if plane is None:
                    raise InputFileError(f"{name}: the foam block's top is not flat enough to read the hollow from: "
                                         "check the scan")
            gx, gy = np.meshgrid(xs, ys, indexing="ij")
            near = np.abs(high - (gx * plane[0] + gy * plane[1] + plane[2])) < PLANE_BAND_MM
            top = float(np.nanmedian(high[near]))
            break
        else:
            if kind == "impression":
                raise InputFileError(
                    f"{name}: scan_kind = \"impression\" but neither face of the scan has a foot-shaped hollow "
                    "in a flat top: check the file, or use scan_kind = \"foot\" for a scan of the foot itself"
                )
            chosen = "foot"
            up = floor_up  # back the way the floor was found
            frame, floor_z, xs, ys, low, high, top = first
    if chosen != "impression" and kind in ("auto", "insole"):
        rim_frame = None if rim is None else exact.transform(rim, _basis(up)) - [0.0, 0.0, floor_z]
        evidence = insole_evidence(low, high, xs, ys, rim_frame)
        if kind == "insole" or evidence.verdict == "insole":
            if notes is not None:
                notes.append(f"an insole's scan ({evidence.found}): its outline and top copied")
            return "insole", up, frame, floor_z, xs, ys, low, high, top
        if evidence.verdict == "unsure":
            raise InputFileError(
                f"{name}: the scan is {evidence.found}: neither a foot (a foot, or a sole cut 15 mm up or more, is "
                f"{FOOT_FOREFOOT_MIN_MM:g} mm or more there) nor an insole ({INSOLE_FOREFOOT_MAX_MM:g} mm at most): "
                "set scan_kind = \"insole\" to copy it as an insole, or \"foot\" or \"sole\" to read it as a foot")
    if chosen != "impression" and _stands_on_a_cut(low):
        # A plantar surface closed by a flat lid where its sides were cut: the lid is
        # no floor (a foot touches the floor at heel and ball, not all over)
        chosen, up = "sole", -up
        frame, floor_z, xs, ys, low, high, top = _standing(vertices, faces, up, name)
    return chosen, up, frame, floor_z, xs, ys, low, high, top


def _stands_on_a_cut(low: NDArray) -> bool:
    """True when the scan rests on a flat face covering nearly all it shows from below:
    the cut closing a sole scan, not a floor the foot stood on."""
    seen = np.isfinite(low)
    return bool(seen.any() and np.count_nonzero(low[seen] < CAP_BAND_MM) > CAP_SHARE * np.count_nonzero(seen))


def _check_plausible(polygon: shapely.Polygon, kind: str, xs: NDArray, ys: NDArray, seen: NDArray,
                     name: str) -> None:
    """Refuse (InputFileError) a sole outline that is no foot, before anything is built
    from it: width/length out of FOOT_WIDTH_TO_LENGTH, a near-rectangle, ends equally
    wide (no heel narrower than the ball), an outline that fills the whole scan, or an
    impression's hollow running off the scan on more than two sides. The message says
    what was found and the keys that would help."""
    box = polygon.minimum_rotated_rectangle
    corners = shapely.get_coordinates(box)[:4]
    edges = np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1)
    length, width = float(edges.max()), float(edges.min())
    if length <= 0:
        raise InputFileError(f"{name}: no sole outline found in the scan: check scan_kind")
    k = int(np.argmax(edges))
    axis = (corners[(k + 1) % 4] - corners[k]) / length
    along = shapely.Polygon(exact.transform(shapely.get_coordinates(polygon.exterior) - corners[k],
                                            np.array([axis, [-axis[1], axis[0]]])))
    x0 = along.bounds[0]

    def widest(a: float, b: float) -> float:
        cuts = shapely.linestrings([[(x, -1e4), (x, 1e4)] for x in x0 + length * np.linspace(a, b, 26)])
        return float(shapely.length(shapely.intersection(along, cuts)).max())

    # The heel is whichever end is narrower.
    heel_to_ball = min(widest(0.05, 0.30) / max(widest(0.55, 0.80), 1e-9),
                       widest(0.70, 0.95) / max(widest(0.20, 0.45), 1e-9))
    fill = polygon.area / max(box.area, 1e-9)
    step = float(xs[1] - xs[0])
    scan_area = float(seen.sum()) * step**2
    found = []
    ratio = width / length
    if not FOOT_WIDTH_TO_LENGTH[0] <= ratio <= FOOT_WIDTH_TO_LENGTH[1]:
        found.append(f"width/length {ratio:.2f} (a foot: {FOOT_WIDTH_TO_LENGTH[0]:.2f}-{FOOT_WIDTH_TO_LENGTH[1]:.2f})")
    if fill > MAX_FILL_OF_BOX:
        found.append(f"a near-rectangle (it fills {fill * 100:.0f} % of its bounding box; a foot about 75 %)")
    if heel_to_ball > MAX_HEEL_TO_BALL:
        found.append(f"no heel narrower than the ball (heel/ball widths {heel_to_ball:.2f}; a foot under "
                     f"{MAX_HEEL_TO_BALL:.2f})")
    if kind == "impression":
        x_lo, y_lo, x_hi, y_hi = polygon.bounds
        near = 2.0 * step
        at_edge = sum([x_lo - xs[0] <= near, xs[-1] - x_hi <= near, y_lo - ys[0] <= near, ys[-1] - y_hi <= near])
        if at_edge > MAX_SIDES_AT_SCAN_EDGE:
            found.append(f"the hollow runs off the scan on {at_edge} sides (a cropped block: at the toes and heel only)")
    if not found:
        return
    size = f"{length:.0f} x {width:.0f} mm"
    if kind != "impression" and polygon.area >= 0.8 * scan_area:
        what = (f"found a {size} region that fills the whole scan: is this a foam-box impression? "
                "set scan_kind = \"impression\"")
    elif kind != "impression":
        what = f"found a {size} {'insole' if kind == 'insole' else 'sole'} that does not look like a foot"
    else:
        what = f"found a {size} hollow that does not look like a foot"
    raise InputFileError(
        f"{name}: {what} ({'; '.join(found)}): check scan_kind, scan_units or length_mm, or set "
        "foot.allow_unusual_shape = true to build from it anyway")


def _disk(radius_cells: float) -> NDArray[np.bool_]:
    r = max(1, round(radius_cells))
    i, j = np.mgrid[-r:r + 1, -r:r + 1]
    return (i * i + j * j) <= r * r


def _sole_and_footprint(chosen: str, low: NDArray, high: NDArray, top: float, step: float,
                        name: str) -> tuple[NDArray, NDArray, NDArray, float]:
    """(sole heights with NaN where unmeasured, footprint mask, holes mask, the height
    above the floor that the sole heights are measured from)."""
    from scipy import ndimage

    if chosen == "impression":
        footprint = np.isfinite(high) & (high < top - IMPRESSION_DEPTH_MM)
    elif chosen == "insole":
        footprint = np.isfinite(high)  # all of it seen from above: its outline
    else:
        footprint = np.isfinite(low) & (low < FOOTPRINT_CUT_MM)
    if not footprint.any():
        raise InputFileError(f"{name}: no foot-shaped sole found in the scan: check scan_kind")
    if chosen == "impression":
        # A block's end face tilted a few degrees is seen from above as a strip a few
        # mm wide running down below the top: not the foot. Strips narrower than
        # 2 x STRIP_MM go; the foot's own outline is rounded by less than a cell.
        footprint = ndimage.binary_opening(footprint, structure=_disk(STRIP_MM / step))
        if not footprint.any():
            raise InputFileError(f"{name}: no foot-shaped sole found in the scan: check scan_kind")
    labels, count = ndimage.label(footprint)
    sizes = ndimage.sum(footprint, labels, index=np.arange(1, count + 1))
    footprint = ndimage.binary_fill_holes(labels == 1 + int(np.argmax(sizes)))
    if chosen == "impression":
        # Heights above the hollow's deepest point (the sole's lowest), taken on the
        # foot itself: the block's sides, seen past a tilted top, and a point cloud's
        # cells that caught only the block's bottom lie lower and are no sole.
        seen_high = np.where(np.isfinite(high), high, top)
        closed = ndimage.grey_closing(seen_high, footprint=_disk(PIT_MM / step))
        measured = footprint & np.isfinite(high) & (high >= closed - PIT_DEPTH_MM)
        if not measured.any():
            raise InputFileError(f"{name}: no foot-shaped sole found in the scan: check scan_kind")
        base_z = float(high[measured].min())
        sole = high - base_z
    elif chosen == "insole":
        # its top: the highest surface seen, above the floor it stands on
        base_z = 0.0
        sole = high
        measured = np.isfinite(high)
    else:
        base_z = 0.0
        sole = low
        # Cells where the scan has no sole surface (holes in the mesh, seen through to
        # the instep) are filled from their neighbours below.
        measured = np.isfinite(sole) & (sole < FOOTPRINT_CUT_MM)
    holes = footprint & ~measured
    return np.where(measured, sole, np.nan), footprint, holes, base_z


def _sole_field(sole: NDArray, footprint: NDArray, xs: NDArray, ys: NDArray, aligned: AlignedOutline,
                smoothing_mm: float, copy: bool = False, from_lowest: bool = True) -> tuple[SoleField, float]:
    """The sole filled (holes and outside from the nearest measured cell), smoothed, and
    resampled into the aligned right-foot frame; and the height its zero was taken from
    (its lowest point inside the outline; with ``from_lowest`` false, the floor's). An
    insole's top (``copy``) is kept up to COPY_CAP_MM, a sole's up to FOOTPRINT_CUT_MM."""
    from scipy import ndimage

    filled = np.where(footprint, sole, np.nan)
    missing = ~np.isfinite(filled)
    nearest = ndimage.distance_transform_edt(missing, return_distances=False, return_indices=True)
    filled = filled[tuple(nearest)]
    step = float(xs[1] - xs[0])  # GRID_MM for a mesh; coarser for a sparse point cloud
    cap = COPY_CAP_MM if copy else FOOTPRINT_CUT_MM
    smooth = exact.gaussian_filter(np.clip(filled, 0, cap), smoothing_mm / step, mode="nearest")
    (x0, y0), (x1, y1) = aligned.polygon.min(axis=0) - 3, aligned.polygon.max(axis=0) + 3
    fx, fy = np.arange(x0, x1, GRID_MM), np.arange(y0, y1, GRID_MM)
    gx, gy = np.meshgrid(fx, fy, indexing="ij")
    local = np.column_stack([gx.ravel(), gy.ravel()]) * ([1.0, -1.0] if aligned.side == "left" else [1.0, 1.0])
    source = exact.transform(local - aligned.offset, aligned.rotation.T)  # back to the scan's floor frame
    rows = (source[:, 0] - xs[0]) / step
    cols = (source[:, 1] - ys[0]) / step
    z = ndimage.map_coordinates(smooth, [rows, cols], order=1, mode="nearest").reshape(gx.shape)
    zero_z = float(z[shapely.contains_xy(shapely.Polygon(aligned.polygon), gx, gy)].min()) if from_lowest else 0.0
    return SoleField(fx, fy, np.clip(z - zero_z, 0, None), cap_mm=cap), zero_z


def _file_to_frame(mean: NDArray, scale: float, up: NDArray, floor_z: float, aligned: AlignedOutline) -> NDArray:
    """The 4x4 matrix taking the file's coordinates onto the right-foot insole frame."""
    def to_frame(points: NDArray[np.float64]) -> NDArray[np.float64]:
        floor = exact.transform((points - mean) * scale, _basis(up)) - [0.0, 0.0, floor_z]
        floor[:, :2] = aligned.apply(floor[:, :2])
        return floor

    origin = to_frame(np.zeros((1, 3)))[0]
    matrix = np.eye(4)
    matrix[:3, :3] = (to_frame(np.eye(3)) - origin).T
    matrix[:3, 3] = origin
    return matrix


def _has_hollow(high: NDArray, xs: NDArray, ys: NDArray, plane: NDArray) -> bool:
    """An impression seen from above: a foot-sized hollow more than IMPRESSION_DEPTH_MM
    below the block's top plane, with that plane all round it except where the block
    was cropped (the hollow then runs off the scan: the toes or heel at the block's
    edge). A foot seen from above is its instep: around it there is nothing, not a flat
    top, even where a cut ankle is flat."""
    from scipy import ndimage

    step = float(xs[1] - xs[0])
    seen = np.isfinite(high)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    residual = high - (gx * plane[0] + gy * plane[1] + plane[2])
    flat_top = seen & (np.abs(residual) < PLANE_BAND_MM)
    if not seen.any() or flat_top.sum() / seen.sum() < PLANE_MIN_SHARE:
        return False
    hollow = seen & (residual < -IMPRESSION_DEPTH_MM)
    labels, count = ndimage.label(hollow)
    ring_cells = max(2, round(5.0 / step))
    # Only foot-sized regions are looked at; sized all at once, as a ragged scan can
    # have a million small ones.
    cells = np.bincount(labels.ravel(), minlength=count + 1)
    for index in np.flatnonzero(cells[1:] * step**2 >= 5000) + 1:
        region = labels == index
        ring = ndimage.binary_dilation(region, iterations=ring_cells) & ~region
        # A block cropped through the hollow ends there: its ring runs off the grid
        # (which stops one cell past the scan), so few ring cells are unseen. Around an
        # instep, or a sole seen from below, the ring is mostly the empty floor.
        unseen = float((ring & ~seen).sum()) / max(int(ring.sum()), 1)
        if unseen <= MAX_UNSEEN_RING and (flat_top | (seen & ~hollow))[ring & seen].mean() > 0.9:
            return True
    return False
