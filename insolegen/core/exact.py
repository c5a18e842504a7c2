"""Arithmetic whose result is the same on every processor.

numpy picks its transcendental functions (exp, log, power, arctan2, tan, ...) and
OpenBLAS its matrix kernels (``@``, ``np.dot``, ``np.linalg``) at run time from the
processor's instruction sets: AVX-512, AVX2 and FMA each give other last bits. The
mesher's refinement turns a last-bit change into another mesh, so an insole built on
one machine differed from the same profile built on another (issue 29: 7,180 against
7,209 vertices for one EU 42 part, a met bar's edge measured 0.03 mm where 0.002 was
drawn). What feeds the geometry goes through here instead:

- small matrix products written as sums of elementwise products (IEEE +, -, *, / and
  sqrt are correctly rounded, so the same on every processor);
- scalar sines, cosines, tangents and arc tangents from mpmath, correctly rounded;
- symmetric eigenvectors by Jacobi rotations, small systems by Cramer's rule.

numpy's sin and cos on arrays give the same bits at every dispatch level (measured:
baseline, AVX2, AVX-512), so the lattice's sheets keep them.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "JACOBI_SWEEPS",
    "Array",
    "atan2",
    "cos_sin",
    "covariance",
    "det3",
    "gaussian_filter",
    "inverse2",
    "matmul",
    "norm",
    "rotation",
    "solve3",
    "symmetric_eigh",
    "tan",
    "transform",
]

Array = NDArray[np.float64]

JACOBI_SWEEPS = 60  # a 3 x 3 converges in under 10; the cap only guards a NaN


def transform(points: ArrayLike, matrix: ArrayLike, offset: ArrayLike | None = None) -> Array:
    """``points @ matrix.T + offset`` for a small matrix (row vectors), element by element."""
    p = np.asarray(points, dtype=np.float64)
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 1:  # a vector: points @ m
        out = _row_sum(p, m)
    else:
        out = np.empty(p.shape[:-1] + (m.shape[0],))
        for i in range(m.shape[0]):
            out[..., i] = _row_sum(p, m[i])
    return out if offset is None else out + np.asarray(offset, dtype=np.float64)


def _row_sum(p: Array, row: Array) -> Array:
    acc = p[..., 0] * row[0]
    for j in range(1, len(row)):
        acc = acc + p[..., j] * row[j]
    return acc


def matmul(a: ArrayLike, b: ArrayLike) -> Array:
    """``a @ b`` for small matrices, element by element."""
    return transform(a, np.asarray(b, dtype=np.float64).T)


def covariance(points: ArrayLike) -> Array:
    """The sample covariance of (N, k) points (as ``np.cov(points.T)``)."""
    p = np.asarray(points, dtype=np.float64)
    centred = p - p.mean(axis=0)
    k = p.shape[1]
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            out[i, j] = out[j, i] = float(np.sum(centred[:, i] * centred[:, j])) / max(len(p) - 1, 1)
    return out


def symmetric_eigh(matrix: ArrayLike) -> tuple[Array, Array]:
    """Eigenvalues (ascending) and unit eigenvectors (columns) of a small symmetric
    matrix, as ``np.linalg.eigh``; each vector's largest component is made positive."""
    a = np.array(matrix, dtype=np.float64)
    n = len(a)
    v = np.eye(n)
    for _ in range(JACOBI_SWEEPS):
        off = sum(a[p, q] * a[p, q] for p in range(n) for q in range(p + 1, n))
        scale = sum(a[p, p] * a[p, p] for p in range(n))
        if off <= 1e-30 * scale:  # diagonal to rounding (0 <= 0 for the zero matrix)
            break
        for p in range(n):
            for q in range(p + 1, n):
                if a[p, q] == 0.0:
                    continue
                theta = (a[q, q] - a[p, p]) / (2.0 * a[p, q])
                t = math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1.0))
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                rotation = np.eye(n)
                rotation[p, p] = rotation[q, q] = c
                rotation[p, q], rotation[q, p] = s, -s
                a = matmul(matmul(rotation.T, a), rotation)
                v = matmul(v, rotation)
    values = np.diag(a).copy()
    order = np.argsort(values, kind="stable")
    vectors = v[:, order]
    for j in range(n):
        if vectors[int(np.argmax(np.abs(vectors[:, j]))), j] < 0:
            vectors[:, j] = -vectors[:, j]
    return values[order], vectors


def det3(m: ArrayLike) -> float:
    """The determinant of a 3 x 3 matrix."""
    a = np.asarray(m, dtype=np.float64)
    return float(a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1])
                 - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0])
                 + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]))


def solve3(m: ArrayLike, rhs: ArrayLike) -> Array:
    """x with m x = rhs for a 3 x 3 ``m`` (Cramer's rule; the caller refuses a singular one)."""
    a = np.asarray(m, dtype=np.float64)
    b = np.asarray(rhs, dtype=np.float64)
    d = det3(a)
    out = np.empty(3)
    for i in range(3):
        column = a.copy()
        column[:, i] = b
        out[i] = det3(column) / d
    return out


def inverse2(m: ArrayLike) -> Array:
    """The inverse of a 2 x 2 matrix."""
    (a, b), (c, d) = np.asarray(m, dtype=np.float64)
    det = a * d - b * c
    return np.array([[d / det, -b / det], [-c / det, a / det]])


@functools.lru_cache(maxsize=4096)
def cos_sin(angle_rad: float) -> tuple[float, float]:
    """cos and sin of a scalar angle, correctly rounded. Remembered (a pure function of
    one float): placing a part on the bed turns it through the same hundred angles in
    every build, each worked out in arbitrary precision."""
    import mpmath  # only where a rotation is made: --help stays fast

    return float(mpmath.cos(angle_rad)), float(mpmath.sin(angle_rad))


def rotation(angle_deg: float) -> Array:
    """The 2 x 2 matrix turning a column vector ``angle_deg`` counter-clockwise."""
    c, s = cos_sin(math.radians(angle_deg))
    return np.array([[c, -s], [s, c]])


def tan(angle_rad: float) -> float:
    """tan of a scalar angle, correctly rounded."""
    import mpmath

    return float(mpmath.tan(angle_rad))


def atan2(y: float, x: float) -> float:
    """atan2 of two scalars (radians), correctly rounded."""
    import mpmath

    return float(mpmath.atan2(float(y), float(x)))


def gaussian_filter(values: ArrayLike, sigma: float, mode: str = "nearest", truncate: float = 4.0) -> Array:
    """``scipy.ndimage.gaussian_filter`` with the same kernel (radius truncate x sigma),
    its weights from mpmath's exp: SciPy's own come from numpy's exp, whose last bits
    differ between processors."""
    import mpmath
    from scipy import ndimage

    radius = int(truncate * float(sigma) + 0.5)
    variance = mpmath.mpf(float(sigma)) ** 2
    raw = [mpmath.exp(mpmath.mpf(-0.5) * (x * x) / variance) for x in range(-radius, radius + 1)]
    total = mpmath.fsum(raw)
    weights = np.array([float(w / total) for w in raw])
    out = np.asarray(values, dtype=np.float64)
    for axis in range(out.ndim):
        out = ndimage.correlate1d(out, weights, axis=axis, mode=mode)
    return out


def norm(vector: ArrayLike) -> float:
    """The length of one vector (``np.linalg.norm`` of a vector is a BLAS dot)."""
    v = np.asarray(vector, dtype=np.float64).ravel()
    return math.sqrt(float(np.sum(v * v)))
