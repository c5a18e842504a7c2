"""Is a mesh a printable solid? Checks any triangle mesh, ours or a user's.

Two independent judges agree before a mesh passes: our own edge bookkeeping
(watertight, manifold, consistent winding, positive volume, no degenerate or duplicate
faces) and manifold3d's solid validation; trimesh's ``is_volume`` is reported as well.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.core.rows import row_cross
from insolegen.geometry.measure import thinnest_vertical_mm

__all__ = [
    "BED_SLACK_MM",
    "DEGENERATE_AREA_MM2",
    "WALL_SAMPLES",
    "MeshReport",
    "check_mesh",
    "check_part",
    "check_zone",
]

DEGENERATE_AREA_MM2 = 1e-9
WALL_SAMPLES = 4000  # faces whose wall thickness is measured
BED_SLACK_MM = 1e-3  # a zone may reach this far below the bed (float32 coordinates)


@dataclass(frozen=True)
class MeshReport:
    """What is right and wrong with a mesh. ``ok`` means printable."""

    triangles: int
    vertices: int
    volume_mm3: float
    bounds_mm: list[list[float]]
    open_edges: int
    nonmanifold_edges: int
    misoriented_edges: int
    degenerate_faces: int
    duplicate_faces: int
    manifold3d_status: str
    trimesh_is_volume: bool | None
    thinnest_mm: float
    on_bed: bool
    thinnest_wall_mm: float = float("nan")
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["ok"] = self.ok
        return out


def check_mesh(
    vertices: NDArray[np.float64],
    faces: NDArray[np.int64],
    *,
    min_thickness_mm: float = PRINTABLE_MIN_MM,
    judge_with_trimesh: bool = True,
    wall_samples: int = 0,
    sections: bool = True,
) -> MeshReport:
    """Check a mesh given as (V, 3) vertices (mm) and (F, 3) faces.

    ``judge_with_trimesh`` adds trimesh's ``is_volume`` as a third opinion (default on);
    the build turns it off because importing trimesh costs more than the build itself.
    ``wall_samples`` > 0 also measures the thinnest wall along surface normals.
    Thickness is measured only when ``min_thickness_mm`` > 0 and the solid is sound.
    ``sections`` False leaves out the thinnest vertical section: a lattice's curved
    sheets, grazed by a vertical ray, give sections of any thinness that are no wall
    (its walls are measured across, along the normals).
    """
    vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    if len(faces) == 0:
        return MeshReport(0, len(vertices), 0.0, [], 0, 0, 0, 0, 0, "empty", False, float("nan"), False,
                          problems=["the mesh has no triangles"])
    degenerate, duplicates = _face_faults(vertices, faces)
    open_edges, nonmanifold, misoriented = _edge_faults(faces, len(vertices))
    volume = _signed_volume_mm3(vertices, faces)
    status = _manifold_status(vertices, faces)
    is_volume = _trimesh_is_volume(vertices, faces) if judge_with_trimesh else None
    problems = _solid_problems(open_edges, nonmanifold, misoriented, degenerate, duplicates, volume, status, is_volume)
    thinnest = wall = float("nan")
    if not problems and min_thickness_mm > 0:
        thinnest, wall, found = _thickness(vertices, faces, min_thickness_mm, wall_samples, sections)
        problems += found
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    on_bed = bool(abs(lo[2]) <= 1e-4)
    notes = [] if on_bed else [f"the lowest point is at z = {lo[2]:.3f} mm, not on the bed (z = 0)"]
    return MeshReport(
        triangles=len(faces),
        vertices=len(vertices),
        volume_mm3=volume,
        bounds_mm=[lo.tolist(), hi.tolist()],
        open_edges=open_edges,
        nonmanifold_edges=nonmanifold,
        misoriented_edges=misoriented,
        degenerate_faces=degenerate,
        duplicate_faces=duplicates,
        manifold3d_status=status,
        trimesh_is_volume=is_volume,
        thinnest_mm=thinnest,
        on_bed=on_bed,
        thinnest_wall_mm=wall,
        problems=problems,
        notes=notes,
    )


def _face_faults(vertices: NDArray[np.float64], faces: NDArray[np.int64]) -> tuple[int, int]:
    """(degenerate, duplicate) triangle counts."""
    tri = vertices[faces]
    area = 0.5 * np.linalg.norm(row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    degenerate = int(np.count_nonzero(repeated | (area <= DEGENERATE_AREA_MM2)))
    n = max(len(vertices), 1)
    ordered = np.sort(faces, axis=1)
    ranked = np.lexsort((ordered[:, 2], ordered[:, 0] * n + ordered[:, 1]))
    duplicates = int(np.count_nonzero(np.all(ordered[ranked[1:]] == ordered[ranked[:-1]], axis=1)))
    return degenerate, duplicates


def _edge_faults(faces: NDArray[np.int64], vertex_count: int) -> tuple[int, int, int]:
    """(open, non-manifold, misoriented) edge counts. Edges are single integers (vertex
    pairs), so counting them is a 1-D sort."""
    n = max(vertex_count, 1)
    directed = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    _, counts = np.unique(np.sort(directed, axis=1) @ np.array([n, 1]), return_counts=True)
    # In a consistently wound closed surface every directed edge appears exactly once.
    _, directed_counts = np.unique(directed @ np.array([n, 1]), return_counts=True)
    return (int(np.count_nonzero(counts == 1)), int(np.count_nonzero(counts > 2)),
            int(np.count_nonzero(directed_counts > 1)))


def _signed_volume_mm3(vertices: NDArray[np.float64], faces: NDArray[np.int64]) -> float:
    tri = vertices[faces]
    return float(np.einsum("ij,ij->i", tri[:, 0], row_cross(tri[:, 1], tri[:, 2])).sum() / 6.0)


def _manifold_status(vertices: NDArray[np.float64], faces: NDArray[np.int64]) -> str:
    """manifold3d's verdict on the mesh as a solid ("NoError" when it accepts it)."""
    import manifold3d

    # Fresh writable C arrays: the binding refuses read-only views (manifold3d's own output).
    mesh = manifold3d.Mesh64(vert_properties=np.array(vertices, dtype=np.float64, order="C"),
                             tri_verts=np.array(faces, dtype=np.uint64, order="C"))
    return str(manifold3d.Manifold(mesh).status()).split(".")[-1]


def _solid_problems(open_edges: int, nonmanifold: int, misoriented: int, degenerate: int, duplicates: int,
                    volume: float, status: str, is_volume: bool | None) -> list[str]:
    problems = []
    if open_edges:
        problems.append(f"not watertight: {open_edges} open edges (holes)")
    if nonmanifold:
        problems.append(f"not manifold: {nonmanifold} edges shared by more than two triangles")
    if misoriented and not nonmanifold:
        problems.append(f"inconsistent winding: {misoriented} edges where neighbouring triangles disagree")
    if degenerate:
        problems.append(f"{degenerate} degenerate (zero-area) triangles")
    if duplicates:
        problems.append(f"{duplicates} duplicate triangles")
    if volume <= 0 and not open_edges:
        problems.append(f"inside out: signed volume {volume:.1f} mm3 is not positive (normals point in)")
    if status != "NoError":
        problems.append(f"manifold3d rejects it as a solid: {status}")
    if is_volume is False and not problems:
        problems.append("trimesh does not accept it as a volume")
    return problems


def _thickness(vertices: NDArray[np.float64], faces: NDArray[np.int64], min_thickness_mm: float,
               wall_samples: int, sections: bool = True) -> tuple[float, float, list[str]]:
    """(thinnest vertical section, thinnest wall, problems) of a sound solid."""
    from insolegen.geometry.measure import WALL_REACH_MM, thinnest_wall_mm

    problems = []
    thinnest = thinnest_vertical_mm(vertices, faces) if sections else float("nan")
    if np.isfinite(thinnest) and thinnest < min_thickness_mm - 1e-6:  # float slack
        problems.append(f"too thin to print: {thinnest:.2f} mm at the thinnest vertical section "
                        f"(minimum {min_thickness_mm:g} mm)")
    wall = float("nan")
    if wall_samples and not problems:
        wall = thinnest_wall_mm(vertices, faces, wall_samples, reach_mm=max(WALL_REACH_MM, 2 * min_thickness_mm))
        if np.isfinite(wall) and wall < min_thickness_mm - 1e-6:
            problems.append(f"too thin to print: a {wall:.2f} mm wall (minimum {min_thickness_mm:g} mm)")
    return thinnest, wall, problems


def _trimesh_is_volume(vertices: NDArray[np.float64], faces: NDArray[np.int64]) -> bool:
    import trimesh

    with np.errstate(all="ignore"):  # a flat or zero-volume mesh divides by zero inside
        return bool(trimesh.Trimesh(vertices, faces, process=False).is_volume)


def check_part(vertices: NDArray[np.float64], faces: NDArray[np.int64], *,
               min_thickness_mm: float = PRINTABLE_MIN_MM, sections: bool = True) -> MeshReport:
    """Every check of a printed part: ``build`` runs it on each part it writes and
    ``check`` on each part it reads, so the two cannot disagree."""
    # Our edge bookkeeping and manifold3d judge the solid; trimesh's is_volume asks the
    # same questions (watertight, wound one way, positive volume) and is kept for the
    # tests, where importing it costs nothing that matters.
    return check_mesh(vertices, faces, min_thickness_mm=min_thickness_mm, judge_with_trimesh=False,
                      wall_samples=WALL_SAMPLES, sections=sections)


def check_zone(vertices: NDArray[np.float64], faces: NDArray[np.int64]) -> MeshReport:
    """Every check of a zone modifier (a closed solid on or above the bed; no thickness
    rule: slicers only use it to select the part's infill)."""
    report = check_mesh(vertices, faces, min_thickness_mm=0.0, judge_with_trimesh=False)
    low = float(np.asarray(vertices)[:, 2].min()) if len(vertices) else 0.0
    if low < -BED_SLACK_MM:
        return replace(report, problems=[*report.problems, f"reaches below the bed (z = {low:.2f})"])
    return report
