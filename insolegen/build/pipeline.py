"""The build: profile -> feet -> outline -> surfaces -> solid -> checks -> record.

:func:`build_side` is pure (a spec in, a finished part out); :func:`build_profile`
reads the feet, builds and checks every side and returns the parts with their typed
:class:`~insolegen.build.record.BuildRecord`. Files are made from it downstream
(:mod:`insolegen.exports.bundle`); nothing here writes or imports an exporter.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future, ThreadPoolExecutor

from insolegen.build.design import designed_profile
from insolegen.build.figures import measure_side
from insolegen.build.parts import BuildError, BuildResult, LatticeFitError, SharedFoot, SidePart
from insolegen.build.placing import place_parts
from insolegen.build.prediction import predict_side, predicted_figures, side_load
from insolegen.build.record import BuildRecord, PrintRecord, SideRecord, ZoneStiffness
from insolegen.build.side import (
    build_side,
    labelled,
    mirror_twins,
    mirrored_bounds,
    mirrored_part,
    same_foot,
    shared_foot,
    side_outline,
)
from insolegen.build.stiffness import aimed, band_targets, infill_stiffness, lattice_aimed, lattice_stiffness
from insolegen.checks.meshcheck import MeshReport, check_part, check_zone
from insolegen.contact.cases import Prediction
from insolegen.core.version import __version__
from insolegen.geometry.solid import DEFAULT_RESOLUTION, Mesh, Resolution
from insolegen.geometry.zones import custom_zone_problems
from insolegen.inputs.feet import resolve_feet
from insolegen.profile.problems import ProfileError
from insolegen.profile.spec import Profile

__all__ = ["CHECK_WORKERS", "build_profile"]

# Two cores on the machines we measure on; more workers would only queue.
CHECK_WORKERS = 2


def _checked(name: str, part: SidePart, zones: bool = True) -> MeshReport:
    """The same checks `insolegen check` runs, on the part and (``zones``) on every
    zone."""
    report = check_part(part.mesh.vertices, part.mesh.faces)
    if not report.ok:
        raise BuildError(f"{name} {part.spec.side}: the mesh failed its checks: " + "; ".join(report.problems))
    for zone in part.zones if zones else ():
        zone_report = check_zone(zone.mesh.vertices, zone.mesh.faces)
        if not zone_report.ok:
            raise BuildError(f"{name} {part.spec.side}: zone {zone.name!r} failed its checks: "
                             + "; ".join(zone_report.problems))
    return report


def _finished(profile: Profile, part: SidePart, zones: bool) -> tuple[SidePart, MeshReport, list[str]]:
    """``part`` labelled (unless [print] label = false) and checked, its zones too
    (``zones``), with the label's warnings."""
    warnings: list[str] = []
    if profile.label:
        part = labelled(part, profile, warnings)
    return part, _checked(profile.name, part, zones), warnings


def _with_stiffness(side: SideRecord, stiffness: dict[str, ZoneStiffness]) -> SideRecord:
    return dataclasses.replace(side, zones=tuple(dataclasses.replace(z, stiffness=stiffness.get(z.name))
                                                 for z in side.zones))


def build_profile(profile: Profile, resolution: Resolution = DEFAULT_RESOLUTION) -> BuildResult:
    """Read the feet the profile names, then build and check every side. Raises
    :class:`ProfileError` for an unusable foot file or custom zone (bad input) and
    :class:`BuildError` if any part is not a printable solid."""
    # Over 60 lines: the build in the order it runs (feet, sides, twins, labels, checks in parallel,
    # lattice, record).
    profile = resolve_feet(profile)  # reads the tracings and scans the profile names
    # [pressure] target_peak_kpa / target_reduction_pct: the levers set by whole trial builds first
    profile, designs = designed_profile(profile)
    design_warnings = [f"{side}: pressure target {d.shortfall}" for side, d in designs.items() if not d.met]
    zone_problems = [p for spec in profile.sides if profile.zones.custom
                     for p in custom_zone_problems(profile.zones, side_outline(spec).polygon)]
    if zone_problems:
        raise ProfileError(list(dict.fromkeys(zone_problems)), profile.source)
    specs = profile.sides
    twins = [next((j for j in range(i) if mirror_twins(specs[j], spec)), None) for i, spec in enumerate(specs)]
    built = [i for i, twin in enumerate(twins) if twin is None]
    feet: dict[int, SharedFoot] = {}  # a built side's index -> the foot it shares with another
    for i in built:
        group = [j for j in built if same_foot(specs[i], specs[j])]
        if len(group) > 1 and group[0] == i:
            foot = shared_foot([specs[j] for j in group], resolution)
            feet.update((j, foot) for j in group)
    # The sides are built side by side, each then labelled and checked as soon as it is
    # made: numpy, GEOS and manifold3d let go of the interpreter lock for much of the
    # work, so on two cores a pair whose sides differ takes little more than one side.
    # A mirror twin is made from its side as built. The pool lives for this call only.
    with ThreadPoolExecutor(max_workers=CHECK_WORKERS) as pool:
        making = {i: pool.submit(build_side, specs[i], resolution, profile.zones, foot=feet.get(i)) for i in built}
        finishing: list[Future[tuple[SidePart, MeshReport, list[str]]] | None] = []
        for i, spec in enumerate(specs):
            twin = twins[i]
            if twin is None:
                finishing.append(pool.submit(_finished, profile, making[i].result(), True))
            elif profile.label:
                # Each side's label differs (L / R, and mirrored to read from below): the
                # twin is mirrored unlabelled, labelled and checked itself; its zones
                # are the other side's mirrored, and checked there.
                finishing.append(pool.submit(_finished, profile, mirrored_part(making[twin].result(), spec), False))
            else:
                finishing.append(None)  # mirrored from its side's finished part below
        parts: list[SidePart] = []
        reports: list[MeshReport] = []
        label_warnings: list[str] = []
        for i, (spec, item) in enumerate(zip(specs, finishing)):  # in side order: the first failing side is reported
            if item is None:
                # The other side's exact mirror image: every check is blind to a mirror
                # (same edges, volume, walls, sections), so its report is mirrored too.
                twin = twins[i]
                assert twin is not None
                parts.append(mirrored_part(parts[twin], spec))
                reports.append(dataclasses.replace(reports[twin], bounds_mm=mirrored_bounds(reports[twin].bounds_mm)))
            else:
                part, report, warnings = item.result()
                parts.append(part)
                reports.append(report)
                label_warnings += warnings
    material = profile.material
    # [zones] heel_kpa_per_mm ..., [pressure] softest_kpa_per_mm ...: each zone's infill picked for it
    asked = [profile.zones.targets + band_targets(part.spec) for part in parts]
    parts = [aimed(part, material, targets, profile.source) for part, targets in zip(parts, asked)]
    sides = [_with_stiffness(measure_side(part, report), infill_stiffness(part, material, profile.zones.pattern, targets))
             for part, report, targets in zip(parts, reports, asked)]
    # with a barefoot map: the pressure predicted on each insole as built, and on a flat one
    predicted_warnings: list[str] = []
    predictions: dict[str, Prediction] = {}
    for k, part in enumerate(parts):
        if part.surface.pressure_relief is None:
            continue
        load, load_from, said = side_load(part, profile.patient.mass_kg)
        prediction = predict_side(part, material, profile.zones.pattern, load, load_from, profile.patient.diabetic)
        if prediction is not None:
            said_predicted = dataclasses.replace(predicted_figures(prediction), design=designs.get(part.spec.side))
            sides[k] = dataclasses.replace(sides[k], predicted=said_predicted)
            predictions[part.spec.side] = prediction
            predicted_warnings += [said] if said else []
    lattices: dict[str, Mesh] = {}
    lattice_warnings: list[str] = []
    if profile.lattice is not None:
        # off the default path: tens of seconds a side
        from insolegen.build.lattice import DrainFitError, LatticeError, lattice_clamped, lattice_part

        # side by side: marching cubes, the booleans and the mending's numpy let go of
        # the interpreter lock for much of the time (a pair 38 s one after the other,
        # 28 s so)
        settings = profile.lattice
        clamped: dict[str, list[str]] = {}
        with ThreadPoolExecutor(max_workers=CHECK_WORKERS) as pool:
            # [zones] heel_kpa_per_mm ...: each side's sheet fractions picked for it
            zones_of = [lattice_aimed(part, material, profile.zones.targets, profile.source, settings, profile.zones)
                        for part in parts]
            made = [pool.submit(lattice_part, part, zones, settings) for part, zones in zip(parts, zones_of)]
            for k, (part, future) in enumerate(zip(parts, made)):
                try:
                    mesh, figures = future.result()
                except DrainFitError as exc:
                    raise LatticeFitError(f"{profile.name}: {exc}") from None
                except LatticeError as exc:
                    raise BuildError(f"{profile.name}: {exc}") from None
                lattices[part.spec.side] = mesh
                stiffness = lattice_stiffness(part, material, settings, {z.name: z.built_pct for z in figures.zones},
                                              profile.zones.targets)
                figures = dataclasses.replace(figures, zones=tuple(dataclasses.replace(z, stiffness=stiffness.get(z.name))
                                                                   for z in figures.zones))
                sides[k] = dataclasses.replace(sides[k], lattice=figures)
                clamped[part.spec.side] = lattice_clamped(figures, settings)
        if len(set(map(tuple, clamped.values()))) == 1:  # every side alike (a pair's mirror twins): said once
            lattice_warnings = next(iter(clamped.values()))
        else:
            lattice_warnings = [f"{side}: {w}" for side, said in clamped.items() for w in said]
    placements, bed_warnings = place_parts(profile, parts)
    record = BuildRecord(
        insolegen_version=__version__,
        name=profile.name,
        profile=str(profile.source) if profile.source else None,
        warnings=tuple(profile.warnings) + tuple(label_warnings) + tuple(bed_warnings) + tuple(lattice_warnings)
        + tuple(predicted_warnings) + tuple(design_warnings),
        print=None if profile.print is None else PrintRecord(
            printer=profile.print.printer, bed_mm=profile.print.bed_mm, family=profile.print.family),
        lift=profile.lift,
        zones=profile.zones.as_dict(),
        shoe=None if profile.shoe is None else profile.shoe.as_dict(),
        sides=tuple(sides),
    )
    return BuildResult(profile, tuple(parts), tuple(reports), record, placements, lattices, predictions)
