"""The project's boundaries, read from the source (every import, those inside functions too):

- no import circle anywhere in harness/, load/, scenarios/, mocks/;
- harness/ is the library users import: only the CLI commands reach load/ and scenarios/, and the pytest
  plugin reaches scenarios/ only inside a function (its driver selection), never load/;
- scenarios/ never imports load/ (the load is one of the journeys' drivers, not the other way round);
- the emulators (mocks/) import none of harness/, scenarios/, load/: they talk over HTTP.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("harness", "load", "scenarios", "mocks")
# The `dvc-harness` commands: what they run may reach the load and the journeys.
COMMANDS = {"harness.cli", "harness.run", "harness.load_cmd", "harness.journeys_cmd", "harness.seed_history",
            "harness.workers"}
PLUGIN = "harness.pytest_plugin"


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


MODULES = {_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports(module: str) -> list[tuple[str, bool]]:
    """(module imported, at module level?) for every import of `module` that names one of the project's."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        level = id(node) in top or _guarded_at_top(tree, node)
        found += [(name, level) for name in names if name in MODULES and name != module]
    return found


def _guarded_at_top(tree: ast.Module, node: ast.AST) -> bool:
    """An import inside a module-level `if`/`try` (TYPE_CHECKING, an optional dependency) is still top level."""
    return any(node in ast.walk(statement) for statement in tree.body
               if isinstance(statement, (ast.If, ast.Try)))


GRAPH = {module: imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """The import circles: strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target, _ in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_there_is_no_import_circle() -> None:
    assert _cycles() == []


def test_the_library_part_of_harness_reaches_neither_load_nor_scenarios() -> None:
    wrong = [(module, target) for module, found in GRAPH.items()
             if module.startswith("harness") and module not in COMMANDS | {PLUGIN}
             for target, _ in found if target.startswith(("load", "scenarios"))]
    assert wrong == []


def test_the_plugin_reaches_the_journeys_only_to_choose_a_driver() -> None:
    wrong = [(target, "at import" if top else "in a function") for target, top in GRAPH[PLUGIN]
             if target.startswith("load") or (target.startswith("scenarios") and top)]
    assert wrong == []


@pytest.mark.parametrize(("package", "forbidden"), [
    ("scenarios", ("load",)),
    ("mocks", ("harness", "scenarios", "load")),
])
def test_a_layer_does_not_reach_up(package: str, forbidden: tuple[str, ...]) -> None:
    wrong = [(module, target) for module, found in GRAPH.items() if module.startswith(package + ".")
             for target, _ in found if target.startswith(forbidden)]
    assert wrong == []


def test_the_reading_of_imports_sees_what_it_should() -> None:
    """The test reads imports at any depth and resolves relative ones (else it would pass on nothing)."""
    assert ("load.profiles", False) in GRAPH["harness.run"]           # inside a function
    assert ("harness.exits", True) in GRAPH["harness.run"]            # `from .exits import ...`
    assert any(t.startswith("scenarios.api") and not top for t, top in GRAPH[PLUGIN])
