"""A result must not depend on which processor computes it (issue 29).

numpy picks exp, log, power, arctan2, tan ... and OpenBLAS its matrix kernels at run time
from the processor's instruction sets, and the mesher's refinement turns a last-bit
change into another mesh: on an AMD EPYC the same profile built other parts than here.
These tests build in child processes made to compute as another processor would (numpy's
run-time dispatch turned off down to its baseline, OpenBLAS told to use its oldest x86
kernels) and ask for the very same bytes; and they check insolegen.core.exact, which the
geometry computes through instead, against numbers worked by hand.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from insolegen.core import exact

ROOT = Path(__file__).resolve().parents[1]


def _other_processor_env() -> dict[str, str]:
    """The environment of a child that computes as a processor with none of this one's
    extensions: numpy's dispatch off above its baseline, OpenBLAS on a generic kernel."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    env = dict(os.environ)
    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    if found:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(found)
    kernel = {"x86_64": "Prescott", "aarch64": "ARMV8"}.get(platform.machine())
    if kernel:
        env["OPENBLAS_CORETYPE"] = kernel
    return env


def _build_hashes(out: Path, profiles: list[str], env: dict[str, str]) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "insolegen", "build", *profiles, "--no-preview", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    files = sorted(p for p in out.rglob("*") if p.suffix in (".stl", ".3mf"))
    assert files, "the build wrote no part"
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _same_bytes_on_both(tmp_path: Path, profiles: list[str]) -> None:
    here = _build_hashes(tmp_path / "here", profiles, dict(os.environ))
    other = _build_hashes(tmp_path / "other", profiles, _other_processor_env())
    differ = sorted(name for name in here if here[name] != other.get(name))
    assert here.keys() == other.keys()
    assert not differ, f"built otherwise on another processor: {differ}"


def test_the_other_processor_env_does_change_numpys_and_blas_arithmetic():
    """The check below can fail: in that environment numpy's power gives other last bits
    here (when this processor has any extension numpy dispatches to)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    if not any(__cpu_features__.get(f) for f in __cpu_dispatch__):
        pytest.skip("this processor has no extension above numpy's baseline")
    code = ("import numpy as np, hashlib; x = np.linspace(0.1, 3, 100001); "
            "print(hashlib.sha256(np.power(x, 1.7).tobytes()).hexdigest())")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
            for env in (dict(os.environ), _other_processor_env())]
    assert runs[0] != runs[1]


def test_a_parametric_pair_with_modifications_is_the_same_bytes_on_another_processor(tmp_path):
    _same_bytes_on_both(tmp_path, ["profiles/orthosis-modifications.toml"])


@pytest.mark.slow
def test_every_example_is_the_same_bytes_on_another_processor(tmp_path):
    _same_bytes_on_both(tmp_path, sorted(str(p.relative_to(ROOT)) for p in (ROOT / "profiles").glob("*.toml")))


# -- insolegen.core.exact against numbers worked by hand ----------------------------------------

def test_a_quarter_turn_is_exact_and_transform_is_points_times_the_transpose():
    r = exact.rotation(90.0)
    assert r == pytest.approx(np.array([[0.0, -1.0], [1.0, 0.0]]), abs=1e-16)
    assert exact.transform([[2.0, 0.0], [0.0, 3.0]], r, [10.0, 20.0]) == pytest.approx(
        np.array([[10.0, 22.0], [7.0, 20.0]]), abs=1e-12)
    # 30 degrees: cos = sqrt 3 / 2, sin = 1 / 2, correctly rounded
    c, s = exact.cos_sin(math.pi / 6)
    assert (c, s) == (math.sqrt(3) / 2, 0.5) or (abs(c - math.sqrt(3) / 2) <= 1.2e-16 and abs(s - 0.5) <= 6e-17)
    assert exact.tan(math.pi / 4) == pytest.approx(1.0, abs=2.3e-16)
    assert math.degrees(exact.atan2(1.0, -1.0)) == pytest.approx(135.0, abs=1e-13)


def test_the_eigenvectors_of_a_hand_worked_symmetric_matrix():
    # [[2, 1], [1, 2]]: 1 along (1, -1) / sqrt 2, 3 along (1, 1) / sqrt 2
    values, vectors = exact.symmetric_eigh([[2.0, 1.0], [1.0, 2.0]])
    assert values == pytest.approx([1.0, 3.0], abs=1e-14)
    assert np.abs(vectors[:, 1]) == pytest.approx([1 / math.sqrt(2)] * 2, abs=1e-14)
    assert vectors[0, 0] * vectors[1, 0] < 0  # (1, -1): the components differ in sign
    # a 3 x 3 with known values 2, 3, 6 (diag(2, 3, 6) turned by a rotation)
    q = np.array([[2, -2, 1], [1, 2, 2], [2, 1, -2]]) / 3.0
    values, vectors = exact.symmetric_eigh(q @ np.diag([2.0, 3.0, 6.0]) @ q.T)
    assert values == pytest.approx([2.0, 3.0, 6.0], abs=1e-12)
    assert np.abs(vectors.T @ q) == pytest.approx(np.eye(3), abs=1e-12)


def test_cramer_and_the_covariance_against_hand_values():
    # x + y + z = 6, 2y + 5z = -4, 2x + 5y - z = 27: (5, 3, -2)
    assert exact.solve3([[1, 1, 1], [0, 2, 5], [2, 5, -1]], [6, -4, 27]) == pytest.approx([5.0, 3.0, -2.0], abs=1e-12)
    assert exact.det3([[1, 1, 1], [0, 2, 5], [2, 5, -1]]) == pytest.approx(-21.0, abs=1e-12)
    # (0, 0), (2, 0), (0, 2), (2, 2): variance 4/3 each way, no covariance
    assert exact.covariance([[0, 0], [2, 0], [0, 2], [2, 2]]) == pytest.approx(np.array([[4 / 3, 0], [0, 4 / 3]]), abs=1e-15)
    assert exact.norm([3.0, 4.0]) == 5.0
    assert exact.inverse2([[2.0, 0.0], [0.0, 4.0]]) == pytest.approx(np.array([[0.5, 0.0], [0.0, 0.25]]))


def test_the_gaussian_filter_is_scipys_to_rounding():
    values = np.random.default_rng(3).uniform(0, 10, (60, 45))
    for sigma in (0.7, 2.0, 4.3):
        assert exact.gaussian_filter(values, sigma) == pytest.approx(
            ndimage.gaussian_filter(values, sigma, mode="nearest"), abs=1e-12)
    # a unit impulse spreads to the kernel itself: the middle weight 1 / sum exp(-k^2 / 2) for sigma 1
    impulse = np.zeros((21, 21))
    impulse[10, 10] = 1.0
    middle = 1.0 / sum(math.exp(-k * k / 2) for k in range(-4, 5))
    assert exact.gaussian_filter(impulse, 1.0)[10, 10] == pytest.approx(middle**2, rel=1e-13)
