"""Render docs/lattice-cut.png for the README: the right lattice part of
profiles/lattice-pair.toml cut open along the foot, so the sheet's solid fraction is seen
easing from zone to zone inside its skins and rim.

    python docs/make_lattice_picture.py

Drawn with numpy and Pillow (the package's own rasteriser, insolegen.exports.drawing):
a depth buffer of the cut part seen from above its cut side, lit by the normals of that
depth, the zones named with the fractions asked and measured on the mesh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from insolegen.build.pipeline import build_profile
from insolegen.exports.drawing import font, rasterise
from insolegen.geometry.zones import from_manifold, to_manifold
from insolegen.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT, SUPER = 1400, 640, 2  # drawn at twice the size, then scaled down (smooth edges)
ELEVATION_DEG, AZIMUTH_DEG = 38.0, -22.0
LIGHT = np.array([-0.35, 0.55, 0.76])
BODY, CUT = np.array([70, 140, 160]), np.array([235, 150, 60])  # the part's own faces, and the cut's


def view(points: np.ndarray) -> np.ndarray:
    """Turned about z by the azimuth, then tipped towards the viewer by the elevation:
    x across the picture, y up it, z towards the viewer."""
    a, e = np.radians(AZIMUTH_DEG), np.radians(ELEVATION_DEG)
    turn = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    tip = np.array([[1, 0, 0], [0, np.sin(e), np.cos(e)], [0, -np.cos(e), np.sin(e)]])
    return points @ (tip @ turn).T


def main(out: Path = ROOT / "docs" / "lattice-cut.png") -> None:
    result = build_profile(load_profile(ROOT / "profiles" / "lattice-pair.toml"))
    figures = next(s.lattice for s in result.record.sides if s.side == "right")
    part = next(p for p in result.parts if p.spec.side == "right")
    if figures.drain_holes_xy_mm:  # along the foot through a drain hole, so it is seen cut in half
        y_cut, through = figures.drain_holes_xy_mm[0][1], "through a drain hole (its half a notch in the bottom skin)"
    else:
        label_y = part.label.outline.bounds[1] if part.label is not None else float(np.median(part.mesh.vertices[:, 1]))
        y_cut, through = label_y - 4.0, "beside the label (solid under it)"
    render(result.lattices["right"], figures, y_cut, through).save(out, optimize=True)


def render(mesh, figures, y_cut: float, through: str) -> Image.Image:
    """Two views: the part cut across a little under the forefoot's top skin (the sheet
    in plan, zone by zone) and cut along the foot at ``y_cut`` (``through`` says where)."""
    solid = to_manifold(mesh)
    z_cut = 5.0
    across = from_manifold(solid.trim_by_plane([0.0, 0.0, -1.0], -z_cut))  # what lies below z_cut
    along = from_manifold(solid.trim_by_plane([0.0, 1.0, 0.0], y_cut))  # what lies beyond y_cut
    top = _panel(across, np.array([0.0, 0.0, 1.0]))
    side = _panel(along, np.array([0.0, -1.0, 0.0]))
    image = Image.new("RGB", (WIDTH, 2 * HEIGHT + 90), "white")
    image.paste(top, (0, 80))
    image.paste(side, (0, 80 + HEIGHT))
    draw = ImageDraw.Draw(image)
    draw.text((24, 14), "lattice-pair, right: the lattice part cut open", fill=(20, 20, 20), font=font(26))
    settings = figures.settings
    draw.text((24, 48), f"{settings['type']}, {settings['cell_mm']:g} mm cells, walls {figures.thinnest_wall_mm:.2f} mm "
                        f"at the thinnest, {figures.triangles:,} triangles, one solid; skins and rim solid, the "
                        f"fraction eased over {settings['blend_mm']:g} mm between zones",
              fill=(60, 60, 60), font=font(17))
    zones = ", ".join(f"{z.name} {z.built_pct:g} %" + (f" (measured {z.measured_pct:.1f})" if z.measured_pct else "")
                      for z in figures.zones)
    draw.text((24, 80 + 8), f"cut across at {z_cut:g} mm, seen from above: {zones}", fill=(20, 20, 20), font=font(17))
    drains = (f"; {len(figures.drain_holes_xy_mm)} drain holes of {settings['drain_hole_mm']:g} mm, none sealed"
              if figures.drain_holes_xy_mm else "")
    draw.text((24, 80 + HEIGHT + 8), f"cut along the foot {through}: skins, rim and the sheet between them{drains}",
              fill=(20, 20, 20), font=font(17))
    return image


def _panel(part, cut_normal: np.ndarray) -> Image.Image:
    seen = view(part.vertices)
    w, h = WIDTH * SUPER, HEIGHT * SUPER
    lo, hi = seen[:, :2].min(axis=0), seen[:, :2].max(axis=0)
    scale = 0.90 * min(w / (hi[0] - lo[0]), (h - 60 * SUPER) / (hi[1] - lo[1]))
    centre = (lo + hi) / 2
    px = np.column_stack([(seen[:, 0] - centre[0]) * scale + w / 2,
                          (h + 40 * SUPER) / 2 - (seen[:, 1] - centre[1]) * scale])
    depth = rasterise(px, seen[:, 2], part.faces, w, h)  # nearest the viewer wins
    covered = np.isfinite(depth)
    filled = np.where(covered, depth, np.nanmin(depth) - 50.0) * scale  # in pixels, as x and y are
    gy, gx = np.gradient(filled)
    normal = np.dstack([-gx, gy, np.ones_like(gx)])
    normal /= np.linalg.norm(normal, axis=2, keepdims=True)
    light = LIGHT / np.linalg.norm(LIGHT)
    shade = 0.35 + 0.65 * np.clip(normal @ light, 0.0, 1.0)
    on_cut = covered & (normal @ view(cut_normal[None, :])[0] > 0.995)
    colour = np.where(on_cut[..., None], CUT, BODY) * shade[..., None]
    colour[covered & (np.hypot(gx, gy) > 6.0)] *= 0.45  # where the depth jumps: an outline
    picture = np.full((h, w, 3), 255.0)
    picture[covered] = colour[covered]
    return Image.fromarray(picture.clip(0, 255).astype(np.uint8)).resize((WIDTH, HEIGHT), Image.LANCZOS)


if __name__ == "__main__":
    main()
