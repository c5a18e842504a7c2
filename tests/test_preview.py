"""The preview picture and the drawing kit under it (exports/drawing.py): contours,
pixel mapping, ticks, the rasteriser, and what the picture shows where. No timings."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image

from insolegen.exports.drawing import Axes, Canvas, contour_segments, dashes, font, grey_ramp, nice_ticks, rasterise, tick_labels

ROOT = Path(__file__).resolve().parents[1]


def grid(nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of an nx x ny grid of unit squares (x 0..nx, y 0..ny), two triangles each,
    the diagonals alternating."""
    xs, ys = np.meshgrid(np.arange(nx + 1.0), np.arange(ny + 1.0), indexing="ij")
    xy = np.column_stack([xs.ravel(), ys.ravel()])
    faces = []
    for i in range(nx):
        for j in range(ny):
            a, b, c, d = i * (ny + 1) + j, (i + 1) * (ny + 1) + j, (i + 1) * (ny + 1) + j + 1, i * (ny + 1) + j + 1
            faces += [(a, b, c), (a, c, d)] if (i + j) % 2 == 0 else [(a, b, d), (b, c, d)]
    return xy, np.array(faces)


def lengths_by_level(segments: np.ndarray, which: np.ndarray, count: int) -> np.ndarray:
    return np.bincount(which, np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1), minlength=count)


# --------------------------------------------------------------------------- contours


def test_contours_of_a_plane_tilted_along_x_are_lines_across_at_x_equal_2_level():
    # z = x / 2 + 0.25 on a 10 x 4 grid: the level L lies where x = 2 (L - 0.25), a
    # straight line across the whole grid (length 4). Levels 1.5, 2.5, 3.5: x = 2.5, 4.5, 6.5
    # (between grid columns, so every crossing is inside an edge).
    xy, faces = grid(10, 4)
    z = xy[:, 0] / 2 + 0.25
    levels = np.array([1.5, 2.5, 3.5])
    segments, which = contour_segments(xy, z, faces, levels)
    for k, level in enumerate(levels):
        mine = segments[which == k]
        assert np.allclose(mine[:, :, 0], 2 * (level - 0.25), atol=1e-12)
        assert mine[:, :, 1].min() == pytest.approx(0.0) and mine[:, :, 1].max() == pytest.approx(4.0)
    assert np.allclose(lengths_by_level(segments, which, 3), 4.0)


def test_contours_of_a_diagonal_plane_lie_on_x_plus_y_equal_level():
    # z = x + y on a 4 x 4 grid: level 3.5 is the line x + y = 3.5, from (0, 3.5) to
    # (3.5, 0) inside the square: length 3.5 * sqrt(2). Level 5.5: from (1.5, 4) to
    # (4, 1.5): length 2.5 * sqrt(2).
    xy, faces = grid(4, 4)
    segments, which = contour_segments(xy, xy.sum(axis=1), faces, [3.5, 5.5])
    for k, level in enumerate((3.5, 5.5)):
        assert np.allclose(segments[which == k].sum(axis=2), level, atol=1e-12)
    assert lengths_by_level(segments, which, 2) == pytest.approx([3.5 * np.sqrt(2), 2.5 * np.sqrt(2)])


def test_a_level_through_a_row_of_vertices_is_drawn_once_and_a_flat_at_a_level_not_at_all():
    xy, faces = grid(10, 4)
    z = xy[:, 0] / 2  # level 1 runs along the vertex column x = 2
    segments, which = contour_segments(xy, z, faces, [1.0])
    assert np.allclose(segments[:, :, 0], 2.0) and lengths_by_level(segments, which, 1)[0] == pytest.approx(4.0)
    flat = np.full(len(xy), 3.0)
    assert len(contour_segments(xy, flat, faces, [1.0, 3.0, 5.0])[0]) == 0


# --------------------------------------------------------------------------- mapping, ticks


def test_data_to_pixels_is_exact_at_the_axis_ends_and_linear_between():
    ax = Axes(Canvas(300, 200), (50.0, 20.0, 250.0, 120.0), (-3.0, 7.0), (2.0, 12.0))
    assert ax.px([-3.0, 7.0, 2.0], [2.0, 12.0, 7.0]).tolist() == [[50.0, 120.0], [250.0, 20.0], [150.0, 70.0]]
    assert ax.at(0, 0) == (50.0, 120.0) and ax.at(1, 1) == (250.0, 20.0)


def test_equal_axes_keep_one_scale_and_fit_the_room():
    ax = Axes.equal(Canvas(600, 300), (0.0, 10.0, 500.0, 210.0), (0.0, 300.0), (-50.0, 50.0))
    sx = (ax.right - ax.left) / 300.0
    sy = (ax.bottom - ax.top) / 100.0
    assert sx == pytest.approx(sy) and ax.top == 10.0 and ax.right - ax.left == pytest.approx(500.0)
    assert ax.bottom <= 210.0


def test_ticks_are_round_and_labelled_with_the_decimals_they_need():
    assert nice_ticks(0.0, 27.3).tolist() == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
    assert nice_ticks(-42.0, 25.0).tolist() == [-40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0]
    assert tick_labels(nice_ticks(0.0, 17.0)) == ["0.0", "2.5", "5.0", "7.5", "10.0", "12.5", "15.0"]
    assert tick_labels(np.array([-20.0, 0.0, 20.0])) == ["\u221220", "0", "20"]


def test_dashes_cover_the_line_in_on_and_off_runs():
    pieces = dashes([(0, 0), (10, 0), (10, 10)], 3.0, 2.0)
    assert len(pieces) == 4  # 20 long: dashes at 0, 5, 10, 15
    assert pieces[1][0].tolist() == [5.0, 0.0] and pieces[1][-1].tolist() == [8.0, 0.0]
    assert pieces[2].tolist() == [[10.0, 0.0], [10.0, 3.0]]  # the corner falls in a gap start


def test_rasterised_plane_is_exact_at_pixel_centres_and_empty_outside():
    xy, faces = grid(8, 4)
    xy = xy * 5.0  # 40 x 20 pixels
    z = 0.3 * xy[:, 0] - 0.1 * xy[:, 1] + 2.0
    image = rasterise(xy, z, faces, 50, 25)
    cols, rows = np.meshgrid(np.arange(50) + 0.5, np.arange(25) + 0.5)
    inside = (cols < 40) & (rows < 20)
    assert np.allclose(image[inside], (0.3 * cols - 0.1 * rows + 2.0)[inside], atol=1e-9)
    assert np.isnan(image[~inside]).all()


def test_greys_run_from_white_to_black():
    assert grey_ramp([0.0, 1.0, 2.0, -1.0]).tolist() == [255, 0, 0, 255]
    assert np.all(np.diff(grey_ramp(np.linspace(0, 1, 50)).astype(int)) <= 0)


def test_text_uses_a_truetype_face():
    assert type(font(12)).__name__ == "FreeTypeFont"


# --------------------------------------------------------------------------- the picture


@pytest.fixture(scope="module")
def lift_preview(example):
    from insolegen.exports.preview import draw_preview

    result = example("lld-left-lift")
    drawn = draw_preview(result)
    picture = Image.open(io.BytesIO(drawn.png())).convert("RGB")
    return result, drawn, np.asarray(picture).astype(int)


def test_picture_is_a_png_of_the_expected_size(lift_preview):
    _, drawn, pixels = lift_preview
    data = drawn.png()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert pixels.shape == (1000, 1200, 3)


def test_both_halves_have_ink_in_every_row_of_panels(lift_preview):
    _, drawn, pixels = lift_preview
    dark = pixels.sum(axis=2) < 300
    for ax in drawn.top_views + drawn.side_views:
        x0, y0, x1, y1 = (round(v) for v in ax.box)
        inside = dark[y0 + 3: y1 - 3, x0 + 3: x1 - 3]
        assert inside.mean() > 0.01, ax.box  # lines, contours, shading: not an empty frame
    left, right = dark[:, :600], dark[:, 600:]
    assert left[60:620].sum() > 5000 and right[60:620].sum() > 5000


def _zone_samples(part, ax, name, rng):
    """Pixels well inside a zone's footprint (away from its label and the outline)."""
    from insolegen.geometry.zones import to_manifold

    zone = next(z for z in part.zones if z.name == name)
    rings = to_manifold(zone.mesh).project().to_polygons()
    outline = shapely.Polygon(part.outline.boundary * [1, -1 if part.spec.side == "left" else 1])
    # the largest ring: a zone cut by the lift also projects zero-area rings along the cut
    area = max((shapely.Polygon(r) for r in rings), key=lambda p: p.area).intersection(outline)
    centre = np.vstack(rings).mean(axis=0)
    area = area.buffer(-4.0).difference(shapely.Point(centre).buffer(14.0))
    x0, y0, x1, y1 = area.bounds
    points = rng.uniform([x0, y0], [x1, y1], (400, 2))
    points = points[shapely.contains_xy(area, points[:, 0], points[:, 1])][:40]
    return points, np.round(ax.px(points[:, 0], points[:, 1])).astype(int)


@pytest.mark.parametrize("side", [0, 1])
def test_zone_colours_are_where_the_zones_are(lift_preview, side):
    """A pixel inside a zone shows that zone's colour laid at 35 % over the grey of the
    height there. Pixels a contour line or a label crosses match no blend at all and are
    left out; at least half match one, and every one that does is its own zone's."""
    from insolegen.exports.preview import SHADE_HEADROOM, ZONE_ALPHA, ZONE_COLOURS
    from insolegen.geometry.measure import top_heights

    result, drawn, pixels = lift_preview
    part, ax = result.parts[side], drawn.top_views[side]
    vmax = max(float(p.mesh.vertices[:, 2].max()) for p in result.parts)
    names = [z.name for z in part.zones if z.kind != "lift"]
    palette = {n: np.array([int(ZONE_COLOURS[n][i: i + 2], 16) for i in (1, 3, 5)]) for n in names}
    rng = np.random.default_rng(1)
    for name in names:
        points, where = _zone_samples(part, ax, name, rng)
        assert len(points) >= 10, name
        grey = grey_ramp(top_heights(part.mesh.vertices, part.mesh.faces, points) / (vmax * SHADE_HEADROOM))
        clean = []
        for g, pixel in zip(grey.astype(float), pixels[where[:, 1], where[:, 0]]):
            off = {n: np.abs((1 - ZONE_ALPHA) * g + ZONE_ALPHA * c - pixel).max() for n, c in palette.items()}
            nearest = min(off, key=off.__getitem__)
            if off[nearest] <= 8:
                clean.append(nearest)
        assert len(clean) >= len(points) / 2 and set(clean) == {name}, (name, len(points), clean)


def test_preview_needs_no_matplotlib():
    """Importing the preview and drawing a picture leave matplotlib unimported (a fresh
    process: the test session may have imported it)."""
    code = (
        "import sys\n"
        "from insolegen.build.pipeline import build_profile\n"
        "from insolegen.profile import load_profile\n"
        "from insolegen.exports.preview import preview_png\n"
        f"data = preview_png(build_profile(load_profile({str(ROOT / 'profiles' / 'plain-eu42.toml')!r})))\n"
        "assert data[:4] == b'\\x89PNG'\n"
        "print('matplotlib' in sys.modules, [m for m in sys.modules if m.startswith('matplotlib')][:3])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("False"), out.stdout


# --------------------------------------------------------------------------- issue 8


def test_top_views_share_one_scale_and_side_views_one_height_range(lift_preview):
    """Left and right compare by eye: the same millimetres per pixel in both top views
    (x and y alike) over the same data window, and one height range for both side
    views, tall enough for the higher side."""
    result, drawn, _ = lift_preview
    (a, b), (c, d) = drawn.top_views, drawn.side_views

    def per_mm(ax):
        return ((ax.right - ax.left) / (ax.xlim[1] - ax.xlim[0]), (ax.bottom - ax.top) / (ax.ylim[1] - ax.ylim[0]))

    assert per_mm(a) == pytest.approx(per_mm(b)) and per_mm(a)[0] == pytest.approx(per_mm(a)[1])
    assert a.xlim == b.xlim and a.ylim == b.ylim
    for part in result.parts:  # every outline inside the common window
        ring = part.outline.boundary * [1, -1 if part.spec.side == "left" else 1]
        assert a.xlim[0] < ring[:, 0].min() and ring[:, 0].max() < a.xlim[1]
        assert a.ylim[0] < ring[:, 1].min() and ring[:, 1].max() < a.ylim[1]
    assert c.ylim == d.ylim and c.box[3] - c.box[1] == d.box[3] - d.box[1]
    assert c.ylim[1] > max(float(p.mesh.vertices[:, 2].max()) for p in result.parts)


def test_no_contour_wanders_over_the_flat_heel_seat(lift_preview):
    """The lifted heel seat of lld-left-lift is flat at 3 + 6 = 9 mm, on the contour
    level 9: no contour line may cross it (the mesh, true to 0.05 mm, used to draw one
    wandering over the seat where it strayed a hair below 9). The seat is where the
    intended surface is within 0.005 mm of 9, kept 1.2 mm clear of its edge. The cup
    around it keeps its contours."""
    from insolegen.exports.preview import _top_faces, top_contours

    result, _, _ = lift_preview
    left = next(p for p in result.parts if p.spec.side == "left")
    xs, ys = np.meshgrid(np.arange(0, 120, 0.25), np.arange(-60, 60, 0.25))
    flat = np.abs(left.surface.height_mm(xs.ravel(), ys.ravel()) - 9.0) < 0.005
    seat = shapely.MultiPoint(np.column_stack([xs.ravel()[flat], -ys.ravel()[flat]])).buffer(0.2).buffer(-1.2)
    assert seat.area > 500  # mm2: the seat, not a sliver
    vmax = max(float(p.mesh.vertices[:, 2].max()) for p in result.parts)
    segments, which, levels = top_contours(left, _top_faces(left), vmax)
    middle = segments.mean(axis=1)
    assert not shapely.contains_xy(seat, middle[:, 0], middle[:, 1]).any()
    assert {11.0, 13.0, 15.0} <= set(levels[np.unique(which)])  # the cup's walls are drawn


def test_preview_says_what_the_3mf_holds(tmp_path, example):
    """Through the command: for each side, the zone labels of the top view are the 3MF's
    modifiers and their densities, and the lift's text gives its density, its height
    (the 3MF lift's highest point) and exactly the zones whose footprint in the 3MF
    overlaps the lift's."""
    import re

    from insolegen.cli import main
    from insolegen.exports.preview import draw_preview
    from insolegen.formats.threemf.read import read_3mf

    for name in ("lld-left-lift", "full-length-lift"):
        path = ROOT / "profiles" / f"{name}.toml"
        assert main(["build", str(path), "--out", str(tmp_path), "--no-preview"]) == 0
        drawn = draw_preview(example(name))
        texts = drawn.canvas.texts()
        # a zone's label: its name, its percent, and its stiffness (README, "Firmness in numbers")
        labels = {tuple(t.split("\n")[:2]) for t in texts if "\n" in t and t.split("\n")[1].endswith(" %")}
        drawn_zones = {(zone, pct.replace(" ", "")) for zone, pct in labels}
        in_files = set()
        for side in ("left", "right"):
            zones = [v for v in read_3mf(tmp_path / name / f"{name}-{side}.3mf") if v.role != "part"]
            lift = next((z for z in zones if z.name == "lift"), None)
            in_files |= {(z.name, z.settings["fill_density"]) for z in zones if z is not lift}
            titles = [t for t in texts if t.startswith(f"{side}: zones (gyroid infill)")]
            assert len(titles) == 1
            if lift is None:
                assert "lift" not in titles[0]
                continue

            def footprint(volume):
                tri = volume.vertices[volume.faces][:, :, :2]
                return shapely.union_all([shapely.Polygon(t) for t in tri if shapely.Polygon(t).area > 1e-9])

            under = footprint(lift)
            on = [z.name for z in zones if z is not lift and footprint(z).intersection(under).area > 1.0]
            expected = ("every zone" if len(on) == len(zones) - 1 else
                        "the " + (on[0] if len(on) == 1 else ", ".join(on[:-1]) + " and " + on[-1]) + " zone")
            density = lift.settings["fill_density"].rstrip("%")
            assert f"lift layer {density} % under {expected}" in titles[0], (titles[0], on)
            note = next(t for t in texts if t.startswith(f"lift layer {density} % under"))
            height = float(re.search(r"up to ([\d.]+) mm at the heel", note).group(1))
            assert height == pytest.approx(lift.vertices[:, 2].max(), abs=0.05)
        assert drawn_zones == in_files  # every zone label is a 3MF zone at its density, and back


@pytest.mark.parametrize("name, extra", [
    ("orthosis-modifications", None), ("pressure-offload", None), ("plain-eu42", None),
    ("heel relief 3", {"name": "h3", "foot": {"size": "EU 42"}, "shape": {"heel_thickness_mm": 5},
                       "modifications": {"heel_relief_mm": 3, "navicular_pad_mm": 4,
                                         "mth_relief_mm": [0, 1.5, 0, 0, 0], "cuboid_pad_mm": 2}}),
])
def test_no_label_covers_another_or_leaves_its_panel(name, extra, example):
    """Issue 29: "navicular pad", "heel relief 1.5" and "MTH 2 relief" hid under zone
    labels and contour numbers, "heel relief 3" was cut off at the panel's edge, and the
    pressure legend covered MTH 4-5. In every top view no two notes (names, zone labels,
    contour numbers, modification dots, the legend) overlap, each lies inside its panel,
    and the legend covers no metatarsal head."""
    from insolegen.build.pipeline import build_profile
    from insolegen.exports.drawing import overlap
    from insolegen.exports.preview import draw_preview
    from insolegen.profile import profile_from_dict

    result = build_profile(profile_from_dict(extra)) if extra else example(name)
    drawn = draw_preview(result)
    for ax, part in zip(drawn.top_views, result.parts):
        boxes = ax.taken
        assert len(boxes) >= 4
        for i, a in enumerate(boxes):
            assert ax.left - 0.5 <= a[0] and a[2] <= ax.right + 0.5 and ax.top - 0.5 <= a[1] and a[3] <= ax.bottom + 0.5, a
            for b in boxes[i + 1:]:
                assert overlap(a, b) == 0, (a, b)
        lm = part.outline.landmarks
        mirror = -1.0 if part.spec.side == "left" else 1.0
        heads = [lm.mth1, lm.mth5, lm.mth_mid]
        legend_boxes = boxes[-1:] if part.surface.pressure_relief is not None else []
        for box in legend_boxes:
            for x, y in heads:
                px, py = ax.px(x, y * mirror)[0]
                assert not (box[0] <= px <= box[2] and box[1] <= py <= box[3]), ("legend covers a head", box)
