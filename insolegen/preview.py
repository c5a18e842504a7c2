"""preview.png: what a clinician checks at a glance.

Top views (zones with their infill, height contours), a medial side view with the
lift, arch and heel cup dimensioned, and cross sections at the heel, arch apex and
metatarsal heads; left and right side by side. Needs matplotlib; it is kept off the hot
path (``insolegen build --no-preview`` skips it).
"""

from __future__ import annotations

import io

import numpy as np

from .measure import top_heights
from .zones import to_manifold

from .pipeline import BuildResult, SidePart

ZONE_COLOURS = {"heel": "#4cc9f0", "arch": "#f77f00", "forefoot": "#90be6d", "toes": "#c7f9cc", "lift": "#9d0208"}
CUSTOM_COLOUR = "#ffd60a"


def _mirror(part: SidePart) -> float:
    return -1.0 if part.spec.side == "left" else 1.0


def _top_faces(part: SidePart) -> np.ndarray:
    v, f = part.mesh.vertices, part.mesh.faces
    normal_z = np.cross(v[f][:, 1] - v[f][:, 0], v[f][:, 2] - v[f][:, 0])[:, 2]
    return f[normal_z > 1e-9]


def _top_view(ax, part: SidePart, vmax: float):  # type: ignore[no-untyped-def]
    from matplotlib.patches import Polygon as Patch

    v = part.mesh.vertices
    top = _top_faces(part)
    shade = ax.tripcolor(v[:, 0], v[:, 1], top, v[:, 2], shading="gouraud", cmap="Greys", vmin=0, vmax=vmax * 1.3)
    levels = np.arange(1, vmax + 1, 2.0)
    lines = ax.tricontour(v[:, 0], v[:, 1], top, v[:, 2], levels=levels, colors="k", linewidths=0.4)
    ax.clabel(lines, levels[::2], fontsize=6, fmt="%g")
    for zone in part.zones:
        if zone.kind == "lift":
            continue
        colour = ZONE_COLOURS.get(zone.name, CUSTOM_COLOUR)
        rings = to_manifold(zone.mesh).project().to_polygons()
        for ring in rings:
            ax.add_patch(Patch(ring, closed=True, fc=colour, ec=colour, lw=1.0, alpha=0.35))
        if rings:
            cx, cy = np.vstack(rings).mean(axis=0)
            ax.text(cx, cy, f"{zone.name}\n{zone.infill_pct:g} %", ha="center", va="center", fontsize=7,
                    bbox={"fc": "white", "ec": colour, "alpha": 0.8, "pad": 1.5})
    lift = next((z for z in part.zones if z.kind == "lift"), None)
    title = f"{part.spec.side}: top view (height contours every 2 mm)"
    if lift is not None:
        title += f"\nlift layer {lift.infill_pct:g} % under the heel and arch zones"
    ax.set_title(title, fontsize=9)
    ring = np.vstack([part.outline.boundary, part.outline.boundary[:1]]) * [1, _mirror(part)]
    ax.plot(ring[:, 0], ring[:, 1], "k", lw=1.2)
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm)", fontsize=8)
    ax.set_ylabel("y (mm)", fontsize=8)
    ax.tick_params(labelsize=7)
    return shade


def _side_view(ax, part: SidePart) -> None:  # type: ignore[no-untyped-def]
    m = _mirror(part)
    xs = np.linspace(0, part.mesh.vertices[:, 0].max(), 500)
    lat, med = part.outline.edges_at(xs)
    medial_y = lat + 0.9 * (med - lat)
    for y, label, style in ((medial_y, "medial (90 % across)", "-"), (np.zeros_like(xs), "heel mid-line", "--")):
        z = top_heights(part.mesh.vertices, part.mesh.faces, np.column_stack([xs, y * m]))
        ax.plot(xs, z, style, lw=1.2, label=label)
    ax.fill_between([0, xs[-1]], 0, 0, color="k")
    ax.axhline(0, color="k", lw=0.8)
    points = part.landmark_points()
    for name in ("heel_centre", "arch_apex", "metatarsal_heads", "heel_cup_rim", "met_pad_apex"):
        if name not in points:
            continue
        x, y = points[name]
        (z,) = top_heights(part.mesh.vertices, part.mesh.faces, [[x, y * m]])
        ax.annotate(f"{name.replace('_', ' ')}\n{z:.1f} mm", (x, z), xytext=(0, 14), textcoords="offset points",
                    ha="center", fontsize=6.5, arrowprops={"arrowstyle": "-", "lw": 0.5})
        ax.plot([x], [z], "o", ms=3, color="k")
    if part.spec.lift_heel_mm > 0:
        ax.text(0.02, 0.9, f"lift {part.spec.lift_heel_mm:g} mm at the heel -> {part.spec.lift_forefoot_mm:g} mm "
                "at the metatarsal heads", transform=ax.transAxes, fontsize=7, color="#9d0208")
    ax.set_title(f"{part.spec.side}: medial side view", fontsize=9)
    ax.set_xlabel("x (mm)", fontsize=8)
    ax.set_ylabel("height (mm)", fontsize=8)
    ax.set_ylim(0, max(ax.get_ylim()[1], 10) * 1.25)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6.5, loc="upper right")


def _section(ax, parts: list[SidePart], name: str, label: str) -> None:  # type: ignore[no-untyped-def]
    for part, style in zip(parts, ("-", "--")):
        points = part.landmark_points()
        if name not in points:
            continue
        x = points[name][0]
        lat, med = part.outline.edges_at(np.array([x]))
        ys = np.linspace(lat[0] - 2, med[0] + 2, 300)
        z = top_heights(part.mesh.vertices, part.mesh.faces, np.column_stack([np.full_like(ys, x), ys * _mirror(part)]))
        ax.plot(ys, z, style, lw=1.2, label=f"{part.spec.side} (x = {x:.0f} mm)")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title(f"section at the {label}: lateral <- -> medial", fontsize=9)
    ax.set_xlabel("across the foot (mm, medial +)", fontsize=8)
    ax.set_ylabel("height (mm)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=6.5)


def preview_png(result: BuildResult, dpi: int = 80) -> bytes:
    """The preview picture for a built profile, as PNG bytes."""
    # The object-oriented API on an Agg canvas: no pyplot, no process-wide backend.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    parts = list(result.parts)
    spec = parts[0].spec
    size = spec.size or (f"{spec.source.kind} {spec.source.info.get('file')}" if spec.source else f"{spec.foot_length_mm:.0f} mm")
    vmax = max(float(p.mesh.vertices[:, 2].max()) for p in parts)
    fig = Figure(figsize=(15, 12.5), dpi=dpi)
    FigureCanvasAgg(fig)
    # A fixed layout: tight_layout measured every label twice and took most of the time.
    grid = fig.add_gridspec(3, 6, height_ratios=[1.15, 0.9, 0.8], left=0.05, right=0.95, bottom=0.05, top=0.93,
                            wspace=0.9, hspace=0.35)
    shade = None
    for i, part in enumerate(parts):
        span = slice(0, 3) if len(parts) == 2 and i == 0 else (slice(3, 6) if len(parts) == 2 else slice(0, 6))
        shade = _top_view(fig.add_subplot(grid[0, span]), part, vmax)
        _side_view(fig.add_subplot(grid[1, span]), part)
    for k, (name, label) in enumerate((("heel_centre", "heel centre"), ("arch_apex", "arch apex"),
                                       ("metatarsal_heads", "metatarsal heads"))):
        _section(fig.add_subplot(grid[2, 2 * k: 2 * k + 2]), parts, name, label)
    if shade is not None:
        fig.colorbar(shade, cax=fig.add_axes((0.975, 0.7, 0.008, 0.2)), label="top height (mm)")
    sides = " + ".join(p.spec.side for p in parts)
    fig.suptitle(f"{result.profile.name}: {sides} - {size}", fontsize=13)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
