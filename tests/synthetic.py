"""Synthetic feet with known shapes: outlines and scans to test the readers against."""

from __future__ import annotations

import numpy as np
import shapely

from insolegen.geometry.blends import smoothstep
from insolegen.geometry.outline import foot_outline
from insolegen.geometry.solid import Mesh, Resolution, extrude_height_field

LENGTH = 258.0
ARCH_MM = 9.0  # the synthetic sole's arch, below the 12 mm footprint cut
TOE_LIFT_MM = 3.0


def outline_points(length: float = LENGTH) -> np.ndarray:
    return foot_outline(foot_length_mm=length, ball_width_mm=0.38 * length, heel_width_mm=0.27 * length).boundary


def sole_mm(x: np.ndarray, y: np.ndarray, length: float = LENGTH) -> np.ndarray:
    """The synthetic plantar surface (right foot): a medial arch and lifted toes."""
    along = np.clip(np.sin(np.pi * (x / length - 0.22) / 0.42), 0, None) * ((x / length > 0.22) & (x / length < 0.64))
    across = smoothstep((y + 5.0) / 35.0)
    toes = smoothstep((x / length - 0.84) / 0.12)
    return ARCH_MM * along * across + TOE_LIFT_MM * toes


def foot_scan(length: float = LENGTH, side: str = "right") -> Mesh:
    """A watertight foot: sole underneath, an instep 25-70 mm above it, in mm."""
    boundary = outline_points(length)

    def thickness(x, y):
        return 25.0 + 45.0 * np.clip(1 - x / length, 0, 1)

    body = extrude_height_field(boundary, thickness, Resolution(tolerance_mm=0.2, start_area_mm2=30.0))
    # The sole is added to the bottom after meshing, and an insole's flat bottom cap is
    # meshed as coarsely as it can be: split every face to 4 mm so the sole is sampled.
    import trimesh.remesh

    fine_v, fine_f = trimesh.remesh.subdivide_to_size(body.vertices, body.faces, max_edge=4.0)
    body = Mesh(vertices=np.asarray(fine_v, dtype=float), faces=np.asarray(fine_f, dtype=np.int64))
    v = body.vertices.copy()
    v[:, 2] += sole_mm(v[:, 0], v[:, 1], length)
    mesh = Mesh(vertices=v, faces=body.faces)
    return mesh.mirrored_y() if side == "left" else mesh


def impression(length: float = LENGTH, side: str = "right", depth_mm: float = 25.0, top_mm: float = 45.0) -> Mesh:
    """A foam box 25 mm larger than the foot all round, with the foot pressed into its top."""
    boundary = outline_points(length)
    foot = shapely.Polygon(boundary)
    x0, y0, x1, y1 = foot.bounds
    box = np.array([[x0 - 25, y0 - 25], [x1 + 25, y0 - 25], [x1 + 25, y1 + 25], [x0 - 25, y1 + 25]])
    ring = shapely.LinearRing(boundary)
    fine = shapely.LinearRing(box).segmentize(2.0)

    rim = shapely.get_coordinates(ring)
    edges = shapely.STRtree(shapely.linestrings(np.stack([rim[:-1], rim[1:]], axis=1)))

    def height(x, y):
        inside = shapely.contains_xy(foot, x, y)
        # a 2 mm rim slope: the distance to the nearest of the rim's edges within 2 mm, from
        # a tree of them (the ring's distance to every point took seconds)
        (where, _), gap = edges.query_nearest(shapely.points(x, y), max_distance=2.0, return_distance=True,
                                             all_matches=False)
        wall = np.ones(np.shape(x))
        wall[where] = np.clip(gap / 2.0, 0, 1)
        return top_mm - np.where(inside, (depth_mm - sole_mm(x, y, length)) * wall, 0.0)

    body = extrude_height_field(shapely.get_coordinates(fine)[:-1], height, Resolution(tolerance_mm=0.25, start_area_mm2=40.0))
    return body.mirrored_y() if side == "left" else body


def rotate(mesh: Mesh, seed: int, scale: float = 1.0, upside_down: bool = False) -> Mesh:
    """Turn a mesh by a random rotation (about every axis), scale and shift it."""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    rot = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])
    if upside_down:
        rot = rot @ np.diag([1.0, -1.0, -1.0])
    v = (mesh.vertices @ rot.T + rng.normal(size=3) * 100) * scale
    return Mesh(vertices=v, faces=mesh.faces)


def save(mesh: Mesh, path) -> None:
    import trimesh

    trimesh.Trimesh(mesh.vertices, mesh.faces, process=False).export(str(path))
