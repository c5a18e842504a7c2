"""Facts about printing that every stage holds parts to (docs/clinical.md), and the
recommended print settings for TPU insoles in one place: the exports write them into the
files and recipes (insolegen.exports.print_settings), the firmness model reads the
layers' thicknesses from them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PRINTABLE_MIN_MM", "TPU", "PrintSettings"]

# The thinnest section a nozzle lays down reliably: three 0.4 mm lines or layers.
PRINTABLE_MIN_MM = 1.2


@dataclass(frozen=True)
class PrintSettings:
    """One recommended value per setting, and the range it was picked from."""

    material: str = "TPU 95A (85A-95A)"
    layer_height_mm: float = 0.2
    first_layer_height_mm: float = 0.2
    walls: int = 2  # 2-3
    top_layers: int = 4  # 3-4
    bottom_layers: int = 3  # 2-3
    speed_mm_s: float = 25.0  # 20-30: TPU buckles in the extruder when pushed fast
    nozzle_c: float = 230.0  # 220-235
    bed_c: float = 50.0  # 40-60
    fan_pct: float = 40.0  # 30-50
    retraction_mm: float = 0.8  # 0.5-1 with a direct drive; off (0) for a Bowden tube

    def rows(self) -> list[tuple[str, str, str]]:
        """(setting, recommended value, where it is set) for the report (the material
        is its heading)."""
        in_3mf, recipe = "both 3MF files", "the slicer (command below)"
        return [
            ("layer height", f"{self.layer_height_mm:g} mm", in_3mf),
            ("first layer height", f"{self.first_layer_height_mm:g} mm", recipe),
            ("walls, top / bottom layers", f"{self.walls}, {self.top_layers} / {self.bottom_layers} (2-3, 3-4 / 2-3)",
             in_3mf),
            ("infill", "per zone, as above (non-adaptive)", in_3mf),
            ("print speed", f"{self.speed_mm_s:g} mm/s (20-30)", in_3mf),
            ("supports", "none: the bottom is flat", in_3mf),
            ("nozzle / bed", f"{self.nozzle_c:g} / {self.bed_c:g} \u00b0C (220-235 / 40-60 \u00b0C)", recipe),
            ("part fan", f"{self.fan_pct:g} % (30-50 %)", recipe),
            ("retraction", f"{self.retraction_mm:g} mm direct drive (0.5-1), off for Bowden", recipe),
        ]


TPU = PrintSettings()
