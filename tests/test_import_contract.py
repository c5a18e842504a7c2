"""Dependencies run one way down the pipeline (issue 13):

    base -> profile -> foot -> geometry -> checks -> record -> exports (files, preview,
    report, CLI)

A module may import from its own stage and the stages before it, never from a later
one, not even inside a function. Read from the source with ``ast`` (nothing imported),
so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "insolegen"

STAGES = ["base", "profile", "foot", "geometry", "checks", "record", "exports"]

# Every module's stage; a new module must be placed here (the test says so).
STAGE_OF = {
    "insolegen": "base",
    "insolegen.units": "base",
    "insolegen.exact": "base",
    "insolegen.anatomy": "base",
    "insolegen.input_paths": "base",
    "insolegen.rays": "base",
    "insolegen.printing": "base",
    "insolegen.bspline": "base",
    "insolegen.fonts": "base",
    "insolegen.sheets": "base",
    "insolegen.label": "geometry",
    "insolegen.profile": "profile",
    "insolegen.inputs": "foot",
    "insolegen.meshfiles": "foot",
    "insolegen.outline": "geometry",
    "insolegen.surfaces": "geometry",
    "insolegen.modifications": "geometry",
    "insolegen.blends": "geometry",
    "insolegen.solid": "geometry",
    "insolegen.recess": "geometry",
    "insolegen.mending": "geometry",
    "insolegen.lattice": "geometry",
    "insolegen.drains": "geometry",
    "insolegen.lattice_parts": "record",
    "insolegen.coupons": "checks",
    "insolegen.zones": "geometry",
    "insolegen.measure": "geometry",
    "insolegen.placement": "geometry",
    "insolegen.distance": "geometry",
    "insolegen.pressure_fit": "geometry",
    "insolegen.pressure_field": "geometry",
    "insolegen.meshcheck": "checks",
    "insolegen.record": "record",
    "insolegen.pipeline": "record",
    "insolegen.exports": "exports",
    "insolegen.preview": "exports",
    "insolegen.report": "exports",
    "insolegen.starter": "exports",
    "insolegen.cli": "exports",
    "insolegen.web": "exports",
    "insolegen.__main__": "exports",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> str:
    """The stage of a module: its own entry or its package's (longest prefix)."""
    candidates = [name for name in STAGE_OF
                  if module == name or (name != "insolegen" and module.startswith(name + "."))]
    if not candidates:
        raise AssertionError(f"{module} has no stage: add it to STAGE_OF in {Path(__file__).name}")
    return STAGE_OF[max(candidates, key=len)]


def _imports(path: Path, module: str, text: str | None = None) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the package in a file, wherever it is."""
    tree = ast.parse(path.read_text() if text is None else text, filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "insolegen"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "insolegen":
                continue
            if node.module is None or target in STAGE_OF or not any(target.startswith(n + ".") for n in STAGE_OF):
                # `from . import x` / `from .pkg import mod`: each name may be a module
                found += [(node.lineno, f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target)
                          for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path):
    module = _module_name(path)
    rank = STAGES.index(_stage(module))
    upward = [f"line {line}: {target} ({_stage(target)})" for line, target in _imports(path, module)
              if STAGES.index(_stage(target)) > rank]
    assert not upward, f"{module} ({_stage(module)}) imports from a later stage: " + "; ".join(upward)


def test_the_contract_catches_an_upward_import():
    """The checker itself: a lazy import of the pipeline inside a profile function is
    found, and it is upward."""
    source = "def f():\n    from ..pipeline import build_profile\n    from .. import record\n"
    found = [t for _, t in _imports(PACKAGE / "profile" / "loader.py", "insolegen.profile.loader", source)]
    assert found == ["insolegen.pipeline", "insolegen.record"]
    assert STAGES.index(_stage("insolegen.pipeline")) > STAGES.index(_stage("insolegen.profile.loader"))
