"""One side built: profile spec -> outline -> top surface -> solid (-> zones), mirrored
for a left foot; pure: a spec in, a finished part out."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np

from insolegen.build.parts import SharedFoot, SidePart
from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.geometry.label import LABEL_DEPTH_MM, engrave, label_text, place_label
from insolegen.geometry.outline import Outline, foot_outline, outline_from_points
from insolegen.geometry.pressure_field import PressureRelief, pressure_field
from insolegen.geometry.pressure_fit import PressureFitError, fit_pressure
from insolegen.geometry.solid import DEFAULT_RESOLUTION, Mesh, Resolution, extrude_height_field
from insolegen.geometry.surfaces import heel_cup_distance, top_surface
from insolegen.geometry.zones import ZONE_RESOLUTION, build_zones
from insolegen.profile.problems import ProfileError, problem
from insolegen.profile.spec import FootSource, Profile, SideSpec, ZonesSpec

__all__ = [
    "build_side", "labelled", "mirror_twins", "mirrored_bounds", "mirrored_part", "pressure_relief", "same_foot",
    "shared_foot", "side_outline",
]


def side_outline(spec: SideSpec, spacing_mm: float = 1.0) -> Outline:
    """The insole outline for a side: a real foot's when the profile gives one, else the
    parametric foot shape for its size."""
    if (foot := spec.foot) is not None:
        return outline_from_points(foot.polygon, length=spec.length, spacing_mm=spacing_mm)
    return foot_outline(
        foot_length_mm=spec.foot_length_mm,
        ball_width_mm=spec.ball_width_mm,
        heel_width_mm=spec.heel_width_mm,
        length=spec.length,
        spacing_mm=spacing_mm,
    )


def shared_foot(specs: Sequence[SideSpec], resolution: Resolution = DEFAULT_RESOLUTION) -> SharedFoot:
    """The outline and cup distance for sides on one foot (:func:`same_foot`)."""
    first = specs[0]
    outline = side_outline(first, resolution.edge_spacing_mm)
    cupped = next((s for s in specs if s.heel_cup_depth_mm > 0 and s.heel_width_mm == first.heel_width_mm), None)
    return SharedFoot(outline, heel_cup_distance(cupped, outline) if cupped else None, first.heel_width_mm)


def pressure_relief(spec: SideSpec, outline: Outline) -> PressureRelief | None:
    """The side's pressure map laid onto its outline, as the relief it asks for (None
    without a map). A map that cannot be laid on the foot is bad input: ProfileError."""
    asked = spec.pressure
    if asked is None:
        return None
    if asked.grid is None:
        raise ValueError(f"the {spec.side} side's pressure map has not been read: pass the profile through "
                         "insolegen.inputs.feet.resolve_feet first")
    if asked.grid.mirrored and asked.side_told == "auto":
        flags = " and ".join(f"{name} = 1" for name in asked.grid.mirrored)
        raise ProfileError([problem(f"{asked.key}.file", asked.given, (
            f"{asked.key}.file = {asked.given}: the export says {flags} (its view was mirrored when it was saved, "
            f"and whether the grid written is cannot be known), so which foot it shows cannot be told from it: "
            f"set {asked.key}.side to \"left\" or \"right\""))])
    try:
        fit = fit_pressure(asked.grid, outline, spec.side, asked.side_told)
    except PressureFitError as exc:
        raise ProfileError([problem(f"{asked.key}.file", asked.given, f"{asked.key}.file = {asked.given}: {exc}")]) from None
    return PressureRelief(pressure_field(asked.grid, fit, asked.key, asked.given), asked.relief_table,
                          asked.relief_above_kpa)


def build_side(
    spec: SideSpec, resolution: Resolution = DEFAULT_RESOLUTION, zones: ZonesSpec | None = None,
    zone_resolution: Resolution = ZONE_RESOLUTION, foot: SharedFoot | None = None,
) -> SidePart:
    """Build one insole: right-footed geometry, mirrored for a left foot; with ``zones``,
    also its firmness-zone solids. ``foot``: the outline and heel-cup distance of the
    very same foot (see :func:`same_foot`), made once for both sides."""
    if spec.needs_foot_file:
        raise ValueError(f"the {spec.side} side names a {spec.source.kind} file that has not been read: "  # type: ignore[union-attr]
                         "pass the profile through insolegen.inputs.feet.resolve_feet first")
    start = time.perf_counter()
    if foot is not None and foot.heel_width_mm == spec.heel_width_mm:
        outline, cup = foot.outline, foot.cup_distance
    else:
        outline, cup = side_outline(spec, resolution.edge_spacing_mm), None
    surface = top_surface(spec, outline, cup, pressure_relief(spec, outline))
    # on the bed, or on the shoe's footbed ([shoe] bottom = "shoe")
    mesh = extrude_height_field(outline.boundary, surface.height_mm, resolution, floor=surface.floor,
                                floor_curvature_per_mm=surface.footbed_curvature_per_mm())
    if surface.floor is not None:
        # The footbed is 0 at the ball, where no vertex need stand: set the lowest one
        # on the bed (a few micrometres down) so the part rests on it.
        mesh = Mesh(vertices=mesh.vertices - [0.0, 0.0, float(mesh.vertices[:, 2].min())], faces=mesh.faces)
    zone_solids = build_zones(spec, outline, surface, mesh, zones, zone_resolution) if zones is not None else ()
    if spec.side == "left":
        mesh = mesh.mirrored_y()
        zone_solids = tuple(z.mirrored_y() for z in zone_solids)
    return SidePart(spec, outline, surface, mesh, time.perf_counter() - start, zone_solids)


def same_foot(a: SideSpec, b: SideSpec) -> bool:
    """True when both sides stand on the same outline: the same size and proportions
    and the same cut, or the very outline read once for both (a twin or not)."""
    if a.source is None and b.source is None:
        return (a.foot_length_mm, a.ball_width_mm, a.heel_width_mm, a.length) == (
            b.foot_length_mm, b.ball_width_mm, b.heel_width_mm, b.length)
    return (isinstance(a.source, FootSource) and isinstance(b.source, FootSource)
            and a.source.polygon is b.source.polygon and a.length == b.length)


def mirror_twins(a: SideSpec, b: SideSpec) -> bool:
    """True when ``b`` is ``a`` for the other foot: every parameter the same and the
    same foot (the same size, or the very outline and sole read once for both)."""
    if a.side == b.side:
        return False
    same_foot = (a.source is None and b.source is None) or (
        isinstance(a.source, FootSource) and isinstance(b.source, FootSource)
        and a.source.polygon is b.source.polygon and a.source.sole is b.source.sole
        and a.source.conform == b.source.conform)
    return same_foot and dataclasses.replace(a, side=b.side, source=None) == dataclasses.replace(b, source=None)


def labelled(part: SidePart, profile: Profile, warnings: list[str]) -> SidePart:
    """``part`` with its label engraved underneath (the side and the patient's id, or
    the build's name: insolegen.geometry.label); unlabelled, with a warning, where the part is
    too thin under the label to cut it and keep the printable minimum above it."""
    import shapely

    # the unlabelled part's underside is its outline, in its own side's frame
    underside = shapely.Polygon(part.outline.boundary * [1.0, part.mirror])
    label = place_label(label_text(part.spec.side, profile.patient.id, profile.file_stem, profile.variant), underside,
                        part.spec.foot_length_mm)

    inside = shapely.get_coordinates(label.outline.buffer(0.5))
    over = part.top_above_underside_mm(inside)
    needed = PRINTABLE_MIN_MM + LABEL_DEPTH_MM
    if np.nanmin(over) < needed - 1e-6:
        warnings.append(f"{part.spec.side}: no label engraved: the part is {np.nanmin(over):.1f} mm thick at the "
                        f"midfoot, and a {LABEL_DEPTH_MM:g} mm label needs {needed:g} mm (write the side on it, "
                        "or set [print] label = false to silence this)")
        return part
    return dataclasses.replace(part, mesh=engrave(part.mesh, label, part.surface.floor), label=label)


def mirrored_part(part: SidePart, spec: SideSpec) -> SidePart:
    """``part`` for the other foot: the mesh and zones mirrored in y (rewound)."""
    return SidePart(spec, part.outline, part.surface, part.mesh.mirrored_y(), 0.0,
                    tuple(z.mirrored_y() for z in part.zones))


def mirrored_bounds(bounds: list[list[float]]) -> list[list[float]]:
    (x0, y0, z0), (x1, y1, z1) = bounds
    return [[x0, -y1, z0], [x1, -y0, z1]]
