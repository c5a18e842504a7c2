"""How few triangles a lattice part can have for a given surface tolerance (issue 31):
prints figures, asserts nothing.

    python benchmarks/lattice_triangle_bound.py [--kind gyroid] [--cell-mm 12]
        [--fractions 30,50] [--tolerance-mm 0.05] [--build outputs/lattice-pair] [--side left]

A flat triangle whose corners lie on a surface strays from it by the linear
interpolation error of the surface's height over the triangle's plane, whose second
derivatives are the principal curvatures k1, k2. The largest triangle that keeps that
error under eps (D'Azevedo and Simpson's optimal triangles, checked by hand for both
cases: the error of a quadratic vanishing at the corners) has area
3 sqrt(3) eps / (2 sqrt(k1 k2)) where the surface is curved like a dome (an equilateral
triangle stretched to the curvatures: error k R^2 / 2 at the circumcentre) and
4 eps / sqrt(|k1 k2|) where it is a saddle (edges at 15, 75 and 135 degrees to a
principal direction; a saddle-shaped error peaks on an edge). The sheet's faces lie near
the minimal surface {g = 0}, saddles nearly everywhere. So a part needs at least
N = the surface integral of sqrt(|K|) / (the constant times eps) triangles on its sheet,
whatever the mesher (adaptive, anisotropic or decimated); near flat points the bound is
weak, so the true least is higher. A mesher of equal-sided triangles sized to the
curvature (as CGAL's and most remeshers are) needs the integral of |k1| (the larger) in
place of sqrt(|K|): printed beside it.

The integral is sampled on a grid of one cell (the coarea formula: |grad g| / 2d over the
points within d of each level), for each fraction, and scaled to the lattice's core: the
core's volume read from a build's plain and lattice STL files (their volumes differ by the
voids: core = (plain - lattice) / (1 - the zones' mean fraction)) or given.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from insolegen.core.sheets import sheet
from insolegen.geometry.lattice.fill import threshold_for

STEP = 1e-4  # radians: the finite differences of g
BAND = 0.02  # a grid point within this of a level is on it (the coarea formula's d)


def curvature_integrals(kind: str, threshold: float, n: int = 128) -> tuple[float, float, float, float, float, float]:
    """(area, the integral of 1 / (the largest triangle's area at eps = 1), the same for
    equal-sided triangles, the largest |curvature|, the share of the area that is
    saddle-shaped, the integral of the Gaussian curvature) of both of the sheet's faces in
    one cell, in the cell's radians (scale by 1/k^2, 1/k, 1/k, k, -, 1)."""
    u = (np.arange(n) + 0.5) * 2 * np.pi / n
    x, y, z = np.meshgrid(u, u, u, indexing="ij")
    p = np.stack([x, y, z])
    value = sheet(kind, x, y, z)
    grad = np.empty((3, *value.shape))
    hessian = np.empty((3, 3, *value.shape))
    for i in range(3):
        ahead, behind = p.copy(), p.copy()
        ahead[i] += STEP
        behind[i] -= STEP
        grad[i] = (sheet(kind, *ahead) - sheet(kind, *behind)) / (2 * STEP)
        for j in range(i, 3):
            corners = []
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                q = p.copy()
                q[i] += si * STEP
                q[j] += sj * STEP
                corners.append(sheet(kind, *q))
            hessian[i, j] = hessian[j, i] = (corners[0] - corners[1] - corners[2] + corners[3]) / (4 * STEP * STEP)
    size = np.linalg.norm(grad, axis=0)
    cell_volume = (2 * np.pi / n) ** 3
    area = needed = isotropic = largest = saddle = total_gauss = 0.0
    for level in (threshold, -threshold):
        on = np.abs(value - level) < BAND
        normal = (grad[:, on] / size[on]).T
        tangent = np.eye(3)[None] - normal[:, :, None] * normal[:, None, :]
        shape = tangent @ np.moveaxis(hessian[:, :, on], -1, 0) @ tangent / size[on][:, None, None]
        curvatures = np.linalg.eigvalsh(shape)  # the normal's own is 0: the two largest in size are k1, k2
        order = np.argsort(np.abs(curvatures), axis=1)
        k1 = np.take_along_axis(curvatures, order[:, 2:3], axis=1)[:, 0]
        k2 = np.take_along_axis(curvatures, order[:, 1:2], axis=1)[:, 0]
        gauss = k1 * k2
        constant = np.where(gauss < 0, 4.0, 3 * math.sqrt(3) / 2)
        most = constant / np.maximum(np.sqrt(np.abs(gauss)), 1e-12)
        weight = size[on] / (2 * BAND) * cell_volume
        area += float(weight.sum())
        needed += float((weight / most).sum())
        isotropic += float((weight * np.abs(k1) / constant).sum())
        largest = max(largest, float(np.abs(k1).max()))
        saddle += float(weight[gauss < 0].sum())
        total_gauss += float((weight * gauss).sum())
    return area, needed, isotropic, largest, saddle / area, total_gauss


def core_mm3(build: Path, side: str, mean_fraction: float) -> float:
    import trimesh

    stem = next(p for p in build.glob(f"*-{side}.stl"))
    plain = trimesh.load(stem).volume
    lattice = trimesh.load(stem.with_name(stem.stem + "-lattice.stl")).volume
    return (plain - lattice) / (1 - mean_fraction)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="gyroid", choices=("gyroid", "diamond"))
    parser.add_argument("--cell-mm", type=float, default=12.0)
    parser.add_argument("--fractions", default="30,50")
    parser.add_argument("--tolerance-mm", type=float, default=0.05)
    parser.add_argument("--build", type=Path, help="a build's folder (its plain and lattice STL files)")
    parser.add_argument("--side", default="left")
    parser.add_argument("--core-cm3", type=float, help="the lattice's core volume, if no --build")
    args = parser.parse_args()
    k = 2 * math.pi / args.cell_mm
    fractions = [float(f) / 100 for f in args.fractions.split(",")]
    densities = []
    for fraction in fractions:
        t = float(threshold_for(args.kind, np.array(fraction)))
        area, needed, isotropic, largest, saddle, total_gauss = curvature_integrals(args.kind, t)
        # the curvatures checked: Gauss-Bonnet, the integral of K over a face is 2 pi chi,
        # chi per cubic cell -8 on the gyroid (2 primitive cells of genus 3), -16 on the
        # diamond (4)
        chi = {"gyroid": -8, "diamond": -16}[args.kind]
        print(f"  check: the Gaussian curvature over each face of a cell {total_gauss / 2:.1f}, "
              f"2 pi chi = {2 * math.pi * chi:.1f}")
        volume = args.cell_mm ** 3
        # triangles per cm3: the integrals are over radians (area / k^2, curvature times k)
        per_cm3, equal = (x / k / args.tolerance_mm / volume * 1000 for x in (needed, isotropic))
        densities.append((per_cm3, equal))
        print(f"{args.kind} {args.cell_mm:g} mm at {100 * fraction:g} %: sheet {area / k ** 2 / volume:.3f} mm2 per mm3, "
              f"{100 * saddle:.0f} % of it saddle-shaped, largest curvature {largest * k:.3f} per mm; at least "
              f"{per_cm3:,.0f} triangles per cm3 of core for {args.tolerance_mm:g} mm ({equal:,.0f} if equal-sided)")
    mean = float(np.mean(fractions))
    core = args.core_cm3 * 1000 if args.core_cm3 else (core_mm3(args.build, args.side, mean) if args.build else None)
    if core is None:
        return
    least, equal = (float(np.mean(column)) * core / 1000 for column in zip(*densities))
    print(f"core {core / 1000:,.0f} cm3 (the zones' mean fraction taken as {100 * mean:g} %): for "
          f"{args.tolerance_mm:g} mm the sheet alone needs at least {least:,.0f} triangles, and {equal:,.0f} "
          f"equal-sided ones sized to the curvature; with 150,000 such, the best is "
          f"{args.tolerance_mm * equal / 150_000:.3f} mm (the count goes as 1 / tolerance and 1 / cell^2)")

if __name__ == "__main__":
    main()
