"""Reading a slicer's G-code back move by move, to prove a print file by what the printer
will do (issue 29): every move on the bed, the extrusion per millimetre of line against
what the line width, layer height and filament diameter call for, the layers, the
temperatures and the fan asked.

The expected extrusion per millimetre is each slicer's own flow model:
- PrusaSlicer: a line is a rectangle with semicircular ends, cross-section
  h (w - h) + pi h^2 / 4 (Slic3r's Flow::mm3_per_mm for a non-bridge extrusion);
- CuraEngine: a rectangle, w h.
Divided by the filament's cross-section pi d^2 / 4 it is millimetres of filament per
millimetre of line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

WORD = re.compile(r"([XYZEFS])(-?\d*\.?\d+)")


@dataclass
class Program:
    """Every move of a G-code file: start and end (x, y, z), filament pushed (mm, never
    negative for an extrusion), the feature type the slicer tagged it with; and the
    temperature, fan and config lines."""

    start: np.ndarray  # (N, 3)
    end: np.ndarray  # (N, 3)
    extruded: np.ndarray  # (N,) mm of filament, > 0 for a printing move
    kind: list[str]
    width: np.ndarray  # (N,) the line width the slicer says it laid (PrusaSlicer's ;WIDTH:), NaN if not said
    commands: list[tuple[str, float]] = field(default_factory=list)  # ("M104", 230.0), ("M106", 102.0) ...
    config: dict[str, str] = field(default_factory=dict)

    @property
    def printing(self) -> np.ndarray:
        """Moves that lay down plastic: filament pushed while moving in the plane."""
        length = np.hypot(*(self.end[:, :2] - self.start[:, :2]).T)
        return (self.extruded > 0) & (length > 1e-6)

    def layers(self) -> np.ndarray:
        """The heights at which plastic is laid (sorted)."""
        return np.unique(np.round(self.end[self.printing, 2], 4))


def read_program(path) -> Program:
    x = y = z = e = 0.0
    relative_e = False
    kind = ""
    width = float("nan")
    starts, ends, amounts, kinds, widths = [], [], [], [], []
    commands: list[tuple[str, float]] = []
    config: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith(";"):
                if line.startswith(";TYPE:"):
                    kind = line[6:].strip()
                elif line.startswith(";WIDTH:"):
                    width = float(line[7:])
                elif " = " in line:
                    key, _, value = line[1:].partition(" = ")
                    config[key.strip()] = value.strip()
                continue
            code = line.split(";", 1)[0].strip()
            if not code:
                continue
            head = code.split()[0]
            if head == "M83":
                relative_e = True
            elif head == "M82":
                relative_e = False
            elif head in ("M104", "M109", "M140", "M190", "M106"):
                values = dict(WORD.findall(code))
                commands.append((head, float(values.get("S", "nan"))))
            elif head == "M107":
                commands.append(("M106", 0.0))
            elif head == "G92":
                values = dict(WORD.findall(code))
                if "E" in values:
                    e = float(values["E"])
            elif head in ("G0", "G1"):
                values = {k: float(v) for k, v in WORD.findall(code)}
                nx, ny, nz = values.get("X", x), values.get("Y", y), values.get("Z", z)
                de = 0.0
                if "E" in values:
                    de = values["E"] if relative_e else values["E"] - e
                    e = e + de if relative_e else values["E"]
                starts.append((x, y, z))
                ends.append((nx, ny, nz))
                amounts.append(de)
                kinds.append(kind)
                widths.append(width)
                x, y, z = nx, ny, nz
    return Program(np.array(starts).reshape(-1, 3), np.array(ends).reshape(-1, 3), np.array(amounts), kinds,
                   np.array(widths), commands, config)


def outside_bed(program: Program, bed_mm: tuple[float, float], *, after_start: bool = True) -> np.ndarray:
    """The end points of moves that leave the bed (x or y outside 0..width, 0..depth).
    ``after_start``: from the first printing move on (a start G-code may park the head
    off the bed, which is the printer's own business)."""
    ends = program.end
    if after_start and program.printing.any():
        ends = ends[int(np.argmax(program.printing)):]
    w, d = bed_mm
    bad = (ends[:, 0] < 0) | (ends[:, 0] > w) | (ends[:, 1] < 0) | (ends[:, 1] > d)
    return ends[bad]


def chosen_moves(program: Program, kinds: set[str], above_z: float) -> np.ndarray:
    """Printing moves of these feature types above ``above_z`` (past the first layer,
    which slicers squash on purpose), 2 mm long or more (short ones carry the slicer's
    rounding of the extrusion to 5 decimals)."""
    length = np.hypot(*(program.end[:, :2] - program.start[:, :2]).T)
    chosen = program.printing & (length >= 2.0) & (program.end[:, 2] > above_z) & np.isin(program.kind, list(kinds))
    if not chosen.any():
        raise AssertionError(f"no printing moves of {sorted(kinds)} above z = {above_z}")
    return chosen


def filament_per_mm(program: Program, chosen: np.ndarray) -> np.ndarray:
    """Filament (mm) per mm of line of each chosen move."""
    length = np.hypot(*(program.end[chosen, :2] - program.start[chosen, :2]).T)
    return program.extruded[chosen] / length


def prusa_filament_per_mm(width_mm: float, layer_mm: float, filament_mm: float) -> float:
    area = layer_mm * (width_mm - layer_mm) + math.pi * layer_mm**2 / 4
    return area / (math.pi * filament_mm**2 / 4)


def cura_filament_per_mm(width_mm: float, layer_mm: float, filament_mm: float) -> float:
    return width_mm * layer_mm / (math.pi * filament_mm**2 / 4)


def asked(program: Program, code: str) -> list[float]:
    """The values one command set (M104 / M109 nozzle, M140 / M190 bed, M106 fan 0-255)."""
    return [value for head, value in program.commands if head == code]
