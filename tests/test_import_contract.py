"""Dependencies run one way down the pipeline (issues 13 and 22), and the folder tree is
the pipeline: one package per stage.

    core -> profile -> formats -> inputs -> geometry -> checks -> build -> exports
         -> insolegen (the public API) -> web, cli

A module may import from its own stage and the stages before it, never from a later
one, not even inside a function (a lazy import counts like any other); and no module
imports itself back round a cycle, within a stage or across. Read from the source with
``ast`` (nothing imported)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "insolegen"

STAGES = ["core", "firmness", "contact", "profile", "formats", "inputs", "geometry", "checks", "build", "exports", "api", "web",
          "cli"]

# Each package's stage: the contract is these prefixes, nothing per module.
STAGE_OF = {
    "insolegen.core": "core",
    "insolegen.firmness": "firmness",
    "insolegen.contact": "contact",
    "insolegen.profile": "profile",
    "insolegen.formats": "formats",
    "insolegen.inputs": "inputs",
    "insolegen.geometry": "geometry",
    "insolegen.checks": "checks",
    "insolegen.build": "build",
    "insolegen.exports": "exports",
    "insolegen": "api",
    "insolegen.web": "web",
    "insolegen.cli": "cli",
    "insolegen.__main__": "cli",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> str:
    """The stage of a module: its package's (longest prefix)."""
    candidates = [name for name in STAGE_OF if module == name or module.startswith(name + ".")]
    if not candidates:
        raise AssertionError(f"{module} is in no stage's package: put it in one (STAGE_OF in {Path(__file__).name})")
    return STAGE_OF[max(candidates, key=len)]


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imports(path: Path, module: str, text: str | None = None) -> list[tuple[int, str, bool]]:
    """(line, imported module, lazy) for every import of the package in a file, wherever
    it is; lazy: inside a function."""
    tree = ast.parse(path.read_text() if text is None else text, filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    lazy_lines = {n.lineno for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    found = []
    for node in ast.walk(tree):
        lazy = getattr(node, "lineno", None) in lazy_lines
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, lazy) for a in node.names if a.name.split(".")[0] == "insolegen"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "insolegen":
                continue
            # `from pkg import mod`: each name may be a module
            found += [(node.lineno, f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target, lazy)
                      for a in node.names]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@functools.cache
def _found() -> dict[Path, list[tuple[int, str, bool]]]:
    """Each module's imports, read once, by the first test that asks (not at collection:
    an xdist worker that runs none of these tests never parses the package)."""
    return {p: _imports(p, _module_name(p)) for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path):
    module = _module_name(path)
    rank = STAGES.index(_stage(module))
    upward = [f"line {line}: {target} ({_stage(target)}{', lazy' if lazy else ''})"
              for line, target, lazy in _found()[path] if STAGES.index(_stage(target)) > rank]
    assert not upward, f"{module} ({_stage(module)}) imports from a later stage: " + "; ".join(upward)


def test_no_module_imports_itself_round_a_cycle():
    cycles = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    graph = {_module_name(p): {t for _, t, _ in found} for p, found in _found().items()}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt == node or nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # the package's own __init__ is imported by every submodule (Python does so): it
    # may re-export, lazily, what lies below it
    cycles = [c for c in cycles if not c.startswith("insolegen -> ") and " -> insolegen -> " not in c]
    assert not cycles, "import cycles: " + "; ".join(cycles)


def test_the_contract_catches_an_upward_and_a_lazy_import():
    """The checker itself: a lazy import of the pipeline inside a profile function is
    found, it is lazy, and it is upward."""
    source = "from insolegen.core import units\ndef f():\n    from ..build.pipeline import build_profile\n"
    found = _imports(PACKAGE / "profile" / "loader.py", "insolegen.profile.loader", source)
    assert [(t, lazy) for _, t, lazy in found] == [("insolegen.core.units", False), ("insolegen.build.pipeline", True)]
    assert STAGES.index(_stage("insolegen.build.pipeline")) > STAGES.index(_stage("insolegen.profile.loader"))


def test_every_module_lies_in_a_stage_package():
    """Nothing sits loose at the top: the tree is the pipeline."""
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert not loose, f"modules outside a stage's package: {loose}"


MODULE_LINES = 400
FUNCTION_LINES = 60


def test_a_long_module_says_why_at_its_top():
    """No module over 400 lines without a reason in its docstring ("Over 400 lines: ...")."""
    silent = []
    for path in MODULES:
        text = path.read_text()
        if text.count("\n") + 1 > MODULE_LINES and "Over 400 lines:" not in (ast.get_docstring(ast.parse(text)) or ""):
            silent.append(str(path.relative_to(PACKAGE)))
    assert not silent, f"over {MODULE_LINES} lines with no reason at the top: {silent}"


def test_a_long_function_says_why_at_its_top():
    """No function over 60 lines without a comment "# Over 60 lines: ..." opening its body."""
    silent = []
    for path in MODULES:
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    node.end_lineno - node.lineno + 1 > FUNCTION_LINES:  # type: ignore[operator]
                head = "\n".join(lines[node.lineno - 1:node.lineno + 12])
                if "# Over 60 lines:" not in head:
                    silent.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not silent, f"over {FUNCTION_LINES} lines with no reason at the top: {silent}"


def test_every_module_declares_what_it_exports():
    missing = [str(p.relative_to(PACKAGE)) for p in MODULES
               if p.name != "__main__.py" and "__all__" not in p.read_text()]
    assert not missing, f"no __all__: {missing}"
