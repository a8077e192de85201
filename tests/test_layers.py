"""The walls between the packages (docs/architecture.md), checked on every import of `bot/`,
including the ones inside functions and under `if TYPE_CHECKING:`.

A node is a package (`bot.store`, `bot.chat`, ...) or a top-level module (`bot.clock`,
`bot.runtime`, ...); an edge is any import from one node into another.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

AREAS = ("bot.chat", "bot.delivery", "bot.web", "bot.cli", "bot.runtime", "bot.testkit")
# what the store may import besides itself
STORE_MAY_IMPORT = ("bot.clock", "bot.errors", "bot.config", "bot.content.model")
# (importer, imported): a module under the first may not import one under the second
FORBIDDEN = [
    *((low, area) for low in ("bot.content", "bot.search", "bot.chatkit") for area in AREAS),
    *(("bot.delivery", area) for area in AREAS if area != "bot.delivery"),
    # beyond the list: the chat areas do not import each other, the runtime wires them
    *(("bot.chat", area) for area in AREAS if area != "bot.chat"),
    *(("bot.web", area) for area in AREAS if area not in ("bot.web", "bot.delivery")),
]
# modules that may start the test kit: the CLI's `demo` verb
TESTKIT_USERS = ("bot.cli", "bot.testkit")


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _targets(name: str, path: Path, node: ast.Import | ast.ImportFrom,
             known: Iterable[str]) -> list[str]:
    known = set(known)
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    # `from bot.store import cards` imports the module bot.store.cards
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def import_edges(root: Path = BOT) -> set[tuple[str, str]]:
    """Every (module, imported bot module) of the package, wherever the import sits."""
    modules = _modules(root)
    edges = set()
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(name, path, node, modules):
                    if target == "bot" or target.startswith("bot."):
                        edges.add((name, target))
    return edges


def node_of(module: str) -> str:
    """The package or top-level module a module belongs to: a package is one node."""
    return ".".join(module.split(".")[:2])


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def wall_breaches(edges: Iterable[tuple[str, str]]) -> list[str]:
    """Each import that crosses a wall, as `importer -> imported: rule`."""
    found = []
    for src, dst in sorted(edges):
        if _under(dst, "bot.testkit") and not any(_under(src, u) for u in TESTKIT_USERS):
            found.append(f"{src} -> {dst}: only the CLI's demo verb starts the test kit")
        if (_under(src, "bot.store") and not _under(dst, "bot.store")
                and not any(_under(dst, ok) for ok in STORE_MAY_IMPORT)):
            found.append(f"{src} -> {dst}: the store imports only {', '.join(STORE_MAY_IMPORT)}")
        for low, high in FORBIDDEN:
            if _under(src, low) and _under(dst, high):
                found.append(f"{src} -> {dst}: {low} may not import {high}")
    return found


def node_cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The cycles between nodes (strongly connected components of more than one node)."""
    graph: dict[str, set[str]] = {}
    for src, dst in edges:
        a, b = node_of(src), node_of(dst)
        graph.setdefault(a, set())
        graph.setdefault(b, set())
        if a != b:
            graph[a].add(b)
    return [sorted(c) for c in _components(graph) if len(c) > 1]


def module_cycles(edges: Iterable[tuple[str, str]], package: str) -> list[list[str]]:
    """Cycles between the modules of one package."""
    graph: dict[str, set[str]] = {}
    for src, dst in edges:
        if _under(src, package) and _under(dst, package) and src != dst:
            graph.setdefault(src, set()).add(dst)
            graph.setdefault(dst, set())
    return [sorted(c) for c in _components(graph) if len(c) > 1]


def _components(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def documented_rows(text: str, known: set[str]) -> dict[str, int]:
    """The row of each box in the table under `## Layers` of docs/architecture.md: a line is
    `row  box box ...  what they are` (the boxes are the first known names)."""
    block = text.split("## Layers", 1)[1].split("```", 2)[1]
    rows = {}
    for line in block.splitlines():
        words = line.split()
        if not words or not words[0].isdigit():
            continue
        for word in words[1:]:
            if f"bot.{word}" not in known:
                break
            rows[f"bot.{word}"] = int(words[0])
    return rows


EDGES = import_edges()


def test_the_import_walk_sees_imports_inside_functions() -> None:
    assert ("bot.cli.demo", "bot.testkit.demo") in EDGES  # imported inside the verb


def test_no_import_crosses_a_wall() -> None:
    assert wall_breaches(EDGES) == []


def test_no_two_packages_or_top_level_modules_import_each_other() -> None:
    assert node_cycles(EDGES) == []


def test_the_architecture_doc_places_every_box_below_those_that_import_it() -> None:
    nodes = {node_of(m) for edge in EDGES for m in edge} | {node_of(m) for m in _modules(BOT)}
    rows = documented_rows(ARCHITECTURE.read_text(encoding="utf-8"), nodes - {"bot"})
    assert sorted(nodes - {"bot"} - set(rows)) == []  # every box has a row
    upward = sorted(f"{a} (row {rows[node_of(a)]}) -> {b} (row {rows[node_of(b)]})"
                    for a, b in EDGES if node_of(a) != node_of(b) and node_of(b) != "bot"
                    and rows[node_of(a)] <= rows[node_of(b)])
    assert upward == []


def test_the_test_kit_has_no_import_cycle() -> None:
    assert module_cycles(EDGES, "bot.testkit") == []


# Edges the code once had: each one must be caught.
@pytest.mark.parametrize("edge", [
    ("bot.delivery.preview", "bot.testkit.demo"),
    ("bot.web.app", "bot.testkit.emulator"),
    ("bot.store.delivery", "bot.delivery.planner"),
    ("bot.store.cards", "bot.content.render"),
    ("bot.store.stats", "bot.search.analyze"),
    ("bot.content.check", "bot.chat.ui"),
    ("bot.search.engine", "bot.delivery.campaigns"),
    ("bot.delivery.sender", "bot.chat.cardview"),
    ("bot.delivery.handlers", "bot.chat.commands"),
    ("bot.delivery.engine", "bot.runtime"),
    ("bot.delivery.campaigns", "bot.web.app"),
    ("bot.content.check", "bot.cli"),
    ("bot.chatkit.ui", "bot.chat.app"),
    ("bot.chat.app", "bot.delivery.handlers"),
    ("bot.web.app", "bot.runtime"),
])
def test_each_forbidden_edge_is_caught(edge: tuple[str, str]) -> None:
    assert wall_breaches(EDGES | {edge}) != []


@pytest.mark.parametrize("edges", [
    {("bot.content.check", "bot.search")},  # content -> search -> store -> content.model
    {("bot.chat.app", "bot.delivery.handlers"), ("bot.delivery.x", "bot.chat.ui")},
    {("bot.clock", "bot.runtime")},
])
def test_each_cycle_is_caught(edges: set[tuple[str, str]]) -> None:
    assert node_cycles(EDGES | edges) != []


def test_a_cycle_inside_the_test_kit_is_caught() -> None:
    extra = {("bot.testkit.control", "bot.testkit.emulator"),
             ("bot.testkit.emulator", "bot.testkit.control")}
    assert module_cycles(EDGES | extra, "bot.testkit") != []


def test_no_test_module_imports_another_test_module() -> None:
    """What tests share lives in helper modules (factories.py, chat_helpers.py, web_helpers.py,
    ...), never in another test module: importing one runs its fixtures' and tests' module
    code again, and ties two files' tests together."""
    found = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found += [f"{path.name} imports {n}" for n in names if n.startswith("tests.test_")]
    assert found == []
