"""Compute the table of homogenised moduli the build interpolates (insolegen/firmness/moduli.json).

    python -m insolegen.firmness.precompute [--voxels 48] [--out insolegen/firmness/moduli.json] [--only infill]

For each cell (the gyroid and diamond sheets over a range of thresholds, PrusaSlicer's
gyroid infill over a range of densities) it homogenises the cell at --voxels and at two
thirds of it, and records the voxels' solid fraction, E3/Es (along the build direction,
the foot's load) and E1/Es (across it) at both (the change between the two resolutions
is the table's own discretisation error, printed and kept), and at the finer the shear
modulus G23/Es and Poisson's ratio nu31, which published studies give. About 45 minutes
at 48 voxels on two cores; --only KIND recomputes one kind's rows and keeps the others'.
The tests regenerate a few rows at a coarse resolution and compare.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from insolegen.firmness.cells import infill_cell, sheet_cell
from insolegen.firmness.homogenise import homogenise
from insolegen.firmness.materials import TPU_POISSON

__all__ = ["INFILL_DENSITIES", "SHEET_THRESHOLDS", "TABLE_PATH", "cell_row", "main"]

TABLE_PATH = Path(__file__).with_name("moduli.json")
# thresholds t of {|g| < t}: solid fractions from about 0.05 to 0.75 on both sheets
SHEET_THRESHOLDS = {"gyroid": (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1),
                    "diamond": (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)}
INFILL_DENSITIES = (0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85)


def cell_row(kind: str, parameter: float, voxels: int) -> dict[str, float]:
    """One table row: the cell ('gyroid', 'diamond': parameter = threshold; 'infill':
    parameter = density) homogenised on voxels^3 voxels."""
    occupancy = infill_cell(parameter, voxels) if kind == "infill" else sheet_cell(kind, parameter, voxels)
    cell = homogenise(occupancy, TPU_POISSON)
    return {"fraction": round(cell.fraction, 6), "e3": round(cell.young(2), 7), "e1": round(cell.young(0), 7),
            "g1": round(cell.shear(0), 7), "nu31": round(cell.poisson(2, 0), 5)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voxels", type=int, default=48)
    parser.add_argument("--out", type=Path, default=TABLE_PATH)
    parser.add_argument("--only", choices=("gyroid", "diamond", "infill"),
                        help="recompute this kind's rows only; the others are kept from --out")
    args = parser.parse_args(argv)
    coarse = args.voxels * 2 // 3
    kinds: dict[str, list[dict[str, Any]]] = {}
    cases = [(kind, "threshold", t) for kind, ts in SHEET_THRESHOLDS.items() for t in ts]
    cases += [("infill", "density", d) for d in INFILL_DENSITIES]
    if args.only:
        kept = json.loads(args.out.read_text())
        if (kept["voxels"], kept["coarse_voxels"]) != (args.voxels, coarse):
            parser.error(f"--only: {args.out} was made at {kept['voxels']} voxels, not {args.voxels}")
        kinds = {kind: rows for kind, rows in kept["kinds"].items() if kind != args.only}
        cases = [case for case in cases if case[0] == args.only]
    for kind, key, value in cases:
        start = time.perf_counter()
        fine = cell_row(kind, value, args.voxels)
        rough = cell_row(kind, value, coarse)
        row = {key: value, **fine, "e3_coarse": rough["e3"], "fraction_coarse": rough["fraction"]}
        kinds.setdefault(kind, []).append(row)
        print(f"{kind:8s} {key} {value:<6g} fraction {fine['fraction']:.4f}  E3/Es {fine['e3']:.5f} "
              f"({coarse} voxels: {rough['e3']:.5f})  E1/Es {fine['e1']:.5f}  {time.perf_counter() - start:.0f} s",
              flush=True)
    kinds = {kind: kinds[kind] for kind in ("gyroid", "diamond", "infill") if kind in kinds}
    table = {"about": "E/Es of periodic cells by finite-element homogenisation (insolegen/firmness/homogenise.py); "
                      "e3 along the build direction, e1 across; made by python -m insolegen.firmness.precompute",
             "voxels": args.voxels, "coarse_voxels": coarse, "poisson": TPU_POISSON, "kinds": kinds}
    args.out.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
