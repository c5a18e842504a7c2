"""Print time and filament, as PrusaSlicer estimates them (`insolegen build --estimate`):
the PrusaSlicer 3MF sliced by the same command the report prints, its G-code's own
estimate read back. Needs prusa-slicer on the PATH; slicing takes tens of seconds a side,
so it is asked for, never done by default."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from insolegen.exports.print_settings import prusa_command

__all__ = ["FILAMENT_DIAMETER_MM", "TPU_DENSITY_G_CM3", "EstimateError", "PrintEstimate", "parse_estimate",
           "prusa_estimate"]

FILAMENT_DIAMETER_MM = 1.75
TPU_DENSITY_G_CM3 = 1.21  # TPU 95A filament data sheets give 1.20-1.22
SLICE_TIMEOUT_S = 1800


class EstimateError(RuntimeError):
    """No estimate: no slicer, or it failed (the message says which)."""


@dataclass(frozen=True)
class PrintEstimate:
    """PrusaSlicer's estimate for one part: time (s, normal mode) and filament (mm of
    1.75 mm filament, and its weight in TPU)."""

    seconds: float
    filament_mm: float

    @property
    def filament_g(self) -> float:
        return self.filament_mm * math.pi * (FILAMENT_DIAMETER_MM / 2) ** 2 * TPU_DENSITY_G_CM3 / 1000

    def as_dict(self) -> dict[str, object]:
        return {"slicer": "PrusaSlicer", "time_s": round(self.seconds), "filament_mm": round(self.filament_mm, 1),
                "filament_g": round(self.filament_g, 1)}

    def text(self) -> str:
        """'2 h 13 min, 9.8 m of filament (29 g of TPU)'."""
        minutes = round(self.seconds / 60)
        time = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
        return f"{time}, {self.filament_mm / 1000:.1f} m of filament ({self.filament_g:.0f} g of TPU)"


_TIME = re.compile(r"^; estimated printing time \(normal mode\) = (.+)$", re.M)
_FILAMENT = re.compile(r"^; filament used \[mm\] = ([0-9.]+)", re.M)


def parse_estimate(gcode: str) -> PrintEstimate:
    """The estimate PrusaSlicer writes at the end of its G-code."""
    time, filament = _TIME.search(gcode), _FILAMENT.search(gcode)
    if time is None or filament is None:
        raise EstimateError("PrusaSlicer's G-code carries no estimate (an older PrusaSlicer?)")
    seconds = 0.0
    for value, unit in re.findall(r"(\d+)([dhms])", time.group(1)):
        seconds += int(value) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
    return PrintEstimate(seconds=seconds, filament_mm=float(filament.group(1)))


def prusa_estimate(threemf: bytes, bed_mm: tuple[float, float], supports: bool = False) -> PrintEstimate:
    """Slice a PrusaSlicer 3MF (bytes) with the report's command and read its estimate."""
    program = shutil.which("prusa-slicer")
    if program is None:
        raise EstimateError("prusa-slicer is not installed (it is what estimates)")
    with tempfile.TemporaryDirectory(prefix="insolegen-estimate-") as folder:
        model, gcode = Path(folder) / "part.3mf", Path(folder) / "part.gcode"
        model.write_bytes(threemf)
        command = [program, *prusa_command(model, bed_mm, gcode, supports=supports)[1:]]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=SLICE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise EstimateError(f"PrusaSlicer took over {SLICE_TIMEOUT_S} s to slice it") from None
        if run.returncode != 0 or not gcode.exists():
            last = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no message"]
            raise EstimateError(f"PrusaSlicer could not slice it: {last[0][:200]}")
        return parse_estimate(gcode.read_text(encoding="utf-8", errors="replace"))
