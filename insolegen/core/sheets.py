"""The two triply periodic sheets' own numbers ([lattice]): their functions and the
thresholds a printable sheet {|g(k p)| < t} must keep between, pure arithmetic that the
profile's checks and the lattice's geometry share.

- The thinnest wall is 2 t / (k max|grad g|) (the mean-value bound between g = t and
  g = -t), so a wall of w needs t >= w k GRAD_MAX / 2.
- Above the void tubes' saddle value s (|g| at the index-1 saddles of {g > t}, the same
  on the other side by symmetry) the tubes part into blobs with webs of any thinness
  between them; just under it their necks are too narrow for the marching grid, which
  then bridges them with a thin web (a diamond at 72 % on a 0.7 mm grid: 0.48 mm webs).
  Near a saddle g = s - (lambda / 2) r^2 across the neck (lambda the saddle's largest
  Hessian eigenvalue), so a neck NECK_STEPS grid steps across needs
  t <= s - (lambda / 2) (k NECK_STEPS h / 2)^2.
Saddles and Hessians found by root-finding grad g = 0 from a 24^3 grid of starts.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["GRAD_MAX", "NECK_STEPS", "SADDLES", "Array", "Values", "greatest_threshold", "least_threshold", "sheet"]

Array = NDArray[np.float64]
Values = Array | np.float64  # arrays, or one scalar (a single height)

GRAD_MAX = 1.7293  # the largest |grad g| on either sheet's mid-surface (sampled: 64^3 per cell)
SADDLES = {"gyroid": (1.4142, 1.707), "diamond": (1.0, 2.0)}  # (s, the largest Hessian eigenvalue there)
NECK_STEPS = 2.0  # a void's neck is kept at least this many marching steps across


def sheet(kind: str, x: Values, y: Values, z: Values) -> Array:
    """g at points already scaled to radians (k p)."""
    if kind == "gyroid":
        return np.sin(x) * np.cos(y) + np.sin(y) * np.cos(z) + np.sin(z) * np.cos(x)
    return (np.sin(x) * np.sin(y) * np.sin(z) + np.sin(x) * np.cos(y) * np.cos(z)
            + np.cos(x) * np.sin(y) * np.cos(z) + np.cos(x) * np.cos(y) * np.sin(z))


def least_threshold(cell_mm: float, wall_min_mm: float) -> float:
    """The least t whose thinnest wall is wall_min_mm."""
    return wall_min_mm * (2 * math.pi / cell_mm) * GRAD_MAX / 2


def greatest_threshold(kind: str, cell_mm: float, step_mm: float) -> float:
    """The greatest t whose void necks stay NECK_STEPS marching steps across."""
    s, eigenvalue = SADDLES[kind]
    radius = (2 * math.pi / cell_mm) * NECK_STEPS * step_mm / 2
    return s - eigenvalue / 2 * radius ** 2
