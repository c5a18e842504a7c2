"""The foot's unloaded sole, estimated from a barefoot pressure map (no scan of the sole).

A barefoot map is the foot standing on a flat rigid plate: at each point in contact the
tissue is compressed by what the map's pressure does to it (the tissue law), so the
skeleton's unloaded sole lay that far below the plate. Where the map shows no contact
(the arch, gaps between the toes) the sole is above the plate, by an amount the map
cannot show: it rises from the nearest contact at ``rise`` mm per mm, up to ``rise_cap_mm``
(the medial arch stands 15-20 mm clear in standing feet; the rise is the model's
assumption, stated in docs/pressure-model.md). So the foot standing on a flat rigid
support in the map's own pose reproduces the map exactly. With a scan of the sole the
scan is the sole's shape everywhere instead (the map still says where the bone is).

Where the map is high the tissue is over bone (the heel, the metatarsal heads): how much
of a high reading is the bone standing lower and how much is stiffer (thinner, more
confined) tissue the map cannot tell. ``bone_share`` splits it: the tissue's scale A
at each contact point is A0 (p / p_mean) ** bone_share, so 0 puts it all in the sole's
shape (a moulded insole then evens the pressure out completely) and 1 all in the
tissue's stiffness (a moulded insole changes nothing where the foot already touched).
It is calibrated with A0 (insolegen/contact/calibration.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from insolegen.contact.solve import Sole
from insolegen.contact.tissue import Tissue, scale_factor_at, thickness_mm

__all__ = ["CONTACT_KPA", "Calibration", "sole_from_barefoot"]

Array = NDArray[np.float64]
CONTACT_KPA = 2.0  # a point reads as in contact from here (sensors' noise floor is 1-5 kPa)
BONE_SHARE_RANGE = (0.05, 20.0)  # the scale's factor is held to this, so one noisy cell cannot dominate


@dataclass(frozen=True)
class Calibration:
    """The model's calibrated constants: the tissue's scale A0 (kPa), the bone share,
    and the sole's rise where the map shows no contact."""

    scale_kpa: float
    bone_share: float
    rise: float = 0.4
    rise_cap_mm: float = 20.0


def sole_from_barefoot(x_mm: Array, y_mm: Array, cell_mm2: float, barefoot_kpa: Array, foot_length_mm: float,
                       tissue: Tissue, calibration: Calibration, scanned_mm: Array | None = None) -> Sole:
    """The foot's sole over the grid points, from the barefoot map read at them (kPa).
    ``scanned_mm``: a scan's sole height at the points (above its lowest point), which
    then is the sole's shape everywhere (the map still says where the bone is)."""
    p = np.nan_to_num(np.asarray(barefoot_kpa, dtype=np.float64), nan=0.0).clip(min=0.0)
    contact = p >= CONTACT_KPA
    if not contact.any():
        raise ValueError(f"the barefoot map shows no contact: no reading of {CONTACT_KPA:g} kPa or more under the foot")
    h = thickness_mm(x_mm, foot_length_mm)
    low, high = BONE_SHARE_RANGE
    factor = np.ones_like(p)
    factor[contact] = np.clip((p[contact] / p[contact].mean()) ** calibration.bone_share, low, high)
    factor[~contact] = factor[contact].min()  # no bone near enough to touch: as soft as the softest in contact
    scale = calibration.scale_kpa * factor * scale_factor_at(x_mm, foot_length_mm)
    unloaded = np.zeros_like(p)
    unloaded[contact] = -h[contact] * tissue.strain(p[contact], scale[contact])
    if scanned_mm is not None:
        scanned = np.asarray(scanned_mm, dtype=np.float64)
        unloaded = scanned - float(scanned.min())
    elif (~contact).any():
        tree = cKDTree(np.column_stack([x_mm[contact], y_mm[contact]]))
        distance, _ = tree.query(np.column_stack([x_mm[~contact], y_mm[~contact]]))
        unloaded[~contact] = np.minimum(calibration.rise * distance, calibration.rise_cap_mm)
    return Sole(x_mm=np.asarray(x_mm, dtype=np.float64), y_mm=np.asarray(y_mm, dtype=np.float64), cell_mm2=cell_mm2,
                thickness_mm=h, scale_kpa=scale, unloaded_mm=unloaded, tissue=tissue)
