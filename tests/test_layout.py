"""The provincial service's layout, read from its source with `ast` (nothing is imported).

- No import circle in `mocks/provincial/`: the dossier package sits at the bottom, and the files
  around it (API, pages, payments, delivery, sync, notifications) call it and are not called back.
  Every import counts: at the top, inside a function, or under `if TYPE_CHECKING`.
- A dossier's status (`status`, `TrangThaiHoSo`) is assigned in the transition table's module only:
  no SQL elsewhere writes the dossier table's status or inserts a dossier, no code elsewhere
  assigns a `status` attribute or key, or passes one to the store's column writer.
- seed-history is a client of the service: no SQL, no subclass of the service's clock, outbox or store.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROVINCIAL = ROOT / "mocks" / "provincial"
PACKAGE = "mocks.provincial"
TABLE_MODULE = PROVINCIAL / "dossier" / "transitions.py"
SEED_HISTORY = ROOT / "harness" / "seed_history.py"
STATUS_NAMES = {"status", "TrangThaiHoSo"}


# -- the import graph ----------------------------------------------------------------------------------------
def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: Path = PROVINCIAL, root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(package.rglob("*.py"))}


def imported(path: Path, known: dict[str, Path], root: Path = ROOT) -> set[str]:
    """The modules of `known` that the file imports, wherever the import stands."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                start = ".".join(base + ([node.module] if node.module else []))
            else:
                start = node.module or ""
            # `from .pkg import name`: name is a submodule when there is such a file, else a name of pkg
            targets = [f"{start}.{alias.name}" if f"{start}.{alias.name}" in known else start for alias in node.names]
        for target in targets:
            while target and target not in known:   # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(package: Path = PROVINCIAL, root: Path = ROOT) -> dict[str, set[str]]:
    known = modules(package, root)
    return {name: imported(path, known, root) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_reader_sees_a_circle_and_every_kind_of_import(tmp_path: Path) -> None:
    """The check itself: a circle through a function-level import and a TYPE_CHECKING one is found."""
    pkg = tmp_path / "mocks" / "provincial"
    (pkg / "dossier").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "dossier" / "__init__.py").write_text('"""docstring only"""\n')
    (pkg / "a.py").write_text("from .dossier.entity import X\n")
    (pkg / "dossier" / "entity.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..b import Y\n")
    (pkg / "b.py").write_text("def f():\n    from . import a\n")
    (pkg / "c.py").write_text("from mocks.provincial import b\nimport mocks.provincial.dossier.entity\n")
    graph = import_graph(pkg, tmp_path)
    assert graph["mocks.provincial.c"] == {"mocks.provincial.b", "mocks.provincial.dossier.entity"}
    assert cycles(graph) == [["mocks.provincial.a", "mocks.provincial.b", "mocks.provincial.dossier.entity"]]


def test_no_import_circle_in_the_provincial_service() -> None:
    graph = import_graph()
    assert len(graph) > 20, "the reader found too few modules: it measured nothing"
    assert cycles(graph) == [], "import circles in mocks/provincial (each line one circle)"


def test_the_dossier_package_does_not_call_back_the_files_around_it() -> None:
    graph = import_graph()
    inside = {name for name in graph if name.startswith(f"{PACKAGE}.dossier")}
    assert f"{PACKAGE}.dossier.transitions" in inside, "the transition table's module is missing"
    around = {f"{PACKAGE}.{name}" for name in ("api", "ui", "admin", "officer_api", "officer_ui", "payments",
                                               "delivery", "sync", "notifications", "model", "sending", "app")}
    called_back = {(name, target) for name in inside for target in graph[name] if target in around}
    assert called_back == set()
    # ...and they do call it.
    assert {name for name in around if any(t in inside for t in graph.get(name, ()))} >= {
        f"{PACKAGE}.{name}" for name in ("payments", "delivery", "sync", "notifications", "model")}


# -- where a status is assigned ------------------------------------------------------------------------------
WRITES_STATUS = re.compile(r"\bUPDATE\s+(OR\s+\w+\s+)?dossier\s+SET\b.*\bstatus\s*=", re.I | re.S)
# a row copied from another table (a schema migration) keeps its status: not an assignment
INSERTS_DOSSIER = re.compile(r"\b(INSERT|REPLACE)\s+(OR\s+\w+\s+)?INTO\s+dossier\s*\([^)]*\)(?!\s*SELECT)", re.I)
UPDATES_DOSSIER = re.compile(r"\bUPDATE\s+(OR\s+\w+\s+)?dossier\s+SET\b", re.I)
COLUMN_WRITERS = {"set_columns", "replace"}


def joined_text(node: ast.JoinedStr) -> str:
    """An f-string's literal parts, each formatted value standing as `{}`."""
    return "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                   for v in node.values)


def sql_texts(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """String constants and f-strings (their literal parts), with their line."""
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, joined_text(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            yield node.lineno, node.value


def _names_status(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in STATUS_NAMES) or (
        isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value in STATUS_NAMES)


def status_assignments(path: Path, root: Path = ROOT) -> list[str]:
    """Every place in the file that assigns a dossier's status, as `file:line what`, in line order."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = path.relative_to(root)
    found = []
    for line, text in sql_texts(tree):
        if WRITES_STATUS.search(text) or INSERTS_DOSSIER.search(text):
            found.append(f"{where}:{line} SQL writes a dossier's status: {text.strip()[:60]!r}")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if _names_status(target):
                    found.append(f"{where}:{node.lineno} assigns {ast.unparse(target)}")
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in COLUMN_WRITERS and any(k.arg in STATUS_NAMES | {"to_status"} for k in node.keywords):
                found.append(f"{where}:{node.lineno} passes a status to {name}()")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # a function that builds the SET clause of an UPDATE of the dossier table and names the status in it
            built = [t for n in ast.walk(node) if isinstance(n, ast.JoinedStr)
                     and UPDATES_DOSSIER.search(t := joined_text(n))
                     and "{}" in re.split(r"\bSET\b", t, maxsplit=1, flags=re.I)[-1].split("WHERE", 1)[0]]
            if built:
                keyed = [k for d in ast.walk(node) if isinstance(d, ast.Dict) for k in d.keys
                         if isinstance(k, ast.Constant) and k.value in STATUS_NAMES]
                named = [k for c in ast.walk(node) if isinstance(c, ast.Call) for k in c.keywords
                         if k.arg in STATUS_NAMES]
                if keyed or named:
                    found.append(f"{where}:{node.lineno} {node.name}() updates the dossier table with a status")
    return sorted(found, key=lambda f: int(f.split(" ", 1)[0].rsplit(":", 1)[1]))


def scanned() -> list[Path]:
    return [p for p in sorted(PROVINCIAL.rglob("*.py")) if p != TABLE_MODULE] + [SEED_HISTORY]


def test_the_search_for_status_assignments_finds_each_kind(tmp_path: Path) -> None:
    """The check itself, on a file that assigns a status in every way it looks for (and reads it in others)."""
    sample = tmp_path / "sample.py"
    sample.write_text('''
def a(conn, d, store):
    conn.execute("UPDATE dossier SET status = ?, updated_at = ? WHERE code = ?", (2, 0, d.code))
    conn.execute(f"INSERT INTO dossier({', '.join(cols)}) VALUES (?)")
    d.status = 4
    record["TrangThaiHoSo"] = 9
    store.set_columns(conn, "ns", d.code, status=5)

def b(conn, d):
    columns = {"status": 3, "closing_reason": "x"}
    conn.execute(f"UPDATE dossier SET {', '.join(columns)} WHERE code = ?")

def reads(conn, d):
    conn.execute("UPDATE postal_order SET status = ? WHERE ns = ?", ("returned", "n"))
    conn.execute("UPDATE dossier SET payment_status = ? WHERE code = ?", ("paid", d.code))
    conn.execute("INSERT INTO dossier_history(ns, to_status) VALUES (?, ?)", ("n", 2))
    conn.execute(f"INSERT INTO dossier({', '.join(old)}) SELECT {', '.join(old)} FROM dossier_before")
    return {"status": d.status, "TrangThaiHoSo": d.status}
''', encoding="utf-8")
    found = status_assignments(sample, tmp_path)
    assert [f.split(" ", 1)[0].rsplit(":", 1)[1] for f in found] == ["3", "4", "5", "6", "7", "9"], found


def test_a_status_is_assigned_in_the_transition_table_only() -> None:
    assert TABLE_MODULE.exists()
    assert status_assignments(TABLE_MODULE), "the table's module assigns no status: the search measured nothing"
    found = [line for path in scanned() for line in status_assignments(path)]
    assert found == []


def test_seed_history_is_a_client_of_the_service() -> None:
    """It builds the history through the provincial model: no SQL of its own, no subclass of the service's parts."""
    tree = ast.parse(SEED_HISTORY.read_text(encoding="utf-8"))
    sql = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S)
    assert [(line, text[:40]) for line, text in sql_texts(tree) if sql.search(text)] == []
    bases = {ast.unparse(base) for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for base in node.bases}
    assert not bases & {"Clock", "Outbox", "Store", "ProvincialPortal", "Dossiers", "Workflow"}, bases
