"""What was read from a picture of a foot, drawn on the picture itself: the sheet's
edges and each side's outline, mapped back into the photo, so that the clinician sees
at a glance whether the reader followed the foot. Shown beside the preview and on a page
of the report (issue 26)."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from PIL import Image, ImageDraw

from insolegen.build.parts import BuildResult
from insolegen.exports.drawing import font

__all__ = ["SIDE_COLOURS", "picture_page", "picture_png", "with_picture"]

SIDE_COLOURS = {"left": (230, 60, 30), "right": (20, 120, 230)}
SHEET_COLOUR = (0, 190, 120)
LABEL_PT = 22


def _readings(result: BuildResult) -> list[tuple[Any, list[tuple[str, int]]]]:
    """Each picture read (once, even when both sides use it) with the (side, outline)
    pairs drawn from it."""
    found: dict[int, tuple[Any, list[tuple[str, int]]]] = {}
    for part in result.parts:
        source = part.spec.foot
        if source is None or source.picture is None:
            continue
        found.setdefault(id(source.picture), (source.picture, []))[1].append((part.spec.side, source.picture_outline))
    return list(found.values())


def _overlay(read: Any, sides: list[tuple[str, int]]) -> Image.Image:
    image = Image.fromarray(read.thumbnail).convert("RGB")
    draw = ImageDraw.Draw(image)
    width = max(2, round(max(image.size) / 400))
    if read.sheet_px is not None:
        draw.line([tuple(p) for p in [*read.sheet_px.tolist(), read.sheet_px[0].tolist()]], fill=SHEET_COLOUR,
                  width=width)
    labelled: dict[int, list[str]] = {}
    for side, index in sides:
        labelled.setdefault(index, []).append(side)
    for index, outline in enumerate(read.outlines_px):
        names = labelled.get(index)
        colour = SIDE_COLOURS[names[0]] if names else (120, 120, 120)
        points = [tuple(p) for p in outline.tolist()]
        draw.line([*points, points[0]], fill=colour, width=width, joint="curve")
        if names:
            top = min(points, key=lambda p: p[1])
            draw.text((top[0], max(0, top[1] - 6)), " + ".join(names), fill=colour, font=font(LABEL_PT), anchor="mb",
                      stroke_width=3, stroke_fill=(255, 255, 255))
    return image


def picture_png(result: BuildResult) -> bytes | None:
    """Every picture read, its outlines drawn on it, side by side; None without one."""
    images = [_overlay(read, sides) for read, sides in _readings(result)]
    if not images:
        return None
    height = max(i.height for i in images)
    sheet = Image.new("RGB", (sum(i.width for i in images) + 10 * (len(images) - 1), height), (255, 255, 255))
    x = 0
    for image in images:
        sheet.paste(image, (x, 0))
        x += image.width + 10
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def with_picture(preview: bytes, picture: bytes | None) -> bytes:
    """The preview with the read picture beside it, at the preview's height."""
    if picture is None:
        return preview
    left = Image.open(io.BytesIO(preview)).convert("RGB")
    right = Image.open(io.BytesIO(picture)).convert("RGB")
    scale = left.height / right.height
    right = right.resize((max(1, round(right.width * scale)), left.height), Image.Resampling.LANCZOS)
    both = Image.new("RGB", (left.width + right.width, left.height), (255, 255, 255))
    both.paste(left, (0, 0))
    both.paste(right, (left.width, 0))
    out = io.BytesIO()
    both.save(out, "PNG", compress_level=6)
    return out.getvalue()


def _rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    transform, check = info.get("transform", {}), info.get("scale_check", {})
    rows = [("picture", f"{info.get('file')} ({info.get('format')}, {info['pixels'][0]} x {info['pixels'][1]} px)")]
    if transform.get("method") == "dpi":
        rows.append(("scale", f"flatbed scan at {transform['dpi']:g} dpi (from {transform['dpi_from']})"))
    else:
        rows += [("sheet", f"{str(transform.get('paper', '')).upper()}, found by its {transform.get('method')}"),
                 ("camera tilt", f"{transform.get('tilt_deg')} degrees from straight above"),
                 ("resolution on the sheet", f"{transform.get('px_per_mm')} pixels per mm")]
    said = {True: "agrees", None: "not checked", False: "disagrees"}[check.get("ok")]
    rows.append(("scale check", f"{check.get('by')}: {said}" + (f" ({check['advice']})" if check.get("advice") else "")))
    for n, shape in enumerate(info.get("shapes", []), 1):
        what = {"tracing": "a pen tracing", "print": "an ink print (its arch bridged: "
                f"{info.get('print_arch_bridged_mm2', 0):.0f} mm2 added)"}.get(shape["kind"], "a foot or sock")
        rows.append((f"shape {n}", f"{what}; edge sharpness (sigma) {shape['edge_blur_mm']:.2f} mm"))
    measured = info.get("measured", {})
    if measured:
        rows.append(("read", f"{measured['length_mm']:.1f} mm long, {measured['ball_width_mm']:.1f} mm across the ball"))
    return rows


def picture_page(result: BuildResult, picture: bytes | None) -> str:
    """The report's page: the picture with the outline drawn on it, and how it was read."""
    if picture is None:
        return ""
    tables = []
    for part in result.parts:
        source = part.spec.foot
        if source is None or source.picture is None:
            continue
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in _rows(source.info))
        tables.append(f"<h3>{html.escape(part.spec.side)}</h3><table>{rows}</table>")
    return (f'<section class="page">\n<h2>The foot as read from the picture</h2>'
            "<p>The outline each side was built on, drawn on the picture (green: the sheet's edges). If the line does "
            "not follow the foot, take the photo again: from straight above, the whole sheet in view, in even light.</p>"
            f'<img class="map" alt="the picture with the outlines read from it" '
            f'src="data:image/png;base64,{base64.b64encode(picture).decode()}">{"".join(tables)}\n</section>')
