"""Render docs/firmness.png for the README, and the README's table of what firmness
means in kPa/mm (tests/test_firmness_docs.py holds the README to it).

    python docs/make_pictures.py firmness.png
    python docs/make_firmness_picture.py --table     # the README's table, as Markdown
    python docs/make_firmness_picture.py --published # docs/firmness.md's comparison, as Markdown

The picture: E/Es along the build direction against the solid fraction, from the shipped
table (insolegen/firmness/moduli.json), for the gyroid and diamond sheets and for
PrusaSlicer's gyroid infill (along and across the build direction), under the
Hashin-Shtrikman upper bound for an isotropic porous solid and the Voigt bound (walls in
parallel, E/Es = fraction); the published sheet-gyroid exponent as a slope beside the
model's (insolegen/firmness/published.py: no published table of points could be read).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from insolegen.core.printing import TPU
from insolegen.firmness.column import Skins, column_kpa_per_mm
from insolegen.firmness.foams import FOAMS
from insolegen.firmness.materials import DEFAULT_MATERIAL, MATERIALS, TPU_POISSON
from insolegen.firmness.published import PUBLISHED, model_exponent, model_poisson_range
from insolegen.firmness.table import fraction_for, relative_modulus, table, table_least
from insolegen.profile import defaults

ROOT = Path(__file__).resolve().parents[1]
COLUMN_MM = 6.0  # the README table's column: a 6 mm insole under the foot, top and bottom skins

SLOPE_AT = 0.2  # where the published slope is drawn against the model's gyroid sheet


def hashin_shtrikman(fraction: np.ndarray, poisson: float) -> np.ndarray:
    """The Hashin-Shtrikman upper bound on E/Es of an isotropic porous solid."""
    k_s = 1 / (3 * (1 - 2 * poisson))
    g_s = 1 / (2 * (1 + poisson))
    k = k_s + (1 - fraction) / (-1 / k_s + 3 * fraction / (3 * k_s + 4 * g_s))
    g = g_s + (1 - fraction) / (-1 / g_s + 6 * (k_s + 2 * g_s) * fraction / (5 * g_s * (3 * k_s + 4 * g_s)))
    return np.asarray(9 * k * g / (3 * k + g))


def main(out: Path = ROOT / "docs" / "firmness.png") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 10, "svg.hashsalt": "insolegen"})
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    f = np.linspace(0.02, 1.0, 200)
    ax.plot(f, f, color="0.6", linestyle=":", label="Voigt bound (walls in parallel)")
    ax.plot(f, hashin_shtrikman(f, TPU_POISSON), color="0.3", linestyle="--",
            label="Hashin-Shtrikman upper bound (isotropic)")
    styles = {"gyroid": ("tab:blue", "o"), "diamond": ("tab:green", "s"), "infill": ("tab:orange", "^")}
    for kind, rows in table()["kinds"].items():
        rows = [r for r in rows if r["e3"] > 0]
        colour, marker = styles[kind]
        x = [r["fraction"] for r in rows]
        name = "PrusaSlicer gyroid infill" if kind == "infill" else f"{kind} sheet"
        ax.plot(x, [r["e3"] for r in rows], color=colour, marker=marker, label=f"{name}, along the build direction")
        if kind == "infill":
            ax.plot(x, [r["e1"] for r in rows], color=colour, marker=marker, linestyle="--", fillstyle="none",
                    label=f"{name}, across it")
    young = PUBLISHED[0]
    lo, hi = young.fit_range
    x = np.array([lo, hi])
    anchor = relative_modulus("gyroid", SLOPE_AT).along
    ax.plot(x, anchor * (x / SLOPE_AT) ** young.value, color="black", linewidth=1.2,
            label=f"slope {young.value:g} of {young.source.split(',')[0]} et al. (FE, sheet gyroid), "
                  f"through the model at {100 * SLOPE_AT:g} %")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(0.05, 1.0)
    ax.set_ylim(0.005, 1.0)
    ax.set_xlabel("solid fraction (voxels of the cell)")
    ax.set_ylabel("E / Es")
    ax.set_title(f"Homogenised moduli ({table()['voxels']} voxels a cell, Poisson {TPU_POISSON})")
    ax.grid(True, which="both", color="0.9")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, metadata={"Software": None})
    plt.close(fig)


def readme_table() -> str:
    """The README's table: each default zone and each foam in the default material, as
    a 6 mm column's kPa per mm (skins as printed)."""
    material = MATERIALS[DEFAULT_MATERIAL]
    skins = Skins(TPU.top_layers * TPU.layer_height_mm, TPU.bottom_layers * TPU.layer_height_mm)
    h = np.array([COLUMN_MM])
    lines = [f"| {DEFAULT_MATERIAL}, {COLUMN_MM:g} mm column | infill | core modulus | stiffness |",
             "|---|---:|---:|---:|"]
    for zone in ("heel", "arch", "forefoot", "toes"):
        pct = defaults.ZONE_PCT[zone]
        core = material.modulus_mpa * relative_modulus("infill", pct / 100).along
        k = column_kpa_per_mm(h, core, material.modulus_mpa, skins)[0]
        lines.append(f"| {zone} (default) | {pct:g} % | {core:.2f} MPa | {k:.0f} kPa/mm |")
    least = table_least("infill")
    soft = column_kpa_per_mm(h, material.modulus_mpa * relative_modulus("infill", least).along,
                             material.modulus_mpa, skins)[0]
    lines.append(f"| the softest the model covers | {100 * least:g} % | "
                 f"{material.modulus_mpa * relative_modulus('infill', least).along:.2f} MPa | {soft:.0f} kPa/mm |")
    for foam in FOAMS.values():
        k = foam.secant_modulus_mpa * 1000 / COLUMN_MM
        skin = skins.top_mm + skins.bottom_mm
        core = (COLUMN_MM - skin) / (1000 / k - skin / material.modulus_mpa)
        pct = "softer than any" if k < soft else f"{100 * fraction_for('infill', core / material.modulus_mpa, least, 1.0):.1f} %"
        lines.append(f"| as firm as {foam.name} ({foam.stress_kpa:g} kPa at {100 * foam.strain:g} %) | {pct} | "
                     f"{foam.secant_modulus_mpa:.3f} MPa | {k:.0f} kPa/mm |")
    return "\n".join(lines)


def published_table() -> str:
    """docs/firmness.md's comparison: each published figure beside the model's."""
    lines = ["| quantity (sheet gyroid) | published | the model | source, method |", "|---|---:|---:|---|"]
    keys = {"Young": "e3", "shear": "g1"}
    for item in PUBLISHED:
        lo, hi = item.fit_range
        span = f"{100 * lo:g}-{100 * hi:g} %"
        published = f"{item.value:g}" + (f" +- {item.spread:g}" if item.spread else "")
        key = next((k for word, k in keys.items() if word in item.quantity), None)
        if key is not None:
            ours = f"{model_exponent('gyroid', key, item.fit_range):.2f} ({span})"
        else:
            least, greatest = model_poisson_range("gyroid", item.fit_range)
            ours = f"{least:.2f}-{greatest:.2f} ({span})"
        lines.append(f"| {item.quantity} | {published} | {ours} | {item.source}; {item.method} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="print the README's table instead")
    parser.add_argument("--published", action="store_true", help="print docs/firmness.md's comparison instead")
    args = parser.parse_args()
    if args.table:
        print(readme_table())
    elif args.published:
        print(published_table())
    else:
        main()
        print(ROOT / "docs" / "firmness.png", file=sys.stderr)
