"""The layout's rules that import-linter cannot see: no import cycle inside casetui, counting
imports inside functions (which hide a cycle from Python but not from a reader)."""

from __future__ import annotations

import ast
import asyncio
import threading
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "casetui"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each casetui module and the casetui modules it imports anywhere in its body."""
    files = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                    )
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                # A package's __init__ holds no code of its own here: importing a submodule is
                # not an edge to the package that contains it.
                if (
                    target
                    and target != name
                    and not (files[target].name == "__init__.py" and name.startswith(target + "."))
                ):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_inside_casetui():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _open_from(module: str, database) -> None:
    """Open a transaction on a running event loop from code that belongs to ``module``."""
    namespace = {"__name__": module, "database": database}
    exec("async def open_it():\n    with database.transaction():\n        pass\n", namespace)
    asyncio.run(namespace["open_it"]())


def test_the_interface_cannot_wait_on_the_database(database):
    """A screen that opens a transaction on the event loop fails (its tests fail), instead of
    freezing the interface on a slow server; from a worker thread, or from tests, it is fine."""
    with pytest.raises(RuntimeError, match="casetui.screens.somewhere opened a database transaction on the event"):
        _open_from("casetui.screens.somewhere", database)
    with pytest.raises(RuntimeError, match="event loop"):
        _open_from("casetui.widgets.somewhere", database)
    _open_from("tests.somewhere", database)
    opened_in_a_thread = []

    def in_a_worker_thread() -> None:
        namespace = {"__name__": "casetui.screens.somewhere", "database": database, "opened": opened_in_a_thread}
        exec("with database.transaction():\n    opened.append(True)\n", namespace)

    worker = threading.Thread(target=in_a_worker_thread)
    worker.start()
    worker.join()
    assert opened_in_a_thread == [True]
