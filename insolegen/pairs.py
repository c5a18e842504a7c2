"""Both insoles of a pair, built once when they are mirror images of each other.

Geometry is built right-footed and a left insole is its mirror image, so two sides
whose specs agree in everything but ``side`` (same size or same traced outline, same
shape parameters, same lift) have the same right-footed geometry: :func:`pair_geometry`
builds it once and mirrors it, instead of building it twice. Sides that differ (a lift
on one side, a lower arch on the left, two different scans) are built separately.
Pure: specs in, new values out.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .outline import Outline, side_outline
from .profile.spec import FootSource, SideSpec
from .solid import Mesh, Resolution, extrude_height_field
from .surfaces import TopSurface, top_surface


@dataclass(frozen=True)
class SideGeometry:
    """One insole's geometry. ``outline``, ``surface`` and ``right_mesh`` are in the
    right-foot frame (where zones and measurements work); ``mesh`` is in the side's own
    frame (a left insole's is ``right_mesh`` mirrored). ``mirror_of`` names the side whose
    build this one reuses (None when built itself); ``build_seconds`` is the time spent
    on this side (a reused side's is the mirroring only)."""

    spec: SideSpec
    outline: Outline
    surface: TopSurface
    right_mesh: Mesh
    mesh: Mesh
    mirror_of: str | None
    build_seconds: float


def _same_source(a: FootSource | None, b: FootSource | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if not (isinstance(a, FootSource) and isinstance(b, FootSource)):
        return False  # a foot file not read yet has no geometry to share
    # FootSource leaves polygon and sole out of ==; the geometry depends on both.
    return (a.kind == b.kind and a.conform == b.conform and a.sole is b.sole
            and np.array_equal(np.asarray(a.polygon), np.asarray(b.polygon)))


def same_geometry(a: SideSpec, b: SideSpec) -> bool:
    """True when ``a`` and ``b`` build the same right-footed geometry: every parameter
    equal (exactly) but the side, and the same outline source (the same size, or the
    same traced or scanned polygon and sole)."""
    if not _same_source(a.source, b.source):  # type: ignore[arg-type]
        return False
    return dataclasses.replace(a, side=b.side, source=None) == dataclasses.replace(b, source=None)


def side_geometry(spec: SideSpec, resolution: Resolution = Resolution()) -> SideGeometry:
    """Build one insole's geometry: outline, top surface, closed mesh."""
    start = time.perf_counter()
    outline = side_outline(spec, resolution.edge_spacing_mm)
    surface = top_surface(spec, outline)
    right = extrude_height_field(outline.boundary, surface.height_mm, resolution)
    mesh = right.mirrored_y() if spec.side == "left" else right
    return SideGeometry(spec, outline, surface, right, mesh, None, time.perf_counter() - start)


def mirrored_geometry(built: SideGeometry, spec: SideSpec) -> SideGeometry:
    """``spec``'s geometry from ``built``, another side's with the same geometry
    (:func:`same_geometry`): the same right-footed outline, surface and mesh, mirrored
    into ``spec``'s frame."""
    if not same_geometry(built.spec, spec):
        raise ValueError(f"the {spec.side} side differs from the {built.spec.side} side: build it, do not mirror it")
    start = time.perf_counter()
    mesh = built.right_mesh.mirrored_y() if spec.side == "left" else built.right_mesh
    surface = dataclasses.replace(built.surface, spec=spec)
    return SideGeometry(spec, built.outline, surface, built.right_mesh, mesh, built.spec.side,
                        time.perf_counter() - start)


def pair_geometry(specs: Sequence[SideSpec], resolution: Resolution = Resolution()) -> tuple[SideGeometry, ...]:
    """Every side's geometry, in order; a side with the same geometry as one built
    before it is that one's mirror image rather than a second build."""
    built: list[SideGeometry] = []
    for spec in specs:
        twin = next((g for g in built if g.mirror_of is None and same_geometry(g.spec, spec)), None)
        built.append(mirrored_geometry(twin, spec) if twin is not None else side_geometry(spec, resolution))
    return tuple(built)
