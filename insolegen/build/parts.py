"""What a build makes: one finished side (SidePart), everything a build made
(BuildResult), the outline and cup shared by sides on one foot, and the build's errors."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from insolegen.build.record import BuildRecord
from insolegen.checks.meshcheck import MeshReport
from insolegen.contact.cases import Prediction
from insolegen.geometry.distance import DistanceField
from insolegen.geometry.label import Label
from insolegen.geometry.measure import top_heights
from insolegen.geometry.outline import Outline
from insolegen.geometry.placement import Placement
from insolegen.geometry.solid import Mesh
from insolegen.geometry.surfaces import TopSurface
from insolegen.geometry.zones import Zone
from insolegen.profile.spec import Profile, SideSpec

__all__ = ["RIM_PROBE_MM", "BedFitError", "BuildError", "BuildResult", "LatticeFitError", "SharedFoot", "SidePart"]

# Heights are measured this far inside the heel's back edge for the cup rim.
RIM_PROBE_MM = 0.25


class BuildError(Exception):
    """A build that cannot produce valid parts; the message says why."""


class BedFitError(BuildError):
    """A part that fits the chosen printer's bed at no angle (bad input: exit 2)."""


class LatticeFitError(BuildError):
    """A lattice whose voids have no room for the drain holes asked (bad input: exit 2)."""


@dataclass(frozen=True)
class SidePart:
    """One finished insole: the mesh in its own side's frame, plus what built it."""

    spec: SideSpec
    outline: Outline
    surface: TopSurface
    mesh: Mesh
    build_seconds: float
    zones: tuple[Zone, ...] = ()
    label: Label | None = None  # what is engraved underneath, where (None: [print] label = false)

    @property
    def mirror(self) -> float:
        """y's sign from the right-foot frame to this side's own."""
        return -1.0 if self.spec.side == "left" else 1.0

    def top_above_underside_mm(self, side_xy: np.ndarray) -> np.ndarray:
        """The mesh's top above its underside (the bed, or the footbed: a function of x
        alone, the same in either side's frame) at points in this side's frame."""
        return top_heights(self.mesh.vertices, self.mesh.faces, side_xy) - self.surface.footbed_mm(side_xy[:, 0])

    def landmark_points(self) -> dict[str, tuple[float, float]]:
        """Where heights are measured, in the right-foot frame."""
        lm = self.outline.landmarks
        points = {"heel_centre": lm.heel_centre}
        if self.spec.heel_cup_depth_mm > 0:
            back = self.outline.boundary[int(np.argmin(self.outline.boundary[:, 0]))]
            points["heel_cup_rim"] = (float(back[0]) + RIM_PROBE_MM, float(back[1]))
        points["arch_apex"] = self.surface.arch_apex()
        if self.spec.met_pad_height_mm > 0:
            points["met_pad_apex"] = self.surface.met_pad_apex()
        if self.spec.length != "three-quarter":
            points["metatarsal_heads"] = lm.mth_mid
        return points


@dataclass(frozen=True)
class SharedFoot:
    """What sides on the very same foot share, made once: the outline and the heel
    cup's distance to its edge (None without a cup), which depends on the outline and
    the heel width alone."""

    outline: Outline
    cup_distance: DistanceField | None
    heel_width_mm: float


@dataclass(frozen=True)
class BuildResult:
    """Everything a build made: the parts (meshes and how they were built), their
    checks, the record of figures, and each part's placement (PrusaSlicer, Orca)."""

    profile: Profile
    parts: tuple[SidePart, ...]
    reports: tuple[MeshReport, ...]
    record: BuildRecord
    placements: dict[str, tuple[Placement, Placement]]
    lattices: dict[str, Mesh] = dataclasses.field(default_factory=dict)  # side -> lattice part ([lattice])
    predictions: dict[str, Prediction] = dataclasses.field(default_factory=dict)  # side -> its predicted pressure
