"""Render docs/insoles.png for the README (needs matplotlib: pip install matplotlib).

    python docs/make_picture.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from insolegen.pipeline import build_side  # noqa: E402
from insolegen.profile import load_profile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def top_faces(mesh):
    v, f = mesh.vertices, mesh.faces
    n = np.cross(v[f][:, 1] - v[f][:, 0], v[f][:, 2] - v[f][:, 0])
    return f[n[:, 2] > 1e-9]


def main() -> None:
    examples = ["orthotic-pair", "lld-left-lift"]
    fig = plt.figure(figsize=(13, 8.5))
    for row, name in enumerate(examples):
        profile = load_profile(ROOT / "profiles" / f"{name}.toml")
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
            from insolegen.measure import top_heights

            z = top_heights(v, part.mesh.faces, np.column_stack([xs, np.full_like(xs, y)]))
            ax.plot(xs, z, style, label=f"y = {y:+.0f} mm")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_title(f"{name}: {lifted.side}, section along the foot", fontsize=10)
        ax.set_xlabel("x (mm)")
        ax.set_ylabel("top height (mm)")
        ax.set_aspect(4)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(ROOT / "docs" / "insoles.png", dpi=80)


if __name__ == "__main__":
    main()
