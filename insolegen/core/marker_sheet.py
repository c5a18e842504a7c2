"""Paper sizes and the marker sheet's layout: one home for the numbers that
``insolegen sheet`` prints (insolegen.exports.marker_sheet) and that a photo of the
sheet is read by (insolegen.inputs.paper).

Sheet coordinates are millimetres from the sheet's top-left corner, x to the right and
y down the page (as the page is read), portrait. Four ArUco markers (OpenCV's 4x4
dictionary of 50) sit in the corners, far enough in to clear a printer's unprintable
margin; each paper size has its own four marker ids, so a photo says which sheet it
shows. A photo needs three of the four: a foot may cover one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "HEEL_LINE_FROM_BOTTOM_MM",
    "MARKER_CELLS",
    "MARKER_INSET_MM",
    "MARKER_SIZE_MM",
    "PAPERS",
    "SCALE_BAR_MM",
    "SCALE_BAR_Y_MM",
    "Paper",
    "marker_corners_mm",
    "paper_for_marker",
]


@dataclass(frozen=True)
class Paper:
    """A sheet's name and portrait size (mm), and the ids of its four corner markers
    (top-left, top-right, bottom-right, bottom-left)."""

    name: str
    width_mm: float
    height_mm: float
    marker_ids: tuple[int, int, int, int]

    @property
    def aspect(self) -> float:
        """Long side over short side."""
        return self.height_mm / self.width_mm


PAPERS = {
    "a4": Paper("a4", 210.0, 297.0, (0, 1, 2, 3)),  # ISO 216
    "letter": Paper("letter", 215.9, 279.4, (4, 5, 6, 7)),  # ANSI A, 8.5 x 11 in
    "a3": Paper("a3", 297.0, 420.0, (8, 9, 10, 11)),  # ISO 216: for feet too long for A4
}

MARKER_SIZE_MM = 24.0  # black border included: 6 cells of 4 mm (4 x 4 bits and the border)
MARKER_CELLS = 6
MARKER_INSET_MM = 12.0  # from each paper edge to the marker: printers leave 3-6 mm blank
SCALE_BAR_MM = 100.0  # measured with a ruler: 100 mm if the sheet was printed at actual size
SCALE_BAR_Y_MM = 24.0  # the bar's line, from the top edge, between the two top markers
HEEL_LINE_FROM_BOTTOM_MM = 14.0  # "place heel here": the heel's back on this line


def marker_corners_mm(paper: Paper) -> dict[int, tuple[tuple[float, float], ...]]:
    """Marker id -> its four corners in sheet mm, in ArUco's order (the marker's own
    top-left, top-right, bottom-right, bottom-left; every marker is printed upright)."""
    s, m = MARKER_SIZE_MM, MARKER_INSET_MM
    origins = ((m, m), (paper.width_mm - m - s, m), (paper.width_mm - m - s, paper.height_mm - m - s),
               (m, paper.height_mm - m - s))
    return {marker: ((x, y), (x + s, y), (x + s, y + s), (x, y + s))
            for marker, (x, y) in zip(paper.marker_ids, origins)}


def paper_for_marker(marker_id: int) -> Paper | None:
    """The sheet whose markers include ``marker_id``, or None (another ArUco marker)."""
    return next((paper for paper in PAPERS.values() if marker_id in paper.marker_ids), None)
