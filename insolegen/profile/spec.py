"""Resolved, immutable build parameters: what the geometry core consumes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from insolegen.firmness.materials import DEFAULT_MATERIAL, MATERIALS, Material
from insolegen.profile import defaults

__all__ = [
    "CustomZone", "FootFile", "FootSource", "LatticeSpec", "Modifications", "Patient", "PressureSpec", "PrintSpec",
    "Profile", "Shoe", "Side", "SideSpec", "ZoneTarget", "ZonesSpec", "lattice_step_mm",
]

Side = Literal["left", "right"]


@dataclass(frozen=True, kw_only=True)
class FootFile:
    """A real foot still to be read: the profile names a tracing or a scan, and how to
    read it. The profile stage reads no files; :mod:`insolegen.inputs.feet` turns this
    into a :class:`FootSource` and fills in the side's measured length and widths."""

    kind: Literal["outline", "scan", "image"]
    path: Path  # absolute, as written (not resolved: a symlink loop is the reader's to report)
    key: str  # the profile key that named it, e.g. "left.scan"
    given: str  # the value as written, for messages
    in_side_table: bool  # named under [left]/[right] rather than [foot]
    units: str | None = None
    side_told: str = "auto"
    scan_kind: str = "auto"
    smoothing_mm: float = defaults.SCAN_SMOOTHING_MM
    length_mm: float | None = None  # the profile's foot length, for scaling a scan
    length_key: str = "foot.length_mm"
    conform: bool = False
    allow_unusual_shape: bool = False  # a scan's sole that does not look like a foot is built anyway
    image_kind: str = "auto"  # a picture: photo-on-paper or flatbed
    image_paper: str = "auto"
    image_dpi: float | None = None


@dataclass(frozen=True, kw_only=True)
class FootSource:
    """A real foot read from a file: its outline in the right-foot frame (mm), the
    plantar height field for a scan, and what build.json should say about it."""

    kind: Literal["outline", "scan", "image"]
    polygon: Any = field(compare=False, repr=False)  # (N, 2) ndarray
    sole: Any = field(default=None, compare=False, repr=False)  # SoleField or None
    conform: bool = False
    # an insole's scan copied: "closed" (its top over its own bottom, as scanned) or
    # "sheet" (its top only: the copy stands on the profile's thickness_mm)
    insole_copy: Literal["none", "closed", "sheet"] = "none"
    info: dict[str, Any] = field(default_factory=dict, compare=False)
    # a picture's reading (insolegen.inputs.pictures.PictureRead) and which of its
    # outlines this side is, for the report to draw the outline on the picture
    picture: Any = field(default=None, compare=False, repr=False)
    picture_outline: int = 0


@dataclass(frozen=True, kw_only=True)
class PressureSpec:
    """[pressure] for one side: the map file and how to read it, then what it drives.
    The profile stage reads no files: the foot stage (insolegen.inputs.feet) reads the
    map into ``grid`` (an insolegen.inputs.pressure_files.PressureGrid)."""

    key: str  # the table that named it: "pressure", "left.pressure"
    path: Path
    given: str
    units: str | None = None
    pitch_mm: tuple[float, float] | None = None  # between rows, between columns
    frame: str | int = "peak"
    plate_columns: int | None = None  # sensors across the plate, for an export that numbers them
    side_told: str = "auto"
    relief_above_kpa: float = defaults.RELIEF_ABOVE_KPA
    relief_table: tuple[tuple[float, float], ...] = ()  # (kPa, mm) rising
    graded_zones: bool = False  # zones = "pressure"
    grading: Literal["offload", "support"] = "offload"
    bands: int = defaults.PRESSURE_BANDS
    softest_pct: float = defaults.PRESSURE_SOFTEST_PCT
    firmest_pct: float = defaults.PRESSURE_FIRMEST_PCT
    softest_kpa_per_mm: float | None = None  # the bands asked as stiffness instead (both or neither)
    firmest_kpa_per_mm: float | None = None
    target_peak_kpa: float | None = None  # design to the predicted standing peak (insolegen.build.design)
    target_reduction_pct: float | None = None  # ... or to this much below a flat insole
    grid: Any = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {"file": self.given, "units": self.units, "pitch_mm": list(self.pitch_mm) if self.pitch_mm else None,
                "frame": self.frame, "plate_columns": self.plate_columns,
                "side": self.side_told, "relief_above_kpa": self.relief_above_kpa,
                "relief_table": [list(p) for p in self.relief_table],
                "zones": "pressure" if self.graded_zones else "fixed", "grading": self.grading, "bands": self.bands,
                "softest_pct": self.softest_pct, "firmest_pct": self.firmest_pct,
                "softest_kpa_per_mm": self.softest_kpa_per_mm, "firmest_kpa_per_mm": self.firmest_kpa_per_mm,
                "target_peak_kpa": self.target_peak_kpa, "target_reduction_pct": self.target_reduction_pct}


@dataclass(frozen=True, kw_only=True)
class Modifications:
    """[modifications] for one side (millimetres; 0 = none). Raises are added to the top
    surface, reliefs cut into it (insolegen.geometry.modifications places them)."""

    medial_heel_skive_mm: float = 0.0
    lateral_heel_skive_mm: float = 0.0
    mortons_extension_mm: float = 0.0
    reverse_mortons_mm: float = 0.0
    met_bar_mm: float = 0.0
    cuboid_pad_mm: float = 0.0
    navicular_pad_mm: float = 0.0
    mth_relief_mm: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)
    sesamoid_relief_mm: float = 0.0
    heel_relief_mm: float = 0.0
    heel_relief_shape: Literal["round", "horseshoe"] = "round"
    plantar_fascia_groove_mm: float = 0.0
    medial_flange_mm: float = 0.0
    lateral_clip_mm: float = 0.0
    top_cover_mm: float = 0.0  # a layer this thick added on top, as its own zone (insolegen.geometry.zones)
    first_ray_cutout: bool = False
    allow_shallow_cup: bool = False  # a heel skive in a heel cup under 14 mm

    def as_dict(self) -> dict[str, object]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["mth_relief_mm"] = list(self.mth_relief_mm)
        return out


@dataclass(frozen=True, kw_only=True)
class SideSpec:
    """Everything needed to build one insole. Millimetres and degrees.

    Built for a RIGHT foot frame (arch on +y) and mirrored for a left one.
    """

    side: Side
    foot_length_mm: float
    ball_width_mm: float
    heel_width_mm: float
    length: Literal["full", "sulcus", "three-quarter"] = "full"
    thickness_mm: float = defaults.THICKNESS_MM
    heel_thickness_mm: float = defaults.THICKNESS_MM
    heel_cup_depth_mm: float = defaults.HEEL_CUP_MM
    arch_height_mm: float = defaults.ARCH_HEIGHT_MM
    arch_apex_pct: float = defaults.ARCH_APEX_PCT
    medial_border_dip_mm: float = 0.0  # the medial wall lowered on purpose between the cup and the arch
    met_pad_height_mm: float = 0.0
    rearfoot_post_deg: float = 0.0
    forefoot_post_deg: float = 0.0
    lift_heel_mm: float = 0.0
    lift_forefoot_mm: float = 0.0
    # The underside's rise above the ball at the heel and at the toe tip: the shoe's
    # footbed with [shoe] bottom = "shoe", else 0 (flat on the bed).
    footbed_heel_mm: float = 0.0
    footbed_toe_mm: float = 0.0
    modifications: Modifications = field(default_factory=Modifications)
    # shape keys left to their default (which follows a child's foot length: defaults.for_foot)
    defaulted: tuple[str, ...] = ()
    pressure: PressureSpec | None = None  # a plantar pressure map ([pressure]), read by the foot stage
    size: str | None = None
    source: FootSource | FootFile | None = None

    @property
    def needs_foot_file(self) -> bool:
        """True until the foot stage has read the tracing or scan this side names (its
        length and widths are then still unknown), or its pressure map."""
        return isinstance(self.source, FootFile) or (self.pressure is not None and self.pressure.grid is None)

    @property
    def foot(self) -> FootSource | None:
        """``source`` once the foot stage has read it (None: the parametric foot shape);
        what the geometry and the exports read."""
        assert not isinstance(self.source, FootFile), f"the {self.side} side's foot file has not been read"
        return self.source

    def as_dict(self) -> dict[str, object]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("source", "pressure", "defaulted")}
        out["modifications"] = self.modifications.as_dict()
        out["pressure"] = self.pressure.as_dict() if self.pressure is not None else None
        return out


@dataclass(frozen=True, kw_only=True)
class CustomZone:
    """An extra zone: a polygon in the right-foot frame (mm) and its infill percent."""

    name: str
    polygon: tuple[tuple[float, float], ...]
    infill_pct: float


@dataclass(frozen=True, kw_only=True)
class ZoneTarget:
    """A zone's firmness asked as a stiffness (kPa per mm of compression) or as firm as a
    foam ([zones] heel_kpa_per_mm, heel_foam): the build picks the infill percent."""

    zone: str  # heel, arch, forefoot, toes; pressure_1 ... for a map's bands
    kpa_per_mm: float | None = None
    foam: str | None = None
    key: str | None = None  # the profile key that asks it, where not zones.<zone>_kpa_per_mm / _foam


@dataclass(frozen=True, kw_only=True)
class ZonesSpec:
    """Infill per zone (percent) and the pattern. Defaults from docs/clinical.md."""

    pattern: str = defaults.PATTERN
    heel_pct: float = defaults.ZONE_PCT["heel"]
    arch_pct: float = defaults.ZONE_PCT["arch"]
    forefoot_pct: float = defaults.ZONE_PCT["forefoot"]
    toes_pct: float = defaults.ZONE_PCT["toes"]
    lift_pct: float = defaults.ZONE_PCT["lift"]
    top_cover_pct: float = defaults.ZONE_PCT["top_cover"]
    top_cover_extruder: int = 1
    custom: tuple[CustomZone, ...] = ()
    targets: tuple[ZoneTarget, ...] = ()

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("custom", "targets")}
        out["targets"] = [{"zone": t.zone, "kpa_per_mm": t.kpa_per_mm, "foam": t.foam} for t in self.targets]
        out["custom"] = [
            {"name": c.name, "polygon": [list(p) for p in c.polygon], "infill_pct": c.infill_pct}
            for c in self.custom
        ]
        return out


@dataclass(frozen=True, kw_only=True)
class Shoe:
    """[shoe] as given: the footbed's heel pitch and toe spring above the ball (mm), the
    room inside the heel counter (mm, None: not given) and how the underside is made."""

    heel_pitch_mm: float = 0.0
    toe_spring_mm: float = 0.0
    heel_depth_mm: float | None = None
    bottom: Literal["flat", "shoe"] = "flat"

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def lattice_step_mm(cell_mm: float, wall_min_mm: float) -> float:
    """The marching grid's step: a little under the thinnest wall, so every wall is two
    triangles across, and a tenth of the cell at most (a 6 mm cell on a 1 mm grid read
    17 % over its fraction, on 0.6 mm 5 %); 1 mm at most."""
    return min(1.0, wall_min_mm, cell_mm / 10.0)


@dataclass(frozen=True, kw_only=True)
class LatticeSpec:
    """[lattice] as given (docs/lattice.md); ``edge_mm``: the marching grid's step
    (lattice_step_mm)."""

    kind: Literal["gyroid", "diamond"] = "gyroid"
    cell_mm: float = 10.0
    wall_min_mm: float = 0.8
    skin_top_mm: float = 1.2
    skin_bottom_mm: float = 0.8
    perimeter_mm: float = 1.2
    blend_mm: float = 15.0
    drain_hole_mm: float = 0.0  # 0: the voids are sealed (FDM); else drilled (insolegen.geometry.lattice.drains)
    edge_mm: float = 1.0

    def as_dict(self) -> dict[str, object]:
        return {"type": self.kind, **{k: getattr(self, k) for k in self.__dataclass_fields__ if k != "kind"}}


@dataclass(frozen=True, kw_only=True)
class PrintSpec:
    """Where the parts are printed: a preset's name (or None) and its bed (mm)."""

    printer: str | None
    bed_mm: tuple[float, float]
    family: str = "any"  # prusa | orca | any: which 3MF the printer's slicer opens


@dataclass(frozen=True, kw_only=True)
class Patient:
    """The patient's record as the profile gives it ([patient]; every field optional).
    Free text, shown as written (escaped by whoever shows it)."""

    id: str | None = None
    date_of_birth: datetime.date | None = None
    clinician: str | None = None
    diagnosis: str | None = None
    shoe: str | None = None
    notes: str | None = None
    diabetic: bool = False  # the diabetic-foot rules apply (insolegen.profile.clinical.diabetic_checks)
    mass_kg: float | None = None  # body mass (the predicted pressure's load: half its weight a foot, standing)

    def as_dict(self) -> dict[str, str | bool | None]:
        """JSON-ready: the date as ISO 8601 (YYYY-MM-DD)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["date_of_birth"] = self.date_of_birth.isoformat() if self.date_of_birth else None
        return out


@dataclass(frozen=True, kw_only=True)
class Profile:
    """A validated profile: the patient's name and record, the file-safe stem the build
    is written under, one spec per side built, warnings."""

    name: str  # as written, any script: for people (report, build.json), never a path
    file_stem: str  # OUT/<file_stem>/<file_stem>-<side>.stl (insolegen.profile.names.file_stem)
    patient: Patient = field(default_factory=Patient)
    sides: tuple[SideSpec, ...]
    warnings: tuple[str, ...] = ()
    source: Path | None = None
    lift: dict[str, object] | None = field(default=None)
    zones: ZonesSpec = field(default_factory=ZonesSpec)
    print: PrintSpec | None = None
    shoe: Shoe | None = None
    # --vary: this profile's number among the variants (its file stem ends "-v<n>") and
    # the values that make it one (key path, value); None and () for a plain build.
    variant: int | None = None
    variant_values: tuple[tuple[str, Any], ...] = ()
    label: bool = True  # each part's side and the patient's id engraved underneath (insolegen.geometry.label)
    lattice: LatticeSpec | None = None  # [lattice] enabled: the lattice parts are built as well
    material: Material = MATERIALS[DEFAULT_MATERIAL]  # [print] material: the filament the zones' stiffness is computed for
