"""The designer's live view: a coarse build of each side (no label, no checks, no zone
solids: the exact, checked build is the one the downloads get), its top faces coloured
by the zone under them (or by the stiffness of the column under them, or by the pressure
predicted on them), as one GLB (glTF 2.0 binary) with a node per side, and the measured
heights at the landmarks."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import shapely

from insolegen.build.parts import SidePart
from insolegen.build.side import build_side, mirror_twins, mirrored_part
from insolegen.core.printing import TPU
from insolegen.core.rows import row_cross
from insolegen.exports.pressure_map import round_ceiling
from insolegen.exports.stiffness_map import RAMP, ramp
from insolegen.firmness.table import relative_modulus
from insolegen.geometry.solid import Resolution
from insolegen.geometry.zones import zone_areas
from insolegen.profile.spec import Profile

__all__ = [
    "BASE_RGB",
    "COLOUR_MODES",
    "LIFT_RGB",
    "PREVIEW_RESOLUTION",
    "SIDE_GAP_MM",
    "WALL_RGB",
    "ZONE_RGB",
    "Legend",
    "PreviewSide",
    "preview_glb",
    "preview_parts",
]

# Coarse enough for a fifth of the triangles (the view is a screen's worth of pixels),
# fine enough that a millimetre of arch shows: 0.25 mm off the surface at most.
PREVIEW_RESOLUTION = Resolution(tolerance_mm=0.25, edge_spacing_mm=2.0, start_area_mm2=60.0)
SIDE_GAP_MM = 30.0  # between the two sides in the view
ZONE_RGB = {"heel": (76, 201, 240), "arch": (247, 127, 0), "forefoot": (144, 190, 109), "toes": (199, 249, 204),
            "custom": (255, 214, 10), "pressure": (252, 191, 73)}
BASE_RGB = (200, 200, 200)
WALL_RGB = (150, 150, 150)
LIFT_RGB = (157, 2, 8)  # as the preview.png draws the lift


@dataclass(frozen=True)
class PreviewSide:
    side: str
    triangles: int
    heights: dict[str, tuple[float, float, float]]  # landmark -> (x, y, z) in the view's frame
    y_offset_mm: float


def preview_parts(profile: Profile) -> list[SidePart]:
    """Each side built coarsely (a mirror twin mirrored), with no zones or label."""
    parts: list[SidePart] = []
    for spec in profile.sides:
        twin = next((p for p in parts if mirror_twins(p.spec, spec)), None)
        parts.append(mirrored_part(twin, spec) if twin is not None else build_side(spec, PREVIEW_RESOLUTION))
    return parts


COLOUR_MODES = ("zones", "stiffness", "pressure")  # the zones, the column's stiffness, or the predicted pressure


def preview_glb(profile: Profile, colour: str = "zones") -> tuple[bytes, list[PreviewSide], Legend | None]:
    """The GLB of every side, side by side (left at -y), each side's landmark heights
    measured on its coarse mesh, and (colour = "stiffness") the colour scale."""
    # Over 60 lines: each side placed, coloured in the mode asked, and measured, in the order the
    # view shows them; the stiffness mode's scale is shared by the sides.
    import trimesh

    parts = preview_parts(profile)
    legend = None
    columns: list[tuple[np.ndarray, np.ndarray] | None] = []
    if colour == "stiffness":
        columns = [_column_kpa(part, profile) for part in parts]
        if all(c is not None for c in columns):
            values = np.concatenate([c[1] for c in columns if c is not None])
            lo = 10 ** math.floor(math.log10(float(np.percentile(values, 1))))
            hi = 10 ** math.ceil(math.log10(float(np.percentile(values, 99.5))))
            legend = Legend("kPa per mm of compression (small strain)", lo, hi, RAMP.astype(int).tolist())
    elif colour == "pressure":
        columns = [_pressure_faces(part, profile) for part in parts]
        if all(c is not None for c in columns):
            hi = round_ceiling(max(float(c[1].max()) for c in columns if c is not None))
            legend = Legend("kPa, predicted standing, over 1 cm2", 0.0, hi, RAMP.astype(int).tolist(), "linear")
    scene = trimesh.Scene()
    sides = []
    widths = [float(np.ptp(p.mesh.vertices[:, 1])) for p in parts]
    for k, part in enumerate(parts):
        y_offset = 0.0
        if len(parts) == 2:
            y_offset = (-1 if part.spec.side == "left" else 1) * (widths[k] / 2 + SIDE_GAP_MM / 2)
        offset = y_offset - float(np.mean(part.mesh.vertices[:, 1]))  # each side centred on its place
        v = part.mesh.vertices + [0.0, offset, 0.0]
        colours = _face_colours(part, profile)
        if legend is not None:
            top, kpa = columns[k]  # type: ignore[misc]
            if legend.scale == "linear":
                t = (kpa - legend.lo) / (legend.hi - legend.lo)
            else:
                t = (np.log10(kpa) - math.log10(legend.lo)) / (math.log10(legend.hi) - math.log10(legend.lo))
            colours[top, :3] = _linear(np.column_stack([ramp(t), np.full(len(t), 255, np.uint8)]))[:, :3]
        # one vertex per face corner: flat colours per face, and the edges stay crisp
        f = part.mesh.faces
        mesh = trimesh.Trimesh(vertices=v[f].reshape(-1, 3), faces=np.arange(3 * len(f)).reshape(-1, 3),
                               vertex_colors=np.repeat(colours, 3, axis=0), process=False)
        scene.add_geometry(mesh, node_name=part.spec.side, geom_name=part.spec.side)
        names, points = zip(*part.landmark_points().items())
        xy = np.array(points) * [1.0, part.mirror]
        z = part.top_above_underside_mm(xy)
        heights = {n: (float(x), float(y + offset), float(h)) for n, (x, y), h in zip(names, xy, z)}
        sides.append(PreviewSide(part.spec.side, len(f), heights, offset))
    out = io.BytesIO()
    out.write(scene.export(file_type="glb"))
    return out.getvalue(), sides, legend


@dataclass(frozen=True)
class Legend:
    """A colour mode's scale: from lo to hi along the stops, logarithmic (stiffness) or
    linear (pressure)."""

    label: str
    lo: float
    hi: float
    stops: list[list[int]]
    scale: str = "logarithmic"


def _pressure_faces(part: SidePart, profile: Profile) -> tuple[np.ndarray, np.ndarray] | None:
    """The top faces and the pressure predicted under each (kPa over 1 cm2, standing;
    insolegen.build.prediction on the coarse part, its columns by _column_kpa); None
    without a barefoot map or with a pattern the firmness model does not know."""
    from scipy.spatial import cKDTree

    from insolegen.build.prediction import case_on, foot_of, side_load

    column = _column_kpa(part, profile)
    if part.surface.pressure_relief is None or column is None:
        return None
    faces, face_kpa_per_mm = column
    load, _, _ = side_load(part, profile.patient.mass_kg)
    foot = foot_of(part, profile.patient.diabetic, load)
    assert foot is not None
    side_xy = np.column_stack([foot.sole.x_mm, foot.sole.y_mm * part.mirror])
    top = part.top_above_underside_mm(side_xy)
    on = np.isfinite(top)
    centres = part.mesh.vertices[part.mesh.faces[faces]].mean(axis=1)[:, :2]
    distance, nearest = cKDTree(centres).query(side_xy)
    k = np.where(on & (distance <= 4.0), face_kpa_per_mm[nearest], np.inf)
    case = case_on(foot, np.where(on, np.maximum(top, 0.0), 0.0), k, load)
    _, point = cKDTree(side_xy).query(centres)
    return faces, case.averaged_kpa[point]


def _column_kpa(part: SidePart, profile: Profile) -> tuple[np.ndarray, np.ndarray] | None:
    """The top faces (their indices) and the stiffness of the column under each (kPa/mm),
    from the coarse part (it has no zone solids): the face's height above the underside
    made of the top cover, the zone's cushion and the lift layer where they are, top to
    bottom, in series, the top and bottom skins solid (insolegen.firmness.column); None for
    a pattern the model does not know."""
    if profile.zones.pattern != "gyroid":
        return None
    material = profile.material
    solid = material.modulus_mpa
    v, f = part.mesh.vertices, part.mesh.faces
    tri = v[f]
    top = np.flatnonzero(row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2] > 1e-9)
    centre = tri[top].mean(axis=1)
    x, y = centre[:, 0], centre[:, 1] * part.mirror  # in the right-foot frame
    h = np.maximum(centre[:, 2] - part.surface.footbed_mm(x), 0.0)
    zones = profile.zones
    core_pct = np.full(len(top), zones.arch_pct)
    for _name, pct, _kind, area in zone_areas(part.spec, part.outline, zones, part.surface):
        if not area.is_empty:
            core_pct[shapely.contains_xy(area, x, y)] = pct
    cover = np.minimum(part.spec.modifications.top_cover_mm, h)
    lift = np.minimum(part.surface.lift_layer_mm(x, y) if part.spec.lift_heel_mm > 0 else 0.0, h - cover)
    cushion = np.maximum(h - cover - lift, 0.0)

    def modulus(pct: np.ndarray | float) -> np.ndarray:
        pcts = np.atleast_1d(np.asarray(pct, dtype=float))
        table = {p: solid * relative_modulus("infill", min(max(p, 1e-3), 100.0) / 100).along for p in set(pcts.tolist())}
        return np.array([table[p] for p in pcts.tolist()])

    # depth below the top: the cover [0, c], the cushion [c, c + u], the lift [c + u, h]; the
    # skins take the top and bottom of the column, whichever layers they fall in
    layers = [(np.zeros(len(top)), cover, modulus(np.full(len(top), zones.top_cover_pct))),
              (cover, cover + cushion, modulus(core_pct)),
              (cover + cushion, h, modulus(np.full(len(top), zones.lift_pct)))]
    skin_top = np.minimum(TPU.top_layers * TPU.layer_height_mm, h)
    skin_bottom = np.minimum(TPU.bottom_layers * TPU.layer_height_mm, h - skin_top)
    compliance = (skin_top + skin_bottom) / solid
    for d0, d1, e in layers:
        compliance += np.maximum(np.minimum(d1, h - skin_bottom) - np.maximum(d0, skin_top), 0.0) / e
    return top, 1000.0 / np.maximum(compliance, 1e-9)


def _face_colours(part: SidePart, profile: Profile) -> np.ndarray:
    """RGBA per face: a top face by the zone under its centre, the walls and the
    underside grey."""
    v, f = part.mesh.vertices, part.mesh.faces
    tri = v[f]
    normal_z = row_cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2]  # a mirrored side is rewound: up stays up
    colours = np.tile(np.array([*WALL_RGB, 255], dtype=np.uint8), (len(f), 1))
    top = normal_z > 1e-9
    colours[normal_z < -1e-9, :3] = BASE_RGB
    centre = tri[top].mean(axis=1)[:, :2] * [1.0, part.mirror]  # in the right-foot frame
    top_rgb = np.tile(np.array(BASE_RGB, dtype=np.uint8), (len(centre), 1))
    for name, _pct, kind, area in zone_areas(part.spec, part.outline, profile.zones, part.surface):
        if area.is_empty:
            continue
        inside = shapely.contains_xy(area, centre[:, 0], centre[:, 1])
        top_rgb[inside] = ZONE_RGB.get(name, ZONE_RGB.get(kind, ZONE_RGB["custom"]))
    colours[top, :3] = top_rgb
    spec = part.spec
    if spec.lift_heel_mm > 0:
        # the lift layer shows on the walls: the faces below the lift's height there
        walls = np.flatnonzero(np.abs(normal_z) <= 1e-9)
        c = tri[walls].mean(axis=1)
        x, y = c[:, 0], c[:, 1] * part.mirror
        under = c[:, 2] - part.surface.footbed_mm(x) < part.surface.lift_layer_mm(x, y)
        colours[walls[under], :3] = LIFT_RGB
    return _linear(colours)


def _linear(rgba: np.ndarray) -> np.ndarray:
    """sRGB bytes as glTF's linear vertex colours (the palette is sRGB; a viewer turns
    linear back into sRGB on screen)."""
    c = rgba[:, :3] / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    out = rgba.copy()
    out[:, :3] = np.round(linear * 255).astype(np.uint8)
    return out
