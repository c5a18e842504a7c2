"""report.html: one self-contained page (pictures embedded) to file with the patient's
record. Prints on A4 or Letter: three pages, each section kept whole, the preview as
wide as the paper allows. What it says of zones, the lift layer and print settings is
what the 3MF files hold (the same zone solids and the same settings they are written
from).

Over 400 lines: one page's HTML, section by section in page order, so the page reads top
to bottom here as it prints.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from insolegen.build.parts import BuildResult
from insolegen.build.record import BuildRecord, LatticeFigures, SideRecord
from insolegen.exports.picture_overlay import picture_page, picture_png
from insolegen.exports.pressure_map import predicted_page, predicted_pressure_png
from insolegen.exports.print_settings import TPU, prusa_command, shell_lines
from insolegen.exports.stiffness_map import stiffness_map_png
from insolegen.exports.zone_text import lift_height_text, lift_zones_text
from insolegen.geometry.modifications import modification_label
from insolegen.profile.clinical import net_correction
from insolegen.profile.printers import DEFAULT_ORCA_BED_MM, DEFAULT_PRUSA_BED_MM
from insolegen.profile.schema import LiftTable
from insolegen.profile.spec import SideSpec

__all__ = [
    "CSS", "IMAGES_LOADED", "MAP_CELL_PX", "PARAMETERS", "PATIENT_FIELDS", "SLICER_FOR", "prusa_recipe",
    "report_html", "variants_report_html",
]

PARAMETERS = [  # (key, label, unit)
    ("foot_length_mm", "foot length", "mm"), ("ball_width_mm", "ball width", "mm"),
    ("heel_width_mm", "heel width", "mm"), ("size", "shoe size", ""), ("length", "insole length", ""),
    ("thickness_mm", "base thickness (forefoot)", "mm"), ("heel_thickness_mm", "base thickness (heel)", "mm"),
    ("heel_cup_depth_mm", "heel cup depth", "mm"), ("arch_height_mm", "arch height", "mm"),
    ("arch_apex_pct", "arch apex", "% of length"), ("met_pad_height_mm", "metatarsal pad", "mm"),
    ("rearfoot_post_deg", "rearfoot post (+ varus)", "\u00b0"), ("forefoot_post_deg", "forefoot post (+ varus)", "\u00b0"),
    ("lift_heel_mm", "lift at the heel", "mm"), ("lift_forefoot_mm", "lift at the metatarsal heads", "mm"),
]
SLICER_FOR = {".stl": "any slicer (one density)", ".3mf": "PrusaSlicer (zones as modifiers)",
              ".orca.3mf": "OrcaSlicer, Bambu Studio, Cura (zones as modifier parts / infill meshes)",
              ".json": "build record", ".png": "preview picture", ".html": "this report",
              "-lattice.stl": "the lattice part: SLS, MJF, resin, or any slicer printing it solid",
              "-lattice.3mf": "PrusaSlicer: the lattice part, set to print solid",
              "-lattice.orca.3mf": "OrcaSlicer, Bambu Studio: the lattice part, set to print solid"}

CSS = """
@page { margin: 12mm; }
body { font: 10pt/1.3 system-ui, sans-serif; color: #111; margin: 0 auto; }
@media screen { body { max-width: 190mm; } }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 4mm 0 1.5mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; break-inside: avoid; }
h2 { break-after: avoid; }
th, td { font-size: 9pt; border: 1px solid #bbb; padding: 0.3mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.warnings { border: 2px solid #b00; background: #fff0f0; padding: 2mm 4mm; break-inside: avoid; }
.warnings li { color: #900; font-weight: 600; } .ok { color: #060; }
.page { break-after: page; } .page:last-child { break-after: auto; }
img { width: 100%; height: auto; max-height: 230mm; object-fit: contain; }
.meta { color: #444; }
.two { display: flex; gap: 5mm; } .two > div { flex: 1; min-width: 0; }
code { font: 7.5pt/1.25 ui-monospace, monospace; display: block; white-space: pre;
       background: #f4f4f4; padding: 1mm 2mm; break-inside: avoid; }
"""


# Marks the page once every image has decoded (data-images="loaded"): what the browser
# tests wait for.
IMAGES_LOADED = """<script>
window.addEventListener("load", function () {
  var ok = Array.prototype.every.call(document.images, function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute("data-images", ok ? "loaded" : "broken");
});
</script>"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value - round(value)) > 1e-9 else f"{value:.0f}"
    return _e(value)


def report_html(result: BuildResult, preview_png: bytes, files: dict[str, str],
                today: dt.date | None = None, estimates: dict[str, str] | None = None) -> str:
    """The report for one built profile: three printable pages (prescription and
    measurements, the preview, zones, files and print settings)."""
    today = today or dt.date.today()
    record = result.record
    sides = record.sides
    names = [s.side for s in sides]
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    rows = _prescription_rows(result, names)
    measured = _measured_rows(sides)
    warning_block = _warning_block(record.warnings)
    zone_rows = _zone_rows(sides)
    lift_notes = _lift_notes(result)
    file_rows = _file_rows(files)
    bed = _bed_text(record)
    picture = base64.b64encode(preview_png).decode()
    tpu = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td><td>{_e(w)}</td></tr>" for k, v, w in TPU.rows())
    recipe = _e(prusa_recipe(result, files))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>insolegen report: {_e(result.profile.name)}</title>
<style>{CSS}</style></head>
<body>
<section class="page">
<h1>Insole report: {_e(result.profile.name)}</h1>
<p class="meta">Patient / name: <strong>{_e(result.profile.name)}</strong> &middot; date: {today.isoformat()} &middot;
sides: {_e(', '.join(names))} &middot; insolegen {_e(record.insolegen_version)} &middot; profile: {_e(record.profile or '')}</p>
<div class="two">{_patient_block(record, today)}{_lift_block(result)}</div>
{warning_block}
<h2>Prescription as built</h2>
<table><tr><th>parameter</th>{head}<th>unit</th></tr>{''.join(rows)}</table>
{_modifications_block(sides, head)}
{_pressure_block(result)}
<h2>Measured on the finished parts</h2>
<table><tr><th>measurement</th>{head}<th>unit</th></tr>{''.join(measured)}</table>
</section>
<section class="page">
<h2>Preview</h2>
<img alt="preview of {_e(result.profile.name)}" src="data:image/png;base64,{picture}">
</section>
<section class="page">
<h2>Firmness zones in the 3MF files</h2>
<table><tr><th>zone: {_e(record.zones['pattern'])} infill &middot; part volume in it</th>{head}</tr>{''.join(zone_rows)}</table>
{lift_notes}<p>Placement: {bed}.{_estimate_text(estimates)}</p>
{_lattice_block(sides, head)}
<h2>Files</h2>
<table><tr><th>file</th><th>for</th></tr>{''.join(file_rows)}</table>
<h2>Recommended print settings ({_e(TPU.material)})</h2>
<table><tr><th>setting</th><th>recommended</th><th>set</th></tr>{tpu}</table>
<p>PrusaSlicer on the command line, in this folder (on the bed the files are placed on,
with the settings a 3MF cannot carry):</p>
<code>{recipe}</code>
{_printing_text(record)}
</section>
{_stiffness_page(sides, head, stiffness_map_png(result))}
{predicted_page(result, predicted_pressure_png(result))}
{picture_page(result, picture_png(result))}
{IMAGES_LOADED}
</body></html>
"""


def _prescription_rows(result: BuildResult, names: list[str]) -> list[str]:
    """The parameters each side was built with (zero-valued extras left out)."""
    specs: dict[str, SideSpec] = {part.spec.side: part.spec for part in result.parts}
    rows = []
    for key, label, unit in PARAMETERS:
        values = [getattr(specs[n], key) for n in names]
        if key.startswith("lift") and result.record.lift:
            continue  # the leg-length block shows the lift, asked and measured
        if (all(v in (None, 0, 0.0) for v in values) and key not in ("heel_cup_depth_mm", "arch_height_mm")
                and key.startswith(("lift", "met", "rearfoot", "forefoot", "size"))):
            continue
        cells = "".join(f'<td class="num">{_fmt(v)}</td>' for v in values)
        rows.append(f"<tr><td>{_e(label)}</td>{cells}<td>{_e(unit)}</td></tr>")
    sources = [specs[n].foot for n in names]
    if any(sources):
        cells = "".join(f"<td>{_e(s.kind + ': ' + s.info.get('file', '')) if s else 'size'}</td>" for s in sources)
        rows.append(f"<tr><td>foot from</td>{cells}<td></td></tr>")
    return rows


def _measured_rows(sides: tuple[SideRecord, ...]) -> list[str]:
    """Heights, outline figures, thickness, volume and checks, as measured on the mesh."""
    measured = []
    for name in sides[0].heights:
        cells = "".join(
            f'<td class="num">{s.heights[name].measured_mm:.2f}</td>' if name in s.heights else "<td></td>"
            for s in sides)
        measured.append(f"<tr><td>top height at the {_e(name.replace('_', ' '))}</td>{cells}<td>mm</td></tr>")
    for key, label in (("length_mm", "insole length"), ("ball_width_mm", "ball width"), ("heel_width_mm", "heel width")):
        cells = "".join(f'<td class="num">{getattr(s.outline, key):.1f}</td>' for s in sides)
        measured.append(f"<tr><td>{label} (on the mesh)</td>{cells}<td>mm</td></tr>")
    for key, label, unit, scale in (("min_thickness_mm", "thinnest section", "mm", 1), ("volume_mm3", "volume", "cm\u00b3", 1e-3),
                                    ("triangles", "triangles", "", 1)):
        cells = "".join(f'<td class="num">{getattr(s, key) * scale:.{0 if key == "triangles" else 2}f}</td>'
                        for s in sides)
        measured.append(f"<tr><td>{label}</td>{cells}<td>{unit}</td></tr>")
    checks = "".join(f"<td>{_e(_solid_said(s.checks))}</td>" for s in sides)
    measured.append(f"<tr><td>printable solid</td>{checks}<td></td></tr>")
    return measured


def _modifications_block(sides: tuple[SideRecord, ...], head: str) -> str:
    """Each modification per side: measured on the mesh at its landmark, and asked (a
    relief as its depth)."""
    keys = list(dict.fromkeys(m.key for s in sides for m in s.modifications))
    if not keys:
        return ""
    rows = []
    for key in keys:
        cells = ""
        for s in sides:
            found = next((m for m in s.modifications if m.key == key), None)
            cells += (f'<td class="num">{abs(found.measured_mm):.2f} mm (asked {abs(found.asked_mm):g})</td>'
                      if found else "<td>-</td>")
        kind = "depth" if any(m.asked_mm < 0 for s in sides for m in s.modifications if m.key == key) else "height"
        rows.append(f"<tr><td>{_e(modification_label(key))} ({kind})</td>{cells}</tr>")
    return f"<h2>Modifications, measured on the mesh</h2><table><tr><th>modification</th>{head}</tr>{''.join(rows)}</table>"


MAP_CELL_PX = 6  # each sensor cell drawn this many pixels square


def _pressure_block(result: BuildResult) -> str:
    """Each side's pressure map: the file, how it was laid on the foot and how well it
    fits, the map itself, and per region its peak and what was done about it."""
    blocks = []
    for part, side in zip(result.parts, result.record.sides):
        p = side.pressure
        relief = part.surface.pressure_relief
        if p is None or relief is None:
            continue
        reg = p.registration
        fit = reg["fit"]
        rows = "".join(
            f"<tr><td>{_e(r.name)}</td><td class=\"num\">{r.peak_kpa:.0f}</td><td class=\"num\">{r.asked_mm:.2f}</td>"
            f"<td class=\"num\">{r.measured_mm:.2f}</td><td>{_e(r.action)}</td></tr>" for r in p.regions)
        bands = ""
        if p.bands:
            bands = "<p>Bands of infill (" + _e(p.grading or "") + "): " + ", ".join(
                _e(f"{b.name.replace('pressure_', 'band ')} {b.from_kpa:g}"
                   + (f"-{b.to_kpa:g}" if b.to_kpa is not None else "+") + f" kPa: {b.infill_pct:g} %")
                for b in p.bands) + ".</p>"
        image = base64.b64encode(_map_png(relief.field.grid.kpa, p.threshold_kpa)).decode()
        pitch = (f"{p.pitch_mm[0]:g} x {p.pitch_mm[1]:g} mm" if p.pitch_mm[0] else "not given (scaled to the foot)")
        blocks.append(
            f"<h3>{_e(side.side)}: {_e(p.file)}</h3>"
            f"<p>{_e(p.file_format)} file, {_e(p.units)} ({_e(p.units_from)}), frame {_e(p.frame_used)} of "
            f"{p.frames}, sensor pitch {_e(pitch)}. Laid on the foot: turned {reg['rotation_deg']:.1f}&deg;"
            f"{', mirrored' if reg['mirrored'] else ''}, scale {reg['scale']:g}, shown foot "
            f"{_e(reg['side_shown'])} ({_e(reg['side_from'])}); {fit['loaded_cells_inside_share']:.0%} of the "
            f"loaded cells on the foot, its edge {fit['mean_edge_distance_mm']:.1f} mm from the outline's on "
            f"average. Relief above {p.threshold_kpa:g} kPa ({p.cells_over_threshold} cells; peak "
            f"{p.peak_kpa:.0f} kPa), depth by the table "
            + _e(", ".join(f"{k:g} kPa: {d:g} mm" for k, d in p.relief_table)) + ".</p>"
            f'<img class="map" alt="pressure map of the {_e(side.side)} foot, red above {p.threshold_kpa:g} kPa" '
            f'src="data:image/png;base64,{image}">'
            "<table><tr><th>region</th><th>peak (kPa)</th><th>relief asked (mm)</th><th>relief on the mesh (mm)</th>"
            f"<th>done</th></tr>{rows}</table>{bands}")
    return ("<h2>Pressure map</h2>" + "".join(blocks)) if blocks else ""


def _map_png(kpa: Any, threshold_kpa: float) -> bytes:
    """The map as recorded: white (no load) to blue, red over the threshold, grey where
    no sensor."""
    import io

    import numpy as np
    from PIL import Image

    values = np.asarray(kpa, dtype=float)
    t = np.clip(np.nan_to_num(values, nan=0.0) / threshold_kpa, 0.0, 1.0)[..., None]
    rgb = (1 - t) * np.array([255.0, 255.0, 255.0]) + t * np.array([29.0, 53.0, 87.0])
    rgb = np.where((np.nan_to_num(values, nan=0.0) > threshold_kpa)[..., None], [208.0, 0.0, 0.0], rgb)
    rgb = np.where(np.isnan(values)[..., None], [200.0, 200.0, 200.0], rgb)
    image = Image.fromarray(rgb.astype(np.uint8)).resize(
        (values.shape[1] * MAP_CELL_PX, values.shape[0] * MAP_CELL_PX), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


PATIENT_FIELDS = [("id", "patient id"), ("date_of_birth", "date of birth"), ("clinician", "clinician"),
                  ("diagnosis", "diagnosis"), ("shoe", "shoe"), ("notes", "notes")]


def _patient_block(record: BuildRecord, today: dt.date) -> str:
    """The patient's record ([patient]) as written; nothing when the profile has none."""
    patient = record.patient
    if patient is None:
        return ""
    rows = []
    for key, label in PATIENT_FIELDS:
        value = getattr(patient, key)
        if value is None:
            continue
        if isinstance(value, dt.date):
            years = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
            value = f"{value.isoformat()} (age {years})"
        rows.append(f'<tr><th style="width:28%">{_e(label)}</th><td>{_e(value)}</td></tr>')
    return f"<div><h2>Patient record</h2><table>{''.join(rows)}</table></div>" if rows else ""


def _printing_text(record: BuildRecord) -> str:
    """How to print, and the shoe the parts are made for ([shoe])."""
    shoe = record.shoe
    if not shoe:
        return "<p>Print flat, one per side; remove the shoe's own insole before fitting; label the side on a lift.</p>"
    room = f", {_fmt(shoe['heel_depth_mm'])} mm inside the heel counter" if shoe.get("heel_depth_mm") else ""
    made = (f"<p>Made for a shoe whose footbed rises {_fmt(shoe['heel_pitch_mm'])} mm at the heel and "
            f"{_fmt(shoe['toe_spring_mm'])} mm at the toe above the ball{room}.")
    if shoe["bottom"] != "shoe":
        return made + (" The underside is flat: print flat, in a flexible material (TPU) that takes the footbed's "
                       "shape in the shoe.</p>")
    rows = "".join(
        f"<tr><td>{_e(f.name.replace('_', ' '))} ({_e(s.side)})</td><td class=\"num\">{f.asked_mm:.2f}</td>"
        f"<td class=\"num\">{f.measured_mm:.2f}</td></tr>" for s in record.sides for f in s.underside)
    return (made + " The underside follows that footbed, so each part stands on its ball: print it with supports "
            "under the heel and the toes (both 3MF files turn supports on), or build it with "
            "<code>bottom = \"flat\"</code> and print flat in a flexible material.</p>"
            "<table><tr><th>underside above the bed</th><th>asked (mm)</th><th>measured (mm)</th></tr>"
            f"{rows}</table>")


def _lift_block(result: BuildResult) -> str:
    """For a lift, always: the measured LLD, the lift at the heel and at the metatarsal
    heads on each side (asked, and measured on the mesh) and the correction it makes."""
    lift = result.record.lift
    if not lift:
        return ""
    by_side = {s.side: s for s in result.record.sides}
    specs: dict[str, SideSpec] = {part.spec.side: part.spec for part in result.parts}
    names = list(by_side)
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    rows, heel_lift = [], {}
    for landmark, label, key in (("heel_centre", "lift at the heel", "lift_heel_mm"),
                                 ("metatarsal_heads", "lift at the MTHs", "lift_forefoot_mm")):
        cells = ""
        for n in names:
            asked = float(getattr(specs[n], key))
            height = by_side[n].heights.get(landmark)
            if height is None:
                cells += f'<td class="num">{asked:.1f} asked</td>'
                continue
            measured = height.term_mm(asked)
            if landmark == "heel_centre":
                heel_lift[n] = measured
            cells += f'<td class="num">{measured:.2f} mm (asked {asked:.1f})</td>'
        rows.append(f"<tr><td>{label}</td>{cells}</tr>")
    short = str(lift["side"])
    lld = lift.get("measured_lld_mm")
    table = LiftTable.model_validate(dict(lift))
    others = [specs[n].heel_thickness_mm for n in names if n != short]
    # the difference between the two shoes' heels (profile.clinical.net_correction),
    # with the lift as measured on the mesh in place of the lift asked
    asked_net, how = net_correction(table, specs[short].heel_thickness_mm if short in specs else 0.0,
                                    others[0] if others else None)
    net = asked_net - table.heel_mm + heel_lift.get(short, table.heel_mm)
    if lld:
        correction = (f"{net:.1f} mm ({_e(how)}) of the measured {float(lld):g} mm: "
                      f"<strong>{100 * net / float(lld):.0f} %</strong> corrected at the heel")
    else:
        correction = (f"{net:.1f} mm at the heel ({_e(how)}); no measured LLD given (lift.measured_lld_mm), "
                      "so no % correction")
    return (f"<div><h2>Leg-length discrepancy</h2><p>Measured LLD: <strong>{_e(f'{float(lld):g} mm' if lld else 'not given')}"
            f"</strong>, {_e(short)} leg short; lift on the {_e(short)} side. Correction: {correction}.</p>"
            f"<table><tr><th>on the mesh</th>{head}</tr>{''.join(rows)}</table></div>")


def _warning_block(warnings: tuple[str, ...]) -> str:
    if not warnings:
        return '<p class="ok"><strong>No clinical warnings.</strong></p>'
    return ('<div class="warnings"><strong>Clinical warnings</strong><ul>'
            + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul></div>")


def _zone_rows(sides: tuple[SideRecord, ...]) -> list[str]:
    rows = []
    for zone in dict.fromkeys(z.name for s in sides for z in s.zones):
        cells = ""
        for s in sides:
            found = next((z for z in s.zones if z.name == zone), None)
            extruder = f" &middot; extruder {found.extruder}" if found and found.extruder != 1 else ""
            cells += (f'<td class="num">{found.infill_pct:g} % &middot; {found.part_volume_mm3 / 1000:.1f} cm\u00b3'
                      f'{extruder}</td>' if found else "<td>-</td>")
        rows.append(f"<tr><td>{_e(zone)}</td>{cells}</tr>")
    return rows


def _stiffness_page(sides: tuple[SideRecord, ...], head: str, picture: bytes | None) -> str:
    """The stiffness table and map on a page of their own (none without a figure)."""
    block = _stiffness_block(sides, head, picture)
    return f'<section class="page">\n{block}\n</section>' if block else ""


def _stiffness_block(sides: tuple[SideRecord, ...], head: str, picture: bytes | None) -> str:
    """Each zone's stiffness under the foot (insolegen.build.stiffness): kPa per mm at its
    median height, the range over the zone, what it was asked."""
    names = [name for name in dict.fromkeys(z.name for s in sides for z in s.zones)
             if any(z.stiffness is not None for s in sides for z in s.zones if z.name == name)]
    if not names:
        return ""
    rows = []
    for name in names:
        cells = ""
        for s in sides:
            z = next((z for z in s.zones if z.name == name), None)
            st = z.stiffness if z is not None else None
            asked = f"<br>asked: {_e(st.target)}" if st is not None and st.target else ""
            cells += ("<td>-</td>" if st is None else
                      f'<td class="num">{st.kpa_per_mm:.0f} kPa/mm at {st.thickness_mm:.1f} mm '
                      f"({st.least_kpa_per_mm:.0f}-{st.greatest_kpa_per_mm:.0f}) &middot; core {st.core_modulus_mpa:.2f} MPa"
                      f"{asked}</td>")
        rows.append(f"<tr><td>{_e(name)}</td>{cells}</tr>")
    first = next(z.stiffness for s in sides for z in s.zones if z.stiffness is not None)
    return (f"<h2>Stiffness under the foot ({_e(first.material)}, {first.material_modulus_mpa:g} MPa)</h2>"
            f"<table><tr><th>zone: kPa per mm of compression at its median height (least-greatest there)</th>{head}</tr>"
            f"{''.join(rows)}</table><p>Small strain (linear elastic): the zone's skins and infill in series, "
            "the homogenised gyroid infill (README, \"Firmness in numbers\").</p>"
            + ("" if picture is None else
               '<img class="map" alt="stiffness under the foot, kPa per mm, each side" '
               f'src="data:image/png;base64,{base64.b64encode(picture).decode()}"><p>The map: at each point the '
               "column under the foot, every zone's layer in it in series (a cover over a cushion, a cushion over a "
               "lift), the perimeters solid.</p>"))


def _lift_notes(result: BuildResult) -> str:
    """Per lifted side: the lift layer's infill, which zones lie on it and how high."""
    notes = [f"<strong>{_e(part.spec.side)}</strong>: {_e(lift_zones_text(part))}, {_e(lift_height_text(part))}."
             for part in result.parts if lift_zones_text(part) is not None]
    return f"<p>{'<br>'.join(notes)}</p>" if notes else ""


def _estimate_text(estimates: dict[str, str] | None) -> str:
    """PrusaSlicer's print time and filament per side (build --estimate), or where to get them."""
    if not estimates:
        return ""
    return " PrusaSlicer's estimate: " + "; ".join(f"{_e(side)} {_e(text)}" for side, text in estimates.items()) + "."


def prusa_recipe(result: BuildResult, files: dict[str, str]) -> str:
    """The PrusaSlicer command for this build's 3MF files, one per side and one per
    lattice part, an option a line (the report prints them unbroken: issue 29 found them
    broken at "--" in the PDF), to paste into a shell in the build's folder."""
    lines = []
    for part in result.parts:
        side = part.spec.side
        threemf = files[f"{side}.3mf"]
        bed = result.placements[side][0].bed_mm
        lines.append(shell_lines(prusa_command(threemf, bed, supports=part.surface.has_footbed)))
    for lattice_side in result.lattices:
        lines.append(shell_lines(prusa_command(files[f"{lattice_side}.lattice.3mf"],
                                               result.placements[lattice_side][0].bed_mm, lattice=True)))
    return "\n".join(lines)


def _lattice_block(sides: tuple[SideRecord, ...], head: str) -> str:
    """The lattice parts ([lattice]): what they are and each zone's solid fraction as
    asked, built and measured on the mesh."""
    lattices = [s.lattice for s in sides]
    if all(lattice is None for lattice in lattices):
        return ""
    first = next(lattice for lattice in lattices if lattice is not None)
    settings = first.settings

    def row(label: str, cell: Callable[[LatticeFigures], str]) -> str:
        return f"<tr><td>{_e(label)}</td>" + "".join(
            f'<td class="num">{_e(cell(x))}</td>' if x is not None else "<td>-</td>" for x in lattices) + "</tr>"

    rows = [row("triangles", lambda x: f"{x.triangles:,}"),
            row("solid pieces / sealed cavities", lambda x: f"{x.bodies} / {x.cavities}"),
            row("thinnest wall (mm, made to "
                f"{settings['wall_min_mm']:g})", lambda x: f"{x.thinnest_wall_mm:.2f}"),
            row("least fraction the wall allows (%)", lambda x: f"{x.least_fraction_pct:g}")]
    if settings.get("drain_hole_mm"):
        rows += [row(f"drain holes ({settings['drain_hole_mm']:g} mm) / voids drained",
                     lambda x: f"{len(x.drain_holes_xy_mm)} / {x.drained_voids}"),
                 row("pockets filled solid (mm3)", lambda x: f"{x.filled_pockets_mm3:g}")]
    for name in dict.fromkeys(z.name for x in lattices if x is not None for z in x.zones):
        def cell(x, name=name):
            zone = next((z for z in x.zones if z.name == name), None)
            if zone is None:
                return "-"
            measured = f"{zone.measured_pct:.1f}" if zone.measured_pct is not None else "core too thin to measure"
            return f"{zone.asked_pct:g} / {zone.built_pct:g} / {measured}"
        rows.append(row(f"{name}: solid % asked / built / measured", cell))
    voids = (f"Each void has escape holes of {settings['drain_hole_mm']:g} mm up through the bottom skin, for "
             "powder or resin to leave (x, y in build.json)." if settings.get("drain_hole_mm") else
             "Its voids are sealed inside the skins (for FDM; set drain_hole_mm for SLS, MJF or resin).")
    return (f"<h2>Lattice parts ({_e(settings['type'])}, {settings['cell_mm']:g} mm cells)</h2>"
            "<p>The lattice files carry the firmness as geometry: print them as they are, solid (their 3MF says "
            f"so); skins {settings['skin_top_mm']:g} mm on top and {settings['skin_bottom_mm']:g} mm below, a "
            f"{settings['perimeter_mm']:g} mm rim, zones eased over {settings['blend_mm']:g} mm. {voids}</p>"
            f"<table><tr><th>lattice</th>{head}</tr>{''.join(rows)}</table>")


def _file_rows(files: dict[str, str]) -> list[str]:
    """One row per kind of file (the sides' files together)."""
    kinds: dict[str, list[str]] = {}
    for name in files.values():
        suffix = next((k for k in ("-lattice.orca.3mf", ".orca.3mf", "-lattice.stl", "-lattice.3mf")
                       if name.endswith(k)), Path(name).suffix)
        kinds.setdefault(SLICER_FOR.get(suffix, ""), []).append(name)
    return [f"<tr><td>{', '.join(_e(n) for n in names)}</td><td>{_e(use)}</td></tr>" for use, names in kinds.items()]


def _bed_text(record: BuildRecord) -> str:
    printer = record.print
    if printer:
        return f"{_e(printer.printer or 'custom')} bed {printer.bed_mm[0]:g} x {printer.bed_mm[1]:g} mm"
    prusa, orca = DEFAULT_PRUSA_BED_MM, DEFAULT_ORCA_BED_MM
    return (f"default beds: PrusaSlicer file on a {prusa[0]:g} x {prusa[1]:g} mm bed, "
            f"Orca file on {orca[0]:g} x {orca[1]:g} mm")


def variants_report_html(results: list[BuildResult], pictures: dict[int, bytes],
                         today: dt.date | None = None) -> str:
    """The report of a fitting's variants (--vary): what differs between them, every
    figure measured on each variant's parts side by side, each one's warnings, then
    each variant's preview. The patient tries them and keeps the best."""
    # Over 60 lines: one page's HTML for a fitting's variants, in page order.
    today = today or dt.date.today()
    first = results[0]
    numbers: list[int] = []
    for r in results:
        assert r.profile.variant is not None  # --vary numbers each variant it builds
        numbers.append(r.profile.variant)
    head = "".join(f"<th>variant {n}<br>(label v{n})</th>" for n in numbers)
    rows = []
    for i, (key, _) in enumerate(first.profile.variant_values):
        cells = "".join(f'<td class="num">{_fmt(r.profile.variant_values[i][1])}</td>' for r in results)
        rows.append(f"<tr><th>{_e(key)}</th>{cells}</tr>")
    measured = []
    for s_index, side in enumerate(first.record.sides):
        measured.append(f'<tr><th colspan="{len(results) + 1}">{_e(side.side)}: measured on the mesh (mm)</th></tr>')
        for name in side.heights:
            cells = "".join(f'<td class="num">{r.record.sides[s_index].heights[name].measured_mm:.2f}</td>'
                            if name in r.record.sides[s_index].heights else "<td>-</td>" for r in results)
            measured.append(f"<tr><td>top height at the {_e(name.replace('_', ' '))}</td>{cells}</tr>")
        keys = list(dict.fromkeys(m.key for r in results for m in r.record.sides[s_index].modifications))
        for key in keys:
            cells = ""
            for r in results:
                found = next((m for m in r.record.sides[s_index].modifications if m.key == key), None)
                cells += f'<td class="num">{abs(found.measured_mm):.2f}</td>' if found else "<td>-</td>"
            measured.append(f"<tr><td>{_e(modification_label(key))}</td>{cells}</tr>")
        for f_index, figure in enumerate(side.underside):
            cells = "".join(f'<td class="num">{r.record.sides[s_index].underside[f_index].measured_mm:.2f}</td>'
                            for r in results)
            measured.append(f"<tr><td>underside at the {_e(figure.name.replace('_', ' '))}</td>{cells}</tr>")
        cells = "".join(f'<td class="num">{r.record.sides[s_index].volume_mm3 / 1000:.1f}</td>' for r in results)
        measured.append(f"<tr><td>volume (cm\u00b3)</td>{cells}</tr>")
    warnings = "".join(
        f"<td>{'<br>'.join(_e(w) for w in r.record.warnings) or 'none'}</td>" for r in results)
    files = "".join(f"<td>{_e(r.profile.file_stem)}-&lt;side&gt;.stl / .3mf / .orca.3mf</td>" for r in results)
    previews = "".join(
        f'<section class="page"><h2>Variant {n}: '
        f"{_e(', '.join(f'{k} = {_fmt(v)}' for k, v in r.profile.variant_values))}</h2>"
        f'<img alt="preview of variant {n}" src="data:image/png;base64,{base64.b64encode(pictures[n]).decode()}">'
        "</section>" for n, r in zip(numbers, results))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>insolegen variants: {_e(first.profile.name)}</title>
<style>{CSS}</style></head>
<body>
<section class="page">
<h1>Variants for a fitting: {_e(first.profile.name)}</h1>
<p class="meta">Patient / name: <strong>{_e(first.profile.name)}</strong> &middot; date: {today.isoformat()} &middot;
{len(results)} variants &middot; insolegen {_e(first.record.insolegen_version)} &middot;
profile: {_e(first.record.profile or '')}</p>
<div class="two">{_patient_block(first.record, today)}</div>
<p>Each variant's parts carry its number in their label (for example <strong>R v2</strong>): let the patient try
them and keep the best; the profile with that variant's values builds it again.</p>
<h2>What differs</h2>
<table><tr><th>profile key</th>{head}</tr>{''.join(rows)}</table>
<h2>Measured on the finished parts</h2>
<table><tr><th>figure</th>{head}</tr>{''.join(measured)}</table>
<h2>Warnings and files</h2>
<table><tr><th></th>{head}</tr><tr><td>warnings</td>{warnings}</tr><tr><td>files</td>{files}</tr></table>
</section>
{previews}
{IMAGES_LOADED}
</body></html>
"""


def _solid_said(checks: Any) -> str:
    """The solid checks in words a clinician reads (the tools' names and codes are in
    build.json): a closed solid with no holes, or what is wrong with it."""
    if checks.watertight and checks.manifold3d_status == "NoError" and not checks.degenerate_faces:
        return "yes: one closed solid, no holes (checked by two independent tools)"
    wrong = [w for w, bad in (("it has holes", not checks.watertight),
                              (f"the solid check failed ({checks.manifold3d_status})", checks.manifold3d_status != "NoError"),
                              (f"{checks.degenerate_faces} flat triangles", checks.degenerate_faces)) if bad]
    return "NO: " + "; ".join(wrong)
