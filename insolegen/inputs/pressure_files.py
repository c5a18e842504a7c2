"""Plantar pressure maps read from a file into one grid of kPa (the foot stage).

Four layouts, each described in docs/pressure.md with the source it was taken from:

- a plain grid (``.csv`` / ``.txt``): rows of numbers split by commas, semicolons, tabs
  or spaces; ``#`` lines may say ``units: kPa`` and ``pitch_mm: 5.08, 7.62``; frames
  are blocks split by blank lines or ``Frame n`` lines;
- Tekscan ASCII (``.asf``, F-Scan and plates): ``KEY value`` header lines (ROWS, COLS,
  ROW_SPACING, COL_SPACING with a unit, UNITS), then ``Frame n`` blocks of comma-
  separated rows, ``B`` where the sensor has no sensel;
- novel emed ASCII listing (``.lst``): a page per picture ("Pict-No.: n", or the
  summary pictures MVP / MPP), "Sensor size: 0.500x0.500 cm" in its head, then a
  tab-separated table whose first row and column number the sensors and whose last
  row and column ("Force") are sums; pressures in kPa (the Force column is the row's
  sum times the sensor area in newtons, which holds for kPa and for no other unit);
- a plate export listing sensors by number (:mod:`insolegen.inputs.pressure_tables`):
  a first row of sensor numbers, summary rows, a row per frame led by its time, ``;``
  and decimal commas as European plates write it.

The rows of every layout run down the picture (row 1 at the top), as vendors draw them.
A text file of no known layout is refused with what it holds (``describe_text``).

Cells with no sensor (``B``, empty, NaN or negative) are NaN. A multi-frame file gives
its peak over frames (each cell's maximum) or the frame asked for, or every frame.

Over 400 lines: the four layouts' readers share the checks of size, units and stuck
sensels, which split apart would be passed from module to module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from insolegen.inputs.errors import InputFileError
from insolegen.inputs.pressure_tables import describe_text, is_sensor_table, read_sensor_table

__all__ = [
    "FORMATS",
    "KPA_PER_UNIT",
    "MAX_CELLS",
    "MAX_FILE_BYTES",
    "MM_PER_LENGTH_UNIT",
    "UNIT_NAMES",
    "PressureGrid",
    "read_pressure_file",
    "read_pressure_frames",
]

# kPa per unit; the names a file or profile may give (case and spaces ignored)
KPA_PER_UNIT = {"kpa": 1.0, "n/cm2": 10.0, "n/cm^2": 10.0, "ncm2": 10.0, "psi": 6.894757, "mmhg": 0.1333224}
UNIT_NAMES = {"kpa": "kPa", "n/cm2": "N/cm2", "n/cm^2": "N/cm2", "ncm2": "N/cm2", "psi": "psi", "mmhg": "mmHg"}
MM_PER_LENGTH_UNIT = {"mm": 1.0, "millimeters": 1.0, "millimetres": 1.0, "cm": 10.0, "centimeters": 10.0,
                      "centimetres": 10.0, "in": 25.4, "inch": 25.4, "inches": 25.4}
MAX_FILE_BYTES = 200_000_000  # a long in-shoe recording is tens of megabytes
MAX_CELLS = 250_000  # far over any plate (emed x: 95 x 64 x 4 per cm2 ...) or insole sensor
FORMATS = ("csv", "tekscan", "emed", "plate-table")


@dataclass(frozen=True)
class PressureGrid:
    """A pressure map as read: kPa per cell (rows x columns, NaN where no sensor), the
    spacing between rows and between columns (mm, None when the file does not say),
    and what build.json says of the reading."""

    kpa: NDArray[np.float64]
    row_pitch_mm: float | None
    col_pitch_mm: float | None
    file_format: str
    units: str
    units_from: str  # "file" or "profile"
    frames: int
    frame_used: str  # "peak" or the frame number
    # (row, column) of sensels left out: loaded while the foot was in the air (stuck or noisy)
    dropped: tuple[tuple[int, int], ...] = ()
    # Tekscan's MIRROR_ROW / MIRROR_COL when set: the view was mirrored when the recording
    # was saved, and no document says whether the grid written is (docs/pressure.md)
    mirrored: tuple[str, ...] = ()


def _frames_of(kind: str, text: str, plate_columns: int | None
               ) -> tuple[list[NDArray[np.float64]], tuple[float | None, float | None], str | None, tuple[str, ...]]:
    """The frames, sensel pitch, unit and mirror flags of a ``kind`` file's text."""
    mirrored: tuple[str, ...] = ()
    if kind == "tekscan":
        frames, pitch, file_units, mirrored = _tekscan(text)
    elif kind == "emed":
        frames, pitch, file_units = _emed(text)
    elif kind == "plate-table":
        frames, pitch, file_units = read_sensor_table(text, plate_columns).frames, (None, None), None
    else:
        try:
            frames, pitch, file_units = _plain(text)
        except InputFileError as exc:
            if "not a number" not in str(exc):
                raise
            raise InputFileError(
                f"{exc}; the file holds {describe_text(text)}: not a layout insolegen reads (a grid of numbers, "
                "Tekscan ASCII, an emed listing, or a plate export whose first row numbers the sensors): export "
                "the map as one of them, or a grid of the peak frame with '# units: kPa'") from None
    return frames, pitch, file_units, mirrored


@dataclass(frozen=True)
class _Read:
    stack: NDArray[np.float64]  # (frames, rows, cols) in the file's unit, NaN on dropped sensels
    pitch: tuple[float | None, float | None]
    kind: str
    unit: str  # a key of KPA_PER_UNIT
    from_file: bool
    dropped: tuple[tuple[int, int], ...]
    mirrored: tuple[str, ...]


def _read(path: Path, units: str | None, plate_columns: int | None) -> _Read:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputFileError(f"cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise InputFileError(f"the file is {size / 1e6:.0f} MB: over the {MAX_FILE_BYTES / 1e6:.0f} MB a pressure "
                             "map may be (export the peak-pressure frame)")
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise InputFileError(f"cannot read the file: {exc.strerror or exc}") from None
    if "\x00" in text[:4096]:
        raise InputFileError("the file is binary, not a text export: export the map as CSV, Tekscan ASCII "
                             "(.asf) or an emed ASCII listing (.lst)")
    kind = _format_of(path, text)
    frames, pitch, file_units, mirrored = _frames_of(kind, text, plate_columns)
    if not frames:
        raise InputFileError(f"no pressure values found in this {_FORMAT_NAMES[kind]} file")
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise InputFileError(f"the frames differ in size ({', '.join(f'{r}x{c}' for r, c in sorted(shapes))}): "
                             "every frame must have the same rows and columns")
    if frames[0].size > MAX_CELLS:
        raise InputFileError(f"{frames[0].shape[0]} x {frames[0].shape[1]} cells: over the {MAX_CELLS} a map may have")
    unit_key = _unit_key(units) if units else None
    if file_units is not None and unit_key is not None and file_units != unit_key:
        raise InputFileError(f"the file gives its pressures in {UNIT_NAMES[file_units]} but pressure.units = "
                             f"{units!r}: remove pressure.units or make it agree")
    chosen = file_units or unit_key
    if chosen is None:
        raise InputFileError("the file does not say its pressure unit: set pressure.units to kPa, N/cm2, psi or mmHg")
    stack = np.stack(frames)
    dropped = _stuck_sensels(stack)
    if dropped:
        stack[:, [r for r, _ in dropped], [c for _, c in dropped]] = np.nan
    return _Read(stack, pitch, kind, chosen, file_units is not None, dropped, mirrored)


def _grid(read: _Read, kpa: NDArray[np.float64], used: str) -> PressureGrid:
    kpa = kpa * KPA_PER_UNIT[read.unit]
    kpa = np.where(kpa < 0, np.nan, kpa)  # -1 and the like: no contact, no sensor
    return PressureGrid(kpa, read.pitch[0], read.pitch[1], read.kind, UNIT_NAMES[read.unit],
                        "file" if read.from_file else "profile", len(read.stack), used, read.dropped, read.mirrored)


def read_pressure_file(path: Path, units: str | None = None, frame: str | int = "peak",
                       plate_columns: int | None = None) -> PressureGrid:
    """The map in ``path`` in kPa. ``units`` (a key of KPA_PER_UNIT) is used when the
    file does not say, and must agree with it when it does; ``plate_columns``: the
    plate's width in sensors, for a sensor-numbered export that does not show it.
    Raises InputFileError."""
    read = _read(path, units, plate_columns)
    if frame == "peak":
        with np.errstate(all="ignore"):
            return _grid(read, np.fmax.reduce(read.stack, axis=0), "peak")
    if not 1 <= int(frame) <= len(read.stack):
        raise InputFileError(f"pressure.frame = {frame} but the file has {len(read.stack)} frame"
                             f"{'s' if len(read.stack) != 1 else ''} (allowed: 1 to {len(read.stack)}, or \"peak\")")
    return _grid(read, read.stack[int(frame) - 1], str(int(frame)))


def read_pressure_frames(path: Path, units: str | None = None, plate_columns: int | None = None) -> tuple[PressureGrid, ...]:
    """Every frame of the recording in ``path``, in kPa, in order (read once)."""
    read = _read(path, units, plate_columns)
    return tuple(_grid(read, frame, str(k)) for k, frame in enumerate(read.stack, start=1))


SWING_SHARE = 0.10  # a frame whose total load is under this share of the recording's largest: the foot is in the air
SWING_FRAMES_MIN = 10  # fewer such frames say nothing about a sensel
STUCK_SHARE = 0.5  # a sensel loaded in more than this share of them is stuck or noisy


def _stuck_sensels(stack: NDArray[np.float64]) -> tuple[tuple[int, int], ...]:
    """Sensels that read load while the foot is in the air: in a walking recording the
    frames of the swing phase carry (nearly) no load, so a sensel loaded in most of them
    is stuck or noisy, as a clinic's system would flag it (a real in-shoe export has a
    few such columns). Only a recording with enough swing frames can tell."""
    if len(stack) < SWING_FRAMES_MIN:
        return ()
    with np.errstate(all="ignore"):
        total = np.nansum(np.clip(stack, 0, None), axis=(1, 2))
        swing = stack[total < SWING_SHARE * total.max()]
        if len(swing) < SWING_FRAMES_MIN:
            return ()
        loaded = (swing > 0).mean(axis=0)
    return tuple((int(r), int(c)) for r, c in np.argwhere(loaded > STUCK_SHARE))


_FORMAT_NAMES = {"csv": "CSV grid", "tekscan": "Tekscan ASCII", "emed": "emed listing",
                 "plate-table": "sensor-numbered plate export"}


def _format_of(path: Path, text: str) -> str:
    head = text[:20000]
    if re.search(r"^\s*ASCII_DATA\b", head, re.M) or (re.search(r"^\s*ROWS\s+\d", head, re.M)
                                                        and re.search(r"^\s*COLS\s+\d", head, re.M)):
        return "tekscan"
    if re.search(r"Pict-No\.|Sensor size\s*:", head) and re.search(r"^\s*Page\s+\d", head, re.M):
        return "emed"
    if is_sensor_table(text):
        return "plate-table"
    if path.suffix.lower() in (".asf", ".lst"):
        lacking = ("Tekscan ROWS / COLS header" if path.suffix.lower() == ".asf"
                   else "emed page heads (Page, Sensor size, Pict-No.)")
        raise InputFileError(f"a {path.suffix} file without the {lacking}: is it the ASCII export?")
    return "csv"


def _unit_key(name: str) -> str:
    key = name.strip().lower().replace(" ", "").replace("²", "2")
    if key not in KPA_PER_UNIT:
        raise InputFileError(f"unknown pressure unit {name!r} (allowed: kPa, N/cm2, psi, mmHg)")
    return key


def _number(text: str) -> float:
    """One cell: a number, or NaN for a cell with no sensor (B, empty, NaN)."""
    text = text.strip()
    if text in ("", "B", "b", "-", "NaN", "nan", "NA"):
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise InputFileError(f"a cell reads {text[:40]!r}, not a number (allowed: numbers, or B / empty for no "
                             "sensor)") from None


def _rows(lines: list[str], split: str) -> NDArray[np.float64]:
    cells = [re.split(split, line.strip()) for line in lines]
    width = max(len(c) for c in cells)
    try:
        out = np.array([[_number(v) for v in c] + [np.nan] * (width - len(c)) for c in cells], dtype=float)
    except ValueError as exc:
        bad = str(exc).split(":")[-1].strip()
        raise InputFileError(f"a cell reads {bad}, not a number (allowed: numbers, or B / empty for no sensor)") from None
    return out


def _length_mm(value: str, what: str) -> float:
    match = re.match(r"\s*([0-9.]+)\s*([A-Za-z]*)", value)
    if not match:
        raise InputFileError(f"{what} reads {value.strip()!r}: expected a number and a unit, e.g. 5.08 mm")
    unit = (match.group(2) or "mm").lower()
    if unit not in MM_PER_LENGTH_UNIT:
        raise InputFileError(f"{what} is in {match.group(2)!r} (allowed: mm, cm, in)")
    pitch = float(match.group(1)) * MM_PER_LENGTH_UNIT[unit]
    if not 0.5 <= pitch <= 50:
        raise InputFileError(f"{what} = {pitch:g} mm: a sensor pitch is 0.5 to 50 mm")
    return pitch


def _tekscan(text: str) -> tuple[list[NDArray[np.float64]], tuple[float | None, float | None], str | None,
                                 tuple[str, ...]]:
    header: dict[str, str] = {}
    lines = text.splitlines()
    start = 0
    for start, line in enumerate(lines):  # noqa: B007 (where it stops is where the frames start)
        if line.strip().startswith("Frame"):
            break
        parts = line.strip().split(None, 1)
        if parts:
            header[parts[0].upper()] = parts[1] if len(parts) > 1 else ""
    try:
        rows, cols = int(header["ROWS"]), int(header["COLS"])
    except (KeyError, ValueError):
        raise InputFileError("the Tekscan header lacks ROWS and COLS") from None
    pitch = tuple(_length_mm(header[k], k) if k in header else None for k in ("ROW_SPACING", "COL_SPACING"))
    units = None
    if "UNITS" in header:
        name = header["UNITS"].strip()
        if name.lower() in ("raw", "digital", ""):
            units = None  # raw sensor counts: pressure.units must say (after a calibration)
        else:
            units = _unit_key(name)
    mirrored = tuple(k for k in ("MIRROR_ROW", "MIRROR_COL") if header.get(k, "0").strip() not in ("0", ""))
    # Research exports wrap the frames in a delimiter the header names ("ASCII_DATA @@"),
    # closing them with a line of it alone: the data ends there.
    delimiter = header.get("ASCII_DATA", "").strip()
    frames = []
    block: list[str] = []
    for line in lines[start:] + ["Frame end"]:
        stripped = line.strip()
        if stripped.startswith("Frame") or (delimiter and stripped == delimiter):
            if block:
                frames.append(_frame(block, ",", rows, cols))
            block = []
            if delimiter and stripped == delimiter:
                break
        elif stripped:
            block.append(line)
    return frames, pitch, units, mirrored  # type: ignore[return-value]


def _frame(block: list[str], split: str, rows: int, cols: int) -> NDArray[np.float64]:
    grid = _rows(block, split)
    if grid.shape != (rows, cols):
        raise InputFileError(f"a frame has {grid.shape[0]} rows of up to {grid.shape[1]} values but the header "
                             f"says ROWS {rows}, COLS {cols}")
    return grid


def _emed(text: str) -> tuple[list[NDArray[np.float64]], tuple[float | None, float | None], str | None]:
    size = re.search(r"Sensor size\s*:\s*([0-9.]+)\s*x\s*([0-9.]+)\s*(mm|cm)", text)
    pitch: tuple[float | None, float | None] = (None, None)
    if size:
        scale = MM_PER_LENGTH_UNIT[size.group(3)]
        # width x length of a sensor: across the columns, along the rows (emed's are square)
        pitch = (float(size.group(2)) * scale, float(size.group(1)) * scale)
    pictures: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]] = []
    summaries: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]] = []
    for page in re.split(r"^\s*Page\s+\d+\s*$", text, flags=re.M)[1:]:
        lines = page.splitlines()
        which = next((line for line in lines if "Pict-No." in line or "MPP" in line or "MVP" in line), "")
        table = [line for line in lines if re.match(r"^(\s*\t\s*\d|\d+\t)", line)]
        if table:
            (pictures if "Pict-No." in which else summaries).append(_emed_table(table))
    pieces = pictures or summaries  # the summary pictures only when there is nothing else
    if not pieces:
        return [], pitch, "kpa"
    # Each page lists the window of sensors it needs: put them all on one grid.
    r0 = min(r.min() for r, _, _ in pieces)
    r1 = max(r.max() for r, _, _ in pieces)
    c0 = min(c.min() for _, c, _ in pieces)
    c1 = max(c.max() for _, c, _ in pieces)
    frames = []
    for rows, cols, values in pieces:
        grid = np.zeros((r1 - r0 + 1, c1 - c0 + 1))
        grid[np.ix_(rows - r0, cols - c0)] = values
        frames.append(grid)
    return frames, pitch, "kpa"


def _emed_table(table: list[str]) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(row numbers, column numbers, kPa) of one page's table, its Force sums left out."""
    head = table[0].split("\t")
    columns = [int(v) for v in head[1:] if v.strip().isdigit()]
    rows, values = [], []
    for line in table[1:]:
        cells = line.split("\t")
        if not cells[0].strip().isdigit():  # a second header, or a row without its number
            raise InputFileError(f"an emed page's table row {line.strip()[:40]!r} does not start with its row number")
        rows.append(int(cells[0]))
        numbers = [_number(v) for v in cells[1:1 + len(columns)]]
        values.append(numbers + [np.nan] * (len(columns) - len(numbers)))
    if not rows or not columns:
        raise InputFileError("an emed page has no numbered rows and columns")
    if len(set(rows)) != len(rows) or len(set(columns)) != len(columns):
        raise InputFileError("an emed page numbers a row or column twice")
    # an empty cell in a listing is no load
    return np.array(rows), np.array(columns), np.nan_to_num(np.array(values, dtype=float), nan=0.0)


def _plain(text: str) -> tuple[list[NDArray[np.float64]], tuple[float | None, float | None], str | None]:
    # A grid split by semicolons or tabs with commas inside its cells writes decimal
    # commas (European exports): the commas are decimal points.
    data = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if any(";" in line or "\t" in line for line in data[:50]) and any(
            re.search(r"\d,\d", cell) for line in data[:50] for cell in re.split(r"[;\t]", line)):
        text = "\n".join(line if line.lstrip().startswith("#") else line.replace(",", ".")
                          for line in text.splitlines())
    units = None
    pitch: tuple[float | None, float | None] = (None, None)
    frames: list[NDArray[np.float64]] = []
    block: list[str] = []
    for line in text.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith("#"):
            said = re.match(r"#\s*(units|pitch_mm)\s*[:=]\s*(.+)", stripped, re.I)
            if said and said.group(1).lower() == "units":
                units = _unit_key(said.group(2))
            elif said:
                values = re.split(r"[,;\s]+", said.group(2).strip())
                if len(values) != 2:
                    raise InputFileError(f"'# pitch_mm: {said.group(2)}' must give two values: between rows, "
                                         "between columns (mm)")
                pitch = (_length_mm(values[0], "pitch_mm"), _length_mm(values[1], "pitch_mm"))
            continue
        if not stripped or re.match(r"frame\b", stripped, re.I):
            if block:
                frames.append(_rows(block, r"\s*[,;\t]\s*|\s+"))
            block = []
            continue
        block.append(line)
    return frames, pitch, units
