"""The marker sheet (``insolegen sheet``): a page to print at actual size and stand on
for a photo of the foot. Its four ArUco corner markers (insolegen.core.marker_sheet)
make the photo exact even where the paper's edges are hidden; the 100 mm scale bar and
the markers against the paper's edges catch a printer that scaled the page.

Drawn by matplotlib on a figure exactly the paper's size (so a PDF's page is the paper
and every mark sits at its millimetre), as vector shapes. Everything but the markers is
light grey: the picture reader takes dark marks for a foot, and the heel mark lies
beside the heel.
"""

from __future__ import annotations

import io

from insolegen.core.marker_sheet import (
    HEEL_LINE_FROM_BOTTOM_MM,
    MARKER_CELLS,
    MARKER_SIZE_MM,
    PAPERS,
    SCALE_BAR_MM,
    SCALE_BAR_Y_MM,
    marker_corners_mm,
)

__all__ = ["GUIDE_GREY", "marker_sheet"]

GUIDE_GREY = "#dcdcdc"  # ~12 % darker than the paper, under a shadow too below the reader's 28 % (inputs.picture_outline)
TEXT_PT = 9


def marker_sheet(paper_name: str, fmt: str = "pdf", dpi: float = 300.0) -> bytes:
    """The sheet for ``paper_name`` (a4, letter, a3) as a PDF, or as a PNG at ``dpi``
    (what a printer at that resolution would put on the page; the tests photograph it)."""
    import cv2
    from matplotlib.figure import Figure
    from matplotlib.patches import Arc, Rectangle

    paper = PAPERS[paper_name]
    w, h = paper.width_mm, paper.height_mm
    figure = Figure(figsize=(w / 25.4, h / 25.4), dpi=dpi)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)  # y down the page, as the sheet's coordinates
    ax.axis("off")
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    cell = MARKER_SIZE_MM / MARKER_CELLS
    for marker, corners in marker_corners_mm(paper).items():
        bits = cv2.aruco.generateImageMarker(dictionary, marker, MARKER_CELLS)
        x0, y0 = corners[0]
        for row in range(MARKER_CELLS):
            for col in range(MARKER_CELLS):
                if bits[row, col] == 0:
                    ax.add_patch(Rectangle((x0 + col * cell, y0 + row * cell), cell, cell, facecolor="black",
                                           edgecolor="none", antialiased=False))
    x0 = (w - SCALE_BAR_MM) / 2
    ax.plot([x0, x0 + SCALE_BAR_MM], [SCALE_BAR_Y_MM, SCALE_BAR_Y_MM], color=GUIDE_GREY, linewidth=0.8)
    for tick in range(0, int(SCALE_BAR_MM) + 1, 10):
        ax.plot([x0 + tick] * 2, [SCALE_BAR_Y_MM - (3 if tick % 50 == 0 else 1.5), SCALE_BAR_Y_MM], color=GUIDE_GREY,
                linewidth=0.6)
    ax.text(w / 2, SCALE_BAR_Y_MM - 5, f"this bar must measure {SCALE_BAR_MM:.0f} mm: if not, print again at 100 % "
            "(actual size)", ha="center", va="bottom", fontsize=TEXT_PT, color=GUIDE_GREY)
    ax.text(w / 2, SCALE_BAR_Y_MM + 4, f"insolegen marker sheet {paper.name.upper()}: photograph from straight above",
            ha="center", va="top", fontsize=TEXT_PT - 1, color=GUIDE_GREY)
    heel_y = h - HEEL_LINE_FROM_BOTTOM_MM
    ax.plot([w / 2 - 45, w / 2 - 33], [heel_y, heel_y], color=GUIDE_GREY, linewidth=0.8)
    ax.plot([w / 2 + 33, w / 2 + 45], [heel_y, heel_y], color=GUIDE_GREY, linewidth=0.8)
    ax.add_patch(Arc((w / 2, heel_y - 30), 60, 60, theta1=0, theta2=180, color=GUIDE_GREY, linewidth=0.8))
    ax.text(w / 2, heel_y + 3, "place heel here, on this line", ha="center", va="top", fontsize=TEXT_PT - 1,
            color=GUIDE_GREY)
    out = io.BytesIO()
    if fmt == "pdf":
        figure.savefig(out, format="pdf", metadata={"Creator": "insolegen", "Producer": None, "CreationDate": None})
    else:
        figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
