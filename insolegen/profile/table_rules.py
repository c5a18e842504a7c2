"""Refusals of the [lattice] and [pressure] tables that no single key's range catches:
keys that must agree with each other, or with the side's base."""

from __future__ import annotations

import itertools
from typing import Any

from insolegen.core.sheets import greatest_threshold, least_threshold
from insolegen.profile import defaults
from insolegen.profile.problems import Problem, problem
from insolegen.profile.schema import RANGES, ProfileDoc
from insolegen.profile.spec import SideSpec, lattice_step_mm

__all__ = ["DRAIN_HOLE_LEAST_MM", "lattice_problems", "pressure_problems"]

DRAIN_HOLE_LEAST_MM = 2.0  # narrower escape holes clog (docs/lattice.md, "Drain holes")


def lattice_problems(doc: ProfileDoc, specs: list[SideSpec] | None = None) -> list[Problem]:
    table = doc.lattice
    if table is None or not table.enabled:
        return []
    found: list[Problem] = []
    thin: dict[str, Problem] = {}
    for spec in specs or []:
        # the sheet averages to its fraction over half a cell's height or more (docs/lattice.md)
        base = min(spec.thickness_mm, spec.heel_thickness_mm)
        core = base - table.skin_top_mm - table.skin_bottom_mm
        if core < table.cell_mm / 2:
            thin[spec.side] = problem("lattice.cell_mm", table.cell_mm,
                f"lattice.cell_mm = {table.cell_mm:g} in a {max(core, 0):g} mm core (a {base:g} mm base "
                f"less the skins, {table.skin_top_mm:g} + {table.skin_bottom_mm:g} mm): allowed is a "
                "cell at most twice the core (a smaller lattice.cell_mm, or a thicker base)")
    if len(set(thin.values())) == 1 and len(thin) == len(specs or []):
        found.append(next(iter(thin.values())))  # both sides alike: said once
    else:
        found += [message.prefixed(f"{side}: ") for side, message in thin.items()]
    if doc.shoe is not None and doc.shoe.bottom == "shoe":
        found.append(problem("shoe.bottom", "shoe",
            "lattice.enabled with shoe.bottom = \"shoe\": a lattice is built on a flat underside only "
            "(set shoe.bottom = \"flat\")"))
    step = lattice_step_mm(table.cell_mm, table.wall_min_mm)
    least = least_threshold(table.cell_mm, table.wall_min_mm)
    if table.wall_min_mm * 3 <= table.cell_mm and least > greatest_threshold(table.type, table.cell_mm, step):
        found.append(problem("lattice.wall_min_mm", table.wall_min_mm,
            f"lattice.wall_min_mm = {table.wall_min_mm:g} in a {table.cell_mm:g} mm {table.type} cell: its "
            "walls need a sheet so thick that its voids' necks close (docs/lattice.md): allowed is a larger "
            "lattice.cell_mm or a thinner lattice.wall_min_mm"))
    if 0 < table.drain_hole_mm < DRAIN_HOLE_LEAST_MM:
        found.append(problem("lattice.drain_hole_mm", table.drain_hole_mm,
            f"lattice.drain_hole_mm = {table.drain_hole_mm:g}: allowed is 0 (sealed voids, for FDM) or "
            f"{DRAIN_HOLE_LEAST_MM:g} to 8 mm (3.5 mm is the usual least for powder and resin)"))
    elif table.drain_hole_mm > table.cell_mm / 2:
        found.append(problem("lattice.drain_hole_mm", table.drain_hole_mm,
            f"lattice.drain_hole_mm = {table.drain_hole_mm:g} in a {table.cell_mm:g} mm cell: a void is "
            f"narrower than that with its walls; allowed is at most half the cell "
            f"({table.cell_mm / 2:g} mm), or a larger lattice.cell_mm"))
    if table.wall_min_mm * 3 > table.cell_mm:
        found.append(problem("lattice.wall_min_mm", table.wall_min_mm,
            f"lattice.wall_min_mm = {table.wall_min_mm:g} in a {table.cell_mm:g} mm cell: allowed is a wall "
            "at most a third of the cell (a larger lattice.cell_mm)"))
    return found


def _band_stiffness_problems(doc: ProfileDoc, key: str, table: Any) -> list[Problem]:
    """The bands asked as stiffness: both ends, softest under firmest, graded zones of
    the gyroid infill, not beside the percents, not with a lattice (yet)."""
    soft, firm = table.softest_kpa_per_mm, table.firmest_kpa_per_mm
    if soft is None and firm is None:
        return []
    given = "softest_kpa_per_mm" if soft is not None else "firmest_kpa_per_mm"
    value = soft if soft is not None else firm
    if soft is None or firm is None:
        missing = "firmest_kpa_per_mm" if firm is None else "softest_kpa_per_mm"
        return [problem(f"{key}.{missing}", None, f"{key}.{given} needs {key}.{missing} too: the bands run from one to "
                                                  "the other")]
    if firm <= soft:
        return [problem(f"{key}.firmest_kpa_per_mm", firm, f"{key}.firmest_kpa_per_mm = {firm:g} is not above "
                                                            f"{key}.softest_kpa_per_mm = {soft:g}")]
    if table.zones != "pressure":
        return [problem(f"{key}.{given}", value, f"{key}.{given} grades the bands' infill: it needs {key}.zones = "
                                                 "\"pressure\"")]
    if {"softest_pct", "firmest_pct"} & table.model_fields_set:
        return [problem(f"{key}.{given}", value, f"{key}.softest_pct / firmest_pct and {key}.{given} both ask the "
                                                 "bands' firmness: give one pair")]
    if doc.zones.pattern.strip().lower() != "gyroid":
        return [problem(f"{key}.{given}", value, f"{key}.{given} needs zones.pattern = \"gyroid\" (the firmness "
                                                 "model knows the slicer's gyroid infill)")]
    if doc.lattice is not None and doc.lattice.enabled:
        return [problem(f"{key}.{given}", value, f"{key}.{given} picks the printed part's infill; with [lattice] "
                                                 "give the bands' softest_pct and firmest_pct (solid fractions)")]
    return []


def _target_problems(doc: ProfileDoc, key: str, table: Any) -> list[Problem]:
    """A pressure target needs the prediction: the gyroid infill (the firmness model)."""
    for name in ("target_peak_kpa", "target_reduction_pct"):
        value = getattr(table, name)
        if value is not None and doc.zones.pattern.strip().lower() != "gyroid":
            return [problem(f"{key}.{name}", value, f"{key}.{name} needs zones.pattern = \"gyroid\": the pressure is "
                                                    "predicted with the firmness model, which knows the slicer's gyroid")]
    return []


def pressure_problems(doc: ProfileDoc, sides: tuple[str, ...]) -> list[Problem]:
    """Refusals of the [pressure] tables that no single key's range catches."""
    found: list[Problem] = []
    if doc.pressure is not None and len(sides) == 2 and any(getattr(doc, s).pressure is None for s in sides):
        found.append(problem("pressure", None,
            "[pressure] is given but both sides are built (side = \"both\"): a map shows one foot; give "
            "each foot's map as [left.pressure] and [right.pressure], or set side = \"left\" / \"right\""))
    for key, table in (("pressure", doc.pressure), ("left.pressure", getattr(doc.left, "pressure", None)),
                       ("right.pressure", getattr(doc.right, "pressure", None))):  # SideTable is made at run time
        if table is None:
            continue
        if table.firmest_pct <= table.softest_pct:
            found.append(problem(f"{key}.firmest_pct", table.firmest_pct,
                f"{key}.firmest_pct = {table.firmest_pct:g} is not above {key}.softest_pct = "
                f"{table.softest_pct:g}: allowed is a firmest band firmer than the softest"))
        else:
            step = (table.firmest_pct - table.softest_pct) / (table.bands - 1)
            if step > defaults.PRESSURE_MAX_STEP_PCT:
                found.append(problem(f"{key}.bands", table.bands,
                    f"{key}.bands = {table.bands} from {table.softest_pct:g} to {table.firmest_pct:g} % makes "
                    f"steps of {step:.1f} points: allowed at most {defaults.PRESSURE_MAX_STEP_PCT:g} (more "
                    "bands, or a narrower range)"))
        found += _band_stiffness_problems(doc, key, table)
        found += _target_problems(doc, key, table)
        if table.relief_table:
            kpa = [p[0] for p in table.relief_table]
            depth = [p[1] for p in table.relief_table]
            if any(b <= a for a, b in itertools.pairwise(kpa)):
                found.append(problem(f"{key}.relief_table", table.relief_table,
                    f"{key}.relief_table = {table.relief_table}: the pressures must rise from row to row"))
            if any(d > RANGES["heel_relief_mm"][1] for d in depth):
                found.append(problem(f"{key}.relief_table", table.relief_table,
                    f"{key}.relief_table: a depth of {max(depth):g} mm: allowed 0 to "
                    f"{RANGES['heel_relief_mm'][1]:g} mm"))
    return found
