"""Variants for a fitting (issue 9): `build --vary KEY=V1,V2` builds one part per
combination into one folder, each labelled with its number, measured like any build,
and one report lists them side by side; bad --vary arguments are refused in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from insolegen.cli import main
from insolegen.profile.variants import MAX_VARIANTS, Vary, VaryError, parse_vary

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ('name = "fit"\nside = "right"\n[patient]\nid = "P-7"\n[foot]\nsize = "EU 42"\n'
           "[shape]\nheel_cup_depth_mm = 16\n")


@pytest.fixture(scope="module")
def fitting(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit")
    profile = out / "fit.toml"
    profile.write_text(PROFILE)
    code = main(["build", str(profile), "--out", str(out), "--vary", "modifications.medial_heel_skive_mm=0,2",
                 "--vary", "shape.arch_height_mm=12,18"])
    return code, out / "fit-p-7"


def test_a_grid_of_variants_builds_one_numbered_part_each(fitting):
    code, folder = fitting
    assert code == 0
    record = json.loads((folder / "build.json").read_text())
    assert record["vary"] == ["modifications.medial_heel_skive_mm", "shape.arch_height_mm"]
    # the grid in order, the last --vary changing fastest
    assert [(v["variant"], v["values"]) for v in record["variants"]] == [
        (1, {"modifications.medial_heel_skive_mm": 0, "shape.arch_height_mm": 12}),
        (2, {"modifications.medial_heel_skive_mm": 0, "shape.arch_height_mm": 18}),
        (3, {"modifications.medial_heel_skive_mm": 2, "shape.arch_height_mm": 12}),
        (4, {"modifications.medial_heel_skive_mm": 2, "shape.arch_height_mm": 18})]
    for variant in record["variants"]:
        n, values = variant["variant"], variant["values"]
        (side,) = variant["sides"]
        assert side["label"] == f"R v{n} P-7"
        assert side["file"] == f"fit-p-7-v{n}-right.stl" and (folder / side["file"]).is_file()
        assert side["heights"]["arch_apex"]["measured_mm"] == pytest.approx(3 + values["shape.arch_height_mm"],
                                                                             abs=0.1)
        skives = [m for m in side["modifications"] if m["key"] == "medial_heel_skive_mm"]
        if values["modifications.medial_heel_skive_mm"]:
            assert skives[0]["measured_mm"] == pytest.approx(2, abs=0.1)
        else:
            assert skives == []
        for name in (f"fit-p-7-v{n}-right.3mf", f"fit-p-7-v{n}-right.orca.3mf", f"fit-p-7-v{n}-preview.png"):
            assert (folder / name).is_file()
        assert main(["check", str(folder / f"fit-p-7-v{n}-right.3mf")]) == 0
    assert not (folder / "preview.png").exists()


def test_the_report_lists_the_variants_side_by_side(fitting):
    _, folder = fitting
    report = (folder / "report.html").read_text(encoding="utf-8")
    table = report[report.index("<h2>What differs"):report.index("<h2>Measured")]
    assert table.count("<th>variant ") == 4
    row = re.search(r"<th>shape\.arch_height_mm</th>(.*?)</tr>", table).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["12", "18", "12", "18"]
    measured = report[report.index("<h2>Measured"):]
    apex = re.search(r"top height at the arch apex</td>(.*?)</tr>", measured).group(1)
    heights = [float(v) for v in re.findall(r'<td class="num">([^<]*)</td>', apex)]
    assert heights == pytest.approx([15, 21, 15, 21], abs=0.1)
    assert report.count('src="data:image/png;base64,') == 4 and "R v2" in report


def test_parse_vary_reads_toml_values():
    assert parse_vary("modifications.heel_relief_shape=round, horseshoe") == Vary(
        "modifications.heel_relief_shape", ("round", "horseshoe"))
    assert parse_vary("shape.arch_height_mm=12,14.5").values == (12, 14.5)
    assert parse_vary('modifications.first_ray_cutout=true,false').values == (True, False)


@pytest.mark.parametrize("vary, says", [
    (["medial_heel_skive_mm"], "allowed is KEY=V1,V2"),
    (["modifications.medial_heel_skive_mm=1,,2"], "no empty ones"),
    (["1bad.key=2"], "allowed is KEY=V1,V2"),
    (["modifications.medial_heel_skive_mm=1,2,3,4", "shape.arch_height_mm=10,12,14,16"],
     f"16 variants (4 x 4); allowed is at most {MAX_VARIANTS}"),
    (["shape.arch_height_mm=10", "shape.arch_height_mm=12"], "shape.arch_height_mm is given twice"),
    (["modifications.medial_heel_skive_mm=2,9"],
     "variant 2 (modifications.medial_heel_skive_mm = 9): modifications.medial_heel_skive_mm = 9"),
    (["shape.no_such_key=1"], "shape.no_such_key"),
    (["name.x=1"], "name is a value in the profile, not a table"),
])
def test_bad_vary_is_refused_in_one_line_and_writes_nothing(tmp_path, capsys, vary, says):
    profile = tmp_path / "fit.toml"
    profile.write_text(PROFILE)
    args = ["build", str(profile), "--out", str(tmp_path / "out")]
    for v in vary:
        args += ["--vary", v]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "out" / "fit-p-7").exists()


def test_vary_takes_one_profile(tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(f'name = "{name}"\n[foot]\nsize = "EU 40"\n')
    assert main(["build", str(tmp_path / "a.toml"), str(tmp_path / "b.toml"), "--out", str(tmp_path / "out"),
                 "--vary", "shape.arch_height_mm=10,12"]) == 2
    assert "--vary builds the variants of one profile: give one profile, not 2" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_vary_errors_are_values_errors():
    with pytest.raises(VaryError):
        parse_vary("=1")


def test_a_long_label_is_shortened_from_the_end_but_keeps_the_side_and_the_variant():
    import shapely

    from insolegen.geometry.label import place_label

    fits = place_label("R v12 a-very-long-name", shapely.box(0, -10, 113, 10), 120)
    assert fits.text.startswith("R v12 ") and len(fits.text) < len("R v12 a-very-long-name")
    assert place_label("R v12 a-very-long-name", shapely.box(40, -6, 80, 6), 120).text == "R v12"


@pytest.mark.slow  # a real browser
def test_the_variants_report_renders_and_prints_in_a_real_browser(fitting, tmp_path):
    import os
    import shutil
    import subprocess

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        assert os.environ.get("INSOLEGEN_REQUIRE_SLICERS") != "1", "chromium is required"
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    _, folder = fitting
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    page = (folder / "report.html").as_uri()
    dom = subprocess.run([chromium, *flags, "--virtual-time-budget=5000", "--dump-dom", page],
                         capture_output=True, text=True, timeout=180)
    assert dom.returncode == 0 and 'data-images="loaded"' in dom.stdout  # all four previews decoded
    pdf = tmp_path / "variants.pdf"
    printed = subprocess.run([chromium, *flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page],
                             capture_output=True, text=True, timeout=180)
    assert printed.returncode == 0 and pdf.exists()
    # the comparison on its own page, then a page per variant's preview
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())) == 5


def test_varying_one_sides_keys_builds_that_side_alone(tmp_path):
    """Issue 29: --vary right.modifications... built three identical left parts. Varying
    only one side's keys, each variant builds that side; the lift on the other side keeps
    both (its checks need that side)."""
    import json

    profile = tmp_path / "one.toml"
    profile.write_text('name = "one"\n[foot]\nsize = "EU 42"\n[shape]\nheel_cup_depth_mm = 16\n')
    out = tmp_path / "out"
    assert main(["build", str(profile), "--out", str(out), "--no-preview",
                 "--vary", "right.modifications.medial_heel_skive_mm=2,4"]) == 0
    names = sorted(p.name for p in (out / "one").iterdir())
    assert [n for n in names if n.endswith(".stl")] == ["one-v1-right.stl", "one-v2-right.stl"]
    record = json.loads((out / "one" / "build.json").read_text())
    assert [[s["side"] for s in v["sides"]] for v in record["variants"]] == [["right"], ["right"]]
    lifted = tmp_path / "lifted.toml"
    lifted.write_text(profile.read_text().replace('"one"', '"lifted"')
                      + '[lift]\nside = "left"\nheel_mm = 4\nforefoot_mm = 2\n')
    assert main(["build", str(lifted), "--out", str(out), "--no-preview",
                 "--vary", "right.modifications.medial_heel_skive_mm=2,4"]) == 0
    assert len([p for p in (out / "lifted").iterdir() if p.name.endswith("-left.stl")]) == 2
