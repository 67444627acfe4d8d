"""The project's boundaries, read from the source (every import, those inside functions too), with the import
graph reader of tests/test_layout.py:

- no import circle anywhere in harness/, load/, scenarios/, mocks/;
- harness/ is the library users import: only the CLI commands reach load/ and scenarios/, and the pytest
  plugin reaches scenarios/ only inside a function (its driver selection), never load/;
- scenarios/ never imports load/ (the load is one of the journeys' drivers, not the other way round);
- the emulators (mocks/) import none of harness/, scenarios/, load/: they talk over HTTP.
"""

from __future__ import annotations

import ast

import pytest

from tests.test_layout import ROOT, cycles, imported, modules

PACKAGES = ("harness", "load", "scenarios", "mocks")
# The `dvc-harness` commands: what they run may reach the load and the journeys.
COMMANDS = {"harness.cli", "harness.run", "harness.load_cmd", "harness.journeys_cmd", "harness.seed_history",
            "harness.workers"}
PLUGIN = "harness.pytest_plugin"

KNOWN = {name: path for package in PACKAGES for name, path in modules(ROOT / package).items()}
GRAPH = {name: imported(path, KNOWN) for name, path in KNOWN.items()}


def _at_import(module: str) -> set[str]:
    """What `module` imports when it is imported: its module-level statements (not inside a function)."""
    body = ast.parse(KNOWN[module].read_text(encoding="utf-8")).body
    found = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                break
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_there_is_no_import_circle() -> None:
    assert cycles(GRAPH) == []


def test_the_library_part_of_harness_reaches_neither_load_nor_scenarios() -> None:
    wrong = [(module, target) for module, found in GRAPH.items()
             if module.startswith("harness") and module not in COMMANDS | {PLUGIN}
             for target in found if target.startswith(("load", "scenarios"))]
    assert wrong == []


def test_the_plugin_reaches_the_journeys_only_to_choose_a_driver() -> None:
    assert not [t for t in GRAPH[PLUGIN] if t.startswith("load")]
    assert not [t for t in _at_import(PLUGIN) if t.startswith(("load", "scenarios"))]
    assert any(t.startswith("scenarios.api") for t in GRAPH[PLUGIN])     # the api driver, chosen in a fixture


@pytest.mark.parametrize(("package", "forbidden"), [
    ("scenarios", ("load",)),
    ("mocks", ("harness", "scenarios", "load")),
])
def test_a_layer_does_not_reach_up(package: str, forbidden: tuple[str, ...]) -> None:
    wrong = [(module, target) for module, found in GRAPH.items() if module.startswith(package + ".")
             for target in found if target.startswith(forbidden)]
    assert wrong == []


def test_the_graph_covers_the_commands_and_their_lazy_imports() -> None:
    """The rules above read something: the commands do reach the load, some of it inside functions."""
    assert "load.profiles" in GRAPH["harness.run"] and "load.profiles" not in _at_import("harness.run")
    assert "harness.exits" in GRAPH["harness.run"]
