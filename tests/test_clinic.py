"""Clinic workflow: preview, report (in a real headless browser), printer presets and
bed placement, batch builds, and `check` on 3MF files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sweeps import cases

from insolegen.cli import main
from insolegen.profile.printers import PRINTERS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("INSOLEGEN_REQUIRE_SLICERS") == "1"


@pytest.fixture(scope="module")
def lift_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("clinic")
    assert main(["build", str(ROOT / "profiles" / "lld-left-lift.toml"), "--out", str(out)]) == 0
    return out / "lld-left-lift"


def test_preview_is_a_picture_of_both_sides(lift_build):
    data = (lift_build / "preview.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 1000 and height >= 900


def test_warnings_stand_out_in_the_report(tmp_path):
    profile = tmp_path / "w.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n[shape]\nheel_cup_depth_mm = 20\n[lift]\nside = "left"\n'
                       'heel_mm = 8\nmeasured_lld_mm = 10\n')
    assert main(["build", str(profile), "--out", str(tmp_path)]) == 0
    text = (tmp_path / "w" / "report.html").read_text()
    block = text[text.index('<div class="warnings">'):]
    assert "80 %" in block and "deep shoes" in block and "slide forward" in block


def test_no_preview_skips_picture_and_report(tmp_path):
    assert main(["build", str(ROOT / "profiles" / "plain-eu42.toml"), "--out", str(tmp_path), "--no-preview"]) == 0
    names = {p.name for p in (tmp_path / "plain-eu42").iterdir()}
    assert "preview.png" not in names and "report.html" not in names and "build.json" in names


def test_report_is_self_contained_and_complete(lift_build):
    text = (lift_build / "report.html").read_text()
    assert not re.search(r'(src|href)="(?!data:)', text)  # nothing fetched from elsewhere
    summary = json.loads((lift_build / "build.json").read_text())
    for needle in ("lld-left-lift", "Prescription as built", "arch height", "lift at the heel", "heel cup depth",
                   "Firmness zones", "lld-left-lift-left.3mf", "PrusaSlicer",
                   "OrcaSlicer", "TPU", "0.2 mm", "printable solid", "yes: one closed solid, no holes"):
        assert needle in text, needle
    assert "NoError" not in text  # the tools' codes are for build.json, not the clinician (issue 29)
    import html

    if summary["warnings"]:
        assert "Clinical warnings" in text
        for warning in summary["warnings"]:
            assert html.escape(warning) in text
    else:
        assert "No clinical warnings" in text
    left = next(s for s in summary["sides"] if s["side"] == "left")
    assert f'{left["heights"]["heel_centre"]["measured_mm"]:.2f}' in text


PATIENT_PROFILE = """name = "Ana Lima"
[patient]
id = "P-2291"
date_of_birth = "1961-04-02"
clinician = "R. Okafor, CPO"
diagnosis = "LLD 9 mm, right short; plantar fasciitis"
shoe = "walking shoe, removable insole, US W 8"
notes = "tried <b>off-the-shelf</b> lifts & gel heels"
[foot]
size = "US W 8"
[lift]
side = "right"
heel_mm = 6
forefoot_mm = 2
measured_lld_mm = 9
"""


@pytest.fixture(scope="module")
def patient_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("patient")
    profile = out / "ana.toml"
    profile.write_text(PATIENT_PROFILE, encoding="utf-8")
    assert main(["build", str(profile), "--out", str(out)]) == 0
    return out / "ana-lima-p-2291"


def _page_one(text: str) -> str:
    return text[:text.index('<section class="page">', text.index('<section class="page">') + 1)]


def test_report_page_one_shows_the_patients_record(patient_build):
    import datetime as dt
    import html

    page = _page_one((patient_build / "report.html").read_text(encoding="utf-8"))
    for value in ("Ana Lima", "P-2291", "R. Okafor, CPO", "LLD 9 mm, right short; plantar fasciitis",
                  "walking shoe, removable insole, US W 8"):
        assert html.escape(value) in page, value
    # free text is shown as written, never as markup
    assert "tried &lt;b&gt;off-the-shelf&lt;/b&gt; lifts &amp; gel heels" in page and "<b>off" not in page
    today = dt.date.today()
    age = today.year - 1961 - ((today.month, today.day) < (4, 2))
    assert f"1961-04-02 (age {age})" in page


def test_report_page_one_always_shows_the_lift_and_its_correction(patient_build):
    page = _page_one((patient_build / "report.html").read_text(encoding="utf-8"))
    summary = json.loads((patient_build / "build.json").read_text())
    right = next(s for s in summary["sides"] if s["side"] == "right")["heights"]
    # the lift measured on the mesh: the top's height less the intended top without it
    heel = right["heel_centre"]["measured_mm"] - (right["heel_centre"]["expected_mm"] - 6.0)
    fore = right["metatarsal_heads"]["measured_mm"] - (right["metatarsal_heads"]["expected_mm"] - 2.0)
    assert heel == pytest.approx(6.0, abs=0.1) and fore == pytest.approx(2.0, abs=0.1)
    assert "Leg-length discrepancy" in page and "Measured LLD: <strong>9 mm</strong>, right leg short" in page
    assert f"{heel:.2f} mm (asked 6.0)" in page and f"{fore:.2f} mm (asked 2.0)" in page
    assert page.count("0.00 mm (asked 0.0)") == 2  # the left: no lift at the heel or the heads
    assert f"<strong>{100 * heel / 9:.0f} %</strong> corrected" in page  # 6 of 9 mm: 67 %
    assert "67 %" in page


def test_report_of_a_lift_without_a_measured_lld_says_so(tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n[lift]\nside = "left"\nheel_mm = 5\n')
    assert main(["build", str(profile), "--out", str(tmp_path)]) == 0
    page = _page_one((tmp_path / "p" / "report.html").read_text())
    assert "Measured LLD: <strong>not given</strong>" in page and "no % correction" in page
    assert re.search(r"(4\.9\d|5\.0\d|5\.10) mm \(asked 5\.0\)", page)


def test_report_of_a_pair_without_a_lift_has_no_lift_section(tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n')
    assert main(["build", str(profile), "--out", str(tmp_path)]) == 0
    text = (tmp_path / "p" / "report.html").read_text()
    assert "Leg-length discrepancy" not in text and "Patient record" not in text


def test_report_writes_units_as_symbols(tmp_path):
    """cm³, °C and ° (not cm3, C or deg) wherever the report gives a unit."""
    profile = tmp_path / "p.toml"
    profile.write_text('[foot]\nsize = "EU 42"\n[shape]\nrearfoot_post_deg = 4\n')
    assert main(["build", str(profile), "--out", str(tmp_path)]) == 0
    text = (tmp_path / "p" / "report.html").read_text(encoding="utf-8")
    body = re.sub(r"<style>.*?</style>|<script>.*?</script>|data:image/png;base64,[^\"]+", "", text, flags=re.S)
    assert "cm\u00b3" in body and "\u00b0C" in body and "<td>\u00b0</td>" in body
    words = re.sub(r"<[^>]+>", " ", body)
    assert not re.search(r"\bcm3\b|\bdeg\b|\d C\b", words), re.findall(r".{20}(?:cm3|deg|\d C)\b.{10}", words)


def _pdf_image_widths_pt(pdf: bytes) -> list[float]:
    """Widths (pt) at which a Chromium PDF draws its images: each page's content stream
    starts with Skia's page scale (px to pt), then each image is drawn by a matrix whose
    first entry is its width in px."""
    import zlib

    widths = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            continue
        matrices = re.findall(rb"([-\d.]+) [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ cm", text)
        drawn = re.findall(rb"([-\d.]+) 0 0 [-\d.]+ [-\d.]+ [-\d.]+ cm\s*(?:[^\n]*\n){0,4}?/X\w* Do", text)
        if matrices and drawn:
            scale = float(matrices[0])
            widths += [float(w) * scale for w in drawn]
    return widths


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={cwd / 'chrome-profile'}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=180, cwd=cwd)


@pytest.mark.slow  # a real browser
@pytest.mark.skipif(CHROMIUM is None and not REQUIRED,
                    reason="chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
@pytest.mark.parametrize("paper", ["A4", "letter"])
@pytest.mark.parametrize("which", ["lift", "patient"])
def test_report_renders_and_prints_in_a_real_browser(lift_build, patient_build, tmp_path, paper, which):
    assert CHROMIUM, "chromium is required"
    page = tmp_path / "report.html"
    folder = lift_build if which == "lift" else patient_build
    text = (folder / "report.html").read_text(encoding="utf-8")
    page.write_text(text.replace("@page {", f"@page {{ size: {paper};", 1), encoding="utf-8")
    dom = _chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-1500:]
    assert 'data-images="loaded"' in dom.stdout  # every image decoded
    pdf = tmp_path / "report.pdf"
    printed = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), cwd=tmp_path)
    assert printed.returncode == 0 and pdf.exists(), printed.stderr[-1500:]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages == 4  # summary, preview, zones/files/print settings, stiffness (table and map): one page each
    # the preview and the stiffness map are as wide as the paper allows: the page less its two 12 mm margins
    page_pt = {"A4": 210, "letter": 215.9}[paper] / 25.4 * 72
    widths = _pdf_image_widths_pt(pdf.read_bytes())
    assert len(widths) == 2
    for width in widths:
        assert width == pytest.approx(page_pt - 2 * 12 / 25.4 * 72, abs=2.0)


# -- printers and placement ---------------------------------------------------------------


def build_with(tmp_path: Path, body: str, *extra: str) -> tuple[int, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    profile = tmp_path / "p.toml"
    profile.write_text('name = "p"\n' + body)
    return main(["build", str(profile), "--out", str(tmp_path), "--no-preview", *extra]), tmp_path / "p"


@pytest.mark.parametrize("printer", cases(["prusa-mk4", "bambu-a1", "voron-350", "ender-3"], 2))
def test_parts_are_placed_on_the_printer_bed(tmp_path, printer):
    code, folder = build_with(tmp_path, f'[foot]\nsize = "EU 40"\n[print]\nprinter = "{printer}"\n')
    assert code == 0
    bed = PRINTERS[printer].bed_mm
    from insolegen.formats.threemf.read import read_3mf

    for name in ("p-left.3mf", "p-right.orca.3mf"):
        body = next(v for v in read_3mf(folder / name) if v.role == "part")
        xy = body.vertices[:, :2]
        assert xy.min() >= 0 and (xy.max(axis=0) <= np.array(bed)).all()
        assert body.vertices[:, 2].min() == pytest.approx(0, abs=1e-6)
    summary = json.loads((folder / "build.json").read_text())
    placement = summary["sides"][0]["prusaslicer_3mf"]["placement"]
    assert placement["bed_mm"] == list(bed) and placement["fits"]
    if printer == "ender-3":  # a 250 mm insole only fits a 220 mm bed turned
        assert placement["rotation_deg"] != 0
    if printer == "voron-350":
        assert placement["rotation_deg"] == 0


def test_a_part_that_cannot_fit_is_refused(tmp_path, capsys):
    code, folder = build_with(tmp_path, '[foot]\nsize = "EU 46"\n[print]\nprinter = "prusa-mini"\n')
    err = capsys.readouterr().err
    assert code == 2 and "does not fit the prusa-mini bed (180 x 180 mm) at any angle" in err
    assert re.search(r"the largest foot it takes is \d+ mm long", err)
    assert not folder.exists()


def test_custom_bed_and_bad_printer(tmp_path, capsys):
    code, folder = build_with(tmp_path, '[foot]\nsize = "EU 40"\n[print]\nbed_mm = [300, 200]\n')
    assert code == 0
    assert json.loads((folder / "build.json").read_text())["print"]["bed_mm"] == [300, 200]
    code, _ = build_with(tmp_path / "x", '[foot]\nsize = "EU 40"\n[print]\nprinter = "prusa-mk9"\n')
    assert code == 2 and "print.printer = 'prusa-mk9' is not a preset" in capsys.readouterr().err


# -- batch ---------------------------------------------------------------------------------


def test_batch_builds_in_parallel_and_reports_each(tmp_path, capsys):
    profiles = []
    for i, size in enumerate(["EU 38", "EU 40", "EU 42", "EU 44"]):
        path = tmp_path / f"b{i}.toml"
        path.write_text(f'[foot]\nsize = "{size}"\n')
        profiles.append(str(path))
    bad = tmp_path / "bad.toml"
    bad.write_text('[foot]\nsize = "EU 999"\n')
    profiles.insert(2, str(bad))
    code = main(["build", *profiles, "--out", str(tmp_path / "out"), "--jobs", "2", "--no-preview"])
    captured = capsys.readouterr()
    assert code == 2  # one bad profile: the batch says so
    for i in range(4):
        assert (tmp_path / "out" / f"b{i}" / f"b{i}-left.stl").exists()  # the others were built
    assert "4 of 5 profiles built" in captured.out
    table = captured.out
    assert "bad input" in table and table.count(" ok ") >= 4
    assert "invalid profile" in captured.err


# -- check on 3MF ------------------------------------------------------------------------------


def test_check_reads_both_3mf_layouts_with_zones(lift_build, capsys):
    for name, printer in (("lld-left-lift-left.3mf", "prusa-mk4"), ("lld-left-lift-left.orca.3mf", "bambu-x1")):
        assert main(["check", str(lift_build / name), "--printer", printer]) == 0
        out = capsys.readouterr().out
        assert "printable (1 part(s), 5 zone(s))" in out
        assert "zone 'lift': infill 60% gyroid, closed solid" in out
        assert "zone 'heel': infill 15% gyroid" in out
        # the thinnest wall: the land left between the label's letters (1.5 mm by design)
        assert f"inside the {printer} bed" in out and re.search(r"thinnest wall 1\.[5-9]\d mm", out), out
    assert main(["check", str(lift_build / "lld-left-lift-left.3mf"), "--printer", "prusa-mini"]) == 1
    assert "outside the prusa-mini bed" in capsys.readouterr().out


def test_check_json_and_bad_3mf(tmp_path, lift_build, capsys):
    assert main(["check", "--json", str(lift_build / "lld-left-lift-left.orca.3mf")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and len(data["zones"]) == 5
    broken = tmp_path / "broken.3mf"
    broken.write_bytes(b"PK not really a zip")
    assert main(["check", str(broken)]) == 1
    assert "not a readable 3MF" in capsys.readouterr().out


def test_check_stl_bed_fit(lift_build, capsys):
    stl = str(lift_build / "lld-left-lift-right.stl")
    assert main(["check", stl, "--printer", "voron-350"]) == 0
    assert "fits the voron-350 bed" in capsys.readouterr().out
    assert main(["check", stl, "--bed", "150x150"]) == 1
    assert "does not fit a 150 x 150 mm bed" in capsys.readouterr().out


@pytest.mark.slow  # every example with preview and report, two jobs
def test_readme_example_command_builds_every_example(tmp_path, capsys):
    """`insolegen build profiles/*.toml` from the README, here with two jobs."""
    examples = sorted(str(p) for p in (ROOT / "profiles").glob("*.toml"))
    assert main(["build", *examples, "--out", str(tmp_path), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert f"{len(examples)} of {len(examples)} profiles built" in out
    for path in examples:
        folder = tmp_path / Path(path).stem
        summary = json.loads((folder / "build.json").read_text())
        for side in summary["sides"]:
            for name in (side["file"], side["prusaslicer_3mf"]["file"], side["orca_3mf"]["file"]):
                assert (folder / name).stat().st_size > 0
        assert (folder / "preview.png").exists() and (folder / "report.html").exists()
