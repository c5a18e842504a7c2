"""The recommended print settings for TPU insoles (docs/clinical.md: TPU 95A), in one place.

Three readers: the 3MF writers put the slicer-side settings on the object, the report
lists every setting, and the command-line recipes (PrusaSlicer, CuraEngine) pass what a
file cannot carry.

What goes into the 3MF: settings of the object (layer height, walls, top and bottom
layers, speeds, no supports). PrusaSlicer keeps object settings whether the file is
opened as a project or imported as geometry, and its command line slices with them
(checked by slicing: the layers come out 0.2 mm apart). Temperatures, fan, retraction
and the first layer's height belong to the filament, printer and print presets, which
PrusaSlicer reads only from a project config (``Metadata/Slic3r_PE.config``), and a
partial one is filled in from the *default* presets on opening
(``PresetCollection::load_external_preset``), replacing the user's printer (bed, start
G-code): so those stay out of the file, and the report and recipes give them.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path

from insolegen.core import exact
from insolegen.core.printing import TPU, PrintSettings

__all__ = [
    "CURA_LINE_WIDTH_MM",
    "LATTICE_SLICE_RESOLUTION_MM",
    "SKIRT_GAP_MM",
    "TPU",
    "PrintSettings",
    "bed_shape",
    "cura_command",
    "orca_object_settings",
    "prusa_command",
    "prusa_object_settings",
    "shell_line", "shell_lines",
]

CURA_LINE_WIDTH_MM = 0.4  # fdmprinter's default line width (its nozzle 0.4 mm)
SKIRT_GAP_MM = 3.0  # the skirt's distance from the part, inside placement.BED_MARGIN_MM
# A lattice part is sliced with PrusaSlicer's "slice resolution" at this (mm): each
# layer's outlines simplified to within it before the perimeters are made. The marching
# grid leaves outlines of many short segments (0.2 mm on average on the example pair),
# and making perimeters is what takes the time: the lattice pair's parts slice in 424-442 s
# at full resolution, 193-200 s at 0.05 mm (BENCHMARKS.md, 2026-12-07 (evening)). 0.05 mm is
# the lattice surface's own tolerance (issue 31), an eighth of a line's width. A setting of
# the print preset, not of an object: the 3MF cannot carry it (checked: an object key
# "resolution" changes nothing), so the command line and the README give it.
LATTICE_SLICE_RESOLUTION_MM = 0.05




def prusa_object_settings(settings: PrintSettings = TPU, supports: bool = False) -> dict[str, str]:
    """PrusaSlicer object keys (``Slic3r_PE_model.config``, ``type="object"``). Supports
    only for an underside that follows a shoe's footbed (it stands on its ball)."""
    speed = f"{settings.speed_mm_s:g}"
    return {
        "layer_height": f"{settings.layer_height_mm:g}",
        "perimeters": str(settings.walls),
        "top_solid_layers": str(settings.top_layers),
        "bottom_solid_layers": str(settings.bottom_layers),
        **dict.fromkeys(("perimeter_speed", "external_perimeter_speed", "small_perimeter_speed", "infill_speed",
                         "solid_infill_speed", "top_solid_infill_speed", "gap_fill_speed", "bridge_speed"), speed),
        "support_material": "1" if supports else "0",
    }


def orca_object_settings(settings: PrintSettings = TPU, supports: bool = False) -> dict[str, str]:
    """OrcaSlicer / Bambu Studio object keys (``model_settings.config``): the same
    settings under Orca's names (read from Orca's source; no Orca binary to slice with)."""
    speed = f"{settings.speed_mm_s:g}"
    return {
        "layer_height": f"{settings.layer_height_mm:g}",
        "wall_loops": str(settings.walls),
        "top_shell_layers": str(settings.top_layers),
        "bottom_shell_layers": str(settings.bottom_layers),
        **dict.fromkeys(("outer_wall_speed", "inner_wall_speed", "sparse_infill_speed", "internal_solid_infill_speed",
                         "top_surface_speed", "gap_infill_speed", "bridge_speed"), speed),
        "enable_support": "1" if supports else "0",
    }


def bed_shape(bed_mm: tuple[float, float]) -> str:
    """PrusaSlicer's ``--bed-shape`` for a rectangular bed with its origin at a corner."""
    w, d = bed_mm
    return f"0x0,{w:g}x0,{w:g}x{d:g},0x{d:g}"


def prusa_command(threemf: str | Path, bed_mm: tuple[float, float], gcode: str | Path | None = None,
                  settings: PrintSettings = TPU, supports: bool = False, lattice: bool = False) -> list[str]:
    """Slice a PrusaSlicer 3MF on the command line with the settings it cannot carry.
    The bed must be the one the file was placed on: PrusaSlicer's command line does not
    re-arrange a 3MF. ``gcode``: where it goes (None: beside the 3MF, its name ending
    .gcode). ``supports``: the 3MF asks for them (a shoe underside): their first
    layer is not spread 3 mm wider (PrusaSlicer's default), which put the skirt around
    them 1.3 mm off the bed. ``lattice``: a lattice part, its outlines simplified to
    LATTICE_SLICE_RESOLUTION_MM."""
    spread = ["--raft-first-layer-expansion", "0"] if supports else []
    detail = ["--resolution", f"{LATTICE_SLICE_RESOLUTION_MM:g}"] if lattice else []
    if gcode is None:
        gcode = str(threemf).removesuffix(".3mf") + ".gcode"
    return [
        "prusa-slicer", "--export-gcode", str(threemf), "--bed-shape", bed_shape(bed_mm),
        "--first-layer-height", f"{settings.first_layer_height_mm:g}",
        "--temperature", f"{settings.nozzle_c:g}", "--first-layer-temperature", f"{settings.nozzle_c:g}",
        "--bed-temperature", f"{settings.bed_c:g}", "--first-layer-bed-temperature", f"{settings.bed_c:g}",
        # the fan on at one speed from the second layer, bridges too (PrusaSlicer's
        # default runs it only on short layers, and at 100 % over bridges)
        "--fan-always-on", "--min-fan-speed", f"{settings.fan_pct:g}", "--max-fan-speed", f"{settings.fan_pct:g}",
        "--bridge-fan-speed", f"{settings.fan_pct:g}",
        "--retract-length", f"{settings.retraction_mm:g}", "--filament-type", "FLEX",
        # one skirt loop 3 mm out: it stays inside the bed margin the 3MF was placed
        # with (placement.BED_MARGIN_MM); PrusaSlicer's default 6 mm ran off the bed
        "--skirts", "1", "--skirt-distance", f"{SKIRT_GAP_MM:g}", *spread, *detail,
        "-o", str(gcode),
    ]


def cura_command(stl: str | Path, bed_mm: tuple[float, float], gcode: str | Path, infill_pct: float,
                 rotation_deg: float = 0.0, definitions: str = "$CURA/definitions/fdmprinter.def.json",
                 settings: PrintSettings = TPU) -> list[str]:
    """Slice the STL with CuraEngine at one infill density. CuraEngine does not work out
    Cura's formulas, so every derived setting is given itself (infill line distance from
    the density, each speed, each temperature). ``rotation_deg``: the turn about the
    vertical that fits the part on the bed (the PrusaSlicer 3MF's placement for the same
    bed, in build.json): CuraEngine centres the STL but never turns it, and a foot longer
    than the bed ran off it. ``definitions``: Cura's fdmprinter definition (shipped with
    Cura, not with CuraEngine)."""
    values = {
        "machine_width": f"{bed_mm[0]:g}", "machine_depth": f"{bed_mm[1]:g}", "center_object": "true",
        "layer_height": f"{settings.layer_height_mm:g}", "layer_height_0": f"{settings.first_layer_height_mm:g}",
        "wall_line_count": str(settings.walls), "top_layers": str(settings.top_layers),
        "bottom_layers": str(settings.bottom_layers), "infill_pattern": "gyroid",
        "infill_sparse_density": f"{infill_pct:g}",
        # gyroid: one line per distance (Cura's multiplier 1)
        "infill_line_distance": f"{CURA_LINE_WIDTH_MM * 100 / infill_pct:.4g}",
        **dict.fromkeys(("speed_print", "speed_infill", "speed_wall", "speed_wall_0", "speed_wall_x", "speed_topbottom"),
                        f"{settings.speed_mm_s:g}"),
        "material_print_temperature": f"{settings.nozzle_c:g}",
        "material_print_temperature_layer_0": f"{settings.nozzle_c:g}",
        "material_initial_print_temperature": f"{settings.nozzle_c:g}",
        "material_final_print_temperature": f"{settings.nozzle_c:g}",
        "material_bed_temperature": f"{settings.bed_c:g}", "material_bed_temperature_layer_0": f"{settings.bed_c:g}",
        "cool_fan_speed": f"{settings.fan_pct:g}", "cool_fan_speed_min": f"{settings.fan_pct:g}",
        "cool_fan_speed_max": f"{settings.fan_pct:g}", "retraction_amount": f"{settings.retraction_mm:g}",
        "support_enable": "false",
        # one skirt loop 3 mm out, inside the bed margin (fdmprinter's default is a brim)
        "adhesion_type": "skirt", "skirt_line_count": "1", "skirt_gap": f"{SKIRT_GAP_MM:g}",
        # fdmprinter's own default is an unheated bed
        "machine_heated_bed": "true",
    }
    command = ["CuraEngine", "slice", "-j", definitions]
    for key, value in values.items():
        command += ["-s", f"{key}={value}"]
    # The filament's diameter is the extruder's: given globally, the extruder's own
    # definition sets 2.85 mm back and the G-code pushes 37 % of the plastic needed.
    command += ["-e0", "-s", "material_diameter=1.75"]
    if rotation_deg:
        c, s = exact.cos_sin(math.radians(rotation_deg))
        matrix = f"[[{c:.6f},{-s:.6f},0],[{s:.6f},{c:.6f},0],[0,0,1]]".replace("-0.000000", "0.000000")
        command += ["-s", f"mesh_rotation_matrix={matrix}"]
    return command + ["-l", str(stl), "-o", str(gcode)]


def shell_line(command: list[str]) -> str:
    """A command as one line to paste into a POSIX shell (``$CURA`` left to expand)."""
    return " ".join(f'"{part}"' if part.startswith("$CURA/") else shlex.quote(part) for part in command)


def shell_lines(command: list[str], width: int = 110) -> str:
    """A command over a few lines of at most ``width`` characters (an option is never
    parted from its value), each but the last ending in " \\": pasted into a POSIX
    shell it is the same command, and it prints at a page's width unbroken (a PDF reader
    copies what it shows)."""
    parts = [f'"{part}"' if part.startswith("$CURA/") else shlex.quote(part) for part in command]
    words: list[str] = []
    for part in parts:  # an option with its value, or the program with its first argument
        if words and not part.startswith("-") and (len(words) > 1 or " " not in words[0]):
            words[-1] += " " + part
        else:
            words.append(part)
    lines = [words[0]]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) + 2 <= width:
            lines[-1] += " " + word
        else:
            lines.append("    " + word)
    return " \\\n".join(lines)
