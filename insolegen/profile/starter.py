"""The commented starter profile written by ``insolegen new``."""

from __future__ import annotations

import json

from insolegen.core.paths import shown
from insolegen.profile import defaults
from insolegen.profile.names import file_stem
from insolegen.profile.schema import PATTERNS, RANGES
from insolegen.profile.sizes import SizeError, parse_size, size_length_problem
from insolegen.profile.zonecheck import LIFT_ZONE_LIMIT_PCT

__all__ = ["TEMPLATE", "starter_profile", "toml_string"]

TEMPLATE = """\
# insolegen profile. Millimetres and degrees. Every key but the size is optional.
# Build it with:  insolegen build {path}

# The patient's name as you write it, in any script: shown in the report. The files
# are named by a plain form of it (with the id, when given): {stem}-left.stl
name = {name}
side = "both"            # left | right | both

# The patient's record, shown in the report and build.json. Every key is optional.
[patient]
{id_line}
# date_of_birth = "1961-04-02"
# clinician = "R. Okafor, CPO"
# diagnosis = "LLD 9 mm, right short; plantar fasciitis"
# shoe = "walking shoe, removable insole, US W 8"
# notes = "first pair; review in 6 weeks"

[foot]                   # give size, or length_mm, or both (length_mm wins)
size = "{size}"          # "EU 42", "EU W 39", "US M 9", "US W 10.5", "UK 8", "MP 265"
# length_mm = {length:.0f}        # measured foot length, heel to longest toe
# ball_width_mm = {ball:.0f}      # default 0.38 x foot length
# heel_width_mm = {heel:.0f}       # default 0.27 x foot length, measured 0.16 x length from the heel

[shape]
length = "full"          # full | sulcus (to the toe bases) | three-quarter (behind the ball)
thickness_mm = {thickness:g}         # base under the forefoot ({thin_lo:g}-{thin_hi:g})
# heel_thickness_mm = {thickness:g}  # base under the heel; default = thickness_mm
heel_cup_depth_mm = {cup:g}   # rim height above the heel seat (warn above 18)
arch_height_mm = {arch:g}      # medial arch support above the base (0-35, typical 0-25)
arch_apex_pct = {apex:g}       # apex, % of foot length from the heel (usual 38-50)
met_pad_height_mm = 0    # metatarsal pad, 0 = none (usual 3-6)
rearfoot_post_deg = 0    # + varus (medial side higher), - valgus (usual up to 8)
forefoot_post_deg = 0

# A leg-length-discrepancy lift on the shorter leg's side. Uncomment to use.
# [lift]
# side = "left"          # the shorter leg
# heel_mm = 6            # extra height under the heel centre
# forefoot_mm = 0        # extra at the metatarsal heads; 0 = wedge ending there
# measured_lld_mm = 10   # the measured discrepancy, for the correction warnings

# A prescription's modifications (all off by default; README, "Modifications"), e.g.:
# [modifications]
# navicular_pad_mm = 4      # (a heel skive also needs heel_cup_depth_mm >= 14)
# met_bar_mm = 3            # (reliefs: mth_relief_mm = [0, 1.5, 0, 0, 0], with a met pad or bar)
# top_cover_mm = 1.2         # a layer added on top, as its own zone

# The shoe it goes in. Uncomment to use.
# [shoe]
# heel_pitch_mm = 12     # the footbed's heel above the ball
# toe_spring_mm = 8      # the toe tip above the ball
# heel_depth_mm = 35     # room inside the heel counter (warns under 15 mm left)
# bottom = "flat"        # or "shoe": the underside follows the footbed (print with supports)

# A plantar pressure map (docs/pressure.md). Uncomment to use; for a pair, one map a foot
# under [left.pressure] and [right.pressure].
# [pressure]
# file = "walk.asf"             # .csv grid, Tekscan ASCII .asf or emed listing .lst
# relief_above_kpa = {relief_kpa:g}       # relieve above this, 0 mm there to 3 mm at twice it
# zones = "pressure"            # bands of infill from the map instead of the zones below
# grading = "offload"           # softest where the pressure is highest ("support": the reverse)

# Firmness: infill percent per zone, written into the 3MF files (defaults shown).
[zones]
pattern = "{pattern}"       # {patterns}
heel = {z_heel:g}
arch = {z_arch:g}
forefoot = {z_forefoot:g}
toes = {z_toes:g}
lift = {z_lift:g}                # a lift's own firmness ({lift_lo:g}-100)

# Firmness as geometry (docs/lattice.md): each side also as <name>-<side>-lattice.stl /
# .3mf, filled with a lattice whose solid fraction follows the zones above (percent
# solid; a 10 mm cell with 0.8 mm walls goes no lower than 28). Needs a base thick enough
# for a lattice (thickness_mm 8 or more). Uncomment to use.
# [lattice]
# enabled = true
# type = "gyroid"        # or "diamond"
# cell_mm = 10
# wall_min_mm = 0.8
# drain_hole_mm = 3      # SLS, MJF or resin: escape holes into the voids (12 mm cells take 3 mm)

# Place the parts on your printer's bed (both 3MF files). Uncomment to use.
# [print]
# printer = "prusa-mk4"  # prusa-mk4, prusa-mini, bambu-x1, bambu-a1, ender-3, voron-350, ...
# bed_mm = [250, 210]    # or a custom bed

# A real foot instead of the size: a tracing (SVG, DXF, CSV), a 3-D scan (STL, OBJ,
# PLY) or a picture (a photo of the foot on paper, JPEG/PNG/HEIC: README, "From a
# picture"), under [foot] or per side under [left] / [right]:
# outline = "tracings/my-foot.svg"
# scan = "scans/my-left-foot.stl"
# image = "photos/my-feet.jpg"

# Per-side overrides of any [foot] or [shape] key:
# [left]
# arch_height_mm = 12
# [right]
"""


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string. JSON's escapes are TOML's for everything a
    name can hold (quotes, backslashes; control characters are refused before)."""
    return json.dumps(text, ensure_ascii=False)


def starter_profile(name: str, size: str, path: str, patient_id: str | None = None) -> str:
    """A commented profile for a foot of the given size (raises SizeError if unreadable,
    StemError when no file name can be made of the name and id)."""
    parsed = parse_size(size)
    length = parsed.foot_length_mm
    why = size_length_problem(parsed)
    if why:
        raise SizeError(why)
    # a child's foot gets them in proportion (defaults.for_foot)
    cup = defaults.for_foot(defaults.HEEL_CUP_WOMENS_MM if parsed.is_womens else defaults.HEEL_CUP_MM, length)
    arch = defaults.for_foot(defaults.ARCH_HEIGHT_MM, length)
    # The size is written back in its normal form and the path only as printable text,
    # so neither can end the line and smuggle TOML keys into the profile.
    stem = file_stem(name, patient_id)
    id_line = f"id = {toml_string(patient_id)}" if patient_id is not None else '# id = "P-2291"        ' \
        "# the clinic's id: it becomes part of the file names"
    return TEMPLATE.format(
        name=toml_string(name), stem=stem, id_line=id_line, size=str(parsed), path=shown(path), thickness=defaults.THICKNESS_MM,
        thin_lo=RANGES["thickness_mm"][0], thin_hi=RANGES["thickness_mm"][1], arch=arch,
        apex=defaults.ARCH_APEX_PCT, pattern=defaults.PATTERN, patterns=" | ".join(PATTERNS),
        lift_lo=LIFT_ZONE_LIMIT_PCT, **{f"z_{k}": v for k, v in defaults.ZONE_PCT.items()}, length=length,
        ball=0.38 * length, heel=0.27 * length, cup=cup,
        relief_kpa=defaults.RELIEF_ABOVE_KPA,
    )
