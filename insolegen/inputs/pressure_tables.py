"""Pressure-plate exports that list sensors, not a grid: a first row naming each
column's sensor by its number, counted row by row over the plate from 1; then summary
rows (minimum, maximum, mean: a word in the first cell) and one row per frame (a time
in the first cell). European plates write them with ``;`` between cells and ``,`` as
the decimal mark: a medilogic plate's CSV export (``Sensor-Nummer;2081;2082;...``, then
``Minimum``, ``Maximum``, ``20%-Durchschnitt`` and ``78,340;0;0,09775171;...``) is the
real file this was taken from (tests/data/real/SOURCES.md).

Also the sniffer: for a text export of no layout insolegen knows, what it holds (lines,
cells, the separator and decimal mark, a header, frames, the range of the values and
the unit it suggests), said in the refusal with what to do.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from insolegen.inputs.errors import InputFileError

__all__ = ["MIN_SENSORS", "SensorTable", "describe_text", "is_sensor_table", "read_sensor_table", "split_cells"]

MIN_SENSORS = 8  # a header of fewer sensor numbers is no plate
_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d*,\d+$")  # 12,5 or ,5: a number written with a decimal comma
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?([.,]\d+)?$")  # 00:01:02,340
_PEAK_ROW = re.compile(r"^(max(imum)?|peak|mpp|maximal\w*)$", re.I)


@dataclass(frozen=True)
class SensorTable:
    """Frames on the plate's grid (rows x columns, NaN where the file lists no sensor),
    the plate's width in sensors, the summary rows found, and the peak row when the
    file gives one (for checking the frames against)."""

    frames: list[NDArray[np.float64]]
    plate_columns: int
    first_sensor: tuple[int, int]  # (row, column) of the grid's first cell on the plate, from 0
    summaries: tuple[str, ...]
    peak_row: NDArray[np.float64] | None


def split_cells(line: str, separator: str) -> list[str]:
    return [cell.strip().strip('"') for cell in line.split(separator)]


def _separator(line: str) -> str:
    counts = {s: line.count(s) for s in (";", "\t", ",")}
    return max(counts, key=lambda s: counts[s])


def _decimal_comma(lines: list[str], separator: str) -> bool:
    """A ``,`` inside cells (not between them): the decimal mark."""
    return separator != "," and any(_DECIMAL_COMMA.match(cell) for line in lines[:50]
                                    for cell in split_cells(line, separator))


def _value(cell: str, comma: bool) -> float:
    cell = cell.strip()
    if cell in ("", "-", "B", "NaN", "nan", "NA"):
        return float("nan")
    text = cell.replace(",", ".") if comma else cell
    try:
        return float(text)
    except ValueError:
        raise InputFileError(f"a cell reads {cell[:40]!r}, not a number (allowed: numbers, or empty for no "
                             "sensor)") from None


def is_sensor_table(text: str) -> bool:
    """The first line is a label, then at least MIN_SENSORS rising whole numbers."""
    first = text.lstrip().split("\n", 1)[0]
    cells = split_cells(first, _separator(first))
    numbers = cells[1:]
    return (len(numbers) >= MIN_SENSORS and not _NUMBER.match(cells[0]) and all(c.isdigit() for c in numbers)
            and all(int(a) < int(b) for a, b in itertools.pairwise(numbers)))


def _plate_columns(sensors: NDArray[np.int64], told: int | None) -> int:
    """The plate's width in sensors: told, or found where the file lists a window of the
    plate (runs of sensors, each row's run starting a plate's width after the last)."""
    breaks = np.flatnonzero(np.diff(sensors) != 1)
    starts = sensors[np.r_[0, breaks + 1]]
    if told is not None:
        return told
    if len(starts) >= 3:
        step, count = Counter(np.diff(starts).tolist()).most_common(1)[0]
        lengths = np.diff(np.r_[0, breaks + 1, len(sensors)])
        if count >= 0.9 * (len(starts) - 1) and step > lengths.max():
            return int(step)
    raise InputFileError(
        f"the sensors are numbered {sensors[0]} to {sensors[-1]} ({len(sensors)} of them) in "
        f"{len(starts)} run{'s' if len(starts) != 1 else ''}, which does not show the plate's width: set "
        "pressure.plate_columns to the number of sensors across the plate (sensors counted row by row from 1)")


def read_sensor_table(text: str, plate_columns: int | None = None) -> SensorTable:
    """The frames of a sensor-numbered plate export on the plate's grid."""
    lines = [line for line in text.splitlines() if line.strip()]
    separator = _separator(lines[0])
    comma = _decimal_comma(lines[1:], separator)
    sensors = np.array([int(c) for c in split_cells(lines[0], separator)[1:]], dtype=np.int64)
    if sensors[0] < 1:
        raise InputFileError(f"the first sensor is numbered {sensors[0]}: sensors are counted from 1")
    width = _plate_columns(sensors, plate_columns)
    place = sensors - 1
    rows, cols = place // width, place % width
    r0, c0 = int(rows.min()), int(cols.min())
    shape = (int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1)
    frames, summaries, peak = [], [], None
    for number, line in enumerate(lines[1:], start=2):
        cells = split_cells(line, separator)
        label = cells[0]
        if len(cells) - 1 != len(sensors):
            raise InputFileError(f"line {number} has {len(cells) - 1} values after its label but the first line "
                                 f"numbers {len(sensors)} sensors")
        values = np.array([_value(c, comma) for c in cells[1:]])
        grid = np.full(shape, np.nan)
        grid[rows - r0, cols - c0] = values
        if _NUMBER.match(label) or _TIME.match(label):
            frames.append(grid)
        else:
            summaries.append(label)
            if _PEAK_ROW.match(label):
                peak = grid
    if not frames and peak is not None:
        frames = [peak]  # a file of summaries only: its maximum is the peak map
    return SensorTable(frames, width, (r0, c0), tuple(summaries), peak)


def describe_text(text: str) -> str:
    """What a text export holds, for a refusal: its lines and cells, the separator and
    decimal mark, a first line of labels, how many lines are all numbers, their range
    and the unit that range suggests."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return "an empty file"
    separator = _separator(lines[len(lines) // 2])
    comma = _decimal_comma(lines, separator)
    widths = Counter(len(split_cells(line, separator)) for line in lines)
    cells, _ = widths.most_common(1)[0]
    numeric, values = 0, list[float]()
    for line in lines:
        parts = split_cells(line, separator)
        if parts and all(_NUMBER.match(p) or p == "" for p in parts):
            numeric += 1
            if len(values) < 200_000:
                values += [float(p.replace(",", ".") if comma else p) for p in parts if p]
    name = {";": "semicolons", "\t": "tabs", ",": "commas"}[separator]
    found = [f"{len(lines)} lines, most of {cells} cells split by {name}"]
    if comma:
        found.append("decimal commas")
    labelled = sum(1 for line in lines if not _NUMBER.match(split_cells(line, separator)[0]))
    if labelled:
        found.append(f"{labelled} line{'s' if labelled != 1 else ''} starting with a word "
                     f"(first: {split_cells(lines[0], separator)[0][:30]!r})")
    found.append(f"{numeric} line{'s' if numeric != 1 else ''} of numbers only")
    if values:
        top = max(values)
        guess = "N/cm2" if top < 150 else "kPa" if top < 3000 else "raw counts, not a pressure"
        found.append(f"values {min(values):g} to {top:g} (a plantar peak in that range suggests {guess})")
    return "; ".join(found)
