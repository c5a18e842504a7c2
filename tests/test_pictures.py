"""Feet from pictures (issue 26): outlines read from virtual photos and scans of known
outlines, within the issue's tolerances; every refusal; real phone photos; the marker
sheet; the whole build from a picture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image
from scipy.spatial import cKDTree

from insolegen.geometry.outline import foot_outline
from insolegen.inputs.align import align_outline
from insolegen.inputs.errors import InputFileError
from insolegen.inputs.pictures import read_picture

sys.path.insert(0, str(Path(__file__).parent))
from picture_corpus import Camera, Light, draw_scene, flatbed, footprint, photograph, place_on_sheet

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "data" / "real" / "pictures"
SHARED_SCANS = ROOT.parent / "shared" / "data" / "scans"
EXAMPLE_SCANS = ROOT / "profiles" / "scans"

PHOTO_LENGTH_WIDTH_MM = 2.0  # the issue's tolerances
PHOTO_HAUSDORFF_MM = 1.5
FLATBED_MM = 1.0


def _feet() -> dict[str, np.ndarray]:
    """Real and ANSUR-sized outlines (foot frame: heel at x = 0, right foot)."""
    from insolegen.inputs.scans import read_scan

    # ANSUR II-sized: a small woman's (5th percentile), a median man's, a large man's (95th)
    feet = {f"parametric {n}": foot_outline(foot_length_mm=n, ball_width_mm=b, heel_width_mm=h).boundary
            for n, b, h in ((228, 88, 60), (265, 100, 68), (292, 110, 74))}
    scans = SHARED_SCANS if SHARED_SCANS.is_dir() else EXAMPLE_SCANS
    for side in ("left", "right"):
        path = scans / f"relief-{side}.stl"
        if path.is_file():
            feet[f"scan relief-{side}"] = read_scan(path).outline.polygon
    return feet


FEET = _feet()


def _measure(points: np.ndarray) -> tuple[object, float, float]:
    """(aligned outline, length, ball width) as the foot stage measures them."""
    aligned = align_outline(points, "auto", what="outline")
    polygon = shapely.Polygon(aligned.polygon)
    x0, _, x1, _ = polygon.bounds
    fore = polygon.intersection(shapely.box(x0 + 0.5 * (x1 - x0), -1e4, x1 + 1, 1e4))
    return aligned, x1 - x0, fore.bounds[3] - fore.bounds[1]


def _rigid_fit(moving: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """``moving`` turned and shifted onto ``fixed`` (iterated closest points, no scaling)."""
    tree = cKDTree(fixed)
    a = moving.copy()
    for _ in range(40):
        _, index = tree.query(a)
        b = fixed[index]
        ca, cb = a.mean(axis=0), b.mean(axis=0)
        u, _, vt = np.linalg.svd((a - ca).T @ (b - cb))
        if np.linalg.det(vt.T @ u.T) < 0:
            vt[1] *= -1
        a = (a - ca) @ (vt.T @ u.T).T + cb
    return a


def _compare(read: np.ndarray, truth: np.ndarray) -> tuple[float, float, float, object, object]:
    """(length error, width error, Hausdorff after a rigid fit, side read, side true)."""
    ar, lr, wr = _measure(read)
    at, lt, wt = _measure(truth)
    fitted = _rigid_fit(ar.polygon, at.polygon)  # type: ignore[attr-defined]
    hausdorff = shapely.hausdorff_distance(shapely.LinearRing(fitted), shapely.LinearRing(at.polygon),  # type: ignore[attr-defined]
                                           densify=0.05)
    return lr - lt, wr - wt, hausdorff, ar.side_detected, at.side_detected  # type: ignore[attr-defined]


def _truth(foot: str, content: str = "skin", left: bool = False) -> np.ndarray:
    """The outline drawn: an ink print shows the foot without its arch's hollow."""
    outline = footprint(FEET[foot]) if content == "ink" else FEET[foot]
    return outline * ([1.0, -1.0] if left else [1.0, 1.0])


def _photo(tmp_path: Path, foot: str, content: str, colour: str, camera: Camera, light: Light, *, paper: str = "a4",
           rotate: float = 4.0, printed: bytes | None = None, seed: int = 0, left: bool = False, **scene) -> Path:
    truth = _truth(foot, content, left)
    sheet = place_on_sheet(truth, paper, rotate_deg=rotate, shift_mm=scene.pop("shift_mm", (0.0, 0.0)))
    picture, origin = draw_scene([sheet], paper=paper, content=content, colour=colour, seed=seed, printed=printed,
                                 **scene)
    data, _ = photograph(picture, origin, camera, light, seed=seed, paper=paper)
    path = tmp_path / f"photo-{seed}.jpg"
    path.write_bytes(data)
    return path


CASES = {
    "skin, straight above": ("parametric 265", "skin", "light", Camera(), Light(), {}),
    "skin, 30 degrees, rolled, distorted, shadow, uneven light, noisy, soft, JPEG 75": (
        "parametric 265", "skin", "medium",
        Camera(tilt_deg=30, tilt_towards_deg=60, roll_deg=20, k1=0.02),
        Light(gradient=0.3, noise=4, blur_px=1.0, jpeg_quality=75), {"shadow": 0.3}),
    "navy sock, landscape": ("parametric 228", "sock", "navy", Camera(tilt_deg=15, roll_deg=-80), Light(gradient=0.2), {}),
    "black sock, barrel distortion": ("parametric 228", "sock", "black", Camera(tilt_deg=12, k1=-0.02), Light(), {}),
    "a long foot on A3, named": ("parametric 292", "skin", "light", Camera(tilt_deg=18, roll_deg=10), Light(),
                                 {"paper": "a3", "told": "a3"}),
    "pen tracing": ("parametric 265", "tracing", "blue", Camera(tilt_deg=20, roll_deg=95), Light(), {}),
    "ink print on Letter": ("parametric 228", "ink", "light", Camera(tilt_deg=10), Light(), {"paper": "letter"}),
    "dark skin on the marker sheet": ("parametric 265", "skin", "dark", Camera(tilt_deg=25, tilt_towards_deg=200),
                                      Light(), {"sheet": True}),
    "a scanned foot's footprint": ("scan relief-right", "skin", "light", Camera(tilt_deg=20, roll_deg=-30),
                                   Light(gradient=0.25), {}),
}


def _sheet_png(paper: str) -> bytes:
    from picture_corpus import SCENE_MM

    from insolegen.exports.marker_sheet import marker_sheet

    return marker_sheet(paper, "png", dpi=25.4 / SCENE_MM)


@pytest.mark.parametrize("case", list(CASES))
def test_a_photographed_foot_is_read_within_the_issues_tolerances(tmp_path, case):
    foot, content, colour, camera, light, extra = CASES[case]
    if foot not in FEET:
        pytest.skip(f"{foot}: the shared scans are not here")
    paper = extra.get("paper", "a4")
    printed = _sheet_png(paper) if extra.get("sheet") else None
    path = _photo(tmp_path, foot, content, colour, camera, light, paper=paper, printed=printed,
                  shadow=extra.get("shadow", 0.0))
    read = read_picture(path, paper=extra.get("told", "auto"))
    assert len(read.outlines) == 1
    d_length, d_width, hausdorff, side, true_side = _compare(read.outlines[0], _truth(foot, content))
    assert abs(d_length) <= PHOTO_LENGTH_WIDTH_MM and abs(d_width) <= PHOTO_LENGTH_WIDTH_MM, (d_length, d_width)
    assert hausdorff <= PHOTO_HAUSDORFF_MM, hausdorff
    assert side == true_side
    transform = read.info["transform"]
    assert transform["paper"] == paper
    assert transform["method"] == ("markers" if printed else "paper edges")
    assert abs(transform["tilt_deg"] - camera.tilt_deg) < 1.5
    assert read.info["shapes"][0]["kind"] == {"tracing": "tracing", "ink": "print"}.get(content, "silhouette")
    if printed:
        assert len(transform["markers_found"]) == 4 and read.info["scale_check"]["printed_scale_pct"] == pytest.approx(
            100, abs=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(24))
def test_a_sweep_of_photos_is_read_within_the_issues_tolerances(tmp_path, seed):
    """Every condition at once, drawn at random (seeded): the issue's up to 30 degrees."""
    rng = np.random.default_rng(1000 + seed)
    foot = list(FEET)[seed % len(FEET)]
    content = ["skin", "sock", "tracing", "ink"][seed % 4]
    colour = {"skin": ["light", "medium", "dark"], "sock": ["grey", "black", "navy", "red"],
              "tracing": ["blue", "black"], "ink": ["light"]}[content]
    colour = colour[seed // 4 % len(colour)]
    # each foot on a sheet it fits: heel on the line, toes short of the far edge
    paper = {"parametric 292": "a3", "parametric 228": "letter"}.get(foot, "a4")
    camera = Camera(tilt_deg=float(rng.uniform(0, 30)), tilt_towards_deg=float(rng.uniform(0, 360)),
                    roll_deg=float(rng.uniform(-180, 180)), k1=float(rng.uniform(-0.02, 0.02)),
                    fill=float(rng.uniform(0.6, 0.8)), size=(4000, 3000) if paper == "a3" else (2400, 1800))
    light = Light(gradient=float(rng.uniform(0, 0.35)), gradient_deg=float(rng.uniform(0, 360)),
                  noise=float(rng.uniform(1, 5)), blur_px=float(rng.uniform(0.3, 1.2)),
                  jpeg_quality=int(rng.integers(70, 95)))
    printed = _sheet_png(paper) if seed % 3 == 0 else None
    path = _photo(tmp_path, foot, content, colour, camera, light, paper=paper, printed=printed,
                  rotate=float(rng.uniform(-6, 6)) * (0.4 if printed else 1.0), shadow=float(rng.uniform(0, 0.3)), seed=seed,
                  left=bool(seed % 2))
    read = read_picture(path, paper="a3" if paper == "a3" else "auto")  # A3 and A4 share a shape: named
    truth = _truth(foot, content, left=bool(seed % 2))
    d_length, d_width, hausdorff, side, true_side = _compare(read.outlines[0], truth)
    assert abs(d_length) <= PHOTO_LENGTH_WIDTH_MM and abs(d_width) <= PHOTO_LENGTH_WIDTH_MM, (d_length, d_width)
    assert hausdorff <= PHOTO_HAUSDORFF_MM, hausdorff
    assert side == true_side


def test_a_pair_of_ink_prints_scanned_at_300_dpi_gives_both_sides_within_1_mm(tmp_path):
    right = _truth("parametric 265", "ink")
    left = _truth("parametric 228", "ink", left=True)
    sheet = [place_on_sheet(left, "a3", rotate_deg=3, shift_mm=(-75, 0)),
             place_on_sheet(right, "a3", rotate_deg=-2, shift_mm=(75, 0))]
    path = tmp_path / "prints.png"
    path.write_bytes(flatbed(sheet, dpi=300, size_mm=(297.0, 420.0)))
    read = read_picture(path)
    assert read.info["image_kind"] == "flatbed" and read.info["transform"]["dpi"] == pytest.approx(300, abs=0.01)
    assert len(read.outlines) == 2
    found = {}
    for outline in read.outlines:
        found[_measure(outline)[0].side_detected] = outline  # type: ignore[attr-defined]
    for side, truth in (("left", left), ("right", right)):
        d_length, d_width, hausdorff, read_side, true_side = _compare(found[side], truth)
        assert read_side == true_side == side
        assert abs(d_length) <= FLATBED_MM and abs(d_width) <= FLATBED_MM and hausdorff <= FLATBED_MM, \
            (side, d_length, d_width, hausdorff)


def test_an_ink_prints_arch_is_bridged_as_a_tracing_would_run():
    """A print leaves out the arch's hollow; bridged (the medial midfoot's convex hull)
    it is the foot's outline bridged the same way, and the area put back is the hollow's."""
    from insolegen.inputs.pictures import bridge_print_arch

    for name in FEET:
        outline = align_outline(FEET[name], "right", what="outline").polygon
        printed = footprint(outline)
        bridged, added = bridge_print_arch(printed)
        whole, _ = bridge_print_arch(outline)
        assert shapely.hausdorff_distance(shapely.LinearRing(bridged), shapely.LinearRing(whole), densify=0.05) < 0.5
        assert added >= shapely.Polygon(outline).area - shapely.Polygon(printed).area - 1.0
        assert shapely.Polygon(bridged).contains(shapely.Polygon(printed).buffer(-0.01))


def test_a_scan_without_dpi_takes_image_dpi_and_is_refused_without_it(tmp_path):
    sheet = [place_on_sheet(FEET["parametric 265"], "a4")]
    path = tmp_path / "tracing.tif"
    path.write_bytes(flatbed(sheet, dpi=200, content="tracing", colour="black", fmt="TIFF", write_dpi=False))
    with pytest.raises(InputFileError, match=r"does not say its resolution \(dpi\) and image_dpi is not set"):
        read_picture(path, kind="flatbed")
    read = read_picture(path, kind="flatbed", dpi=200)
    d_length, d_width, hausdorff, _, _ = _compare(read.outlines[0], FEET["parametric 265"])
    assert abs(d_length) <= FLATBED_MM and abs(d_width) <= FLATBED_MM and hausdorff <= FLATBED_MM
    assert read.info["transform"]["dpi_from"] == "image_dpi"
    # told the wrong resolution, the foot is the wrong size: the dpi is what scales it
    wrong = read_picture(path, kind="flatbed", dpi=300)
    assert _measure(wrong.outlines[0])[1] == pytest.approx(_measure(read.outlines[0])[1] * 200 / 300, rel=0.01)


def test_exif_orientation_is_honoured_a_mirrored_photo_keeps_its_side(tmp_path):
    """EXIF orientation 2 (mirrored) with mirrored pixels is the same right foot: read
    without the tag, it would be a left one."""
    upright = _photo(tmp_path, "parametric 265", "skin", "light", Camera(tilt_deg=5), Light())
    pixels = Image.open(upright)
    exif = Image.Exif()
    exif[0x0112] = 2
    mirrored = tmp_path / "mirrored.jpg"
    pixels.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(mirrored, "JPEG", quality=92, exif=exif.tobytes())
    read = read_picture(mirrored)
    assert read.info["exif_rotated"] is True
    assert _measure(read.outlines[0])[0].side_detected == "right"  # type: ignore[attr-defined]


def test_a_heic_photo_is_read(tmp_path):
    import pillow_heif

    pillow_heif.register_heif_opener()
    jpeg = _photo(tmp_path, "parametric 265", "skin", "light", Camera(tilt_deg=8), Light())
    heic = tmp_path / "photo.heic"
    Image.open(jpeg).save(heic, "HEIF", quality=90)
    read = read_picture(heic)
    assert read.info["format"] == "HEIF"
    d_length, _, hausdorff, _, _ = _compare(read.outlines[0], FEET["parametric 265"])
    assert abs(d_length) <= PHOTO_LENGTH_WIDTH_MM and hausdorff <= PHOTO_HAUSDORFF_MM


# -- refusals: each one line, saying what to fix ------------------------------------------------------------

def _refused(path: Path, match: str, **kwargs) -> str:
    with pytest.raises(InputFileError, match=match) as info:
        read_picture(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300
    return message


def test_refused_no_paper(tmp_path):
    path = _photo(tmp_path, "parametric 265", "skin", "light", Camera(), Light(), floor=(246, 246, 242))
    _refused(path, "no sheet of paper found")


def test_refused_the_foot_crosses_the_papers_edge(tmp_path):
    path = _photo(tmp_path, "parametric 292", "skin", "light", Camera(), Light(), shift_mm=(0.0, -25.0))
    _refused(path, "the foot crosses the paper's edge")


def test_refused_the_paper_too_oblique(tmp_path):
    path = _photo(tmp_path, "parametric 265", "skin", "light", Camera(tilt_deg=45, fill=0.55), Light())
    _refused(path, r"too obliquely \(4[0-9] degrees")


def test_refused_blurred(tmp_path):
    path = _photo(tmp_path, "parametric 265", "skin", "light", Camera(), Light(blur_px=14.0))
    _refused(path, "the picture is blurred")


def test_refused_too_dark(tmp_path):
    path = _photo(tmp_path, "parametric 265", "skin", "light", Camera(), Light(exposure=0.12, noise=1.0))
    _refused(path, "too dark")


def test_refused_a_marker_sheet_printed_scaled(tmp_path):
    path = _photo(tmp_path, "parametric 265", "skin", "light", Camera(tilt_deg=10), Light(), markers=True,
                  marker_scale=0.95)
    _refused(path, r"printed at 95\.[0-9] % of its size .* print it again at 100 %")
    # the same sheet printed at actual size is read
    ok = _photo(tmp_path, "parametric 265", "skin", "light", Camera(tilt_deg=10), Light(), markers=True, seed=1)
    assert read_picture(ok).info["scale_check"]["printed_scale_pct"] == pytest.approx(100, abs=0.5)


def test_refused_a_foot_over_a_marker(tmp_path):
    path = _photo(tmp_path, "parametric 265", "skin", "light", Camera(tilt_deg=5), Light(), rotate=0.0,
                  shift_mm=(-40.0, -6.0), printed=_sheet_png("a4"))
    _refused(path, "the foot covers one of the sheet's corner markers")


def test_refused_the_wrong_paper_named(tmp_path):
    path = _photo(tmp_path, "parametric 228", "skin", "light", Camera(tilt_deg=5), Light(), paper="letter")
    _refused(path, r"sides are 1\.29[0-9] : 1 as photographed, not A4's 1\.414", paper="a4")
    assert read_picture(path, paper="letter").info["transform"]["paper"] == "letter"


def test_refused_a_tilted_photo_of_a_plain_sheet_without_its_focal_length(tmp_path):
    """Without EXIF's focal length, a plain sheet tilted along its side cannot be told
    A4 or Letter by its shape (a wrong guess is a 6 % longer foot): refused unless named."""
    path = _photo(tmp_path, "parametric 228", "skin", "light", Camera(tilt_deg=20, focal_35mm=40),
                  Light(exif_focal=False))
    _refused(path, "does not say its focal length, so A4 cannot be told from Letter")
    read = read_picture(path, paper="a4")
    assert read.info["scale_check"]["ok"] is None  # as told: the shape could not check it
    d_length, _, hausdorff, _, _ = _compare(read.outlines[0], FEET["parametric 228"])
    assert abs(d_length) <= PHOTO_LENGTH_WIDTH_MM and hausdorff <= PHOTO_HAUSDORFF_MM


def test_refused_not_a_picture(tmp_path):
    path = tmp_path / "foot.jpg"
    path.write_text("not a photo")
    _refused(path, "not a JPG picture that can be read")
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (200, 300), "white").save(tiny)
    _refused(tiny, "too few to measure a foot by")


# -- real photos ----------------------------------------------------------------------------------------------

def test_real_photos_find_the_a4_sheet_and_refuse_what_they_cannot_show():
    """Other people's phone photos (tests/data/real/SOURCES.md): in each the leg hides
    the heel, so none may be built on. Where all four corners show, the sheet found must
    be A4 by its own shape (1.414), and the refusal must be the leg crossing the sheet."""
    from insolegen.inputs.paper import paper_fit
    from insolegen.inputs.picture_files import read_picture_file

    for name, exif in (("bare_a4_woodfloor_16i-nathan_3c49c53b8776.jpg", True),
                       ("bare_a4_woodfloor_wildoctopus_barefeet1.jpeg", False)):
        picture = read_picture_file(REAL / name)
        assert picture.exif_rotated is exif
        fit = paper_fit(picture.rgb, "auto", picture.focal_35mm)
        assert not isinstance(fit, str) and fit.paper.name == "a4"
        assert fit.aspect_measured == pytest.approx(297 / 210, rel=0.01)
        _refused(REAL / name, "the foot crosses the paper's edge .or the leg hides the heel.")
    _refused(REAL / "bare_a4_concrete_16i-nathan_1207965a6f31.jpg", "no sheet of paper found")  # a corner hidden
    _refused(REAL / "bare_a4_concrete_16i-nathan_11cc7b7caadb.jpg", r"too small in the picture \(1\.[0-9] pixels per mm")


# Measured by hand once on each sheet laid flat by the reader's homography (0.5 mm pixels
# under a 10 mm grid, read to about 1 mm): where the toes end, from the sheet's top edge
# as laid (x right, y down the sheet), and the forefoot's greatest width between two rows.
REAL_BY_HAND = {
    "bare_a4_woodfloor_16i-nathan_3c49c53b8776.jpg": {"toe_end": ("top", 9.5), "rows": (60, 110), "width": 106.0},
    "bare_a4_woodfloor_wildoctopus_barefeet1.jpeg": {"toe_end": ("bottom", 247.5), "rows": (150, 200), "width": 93.0},
}


@pytest.mark.parametrize("name", sorted(REAL_BY_HAND))
def test_real_photos_toes_and_forefoot_are_read_where_measured_by_hand(name):
    """The two full-size real photos hide the heel, so no insole is built from them; what
    they do show, the toes and the forefoot, is read within the issue's 2 mm of the hand
    measurements (tests/data/real/SOURCES.md)."""
    from insolegen.inputs.paper import paper_fit
    from insolegen.inputs.picture_files import read_picture_file
    from insolegen.inputs.picture_outline import find_shapes, rectify

    picture = read_picture_file(REAL / name)
    fit = paper_fit(picture.rgb, "auto", picture.focal_35mm)
    assert not isinstance(fit, str)
    shapes, _ = find_shapes(rectify(picture.rgb, fit.homography, 210, 297, 0.2, fit.px_per_mm), 0.2)
    assert not isinstance(shapes, str) and len(shapes) == 1 and shapes[0].touches_edge  # the leg
    outline = shapely.Polygon(shapes[0].polygon_mm * [1.0, -1.0])  # y down the sheet, as measured
    hand = REAL_BY_HAND[name]
    end, expected = hand["toe_end"]
    toe = outline.bounds[1] if end == "top" else outline.bounds[3]
    assert toe == pytest.approx(expected, abs=PHOTO_LENGTH_WIDTH_MM)
    rows = [outline.intersection(shapely.LineString([(-1, y), (300, y)])).bounds for y in np.arange(*hand["rows"], 1.0)]
    width = max(b[2] - b[0] for b in rows)
    assert width == pytest.approx(hand["width"], abs=PHOTO_LENGTH_WIDTH_MM)


# -- the marker sheet and the whole build ---------------------------------------------------------------------

@pytest.mark.parametrize("paper, size_pt", [("a4", (595.276, 841.890)), ("letter", (612.0, 792.0))])
def test_the_marker_sheet_is_a_pdf_page_the_papers_size(tmp_path, paper, size_pt):
    out = tmp_path / f"sheet-{paper}.pdf"
    run = subprocess.run([sys.executable, "-m", "insolegen", "sheet", "--paper", paper, "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    box = [float(v) for v in data.split(b"/MediaBox [")[1].split(b"]")[0].split()]
    assert box[2:] == pytest.approx(size_pt, abs=0.01)
    again = subprocess.run([sys.executable, "-m", "insolegen", "sheet", "--paper", paper, "--out", str(out)],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_a_profile_builds_both_sides_from_a_pair_in_one_picture(tmp_path):
    """Two ink prints on one A3 sheet, scanned: each side takes its own (the right drawn
    1 % longer), and each print's arch hollow is bridged."""
    print_ = footprint(FEET["parametric 265"])
    sheet = [place_on_sheet(print_ * [1.0, -1.0], "a3", shift_mm=(-72, 0)),
             place_on_sheet(print_ * [1.01, 1.0], "a3", shift_mm=(72, 0))]
    (tmp_path / "pair.png").write_bytes(flatbed(sheet, dpi=200, size_mm=(297.0, 420.0), content="ink"))
    (tmp_path / "pair.toml").write_text('name = "pair"\n[foot]\nimage = "pair.png"\n')
    run = subprocess.run([sys.executable, "-m", "insolegen", "build", str(tmp_path / "pair.toml"), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    record = json.loads((tmp_path / "out" / "pair" / "build.json").read_text())
    sides = {s["side"]: s["source"] for s in record["sides"]}
    assert {s["kind"] for s in sides.values()} == {"image"}
    assert sides["left"]["feet_in_picture"] == 2 and sides["left"]["foot_used"] != sides["right"]["foot_used"]
    assert sides["left"]["side_detected"] == "left" and sides["right"]["side_detected"] == "right"
    # the right foot was drawn 1 % longer: each side is its own foot
    assert sides["right"]["measured"]["length_mm"] == pytest.approx(265 * 1.01, abs=FLATBED_MM)
    assert sides["left"]["measured"]["length_mm"] == pytest.approx(265, abs=FLATBED_MM)
    # ink prints: each arch's hollow bridged (the footprint leaves out about 3,600 mm2 of a 265 mm foot)
    assert all(s["shapes"][0]["kind"] == "print" and s["print_arch_bridged_mm2"] > 3000 for s in sides.values())
    preview = Image.open(tmp_path / "out" / "pair" / "preview.png")
    from insolegen.exports.preview import WIDTH

    assert preview.width > WIDTH + 300  # the picture drawn beside the preview
    report = (tmp_path / "out" / "pair" / "report.html").read_text()
    assert "The foot as read from the picture" in report and "flatbed scan at 200 dpi" in report


def test_a_refused_picture_exits_2_in_one_line_and_writes_nothing(tmp_path):
    path = _photo(tmp_path, "parametric 265", "skin", "light", Camera(tilt_deg=45, fill=0.55), Light())
    (tmp_path / "p.toml").write_text(f'name = "p"\n[foot]\nimage = "{path.name}"\n')
    run = subprocess.run([sys.executable, "-m", "insolegen", "build", str(tmp_path / "p.toml"), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 2
    assert "foot.image" in run.stderr and "too obliquely" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out" / "p").exists()
    assert sum("too obliquely" in line for line in run.stderr.splitlines()) == 1


def test_hostile_and_odd_pictures_end_in_one_line_or_are_read(tmp_path):
    """A truncated JPEG, a PNG whose header claims 40,000 x 40,000 pixels (a decompression
    bomb: refused before decoding), an empty file, a folder: one line each. Grey, RGBA,
    16-bit and CMYK pictures are read as the same foot."""
    import struct
    import zlib

    photo = _photo(tmp_path, "parametric 265", "skin", "dark", Camera(tilt_deg=6), Light())
    data = photo.read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    _refused(tmp_path / "cut.jpg", "JPG picture")
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40_000, 40_000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
    (tmp_path / "bomb.png").write_bytes(bomb)
    _refused(tmp_path / "bomb.png", "more pixels than a photo of a foot needs")
    (tmp_path / "empty.png").write_bytes(b"")
    _refused(tmp_path / "empty.png", "picture")
    (tmp_path / "folder.jpg").mkdir()
    _refused(tmp_path / "folder.jpg", "folder")
    image = Image.open(photo)
    reference = _measure(read_picture(photo).outlines[0])[1]
    for mode, suffix in (("L", "png"), ("RGBA", "png"), ("I;16", "png"), ("CMYK", "jpg")):
        converted = image.convert("L").convert("I;16") if mode == "I;16" else image.convert(mode)
        path = tmp_path / f"as-{mode.replace(';', '')}.{suffix}"
        if mode == "I;16":
            converted = Image.fromarray(np.asarray(image.convert("L"), np.uint16) * 257)
        converted.save(path)
        read = read_picture(path)  # grey: the skin's colour is gone, its darkness is what is left
        assert _measure(read.outlines[0])[1] == pytest.approx(reference, abs=1.0), mode
