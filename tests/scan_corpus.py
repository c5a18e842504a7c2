"""Scans as clinics produce them, made from the shared real scans (issue 8).

Every variant is built in the truth frame (the right-foot insole frame of the real scan
as read, mm, floor at z = 0) and then carried into file coordinates by a known 4x4
``to_file``: so a test can take points of the true sole into the reader's frame and
compare the insole built from the variant with the foot it was made from.

Variants: the positive scans as they are, upside down, on a turntable disc, with 0.3 mm
noise, with holes in the sole, as point clouds (PLY, XYZ), in arbitrary units; a
virtual foam block pressed by the real sole: enclosed, cropped at the toes, cropped at
heel and toes, with z pointing into the foam, with its top tilted 4 degrees, as a point
cloud, left and right; and plantar-surface scans as podiatry scanners export them
(issue 23): the real sole cut off 15, 25 and 40 mm up, open or closed by a flat lid,
facing down or up, with the scanner's plate beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
import trimesh

from insolegen.geometry.solid import Resolution, extrude_height_field
from insolegen.inputs.scans import ScanRead, read_scan

SHARED_SCANS = Path(__file__).resolve().parents[2] / "shared" / "data" / "scans"
EXAMPLE_SCANS = Path(__file__).resolve().parents[1] / "profiles" / "scans"
PRESS_DEPTH_MM = 25.0  # how deep the heel sinks into the foam
BLOCK_TOP_MM = 45.0
BLOCK_MARGIN_MM = 20.0


def scan_source(side: str) -> Path:
    """A shared real scan (the project carries a copy for its examples)."""
    shared = SHARED_SCANS / f"relief-{side}.stl"
    return shared if shared.exists() else EXAMPLE_SCANS / f"relief-{side}.stl"


@dataclass(frozen=True)
class Truth:
    """The real foot, read once from its positive scan."""

    side: str
    read: ScanRead
    length_mm: float
    ball_width_mm: float
    heel_width_mm: float

    def sole_mm(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Sole height above its lowest point, right-foot frame."""
        return self.read.sole.height_mm(x, y)

    @property
    def outline(self) -> shapely.Polygon:
        return shapely.Polygon(self.read.outline.polygon)


def widths(polygon: shapely.Polygon, length_mm: float) -> tuple[float, float]:
    """(ball, heel) widths: the widest chord across 0.55-0.80 of the length and across
    0.05-0.30, measured the same way on the truth and on what a reader found."""
    x0 = polygon.bounds[0]

    def widest(a: float, b: float) -> float:
        xs = x0 + length_mm * np.linspace(a, b, 26)
        lines = shapely.linestrings([[(x, -500), (x, 500)] for x in xs])
        return float(shapely.length(shapely.intersection(polygon, lines)).max())

    return widest(0.55, 0.80), widest(0.05, 0.30)


def truth(side: str) -> Truth:
    read = read_scan(scan_source(side))
    poly = shapely.Polygon(read.outline.polygon)
    ball, heel = widths(poly, read.outline.length_mm)
    return Truth(side, read, read.outline.length_mm, ball, heel)


@dataclass(frozen=True)
class Variant:
    name: str
    side: str
    kind: str  # "foot" or "impression"
    path: Path
    to_file: np.ndarray  # 4x4: truth frame (right-foot frame mirrored for a left foot) -> file
    surface: Callable[[np.ndarray, np.ndarray], np.ndarray]  # truth frame: the sole as the file shows it
    profile_keys: str = ""  # extra [foot] keys the variant needs (units it cannot show)


def rotation(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def affine(linear: np.ndarray, shift=(0.0, 0.0, 0.0)) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = linear
    m[:3, 3] = shift
    return m


def apply(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    return v @ m[:3, :3].T + m[:3, 3]


def side_frame(side: str) -> np.ndarray:
    """Right-foot frame -> the side's own frame (a left foot is the mirror in y)."""
    return affine(np.diag([1.0, -1.0 if side == "left" else 1.0, 1.0]))


def write_mesh(vertices: np.ndarray, faces: np.ndarray, path: Path, flip: bool) -> None:
    faces = faces[:, ::-1] if flip else faces
    trimesh.Trimesh(vertices, faces, process=False).export(str(path))


def write_points(points: np.ndarray, path: Path) -> None:
    if path.suffix == ".xyz":
        np.savetxt(path, points, fmt="%.5f")
        return
    header = (f"ply\nformat binary_little_endian 1.0\nelement vertex {len(points)}\n"
              "property float x\nproperty float y\nproperty float z\nend_header\n").encode()
    path.write_bytes(header + points.astype("<f4").tobytes())


def surface_points(vertices: np.ndarray, faces: np.ndarray, per_mm2: float, seed: int) -> np.ndarray:
    """Points spread evenly over a surface, as a phone app's cloud (``per_mm2`` in the
    units of ``vertices`` squared, converted by the caller)."""
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    count = int(min(400_000, max(20_000, mesh.area * per_mm2)))
    points, _ = trimesh.sample.sample_surface(mesh, count, seed=seed)
    return np.asarray(points)


# -- positive scans -----------------------------------------------------------------------
def positive(t: Truth, folder: Path, name: str, *, seed: int, scale: float = 1.0, upside_down: bool = False,
             disc: bool = False, noise_mm: float = 0.0, holes: bool = False, cloud: str = "") -> Variant:
    """The real scan, moved by a random rotation (and flipped, scaled, damaged)."""
    mesh = trimesh.load(scan_source(t.side), force="mesh")
    to_truth = t.read.to_frame  # file -> right-foot truth frame
    v_truth = apply(to_truth, np.asarray(mesh.vertices, dtype=float))
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if np.linalg.det(to_truth[:3, :3]) < 0:
        faces = faces[:, ::-1]
    rng = np.random.default_rng(seed)
    if holes:
        # two 12 mm holes in the sole: under the heel centre and under the arch
        centres = np.array([[0.16 * t.length_mm, 0.0], [0.45 * t.length_mm, 10.0]])
        tri = v_truth[faces]
        middle = tri.mean(axis=1)
        low = middle[:, 2] < 6.0
        near = np.min(np.linalg.norm(middle[:, None, :2] - centres[None], axis=2), axis=1) < 6.0
        faces = faces[~(low & near)]
    pieces_v, pieces_f = [v_truth], [faces]
    if disc:
        # a turntable 300 mm across and 6 mm thick, 3 mm under the sole (a piece of its own)
        d = trimesh.creation.cylinder(radius=150.0, height=6.0, sections=96)
        dv = np.asarray(d.vertices) + [t.length_mm / 2, 0.0, -6.0]
        pieces_v.append(dv)
        pieces_f.append(np.asarray(d.faces) + len(v_truth))
    v = np.vstack(pieces_v)
    f = np.vstack(pieces_f)
    linear = rotation(seed) @ (np.diag([1.0, -1.0, -1.0]) if upside_down else np.eye(3)) * scale
    to_file = affine(linear, rng.normal(size=3) * 100 * scale) @ side_frame(t.side)
    v_file = apply(to_file, v)
    if noise_mm:
        v_file = v_file + rng.normal(scale=noise_mm * scale, size=v_file.shape)
    flip = np.linalg.det(to_file[:3, :3]) < 0  # the mirror into the left frame turns the winding
    path = folder / f"{name}.{cloud or 'stl'}"
    if cloud:
        write_points(surface_points(v_file, f, 1.0 / scale**2, seed), path)
    else:
        write_mesh(v_file, f, path, flip)
    keys = f"length_mm = {t.length_mm:.2f}\n" if scale not in (1.0, 10.0, 1000.0, 25.4) else ""
    return Variant(name, t.side, "foot", path, to_file, t.sole_mm, keys)


# -- plantar-surface scans ---------------------------------------------------------------------
def plantar(t: Truth, folder: Path, name: str, *, seed: int, cut_mm: float, facing_up: bool = False,
            lid: bool = False, plate: bool = False) -> Variant:
    """A podiatry scanner's sole: the real scan cut off ``cut_mm`` above the floor, an
    open sheet (or closed by a flat lid at the cut), its sole facing down in the file
    or (``facing_up``) turned over, optionally with the scanner's plate (a separate
    flat piece 3 mm under it, larger than the foot), moved by a random rotation."""
    mesh = trimesh.load(scan_source(t.side), force="mesh")
    to_truth = t.read.to_frame
    v = apply(to_truth, np.asarray(mesh.vertices, dtype=float))
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if np.linalg.det(to_truth[:3, :3]) < 0:
        faces = faces[:, ::-1]
    cut = trimesh.intersections.slice_mesh_plane(trimesh.Trimesh(v, faces), [0.0, 0.0, -1.0], [0.0, 0.0, cut_mm],
                                                 cap=lid)
    v, f = np.asarray(cut.vertices), np.asarray(cut.faces)
    if plate:
        box = trimesh.creation.box(extents=[t.length_mm + 40.0, 160.0, 2.0])
        pv = np.asarray(box.vertices) + [t.length_mm / 2, 0.0, -4.0]
        v, f = np.vstack([v, pv]), np.vstack([f, np.asarray(box.faces) + len(v)])
    linear = rotation(seed) @ (np.diag([1.0, -1.0, -1.0]) if facing_up else np.eye(3))
    to_file = affine(linear, np.random.default_rng(seed).normal(size=3) * 100) @ side_frame(t.side)
    path = folder / f"{name}.stl"
    write_mesh(apply(to_file, v), f, path, np.linalg.det(to_file[:3, :3]) < 0)
    return Variant(name, t.side, "sole", path, to_file, t.sole_mm)


# -- foam-box impressions -------------------------------------------------------------------
def impression(t: Truth, folder: Path, name: str, *, seed: int, crop_toes: bool = False, crop_heel: bool = False,
               into_foam: bool = False, tilt_deg: float = 0.0, cloud: str = "", scale: float = 1.0) -> Variant:
    """A foam block pressed by the real sole: its top at BLOCK_TOP_MM, the hollow's
    floor PRESS_DEPTH_MM under it at the sole's lowest point, a 2 mm wall at the rim."""
    foot = t.outline
    ring = shapely.LinearRing(foot.exterior.coords)
    x0, y0, x1, y1 = foot.bounds
    bx0 = x0 + 1.0 if crop_heel else x0 - BLOCK_MARGIN_MM
    bx1 = x1 - 1.0 if crop_toes else x1 + BLOCK_MARGIN_MM
    box = np.array([[bx0, y0 - BLOCK_MARGIN_MM], [bx1, y0 - BLOCK_MARGIN_MM],
                    [bx1, y1 + BLOCK_MARGIN_MM], [bx0, y1 + BLOCK_MARGIN_MM]])
    slope = np.tan(np.radians(tilt_deg))

    def height(x, y):
        inside = shapely.contains_xy(foot, x, y)
        wall = np.clip(shapely.distance(ring, shapely.points(x, y)) / 2.0, 0, 1)
        dent = np.where(inside, (PRESS_DEPTH_MM - np.minimum(t.sole_mm(x, y), PRESS_DEPTH_MM)) * wall, 0.0)
        return BLOCK_TOP_MM + slope * (x - bx0) - dent

    edge = shapely.get_coordinates(shapely.LinearRing(box).segmentize(2.0))[:-1]
    block = extrude_height_field(edge, height, Resolution(tolerance_mm=0.1, start_area_mm2=20.0))
    v, f = block.vertices, block.faces
    linear = rotation(seed) @ (np.diag([1.0, -1.0, -1.0]) if into_foam else np.eye(3)) * scale
    rng = np.random.default_rng(seed)
    to_file = affine(linear, rng.normal(size=3) * 100 * scale) @ side_frame(t.side)
    v_file = apply(to_file, v)
    path = folder / f"{name}.{cloud or 'stl'}"
    if cloud:
        write_points(surface_points(v_file, f, 1.0 / scale**2, seed), path)
    else:
        write_mesh(v_file, f, path, np.linalg.det(to_file[:3, :3]) < 0)
    keys = f"length_mm = {t.length_mm:.2f}\n" if scale not in (1.0, 10.0, 1000.0, 25.4) else ""
    return Variant(name, t.side, "impression", path, to_file, height, keys)


def corpus(folder: Path, truths: dict[str, Truth]) -> list[Variant]:
    """At least 14 variants, both feet, each kind (24 with the plantar-surface scans)."""
    right, left = truths["right"], truths["left"]
    return [
        positive(right, folder, "positive-right", seed=1),
        positive(left, folder, "positive-left-upside-down", seed=2, upside_down=True),
        positive(right, folder, "positive-right-on-disc", seed=3, disc=True),
        positive(left, folder, "positive-left-noise", seed=4, noise_mm=0.3),
        positive(right, folder, "positive-right-holes", seed=5, holes=True),
        positive(left, folder, "positive-left-cloud", seed=6, cloud="ply"),
        positive(right, folder, "positive-right-units", seed=7, scale=0.0137),
        impression(right, folder, "impression-right", seed=11),
        impression(left, folder, "impression-left-cropped-toes", seed=12, crop_toes=True),
        impression(right, folder, "impression-right-cropped-both", seed=13, crop_toes=True, crop_heel=True),
        impression(left, folder, "impression-left-into-foam", seed=14, into_foam=True),
        impression(right, folder, "impression-right-tilted", seed=15, tilt_deg=4.0),
        impression(left, folder, "impression-left-cloud", seed=16, cloud="xyz"),
        impression(right, folder, "impression-right-cm-into-foam", seed=17, into_foam=True, scale=0.1),
        impression(left, folder, "impression-left-tilted-cropped", seed=18, tilt_deg=-3.0, crop_toes=True),
        plantar(right, folder, "sole-right-cut-15", seed=21, cut_mm=15.0),
        plantar(left, folder, "sole-left-cut-15-facing-up", seed=22, cut_mm=15.0, facing_up=True),
        plantar(left, folder, "sole-left-cut-25", seed=23, cut_mm=25.0),
        plantar(right, folder, "sole-right-cut-25-facing-up", seed=24, cut_mm=25.0, facing_up=True),
        plantar(right, folder, "sole-right-cut-40", seed=25, cut_mm=40.0),
        plantar(left, folder, "sole-left-cut-40-facing-up", seed=26, cut_mm=40.0, facing_up=True),
        plantar(right, folder, "sole-right-cut-20-lid", seed=27, cut_mm=20.0, lid=True),
        plantar(left, folder, "sole-left-cut-15-lid-facing-up", seed=28, cut_mm=15.0, lid=True, facing_up=True),
        plantar(left, folder, "sole-left-cut-30-on-plate", seed=29, cut_mm=30.0, plate=True),
    ]
