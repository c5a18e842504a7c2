"""The profile's TOML schema: every key, its type, its allowed range and its default.

Ranges here are hard limits (a value outside is refused). Softer clinical limits, which
warn or need an override key, live in :mod:`insolegen.profile.clinical`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

from insolegen.core.printing import PRINTABLE_MIN_MM
from insolegen.firmness.materials import DEFAULT_MATERIAL
from insolegen.profile import defaults

__all__ = [
    "ADAPTIVE_PATTERNS",
    "FOOT_KEYS",
    "MODIFICATION_KEYS",
    "PATIENT_TEXT_MAX_CHARS",
    "PATTERNS",
    "RANGES",
    "SHAPE_KEYS",
    "CustomZoneTable",
    "FootTable",
    "LatticeTable",
    "LengthKind",
    "LiftSide",
    "LiftTable",
    "ModificationsTable",
    "PatientTable",
    "PressureTable",
    "PrintTable",
    "ProfileDoc",
    "ShapeTable",
    "ShoeTable",
    "SideChoice",
    "SideTable",
    "ZonesTable",
]

# key -> (lowest, highest, unit). One table so that the schema and the error messages
# cannot disagree about what is allowed.
RANGES: dict[str, tuple[float, float, str]] = {
    "length_mm": (120.0, 350.0, "mm"),
    "ball_width_mm": (50.0, 160.0, "mm"),
    "heel_width_mm": (35.0, 120.0, "mm"),
    "thickness_mm": (PRINTABLE_MIN_MM, 20.0, "mm"),
    "heel_thickness_mm": (PRINTABLE_MIN_MM, 25.0, "mm"),
    "heel_cup_depth_mm": (0.0, 30.0, "mm"),
    "arch_height_mm": (0.0, 35.0, "mm"),
    "arch_apex_pct": (35.0, 55.0, "% of foot length"),
    "medial_border_dip_mm": (0.0, 20.0, "mm"),
    "met_pad_height_mm": (0.0, 12.0, "mm"),
    "rearfoot_post_deg": (-15.0, 15.0, "degrees"),
    "forefoot_post_deg": (-15.0, 15.0, "degrees"),
    "heel_mm": (0.0, 30.0, "mm"),
    "forefoot_mm": (0.0, 30.0, "mm"),
    "measured_lld_mm": (0.0, 100.0, "mm"),
    "other_shoe_mm": (0.0, 20.0, "mm"),
    "heel": (0.0, 100.0, "% infill"),
    "arch": (0.0, 100.0, "% infill"),
    "forefoot": (0.0, 100.0, "% infill"),
    "toes": (0.0, 100.0, "% infill"),
    "lift": (0.0, 100.0, "% infill"),
    "top_cover": (0.0, 100.0, "% infill"),
    # firmness targets (insolegen/firmness): a column's kPa per mm of compression
    "heel_kpa_per_mm": (5.0, 20000.0, "kPa/mm"),
    "arch_kpa_per_mm": (5.0, 20000.0, "kPa/mm"),
    "forefoot_kpa_per_mm": (5.0, 20000.0, "kPa/mm"),
    "toes_kpa_per_mm": (5.0, 20000.0, "kPa/mm"),
    "softest_kpa_per_mm": (5.0, 20000.0, "kPa/mm"),
    "firmest_kpa_per_mm": (5.0, 20000.0, "kPa/mm"),
    "top_cover_extruder": (1.0, 16.0, "(extruder number)"),
    "mass_kg": (10.0, 300.0, "kg"),
    "target_peak_kpa": (10.0, 2000.0, "kPa"),
    "target_reduction_pct": (1.0, 90.0, "%"),
    "infill_pct": (0.0, 100.0, "% infill"),
    "scan_smoothing_mm": (0.5, 10.0, "mm"),
    "image_dpi": (50.0, 4800.0, "dpi"),
    # [modifications] (docs/clinical.md, "Modifications")
    "medial_heel_skive_mm": (0.0, 6.0, "mm"),
    "lateral_heel_skive_mm": (0.0, 6.0, "mm"),
    "mortons_extension_mm": (0.0, 6.0, "mm"),
    "reverse_mortons_mm": (0.0, 6.0, "mm"),
    "met_bar_mm": (0.0, 6.0, "mm"),
    "cuboid_pad_mm": (0.0, 6.0, "mm"),
    "navicular_pad_mm": (0.0, 8.0, "mm"),
    "mth_relief_mm": (0.0, 6.0, "mm"),
    "sesamoid_relief_mm": (0.0, 6.0, "mm"),
    "heel_relief_mm": (0.0, 10.0, "mm"),
    "plantar_fascia_groove_mm": (0.0, 4.0, "mm"),
    "medial_flange_mm": (0.0, 15.0, "mm"),
    "lateral_clip_mm": (0.0, 15.0, "mm"),
    "top_cover_mm": (0.0, 6.0, "mm"),
    # [shoe] (docs/clinical.md, "Shoe fit")
    "heel_pitch_mm": (0.0, 40.0, "mm"),
    "toe_spring_mm": (0.0, 25.0, "mm"),
    "heel_depth_mm": (10.0, 80.0, "mm"),
    # [lattice] (docs/lattice.md)
    "cell_mm": (4.0, 30.0, "mm"),
    "wall_min_mm": (0.4, 3.0, "mm"),
    "skin_top_mm": (0.4, 5.0, "mm"),
    "skin_bottom_mm": (0.4, 5.0, "mm"),
    "perimeter_mm": (0.4, 5.0, "mm"),
    "blend_mm": (0.0, 50.0, "mm"),
    "drain_hole_mm": (0.0, 8.0, "mm"),
    # [pressure] (docs/pressure.md)
    "relief_above_kpa": (50.0, 1000.0, "kPa"),
    "bands": (8.0, 20.0, "bands"),
    "softest_pct": (0.0, 100.0, "% infill"),
    "firmest_pct": (0.0, 100.0, "% infill"),
}

# Infill patterns whose density a per-zone modifier really sets. Adaptive patterns
# (adaptivecubic, supportcubic, lightning) ignore density overrides (docs/slicers.md).
PATTERNS = ("gyroid", "rectilinear", "grid", "triangles", "cubic", "honeycomb", "3dhoneycomb")
ADAPTIVE_PATTERNS = ("adaptivecubic", "supportcubic", "lightning", "cubicsubdiv")

LengthKind = Literal["full", "sulcus", "three-quarter"]
SideChoice = Literal["left", "right", "both"]
LiftSide = Literal["left", "right"]


def _range(key: str) -> Any:
    """The pydantic constraint for a number key: its range from RANGES, finite. Used as
    ``Annotated[float, _range(key)]`` (metadata, so type checkers read a float)."""
    lo, hi, _unit = RANGES[key]
    return Field(ge=lo, le=hi, allow_inf_nan=False)


_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class FootTable(BaseModel):
    """[foot]: give size, or length_mm, or both (length_mm wins)."""

    model_config = _STRICT
    size: str | None = None  # "EU 42", "EU W 39", "US M 9", "UK 8", "MP 265"
    length_mm: Annotated[float, _range("length_mm")] | None = None  # foot length, heel to longest toe (wins over size)
    ball_width_mm: Annotated[float, _range("ball_width_mm")] | None = None  # across the metatarsal heads; default 0.38 x length
    heel_width_mm: Annotated[float, _range("heel_width_mm")] | None = None  # at 0.16 x length from the heel; default 0.27 x length
    outline: str | None = None  # SVG, DXF or CSV; relative to the profile
    outline_units: Literal["mm", "cm", "in"] | None = None  # default: the file's own, else mm
    outline_side: Literal["auto", "left", "right"] = "auto"  # which foot the tracing is
    scan: str | None = None  # STL, OBJ or PLY; relative to the profile
    # sole: a plantar-surface scan; impression: a foam box's foot-shaped hollow; insole: an insole's scan, copied
    scan_kind: Literal["auto", "foot", "sole", "impression", "insole"] = "auto"
    scan_units: Literal["auto", "mm", "cm", "m", "in"] = "auto"  # auto: the unit that makes it 150-350 mm long
    scan_side: Literal["auto", "left", "right"] = "auto"
    scan_smoothing_mm: Annotated[float, _range("scan_smoothing_mm")] = defaults.SCAN_SMOOTHING_MM  # Gaussian smoothing of the sole
    image: str | None = None  # a photo of the foot (or tracing, or print) on paper, or a flatbed scan: JPEG, PNG, TIFF, HEIC
    # photo-on-paper: a sheet (or the marker sheet) under the foot; flatbed: a scan at its dpi
    image_kind: Literal["auto", "photo-on-paper", "flatbed"] = "auto"
    image_paper: Literal["auto", "a4", "letter", "a3"] = "auto"  # auto: A4 or Letter by the sheet's shape, or the marker sheet's own
    image_dpi: Annotated[float, _range("image_dpi")] | None = None  # a flatbed scan's resolution, when the file does not say it
    image_side: Literal["auto", "left", "right"] = "auto"  # which foot a single foot in the picture is
    conform: bool | None = None  # default: true with a scan
    allow_unusual_shape: bool = False  # build from a scan whose sole does not look like a foot


class ShapeTable(BaseModel):
    """[shape]: the insole's form. None means "use the default" (resolved later)."""

    model_config = _STRICT
    length: LengthKind | None = None  # full, sulcus (to the toe bases) or three-quarter (to the MTHs)
    thickness_mm: Annotated[float, _range("thickness_mm")] | None = None  # the base under the forefoot
    heel_thickness_mm: Annotated[float, _range("heel_thickness_mm")] | None = None  # the base under the heel (default: thickness_mm)
    heel_cup_depth_mm: Annotated[float, _range("heel_cup_depth_mm")] | None = None  # the cup's rim above the heel seat
    arch_height_mm: Annotated[float, _range("arch_height_mm")] | None = None  # the medial arch above the base, at its apex
    arch_apex_pct: Annotated[float, _range("arch_apex_pct")] | None = None  # where the apex lies, % of foot length from the heel
    medial_border_dip_mm: Annotated[float, _range("medial_border_dip_mm")] | None = None  # lower the medial wall between cup and arch on purpose (0: continuous)
    met_pad_height_mm: Annotated[float, _range("met_pad_height_mm")] | None = None  # a teardrop behind the 2nd and 3rd MTHs
    rearfoot_post_deg: Annotated[float, _range("rearfoot_post_deg")] | None = None  # + medial (varus) post, - lateral
    forefoot_post_deg: Annotated[float, _range("forefoot_post_deg")] | None = None  # + medial (varus) post, - lateral


class LiftTable(BaseModel):
    """[lift]: a leg-length-discrepancy lift on the shorter leg's side."""

    model_config = _STRICT
    side: LiftSide  # the shorter leg's side
    heel_mm: Annotated[float, _range("heel_mm")]  # the lift under the heel
    forefoot_mm: Annotated[float, _range("forefoot_mm")] = 0.0  # under the MTHs and toes (0: a heel wedge)
    measured_lld_mm: Annotated[float, _range("measured_lld_mm")] | None = None  # the measured discrepancy, for the checks
    other_shoe_mm: Annotated[float, _range("other_shoe_mm")] | None = None  # with one side built: what the other shoe holds under the heel (its liner; 0: nothing)
    allow_tall_heel: bool = False  # a total heel over 15 mm
    allow_overcorrection: bool = False  # a lift over the measured discrepancy


class CustomZoneTable(BaseModel):
    """[[zones.custom]]: an extra zone drawn in the right-foot frame (mm), mirrored for
    the left foot; it takes precedence over the standard zones where they overlap."""

    model_config = _STRICT
    name: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")]
    polygon: Annotated[
        list[Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=2, max_length=2)]],
        Field(min_length=3, max_length=500),
    ]
    infill_pct: Annotated[float, _range("infill_pct")]


class ZonesTable(BaseModel):
    """[zones]: infill percent per zone and the one infill pattern for the part."""

    model_config = _STRICT
    pattern: str = defaults.PATTERN  # the slicer's infill pattern, e.g. gyroid
    heel: Annotated[float, _range("heel")] = defaults.ZONE_PCT["heel"]  # infill under the heel
    arch: Annotated[float, _range("arch")] = defaults.ZONE_PCT["arch"]  # infill under the midfoot
    forefoot: Annotated[float, _range("forefoot")] = defaults.ZONE_PCT["forefoot"]  # infill under the MTHs
    toes: Annotated[float, _range("toes")] = defaults.ZONE_PCT["toes"]  # infill under the toes
    lift: Annotated[float, _range("lift")] = defaults.ZONE_PCT["lift"]  # infill of the lift layer (keep 50 % or more)
    top_cover: Annotated[float, _range("top_cover")] = defaults.ZONE_PCT["top_cover"]  # the top cover's infill (modifications.top_cover_mm)
    top_cover_extruder: Annotated[int, Field(ge=1, le=16)] = 1  # the extruder (filament) that prints the top cover
    # firmness asked as a stiffness or a foam instead of a percent: the build picks the
    # gyroid infill that gives it at the zone's height (insolegen.build.stiffness)
    heel_kpa_per_mm: Annotated[float, _range("heel_kpa_per_mm")] | None = None
    arch_kpa_per_mm: Annotated[float, _range("arch_kpa_per_mm")] | None = None
    forefoot_kpa_per_mm: Annotated[float, _range("forefoot_kpa_per_mm")] | None = None
    toes_kpa_per_mm: Annotated[float, _range("toes_kpa_per_mm")] | None = None
    heel_foam: str | None = None  # as firm as this foam (insolegen.firmness.foams), e.g. "PORON 4701-30"
    arch_foam: str | None = None
    forefoot_foam: str | None = None
    toes_foam: str | None = None
    allow_soft_lift: bool = False
    custom: list[CustomZoneTable] = []


class ModificationsTable(BaseModel):
    """[modifications] (and [left.modifications], [right.modifications]): raises and
    reliefs of the top surface, placed by the foot's landmarks. None: not given here."""

    model_config = _STRICT
    medial_heel_skive_mm: Annotated[float, _range("medial_heel_skive_mm")] | None = None
    lateral_heel_skive_mm: Annotated[float, _range("lateral_heel_skive_mm")] | None = None
    mortons_extension_mm: Annotated[float, _range("mortons_extension_mm")] | None = None
    reverse_mortons_mm: Annotated[float, _range("reverse_mortons_mm")] | None = None
    met_bar_mm: Annotated[float, _range("met_bar_mm")] | None = None
    cuboid_pad_mm: Annotated[float, _range("cuboid_pad_mm")] | None = None
    navicular_pad_mm: Annotated[float, _range("navicular_pad_mm")] | None = None
    mth_relief_mm: Annotated[list[Annotated[float, _range("mth_relief_mm")]], Field(min_length=5, max_length=5)] | None = None
    sesamoid_relief_mm: Annotated[float, _range("sesamoid_relief_mm")] | None = None
    heel_relief_mm: Annotated[float, _range("heel_relief_mm")] | None = None
    heel_relief_shape: Literal["round", "horseshoe"] | None = None
    plantar_fascia_groove_mm: Annotated[float, _range("plantar_fascia_groove_mm")] | None = None
    medial_flange_mm: Annotated[float, _range("medial_flange_mm")] | None = None
    lateral_clip_mm: Annotated[float, _range("lateral_clip_mm")] | None = None
    top_cover_mm: Annotated[float, _range("top_cover_mm")] | None = None  # a layer added on top, as its own zone (zones.top_cover)
    first_ray_cutout: bool | None = None  # a recess under the 1st MPJ, down to the printable minimum
    allow_shallow_cup: bool | None = None  # a heel skive in a heel cup under 14 mm


MODIFICATION_KEYS = tuple(ModificationsTable.model_fields)


class ShoeTable(BaseModel):
    """[shoe]: the shoe the insole goes in: its footbed's heel height and toe spring above
    the ball, and the room inside the heel counter."""

    model_config = _STRICT
    heel_pitch_mm: Annotated[float, _range("heel_pitch_mm")] = 0.0
    toe_spring_mm: Annotated[float, _range("toe_spring_mm")] = 0.0
    heel_depth_mm: Annotated[float, _range("heel_depth_mm")] | None = None
    bottom: Literal["flat", "shoe"] = "flat"  # "shoe": the underside follows the footbed


class PressureTable(BaseModel):
    """[pressure] (or [left.pressure], [right.pressure]): a plantar pressure map that
    places reliefs and, with zones = "pressure", grades the infill (docs/pressure.md)."""

    model_config = _STRICT
    file: Annotated[str, Field(min_length=1)]  # .csv grid, Tekscan .asf or emed .lst, beside the profile
    units: Literal["kPa", "N/cm2", "psi", "mmHg"] | None = None  # when the file does not say
    pitch_mm: Annotated[list[Annotated[float, Field(ge=0.5, le=50, allow_inf_nan=False)]], Field(min_length=2, max_length=2)] | None = None  # between rows, between columns
    frame: Literal["peak"] | Annotated[int, Field(ge=1)] = "peak"  # or a frame number
    plate_columns: Annotated[int, Field(ge=2, le=1000)] | None = None  # sensors across a plate that numbers them
    side: Literal["auto", "left", "right"] = "auto"  # which foot the map shows, when it cannot be detected
    relief_above_kpa: Annotated[float, _range("relief_above_kpa")] = defaults.RELIEF_ABOVE_KPA
    # (kPa, depth mm) pairs, rising; default: 0 mm at the threshold, 3 mm at twice it
    relief_table: Annotated[list[Annotated[list[Annotated[float, Field(ge=0, le=5000, allow_inf_nan=False)]], Field(min_length=2, max_length=2)]], Field(min_length=2, max_length=20)] | None = None
    zones: Literal["fixed", "pressure"] = "fixed"  # "pressure": bands of infill graded by the map
    grading: Literal["offload", "support"] = "offload"  # softest where pressure is highest, or the reverse
    bands: Annotated[int, Field(ge=8, le=20)] = defaults.PRESSURE_BANDS
    softest_pct: Annotated[float, _range("softest_pct")] = defaults.PRESSURE_SOFTEST_PCT
    firmest_pct: Annotated[float, _range("firmest_pct")] = defaults.PRESSURE_FIRMEST_PCT
    # or the bands' firmness as stiffness (kPa per mm, insolegen/firmness): the build picks each band's infill
    softest_kpa_per_mm: Annotated[float, _range("softest_kpa_per_mm")] | None = None
    firmest_kpa_per_mm: Annotated[float, _range("firmest_kpa_per_mm")] | None = None
    # design to a predicted pressure (docs/pressure-model.md): the levers are set until the standing peak meets it
    target_peak_kpa: Annotated[float, _range("target_peak_kpa")] | None = None
    target_reduction_pct: Annotated[float, _range("target_reduction_pct")] | None = None  # below a flat insole


class LatticeTable(BaseModel):
    """[lattice]: the insole filled with a graded sheet lattice as well (docs/lattice.md):
    <name>-<side>-lattice.stl and .3mf beside the usual files."""

    model_config = _STRICT
    enabled: bool = False  # true: also build the lattice parts (slower: tens of seconds a side)
    type: Literal["gyroid", "diamond"] = "gyroid"  # the triply periodic sheet
    cell_mm: Annotated[float, _range("cell_mm")] = 10.0  # the lattice's cell size
    wall_min_mm: Annotated[float, _range("wall_min_mm")] = 0.8  # the thinnest sheet anywhere (sets the least solid fraction)
    skin_top_mm: Annotated[float, _range("skin_top_mm")] = 1.2  # solid skin under the foot
    skin_bottom_mm: Annotated[float, _range("skin_bottom_mm")] = 0.8  # solid skin on the bed
    perimeter_mm: Annotated[float, _range("perimeter_mm")] = 1.2  # solid rim around the edge
    blend_mm: Annotated[float, _range("blend_mm")] = 15.0  # the width over which one zone's fraction eases into the next
    # (sealed voids keep SLS's and MJF's unfused powder, or liquid resin; two holes a void)
    drain_hole_mm: Annotated[float, _range("drain_hole_mm")] = 0.0  # 0: sealed voids (FDM); 2-8, at most half the cell: escape holes for SLS, MJF, resin


class PrintTable(BaseModel):
    """[print]: the printer (a preset) or a custom bed, for placing the part."""

    model_config = _STRICT
    printer: str | None = None
    bed_mm: Annotated[list[Annotated[float, Field(ge=80, le=1000, allow_inf_nan=False)]], Field(min_length=2, max_length=2)] | None = None
    label: bool = True  # engrave the side and the patient's id into the underside
    material: str = DEFAULT_MATERIAL  # the filament: its modulus sets each zone's stiffness (insolegen.firmness.materials)


def _optional(field: Any) -> Any:
    """A field's type with its constraints (pydantic keeps ``ge``/``le`` of a bare
    ``Annotated`` field in ``metadata``, not in ``annotation``), made optional."""
    annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return annotation | None


# [left] / [right]: any [foot] or [shape] key, overriding it for that side only, with
# the same types and ranges.
SideTable = create_model(
    "SideTable",
    __config__=_STRICT,
    **cast(dict[str, Any], {
        name: (_optional(field), None)
        for table in (FootTable, ShapeTable)
        for name, field in table.model_fields.items()
    }),
    modifications=(ModificationsTable | None, None),
    pressure=(PressureTable | None, None),
)

FOOT_KEYS = tuple(FootTable.model_fields)
SHAPE_KEYS = tuple(ShapeTable.model_fields)


# The patient's record: free text, capped so that a report page holds it.
PATIENT_TEXT_MAX_CHARS = {"id": 40, "clinician": 120, "diagnosis": 500, "shoe": 200, "notes": 2000}


def _text(key: str) -> Any:
    """The constraint of a patient text key: not empty, at most its length (as metadata:
    ``Annotated[str, _text(key)]``)."""
    return Field(min_length=1, max_length=PATIENT_TEXT_MAX_CHARS[key])


class PatientTable(BaseModel):
    """[patient]: the patient's record, shown in the report and build.json. All optional;
    ``id`` is added to the file names (insolegen.profile.names)."""

    model_config = _STRICT
    id: Annotated[str, _text("id")] | None = None
    date_of_birth: Any = None  # a TOML date (1961-04-02) or a string "1961-04-02": checked by the loader
    clinician: Annotated[str, _text("clinician")] | None = None
    diagnosis: Annotated[str, _text("diagnosis")] | None = None
    shoe: Annotated[str, _text("shoe")] | None = None
    notes: Annotated[str, _text("notes")] | None = None
    diabetic: bool = False  # a diabetic foot: the custom-insert rules apply (docs/clinical.md, "Diabetic foot")
    mass_kg: Annotated[float, _range("mass_kg")] | None = None  # body mass: the load of the predicted pressure


class ProfileDoc(BaseModel):
    """The whole TOML document."""

    model_config = _STRICT
    name: str | None = None  # the patient's name, any script (the folder and file names are made from it)
    side: SideChoice = "both"
    patient: PatientTable = PatientTable()
    foot: FootTable = FootTable()
    shape: ShapeTable = ShapeTable()
    lift: LiftTable | None = None
    zones: ZonesTable = ZonesTable()
    modifications: ModificationsTable = ModificationsTable()
    shoe: ShoeTable | None = None
    pressure: PressureTable | None = None
    lattice: LatticeTable | None = None
    print: PrintTable | None = None
    left: SideTable = SideTable()  # type: ignore[valid-type]
    right: SideTable = SideTable()  # type: ignore[valid-type]
