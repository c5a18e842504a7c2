"""The build record: what was built and measured, as typed values.

The build fills it in (measured on the finished meshes); exports, the preview, the
report and the CLI read it by field. It becomes JSON only at the edge, in
:func:`insolegen.exports.bundle.build_json`. Millimetres throughout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from insolegen.profile.spec import Patient

__all__ = [
    "FRAME",
    "UNITS",
    "BuildRecord",
    "DesignChange",
    "DesignFigures",
    "Height",
    "LatticeFigures",
    "LatticeZone",
    "ModificationFigure",
    "OutlineFigures",
    "PredictedCase",
    "PredictedPressure",
    "PredictedRegion",
    "PressureBand",
    "PressureFigures",
    "PressureRegion",
    "PrintRecord",
    "SideRecord",
    "SolidChecks",
    "UndersideFigure",
    "ZoneFigures",
    "ZoneStiffness",
    "measured_term_mm",
]

FRAME = "heel at x = 0, toes toward +x, bottom on z = 0; right foot arch on +y, left on -y"
UNITS = "mm"


@dataclass(frozen=True, kw_only=True)
class Height:
    """The top's height at a landmark: measured on the mesh and intended (mm)."""

    x_mm: float
    y_mm: float
    measured_mm: float
    expected_mm: float

    def term_mm(self, intended_mm: float) -> float:
        """A term of the top (a lift, a modification) as the mesh has it here: see
        :func:`measured_term_mm`."""
        return measured_term_mm(self.measured_mm, self.expected_mm, intended_mm)


def measured_term_mm(measured_mm: float, expected_mm: float, intended_mm: float) -> float:
    """One term of the top as the finished mesh has it: the top measured there less the
    intended top without that term (``intended_mm`` of the ``expected_mm``)."""
    return measured_mm - (expected_mm - intended_mm)


@dataclass(frozen=True, kw_only=True)
class OutlineFigures:
    """The part's footprint on the bed, measured on the mesh (mm, mm2)."""

    length_mm: float
    ball_width_mm: float
    heel_width_mm: float
    area_mm2: float


@dataclass(frozen=True, kw_only=True)
class SolidChecks:
    watertight: bool
    manifold3d_status: str
    degenerate_faces: int
    duplicate_faces: int


@dataclass(frozen=True, kw_only=True)
class ZoneStiffness:
    """A zone's stiffness under the foot (insolegen.build.stiffness): its core's modulus
    (the material's times the cell's homogenised E/Es along the build direction) and the
    column's kPa per mm of compression, at the zone's median height away from the
    perimeters, least and greatest there, and the mean over its area."""

    material: str
    material_modulus_mpa: float
    cell: str
    relative_modulus: float  # E/Es of the core along the build direction
    core_modulus_mpa: float
    thickness_mm: float
    kpa_per_mm: float
    least_kpa_per_mm: float
    greatest_kpa_per_mm: float
    mean_kpa_per_mm: float
    table_uncertainty_pct: float  # the moduli table's change between its two resolutions there
    extrapolated: bool  # the cell lies below the table's least fraction
    target: str | None  # what the zone was asked ([zones] heel_kpa_per_mm, heel_foam): its percent was picked for it
    model: str


@dataclass(frozen=True, kw_only=True)
class ZoneFigures:
    name: str
    kind: str
    infill_pct: float
    part_volume_mm3: float
    extruder: int = 1
    stiffness: ZoneStiffness | None = None


@dataclass(frozen=True, kw_only=True)
class ModificationFigure:
    """A modification as built: asked (+ raise, - relief depth) and measured on the mesh
    at its landmark (the top's height there less the intended top without it), mm."""

    key: str
    x_mm: float
    y_mm: float
    asked_mm: float
    measured_mm: float
    # a head relief: the top there less the top under the nearest heads not relieved, as
    # the foot feels it beside its neighbours (issue 28: a Morton's extension once lifted
    # a relieved MTH2 2.3 mm above a relieved MTH3); None for the others
    beside_neighbours_mm: float | None = None


@dataclass(frozen=True, kw_only=True)
class UndersideFigure:
    """The underside's height above the bed where it follows a shoe's footbed: asked
    (the footbed there) and measured on the mesh (the lowest surface under the point)."""

    name: str  # heel_centre, ball, toe
    x_mm: float
    y_mm: float
    asked_mm: float
    measured_mm: float


@dataclass(frozen=True, kw_only=True)
class SideRecord:
    """One insole as built."""

    side: str
    triangles: int
    volume_mm3: float
    bounds_mm: tuple[tuple[float, float, float], tuple[float, float, float]]
    min_thickness_mm: float
    outline: OutlineFigures
    heights: Mapping[str, Height]  # landmark name -> height, in the order measured
    checks: SolidChecks
    zones: tuple[ZoneFigures, ...]
    modifications: tuple[ModificationFigure, ...]
    label: str | None  # engraved underneath: the side and the patient's id (None: none)
    source: Mapping[str, Any]  # where the outline came from (a reader's own figures for a real foot)
    build_ms: float
    parameters: Mapping[str, Any]
    underside: tuple[UndersideFigure, ...] = ()  # with [shoe] bottom = "shoe"
    pressure: PressureFigures | None = None  # with a [pressure] map
    lattice: LatticeFigures | None = None  # with [lattice] enabled
    predicted: PredictedPressure | None = None  # with a [pressure] map and the gyroid infill (docs/pressure-model.md)


@dataclass(frozen=True, kw_only=True)
class PredictedRegion:
    """A region's predicted pressure: the peak over 1 cm2, the mean where in contact (kPa)."""

    name: str
    peak_kpa: float
    mean_kpa: float
    contact_cm2: float


@dataclass(frozen=True, kw_only=True)
class PredictedCase:
    peak_kpa: float  # over 1 cm2
    contact_cm2: float
    force_n: float
    regions: tuple[PredictedRegion, ...]


@dataclass(frozen=True, kw_only=True)
class DesignChange:
    key: str
    from_value: float
    to_value: float


@dataclass(frozen=True, kw_only=True)
class DesignFigures:
    """Designed to a pressure target (insolegen.build.design): what was asked, whether it
    was met, what was changed, the predicted peak before and after."""

    target_peak_kpa: float | None
    target_reduction_pct: float | None
    met: bool
    changes: tuple[DesignChange, ...]
    peak_before_kpa: float
    peak_kpa: float
    reduction_before_pct: float
    reduction_pct: float
    builds: int  # whole builds the search made
    shortfall: str | None  # why not, in words, when not met


@dataclass(frozen=True, kw_only=True)
class PredictedPressure:
    """The foot of the side's barefoot map standing on the insole as built and on a
    flat one of the same material and thickness (docs/pressure-model.md): standing,
    half the body's weight, small-strain columns. An estimate, not a measurement."""

    model: str
    tissue: str  # healthy | diabetic ([patient] diabetic)
    load_n: float
    load_from: str
    designed: PredictedCase
    flat: PredictedCase
    flat_thickness_mm: float
    flat_kpa_per_mm: float
    peak_change_pct: float  # designed against flat
    region_change_pct: Mapping[str, float]  # each region's peak, designed against flat
    design: DesignFigures | None = None  # with [pressure] target_peak_kpa or target_reduction_pct


@dataclass(frozen=True, kw_only=True)
class PressureRegion:
    """One region of the foot under a pressure map: its peak (kPa, where), the relief
    the table asks there and the relief measured on the mesh (the top without the
    map's relief less the mesh's top), and what was done, in words."""

    name: str  # heel, midfoot, MTH 1-5, hallux, toes
    peak_kpa: float
    x_mm: float
    y_mm: float
    asked_mm: float
    measured_mm: float
    band: str | None  # the infill band there (zones = "pressure")
    action: str


@dataclass(frozen=True, kw_only=True)
class PressureBand:
    name: str
    from_kpa: float
    to_kpa: float | None  # None: any pressure above from_kpa
    infill_pct: float


@dataclass(frozen=True, kw_only=True)
class PressureFigures:
    """A side's pressure map: the file as read, how it was laid on the foot and how
    well it fits, the threshold, each region's peak and what was done about it."""

    file: str
    file_format: str
    units: str
    units_from: str
    frames: int
    frame_used: str
    pitch_mm: tuple[float | None, float | None]  # between rows, between columns
    registration: Mapping[str, Any]
    threshold_kpa: float
    relief_table: tuple[tuple[float, float], ...]
    peak_kpa: float
    cells_over_threshold: int
    regions: tuple[PressureRegion, ...]
    bands: tuple[PressureBand, ...] = ()
    grading: str | None = None
    dropped_sensels: tuple[tuple[int, int], ...] = ()  # (row, column), 1-based as the device counts: stuck or noisy
    mirror_flags: tuple[str, ...] = ()  # Tekscan's MIRROR_ROW / MIRROR_COL when set (the side was then told)


@dataclass(frozen=True, kw_only=True)
class LatticeZone:
    """A zone's solid fraction in the lattice part: asked (its infill percent), built
    (held to the least the wall allows), measured on the mesh in a box in the zone's
    middle (None: the core is too thin there to hold a cell's height)."""

    name: str
    asked_pct: float
    built_pct: float
    measured_pct: float | None
    stiffness: ZoneStiffness | None = None  # the sheet at built_pct in the lattice's skins and rim


@dataclass(frozen=True, kw_only=True)
class LatticeFigures:
    """The lattice part of a side: its size, that it is one solid (its sealed cavities
    are the lattice's voids inside the skins), its thinnest wall, each zone's fraction."""

    triangles: int
    bodies: int
    cavities: int
    thinnest_wall_mm: float
    least_fraction_pct: float
    zones: tuple[LatticeZone, ...]
    build_seconds: float
    settings: Mapping[str, Any]
    # [lattice] drain_hole_mm: the holes drilled up into the voids (x, y as in the
    # lattice STL), the voids they drain, the pockets filled solid instead
    drain_holes_xy_mm: tuple[tuple[float, float], ...] = ()
    drained_voids: int = 0
    filled_pockets_mm3: float = 0.0


@dataclass(frozen=True, kw_only=True)
class PrintRecord:
    printer: str | None
    bed_mm: tuple[float, float]
    family: str


@dataclass(frozen=True, kw_only=True)
class BuildRecord:
    """A whole build: the patient (name as written, record), every side, the warnings
    given, the settings shared by the sides."""

    insolegen_version: str
    name: str  # the patient's name as written, any script
    profile: str | None
    warnings: tuple[str, ...]
    print: PrintRecord | None
    lift: Mapping[str, Any] | None
    zones: Mapping[str, Any]
    sides: tuple[SideRecord, ...] = field(default=())
    file_stem: str = ""  # the folder's and files' name (Profile.file_stem)
    patient: Patient | None = None  # [patient] as given (Profile.patient)
    shoe: Mapping[str, Any] | None = None  # [shoe] as given
