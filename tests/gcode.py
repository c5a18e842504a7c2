"""Reading sliced G-code back: how much internal infill went into each zone.

Extrusion moves tagged as internal (sparse) infill are collected with their layer
height; each move's midpoint is mapped back to the insole's frame and assigned to the
zone solid that contains it. Dividing by the volume of the zone's "core" (inside the
part, clear of walls and of the solid top and bottom layers) gives filament per mm3, so
zones of different heights compare fairly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from gcodeproof import read_program

INFILL_TYPES = {"Internal infill", "FILL"}  # PrusaSlicer, CuraEngine


@dataclass
class Moves:
    mid: np.ndarray  # (N, 3) midpoints, bed frame
    extruded: np.ndarray  # (N,) filament length in mm
    layer_height: float
    config: dict


def read_gcode(path) -> Moves:
    """The internal-infill moves of a G-code file (parsed once, by gcodeproof.read_program)."""
    program = read_program(path)
    chosen = program.printing & np.isin(program.kind, list(INFILL_TYPES))
    mids = np.column_stack([(program.start[chosen, :2] + program.end[chosen, :2]) / 2, program.end[chosen, 2]])
    layer = float(program.config.get("layer_height", 0.2))
    return Moves(mids.reshape(-1, 3), program.extruded[chosen], layer, program.config)


def section(solid, z: float):
    """The solid's cross-section at height z as a shapely geometry (even-odd rings)."""
    import shapely

    area = shapely.Polygon()
    for ring in solid.slice(z).to_polygons():
        if len(ring) >= 3:
            area = area.symmetric_difference(shapely.Polygon(ring))
    return area


def zone_densities(moves: Moves, placement, part, *, walls_mm=1.5, top_layers=4, bottom_layers=3,
                   spacing=2.0, margin_mm=3.0):
    """{zone name: (filament mm per mm3 of zone core, core volume mm3)} for one sliced insole."""
    layer = moves.layer_height
    # Bed frame -> the side's own frame.
    rot = placement.rotation()
    local = moves.mid.copy()
    local[:, :2] = (moves.mid[:, :2] - np.array(placement.offset_mm)) @ rot
    # Layer z in G-code is the top of the layer; sample its middle.
    local[:, 2] -= layer / 2

    mirror = np.array([1.0, -1.0]) if part.spec.side == "left" else np.array([1.0, 1.0])
    surface = part.surface

    def core(points: np.ndarray) -> np.ndarray:
        xy = points[:, :2] * mirror  # the surface lives in the right-foot frame
        top = surface.top_mm(xy[:, 0], xy[:, 1])
        floor = surface.footbed_mm(xy[:, 0])  # 0, or the shoe's footbed the underside follows
        edge = surface.distance_to_edge_mm(xy[:, 0], xy[:, 1])
        inside = np.asarray(__import__("shapely").contains_xy(part.outline.polygon, xy[:, 0], xy[:, 1]))
        return (
            inside
            & (edge > walls_mm)
            & (points[:, 2] > floor + bottom_layers * layer + layer)
            & (points[:, 2] < top - (top_layers + 1) * layer)
        )

    # Sample grid for the core volumes, on the slicer's own layers.
    v = part.mesh.vertices
    gx = np.arange(v[:, 0].min(), v[:, 0].max(), spacing) + spacing / 2
    gy = np.arange(v[:, 1].min(), v[:, 1].max(), spacing) + spacing / 2
    layers = np.unique(np.round(moves.mid[:, 2], 4)) - layer / 2
    grid = np.array(np.meshgrid(gx, gy, layers, indexing="ij")).reshape(3, -1).T
    grid = grid[core(grid)]
    moves_core = core(local)
    points = np.vstack([grid, local[moves_core]])
    labels = eroded_labels(part.zones, points, margin_mm=margin_mm, layer=layer)
    grid_labels, move_labels = labels[: len(grid)], labels[len(grid):]
    amounts = moves.extruded[moves_core]

    out = {}
    for index, zone in enumerate(part.zones):
        volume = np.count_nonzero(grid_labels == index) * spacing * spacing * layer
        if volume > 0:
            out[zone.name] = (float(amounts[move_labels == index].sum() / volume), float(volume))
    return out


def zone_labels(zones, points: np.ndarray) -> np.ndarray:
    """Zone index of each point (-1 for none), from the zone solids' cross-sections at
    each point's height (manifold3d slices; points share a few layer heights)."""
    import shapely

    from insolegen.geometry.zones import to_manifold

    solids = [to_manifold(zone.mesh) for zone in zones]
    labels = np.full(len(points), -1)
    heights, layer_of = np.unique(np.round(points[:, 2], 6), return_inverse=True)
    layer_of = layer_of.reshape(-1)
    for k, z in enumerate(heights):
        members = np.flatnonzero(layer_of == k)
        xy = points[members, :2]
        for index, solid in enumerate(solids):
            area = section(solid, float(z))
            if not area.is_empty:
                labels[members[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]] = index
    return labels


def eroded_labels(zones, points: np.ndarray, *, margin_mm: float, layer: float) -> np.ndarray:
    """Zone index per point, or -1 within margin_mm (one layer in z) of another zone:
    the slicer blends densities across a zone boundary, so the boundary is left out."""
    labels = zone_labels(zones, points)
    for offset in ([margin_mm, 0, 0], [-margin_mm, 0, 0], [0, margin_mm, 0], [0, -margin_mm, 0],
                   [0, 0, layer], [0, 0, -layer]):
        labels = np.where(zone_labels(zones, points + offset) == labels, labels, -1)
    return labels
