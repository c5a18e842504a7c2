"""Pressure exports as clinics' systems write them (issue 23): a real European plate
export (tests/data/real/medilogic-step.csv, SOURCES.md) and its synthetic twins, the
layouts insolegen does not know refused with what they hold, and Tekscan's mirror
flags."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from pressure_maps import synthetic_grid, write_asf, write_csv, write_sensor_table
from sweeps import cases

from insolegen.cli import main
from insolegen.inputs.errors import InputFileError
from insolegen.inputs.pressure_files import read_pressure_file

REAL = Path(__file__).resolve().parent / "data" / "real"
MEDILOGIC = REAL / "medilogic-step.csv"


@pytest.fixture(scope="module")
def outline():
    from insolegen.build.side import side_outline
    from insolegen.profile import profile_from_dict

    return side_outline(profile_from_dict({"side": "right", "foot": {"size": "EU 42"}}).sides[0])


def _build(tmp_path: Path, side: str, pressure: str) -> tuple[int, str, dict | None]:
    """(exit code, stderr, build.json) of an EU 42 ``side`` built on [pressure] ``pressure``."""
    import contextlib
    import io

    profile = tmp_path / f"{side}.toml"
    profile.write_text(f'name = "m"\nside = "{side}"\n[foot]\nsize = "EU 42"\n[pressure]\n{pressure}',
                       encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["build", str(profile), "--out", str(tmp_path / "out"), "--no-preview"])
    record = tmp_path / "out" / "m" / "build.json"
    return code, err.getvalue(), json.loads(record.read_text()) if record.exists() else None


def _medilogic_by_hand() -> tuple[np.ndarray, np.ndarray]:
    """(frames x 64 x 32 in N/cm2, the file's Maximum row as 64 x 32), parsed here as the
    file's own project reads it (semicolons, decimal commas, the three summary rows
    dropped, each frame reshaped 64 x 32 in file order)."""
    lines = MEDILOGIC.read_text().splitlines()
    def values(line: str) -> np.ndarray:
        return np.array([float(v.replace(",", ".")) for v in line.split(";")[1:]])
    assert lines[0].startswith("Sensor-Nummer;2081;2082;") and lines[2].startswith("Maximum;")
    frames = np.array([values(line).reshape(64, 32) for line in lines[4:]])
    return frames, values(lines[2]).reshape(64, 32)


def test_a_real_european_plate_export_is_read_frame_by_frame():
    """The medilogic export: 202 frames (every 4th of the step, SOURCES.md) of 2048
    sensors numbered 2081-6144 over a 64-wide plate: a 64 x 32 window, found from the
    sensor numbers' runs. The peak map is each sensor's largest over the frames, equal
    to the file parsed by hand; the file's own Maximum row (over all 806 frames) is
    never under it, and the frames kept reach within 5 % of it at its peak."""
    grid = read_pressure_file(MEDILOGIC, units="N/cm2")
    frames, maximum = _medilogic_by_hand()
    assert grid.file_format == "plate-table" and grid.frames == len(frames) == 202
    assert grid.kpa.shape == (64, 32) and grid.units == "N/cm2" and grid.units_from == "profile"
    assert (grid.row_pitch_mm, grid.col_pitch_mm) == (None, None)
    assert np.array_equal(grid.kpa, frames.max(axis=0) * 10.0)
    assert np.all(maximum >= frames.max(axis=0))
    assert frames.max() >= 0.95 * maximum.max()
    # frame by frame: a frame asked for is that line of the file
    assert np.array_equal(read_pressure_file(MEDILOGIC, units="N/cm2", frame=57).kpa, frames[56] * 10.0)


def test_a_real_european_plate_export_builds_on_the_foot_it_shows(tmp_path):
    """Built on a left EU 42 with the unit the file does not say: the map is found to
    show a left foot (toes up the picture, the hallux on the right) and lies on it."""
    code, err, record = _build(tmp_path, "left", f'file = "{MEDILOGIC}"\nunits = "N/cm2"\n')
    assert code == 0, err
    pressure = record["sides"][0]["pressure"]
    assert pressure["file_format"] == "plate-table"
    registration = pressure["registration"]
    assert (registration["side_shown"], registration["side_from"]) == ("left", "detected")
    assert registration["fit"]["loaded_cells_inside_share"] >= 0.95
    assert "scaled to the foot's length" in err  # the file gives no pitch


def test_a_plate_export_without_its_unit_is_refused_in_one_line(tmp_path):
    code, err, record = _build(tmp_path, "left", f'file = "{MEDILOGIC}"\n')
    assert code == 2 and record is None
    (line,) = err.strip().splitlines()
    assert "does not say its pressure unit" in line and "pressure.units" in line


@pytest.mark.parametrize("units", ["N/cm2", "kPa"])
def test_a_semicolon_and_decimal_comma_export_reads_as_its_plain_twin(tmp_path, outline, units):
    """The same map written as a plain CSV grid (kPa, '.') and as a European plate's
    export (';', ',', sensor numbers over a 128-wide plate, summary rows, frames led by a
    time): the same kPa in every cell."""
    kpa, _ = synthetic_grid(outline, 12.0, False, (1.0, 2.0))
    plain = read_pressure_file(write_csv(tmp_path / "plain.csv", kpa, pitch_mm=None))
    euro = read_pressure_file(write_sensor_table(tmp_path / "euro.csv", kpa, units=units), units=units)
    assert euro.kpa.shape == plain.kpa.shape == kpa.shape and euro.frames == 4
    assert np.allclose(np.nan_to_num(euro.kpa), np.nan_to_num(plain.kpa), atol=0.005 + 1e-9)
    assert np.abs(np.nan_to_num(euro.kpa) - np.nan_to_num(kpa)).max() <= 1e-6 * max(1.0, float(np.nanmax(kpa)))


def test_a_plain_grid_split_by_semicolons_with_decimal_commas_reads(tmp_path, outline):
    kpa, _ = synthetic_grid(outline)
    path = write_csv(tmp_path / "plain.csv", kpa)
    text = path.read_text()
    euro = "\n".join(line if line.startswith(("#", "Frame")) else line.replace(",", ";").replace(".", ",")
                     for line in text.splitlines())
    (tmp_path / "euro.csv").write_text(euro)
    assert np.array_equal(read_pressure_file(tmp_path / "euro.csv").kpa, read_pressure_file(path).kpa)


def test_a_plate_export_whose_numbers_do_not_show_the_plates_width_asks_for_it(tmp_path, outline):
    """Every sensor of the plate listed (one run, 1 to rows x columns): the width cannot
    be found, the refusal names pressure.plate_columns; with it, the map reads."""
    kpa, _ = synthetic_grid(outline)
    _rows, cols = kpa.shape
    path = write_sensor_table(tmp_path / "full.csv", kpa, plate_columns=cols, first_sensor=(0, 0))
    with pytest.raises(InputFileError, match=r"numbered 1 to \d+ .* in 1 run.*pressure.plate_columns"):
        read_pressure_file(path, units="N/cm2")
    grid = read_pressure_file(path, units="N/cm2", plate_columns=cols)
    assert np.allclose(np.nan_to_num(grid.kpa), np.nan_to_num(kpa), atol=1e-6)
    code, err, _ = _build(tmp_path, "right", 'file = "full.csv"\nunits = "N/cm2"\npitch_mm = [5.08, 5.08]\n'
                          f"plate_columns = {cols}\n")
    assert code == 0, err


def test_an_export_of_an_unknown_layout_is_refused_with_what_it_holds(tmp_path):
    """A plate export of a kind not yet known (a header row of words, then rows led by a
    time, ';' and ','): one line saying what was found (lines, cells, separator, decimal
    commas, the numbers' range and the unit it suggests) and what to do."""
    rng = np.random.default_rng(3)
    rows = ["Zeit;Bereich;Wert A;Wert B;Wert C"] + [
        f"{t:.2f};{k};" + ";".join(f"{v:.3f}" for v in rng.uniform(0, 40, 3)) for k, t in enumerate(np.arange(0, 2, 0.1))]
    (tmp_path / "odd.csv").write_text("\n".join(rows).replace(".", ",") + "\n")
    code, err, record = _build(tmp_path, "right", 'file = "odd.csv"\nunits = "N/cm2"\n')
    assert code == 2 and record is None
    (line,) = err.strip().splitlines()
    for said in ("21 lines", "5 cells split by semicolons", "decimal commas", "starting with a word",
                 "20 lines of numbers only", "suggests N/cm2", "not a layout insolegen reads"):
        assert said in line, line
    assert "Traceback" not in err


# -- Tekscan's mirror flags -------------------------------------------------------------------


def _flagged(tmp_path: Path, row: int, col: int) -> Path:
    text = (REAL / "fscan-walk-left.asf").read_text()
    text = re.sub(r"^MIRROR_ROW \d+", f"MIRROR_ROW {row}", text, flags=re.M)
    text = re.sub(r"^MIRROR_COL \d+", f"MIRROR_COL {col}", text, flags=re.M)
    path = tmp_path / f"flagged-{row}{col}.asf"
    path.write_text(text)
    return path


def test_the_real_exports_mirror_flags_are_read_as_written():
    text = (REAL / "fscan-walk-left.asf").read_text()
    assert re.search(r"^MIRROR_ROW 0\s*$", text, re.M) and re.search(r"^MIRROR_COL 0\s*$", text, re.M)
    assert read_pressure_file(REAL / "fscan-walk-left.asf").mirrored == ()


@pytest.mark.parametrize("row, col", cases([(1, 0), (0, 1), (1, 1)], 2))
def test_a_mirror_flag_set_asks_which_foot_and_builds_when_told(tmp_path, row, col):
    """A Tekscan export with MIRROR_ROW or MIRROR_COL set: the flags are the software's
    view settings saved with the recording (docs/pressure.md), and no document says
    whether the exported grid was mirrored by them, so the map's own handedness cannot
    be trusted to say which foot: without pressure.side the build is refused naming the
    flag; told the side, it builds on it, the grid as written."""
    path = _flagged(tmp_path, row, col)
    grid = read_pressure_file(path)
    assert grid.mirrored == tuple(name for name, on in (("MIRROR_ROW", row), ("MIRROR_COL", col)) if on)
    assert np.array_equal(np.nan_to_num(grid.kpa), np.nan_to_num(read_pressure_file(REAL / "fscan-walk-left.asf").kpa))
    code, err, record = _build(tmp_path, "left", f'file = "{path}"\n')
    assert code == 2 and record is None
    (line,) = err.strip().splitlines()
    assert " = 1" in line and "pressure.side" in line and ("MIRROR_ROW" in line or "MIRROR_COL" in line)
    code, err, record = _build(tmp_path, "left", f'file = "{path}"\nside = "left"\n')
    assert code == 0, err
    registration = record["sides"][0]["pressure"]["registration"]
    assert registration["side_from"] == "told" and registration["fit"]["loaded_cells_inside_share"] >= 0.95
    assert record["sides"][0]["pressure"]["mirror_flags"] == list(grid.mirrored)


def test_a_synthetic_tekscan_map_with_flags_clear_is_detected(tmp_path, outline):
    kpa, _ = synthetic_grid(outline, 5.0)
    path = write_asf(tmp_path / "walk.asf", kpa)
    assert "MIRROR" not in path.read_text() or read_pressure_file(path).mirrored == ()
    code, err, record = _build(tmp_path, "right", f'file = "{path}"\n')
    assert code == 0, err
    assert record["sides"][0]["pressure"]["registration"]["side_from"] == "detected"


# -- other real exports -----------------------------------------------------------------------

EMED = REAL / "emed-walk.lst"


def test_a_real_emed_listing_is_read_and_laid_on_the_foot(tmp_path):
    """novel emed's listing of a step (pressuRe's test file, MIT): 106 pictures of a
    54 x 22 window at 5 mm, kPa from the listing; the peak map's largest cell is the
    largest value in the file's tables, found here by hand (each table row's cells
    between its row number and its Force sum); built on an EU 42 it is found to show a
    right foot and lies on it."""
    grid = read_pressure_file(EMED)
    assert grid.file_format == "emed" and grid.frames == 106 and grid.kpa.shape == (54, 22)
    assert (grid.row_pitch_mm, grid.col_pitch_mm, grid.units) == (5.0, 5.0, "kPa")
    largest = 0.0
    for line in EMED.read_text(encoding="latin-1").splitlines():
        cells = line.split("\t")
        if cells and cells[0].strip().isdigit() and len(cells) > 3:
            largest = max(largest, max(float(c) for c in cells[1:-1] if c.strip()))
    assert float(np.nanmax(grid.kpa)) == largest == 370.0
    code, err, record = _build(tmp_path, "right", f'file = "{EMED}"\n')
    assert code == 0, err
    registration = record["sides"][0]["pressure"]["registration"]
    assert (registration["side_shown"], registration["side_from"]) == ("right", "detected")
    assert registration["fit"]["loaded_cells_inside_share"] >= 0.95


def test_a_real_export_of_a_layout_not_read_is_refused_with_what_it_holds(tmp_path):
    """A novel pedar in-shoe export (99 sensors an insole on no grid; pressuRe, MIT):
    refused in one line saying what it holds, not built on."""
    code, err, record = _build(tmp_path, "right", f'file = "{REAL / "pedar-insoles.asc"}"\nunits = "kPa"\n')
    assert code == 2 and record is None
    (line,) = err.strip().splitlines()
    for said in ("split by tabs", "starting with a word", "lines of numbers only", "not a layout insolegen reads"):
        assert said in line, line
    assert "decimal commas" not in line  # pedar writes decimal points
