"""Render docs/insoles.png for the README (needs matplotlib: pip install matplotlib).

    python docs/make_picture.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from insolegen.build.side import build_side
from insolegen.inputs.feet import resolve_feet
from insolegen.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]


def top_faces(mesh):
    v, f = mesh.vertices, mesh.faces
    n = np.cross(v[f][:, 1] - v[f][:, 0], v[f][:, 2] - v[f][:, 0])
    return f[n[:, 2] > 1e-9]


def main(out: Path = ROOT / "docs" / "insoles.png") -> None:
    examples = ["orthotic-pair", "lld-left-lift"]
    fig = plt.figure(figsize=(13, 8.5))
    for row, name in enumerate(examples):
        profile = resolve_feet(load_profile(ROOT / "profiles" / f"{name}.toml"))
        for col, spec in enumerate(profile.sides):
            part = build_side(spec)
            v, top = part.mesh.vertices, top_faces(part.mesh)
            ax = fig.add_subplot(2, 3, row * 3 + col + 1)
            shade = ax.tripcolor(v[:, 0], v[:, 1], top, v[:, 2], shading="gouraud", cmap="viridis", vmin=0)
            ax.tricontour(v[:, 0], v[:, 1], top, v[:, 2], levels=12, colors="k", linewidths=0.3)
            ax.set_aspect("equal")
            ax.set_title(f"{name}: {spec.side}", fontsize=10)
            ax.set_xlabel("x (mm)")
            fig.colorbar(shade, ax=ax, shrink=0.6, label="top height (mm)")
        # medial side view of the first side with a lift, else the right side
        lifted = next((s for s in profile.sides if s.lift_heel_mm > 0), profile.sides[-1])
        part = build_side(lifted)
        v = part.mesh.vertices
        ax = fig.add_subplot(2, 3, row * 3 + 3)
        sign = -1 if lifted.side == "left" else 1
        for frac, style in ((0.0, "-"), (0.5, "--")):
            y = part.outline.landmarks.heel_centre[1] + frac * sign * 25
            xs = np.linspace(0, v[:, 0].max(), 400)
            from insolegen.geometry.measure import top_heights

            z = top_heights(v, part.mesh.faces, np.column_stack([xs, np.full_like(xs, y)]))
            ax.plot(xs, z, style, label=f"y = {y:+.0f} mm")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_title(f"{name}: {lifted.side}, section along the foot", fontsize=10)
        ax.set_xlabel("x (mm)")
        ax.set_ylabel("top height (mm)")
        ax.set_aspect(4)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=80, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    main()


def zones_picture(out: Path = ROOT / "docs" / "zones.png") -> None:
    """docs/zones.png: each zone's footprint with its infill, and a section along the
    foot showing the firm lift layer under the cushioning zones."""
    from matplotlib.patches import Polygon as Patch

    from insolegen.geometry.zones import to_manifold

    profile = resolve_feet(load_profile(ROOT / "profiles" / "lld-left-lift.toml"))
    spec = next(s for s in profile.sides if s.side == "left")
    part = build_side(spec, zones=profile.zones)
    colours = {"heel": "#8ecae6", "arch": "#fb8500", "forefoot": "#90be6d", "toes": "#b5e48c", "lift": "#6a040f"}
    fig, (top, side) = plt.subplots(2, 1, figsize=(11, 7.5), gridspec_kw={"height_ratios": [1.2, 1]})
    outline = part.mesh.vertices
    for zone in part.zones:
        solid = to_manifold(zone.mesh)
        colour = colours.get(zone.name, "#ffb703")
        if zone.kind != "lift":
            rings = solid.project().to_polygons()  # the zone's footprint
            for ring in rings:
                top.add_patch(Patch(ring, closed=True, fc=colour, ec="k", lw=0.6, alpha=0.9))
            x, y = np.vstack(rings).mean(axis=0)
            top.text(x, y, f"{zone.name}\n{zone.infill_pct:g} %", ha="center", va="center", fontsize=9)
        rotated = solid.rotate([-90.0, 0.0, 0.0])  # (x, y, z) -> (x, z, -y): slice at y = 0
        for ring in rotated.slice(0.0).to_polygons():
            side.add_patch(Patch(ring, closed=True, fc=colour, ec="k", lw=0.6, alpha=0.9))
    body = to_manifold(part.mesh).rotate([-90.0, 0.0, 0.0])
    top.plot(*np.vstack([part.outline.boundary, part.outline.boundary[:1]]).T * [[1], [-1]], "k", lw=1.5)
    for ring in body.slice(0.0).to_polygons():
        side.add_patch(Patch(ring, closed=True, fill=False, ec="k", lw=1.5))
    lift = next(z for z in part.zones if z.kind == "lift")
    side.text(60, 4, f"lift {lift.infill_pct:g} %", color="w", fontsize=9)
    top.set_xlim(-5, outline[:, 0].max() + 5)
    top.set_ylim(outline[:, 1].min() - 5, outline[:, 1].max() + 5)
    top.set_aspect("equal")
    top.set_title("lld-left-lift, left insole: zones seen from above (infill %)", fontsize=10)
    top.set_xlabel("x (mm)")
    side.set_xlim(-5, outline[:, 0].max() + 5)
    side.set_ylim(-1, outline[:, 2].max() + 2)
    side.set_aspect(3)
    side.set_title("section along the heel's mid-line (z exaggerated 3x): the firm lift layer under the cushions",
                   fontsize=10)
    side.set_xlabel("x (mm)")
    side.set_ylabel("z (mm)")
    fig.tight_layout()
    fig.savefig(out, dpi=80, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    zones_picture()
