"""Synthetic plantar pressure maps for the tests (and the example profile's map): a
foot outline rasterised under a known placement, loaded 40 kPa everywhere it touches
except the medial arch, with peaks at the heel, the five metatarsal heads and the
hallux; written in each format insolegen reads (layouts in docs/pressure.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from insolegen.geometry.outline import Outline

# peak kPa and radius (mm) of each loaded spot
HEEL = (320.0, 16.0)
MTH = ((360.0, 8.0), (300.0, 8.0), (240.0, 8.0), (180.0, 8.0), (150.0, 8.0))
HALLUX = (210.0, 8.0)
BASE_KPA = 40.0
MTH_ACROSS = (0.13, 0.31, 0.49, 0.67, 0.85)

KPA_PER = {"kPa": 1.0, "N/cm2": 10.0, "psi": 6.894757, "mmHg": 0.1333224}


def spots(outline: Outline) -> list[tuple[tuple[float, float], float, float]]:
    """(centre in the right-foot frame, peak kPa, radius mm) of every loaded spot."""
    lm = outline.landmarks
    (x1, y1), (x5, y5) = lm.mth1, lm.mth5
    out = [(lm.heel_centre, *HEEL)]
    for a, (kpa, r) in zip(MTH_ACROSS, MTH):
        out.append(((x1 + a * (x5 - x1), y1 + a * (y5 - y1)), kpa, r))
    out.append(((x1 + 0.11 * lm.foot_length_mm, y1 + 0.2 * (y5 - y1)), *HALLUX))
    return out


def pressure_at(outline: Outline, xy: np.ndarray) -> np.ndarray:
    """The synthetic foot's pressure (kPa) at right-foot-frame points: 0 off the foot
    and under the medial arch."""
    ex, lat, med = outline.edge_x, outline.lateral_y, outline.medial_y
    foot = shapely.Polygon(np.vstack([np.column_stack([ex, lat]), np.column_stack([ex[::-1], med[::-1]])])).buffer(0)
    x, y = xy[:, 0], xy[:, 1]
    on = shapely.contains_xy(foot, x, y)
    fl = outline.landmarks.foot_length_mm
    lo, hi = np.interp(x, ex, lat), np.interp(x, ex, med)
    arch = (x > 0.30 * fl) & (x < 0.62 * fl) & (y > lo + 0.42 * (hi - lo))
    kpa = np.where(on & ~arch, BASE_KPA, 0.0)
    for (cx, cy), peak, r in spots(outline):
        kpa = np.where(on, kpa + (peak - BASE_KPA) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r)) * ~arch,
                       kpa)
    return kpa


def to_foot(angle_deg: float, mirrored: bool, offset_mm: tuple[float, float]):
    """The known placement map mm -> right-foot frame, as insolegen.geometry.pressure_fit.PressureFit
    writes it (scale 1)."""
    a = np.radians(angle_deg)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.diag([1.0, -1.0 if mirrored else 1.0])

    def apply(p: np.ndarray) -> np.ndarray:
        return np.asarray(p, dtype=float) @ m.T + np.asarray(offset_mm)

    return apply


def synthetic_grid(outline: Outline, angle_deg: float = 0.0, mirrored: bool = False,
                   shift_mm: tuple[float, float] = (0.0, 0.0), pitch_mm: tuple[float, float] = (5.08, 5.08),
                   margin_mm: float = 20.0):
    """(kPa grid rows x columns, the placement map mm -> foot frame): the foot turned
    by ``angle_deg`` (and mirrored) on a plate, its grid just large enough."""
    pr, pc = pitch_mm
    a = np.radians(angle_deg)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.diag([1.0, -1.0 if mirrored else 1.0])
    inverse = np.linalg.inv(m)
    corners = np.array(shapely.Polygon(outline.boundary).buffer(margin_mm).exterior.coords)
    in_map = corners @ inverse.T
    lo, hi = in_map.min(axis=0), in_map.max(axis=0)
    # the map's origin: its first cell centre at the top left (plus the test's shift):
    # rows run down the picture, as insolegen reads them (pressure_fit.cell_centres_mm)
    rows = int(np.ceil(np.ptp(in_map[:, 1]) / pr)) + 1
    cols = int(np.ceil(np.ptp(in_map[:, 0]) / pc)) + 1
    origin = np.array([lo[0], hi[1]]) - np.asarray(shift_mm)
    yy, xx = np.mgrid[0:rows, 0:cols]
    centres = np.stack([xx * pc, -yy * pr], axis=-1).reshape(-1, 2)
    offset = origin @ m.T
    place = to_foot(angle_deg, mirrored, tuple(offset))
    kpa = pressure_at(outline, place(centres)).reshape(rows, cols)
    return kpa, place


def write_csv(path: Path, kpa: np.ndarray, units: str = "kPa", pitch_mm=(5.08, 5.08), frames: int = 1) -> Path:
    values = kpa / KPA_PER[units]
    lines = [f"# units: {units}"] if units else []
    if pitch_mm:
        lines.append(f"# pitch_mm: {pitch_mm[0]}, {pitch_mm[1]}")
    for k in range(frames):
        lines.append(f"Frame {k + 1}")
        factor = 1.0 if k == frames - 1 else 0.5 + 0.1 * k  # the last frame is the peak
        lines += [",".join(f"{v * factor:.2f}" for v in row) for row in values]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_asf(path: Path, kpa: np.ndarray, units: str = "KPa", pitch_mm=(5.08, 5.08), frames: int = 2,
              blank_outside: bool = True) -> Path:
    """Tekscan ASCII: header, then Frame blocks; cells far from the foot written B
    (no sensel) as an F-Scan insole's outline leaves them."""
    unit_factor = {"KPa": 1.0, "PSI": 6.894757, "MmHg": 0.1333224, "N/cm2": 10.0}[units]
    rows, cols = kpa.shape
    head = ["DATA_TYPE MOVIE", "VERSION Tekscan Pressure Measurement System 6.33", "SENSOR_TYPE FSCAN",
            f"ROWS {rows}", f"COLS {cols}"]
    if pitch_mm:
        head += [f"ROW_SPACING {pitch_mm[0] / 10:.4f} cm", f"COL_SPACING {pitch_mm[1] / 10:.4f} cm"]
    head += ["SECONDS_PER_FRAME 0.01", "START_FRAME 1", f"END_FRAME {frames}", f"UNITS {units}",
             "MIRROR_ROW 0", "MIRROR_COL 0", "ASCII_DATA @@", ""]
    body = []
    dead = np.zeros_like(kpa, dtype=bool)
    if blank_outside:
        dead[:, :1] = True  # one column of no sensels
    for k in range(frames):
        factor = 1.0 if k == 1 or frames == 1 else 0.6
        body.append(f"Frame {k + 1}")
        for r in range(rows):
            body.append(",".join("B" if dead[r, c] else f"{kpa[r, c] * factor / unit_factor:.0f}" for c in range(cols)))
        body.append("")
    path.write_text("\n".join(head + body))
    return path


def write_lst(path: Path, kpa: np.ndarray, pitch_mm: float = 5.0, pictures: int = 2) -> Path:
    """An emed ASCII listing: a page per picture, the table of the sensors in use (a
    window of the plate, numbered from 1) with its Force row and column."""
    rows, cols = kpa.shape
    area_cm2 = (pitch_mm / 10) ** 2
    out = []
    for k in range(pictures):
        factor = 1.0 if k == pictures - 1 else 0.7
        grid = kpa * factor
        out += ["", f"\t\t\t\tPage {k + 1}", "",
                f"\tFile: C:\\novel\\data\\synthetic.dat \tMatrix: {cols + 10}x{rows + 10} ",
                f"\tSensor area: {area_cm2:.2f} cm2\tTime/picture:10.0 ms", "\tMV over frames",
                f"\tSensor size: {pitch_mm / 10:.3f}x{pitch_mm / 10:.3f} cm", "\tnovel munich",
                "\tpedar is a registered trademark of novel",
                f"\tPict-No.: {k + 1}  Force[N]=sum*sensor_area in row/column", ""]
        out.append("\t" + "\t".join(str(c + 6) for c in range(cols)) + "\tForce")
        for r in range(rows):
            force = grid[r].sum() * area_cm2 / 10
            out.append(f"{r + 4}\t" + "\t".join(f"{v:.2f}" for v in grid[r]) + f"\t{force:.2f}")
        out.append("Force\t" + "\t".join(f"{v:.2f}" for v in grid.sum(axis=0) * area_cm2 / 10)
                   + f"\t{grid.sum() * area_cm2 / 10:.2f}")
        out.append("\x0c")
    path.write_text("\n".join(out) + "\n")
    return path


def write_sensor_table(path: Path, kpa: np.ndarray, plate_columns: int = 128, first_sensor=(5, 7),
                       frames: int = 4, units: str = "N/cm2") -> Path:
    """A European plate's CSV export of ``kpa`` (rows x columns) as the medilogic file
    in tests/data/real writes it: ``;`` between cells, decimal commas, a first row of
    sensor numbers counted row by row from 1 over a ``plate_columns``-wide plate (the
    map a window whose first cell is the plate's ``first_sensor`` row and column, from
    0), the summary rows Minimum / Maximum / 20%-Durchschnitt, then a row per frame led
    by its time in seconds, the peak frame in the middle; no-sensor cells (NaN) 0."""
    rows, cols = kpa.shape
    r0, c0 = first_sensor
    assert c0 + cols <= plate_columns
    numbers = [(r0 + r) * plate_columns + (c0 + c) + 1 for r in range(rows) for c in range(cols)]
    values = np.nan_to_num(kpa, nan=0.0).ravel() / KPA_PER[units]
    scales = [0.3 + 0.7 * k / (frames // 2) if k <= frames // 2 else 1.0 - 0.2 * (k - frames // 2)
              for k in range(frames)]
    stack = np.array([values * s for s in scales])

    def cells(v: np.ndarray) -> str:
        return ";".join(f"{x:.8f}".rstrip("0").rstrip(".").replace(".", ",") for x in v)

    lines = ["Sensor-Nummer;" + ";".join(str(n) for n in numbers),
             "Minimum;" + cells(stack.min(axis=0)), "Maximum;" + cells(stack.max(axis=0)),
             "20%-Durchschnitt;" + cells(stack.mean(axis=0))]
    lines += [f"{78.34 + 0.01 * k:.3f}".replace(".", ",") + ";" + cells(row) for k, row in enumerate(stack)]
    path.write_text("\n".join(lines) + "\n")
    return path
