from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from catalogue import PROFILES

from insolegen.build.pipeline import build_profile
from insolegen.profile import profile_from_dict

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    # The fast loop runs a quarter of each property sweep's examples (tests/sweeps.py).
    import sweeps

    if "not slow" in (config.getoption("markexpr") or "").replace("  ", " "):
        sweeps.SHARE["value"] = 0.25


@pytest.fixture(scope="session")
def built():
    """Build results for the catalogue, built once per session."""
    cache: dict = {}

    def get(key: str):
        if key not in cache:
            # the geometry core as built: height fields, so unlabelled (labels: test_label.py)
            cache[key] = build_profile(profile_from_dict({**PROFILES[key], "print": {"label": False}}))
        return cache[key]

    return get


@pytest.fixture(scope="session")
def example():
    """An example profile in profiles/ built as the command builds it (its feet read),
    once per test process: ``example("lld-left-lift")``. Tests that only read the result
    share it; tests of the build command itself still run the command."""
    from insolegen.inputs.feet import resolve_feet
    from insolegen.profile import load_profile

    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = build_profile(resolve_feet(load_profile(ROOT / "profiles" / f"{name}.toml")))
        return cache[name]

    return get


@pytest.fixture(autouse=True)
def _hostile_caps(request):
    """Adversarial tests run under a memory and a time cap (tests/hostile.py)."""
    if not request.node.module.__name__.startswith("test_hostile"):
        yield
        return
    from hostile import capped

    with capped():
        yield
