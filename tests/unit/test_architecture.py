"""The import graph, read from the code: no cycle, no import running up the layers, no hidden imports.

Why: an import circle makes every module in it load (and break) together, and an import running up the
layers (a service importing a handler, the codec importing the chat's context) is how one screen ends up
reachable only from one channel. Both used to be hidden by imports inside functions, so those count too,
and a function may import only an optional heavy library, on a line marked `# heavy: <why>`.

How the graph is built (with `ast`, nothing is imported):
- the modules are every .py file under bot/, handlers/ and db/ except db/migrations/;
- every `import` and `from … import` counts, at module level, inside functions and under
  `if TYPE_CHECKING:` alike; relative imports are resolved; `from pkg import mod` is an edge to pkg.mod,
  `from pkg import name` an edge to pkg;
- importing a.b.c runs the `__init__` of the packages a and a.b first, so the importer also gets an edge
  to each package above its target that it is not itself inside. A package's `__init__` therefore stays
  light: handlers/__init__.py only names the package (the Application's handlers are registered by the
  wiring, bot/handlers_wiring.py), so loading one handler never loads every other one. Re-export
  packages (bot.presentation.callbacks, handlers.log_form) may import their own submodules: a module is
  never given an edge to a package it lives in.

The layers, top to bottom (a module may import its own layer or any layer below):
wiring > handlers > presentation > domain > base. Every module must be placed (LAYERS below), so a new
top-level module gets a layer on purpose. Two modules sit where their imports put them rather than where
their names suggest: bot.runtime (settings, sessions, the clock, and the catalogue, a domain object) is
placed with the domain, which never imports it; bot.database (schema to head and the catalogue synced
at start-up, a domain service) is wiring, used only by the entry points.

Imports that a change in progress removes are listed in PENDING: left out of the graph and of the
check of imports inside functions; the list may only shrink (an entry whose import is gone fails).
"""

from __future__ import annotations

import ast
import collections
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "db")
ORDER = ("wiring", "handlers", "presentation", "domain", "base")

# Most specific prefix wins; a prefix matches the module itself and everything below it.
LAYERS: dict[str, str] = {
    "bot.app": "wiring",
    "bot.main": "wiring",
    "bot.__main__": "wiring",
    "bot.cli": "wiring",
    "bot.cli_people": "wiring",
    "bot.jobs": "wiring",
    "bot.outbox_sender": "wiring",
    "bot.digest_outbox": "wiring",
    "bot.telegram_bot": "wiring",
    "bot.webhook": "wiring",
    "bot.persistence": "wiring",
    "bot.unasked": "wiring",
    "bot.handlers_wiring": "wiring",
    "bot.i18n_tools": "wiring",  # the `make i18n` command line
    "bot.web": "wiring",
    "bot.zalo": "wiring",
    "bot.sandbox": "wiring",
    "bot.ops": "wiring",
    "bot.database": "wiring",  # start-up: schema to head and the catalogue synced (a domain service)
    "handlers": "handlers",
    "bot.presentation": "presentation",
    "bot.domain": "domain",
    "bot.runtime": "domain",  # the running bot's shared services: settings, sessions, the catalogue, the clock
    "bot": "base",  # the package itself (empty); a new bot/*.py module matches nothing until placed here
    "bot.config": "base",
    "bot.i18n": "base",
    "bot.logsafety": "base",
    "db": "base",
}

EXACT_ONLY = frozenset({"bot"})
"""Entries of LAYERS that place only the module itself, not the modules below it."""

# The /log form's card imports the form's questions inside a function (the questions show the card); the
# typed-state change reorganises handlers/log_form/ and removes both. Exact (importer, imported) pairs;
# empty this when that change is merged.
PENDING: frozenset[tuple[str, str]] = frozenset()

HEAVY = re.compile(r"#\s*heavy:\s*\S.{8,}")


@dataclass(frozen=True)
class Import:
    """One edge of the graph, with where it is written."""

    source: str
    target: str
    path: Path
    line: int
    in_function: bool
    marked_heavy: bool

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the graph."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            found[module_name(path)] = path
    return found


def layer_of(module: str) -> str | None:
    """The layer of the most specific LAYERS entry above `module` (None: not placed)."""
    name = module
    while name:
        if name in LAYERS and (name not in EXACT_ONLY or name == module):
            return LAYERS[name]
        name = name.rpartition(".")[0]
    return None


def _owner(name: str, known: dict[str, Path]) -> str | None:
    """The module a dotted name refers to: itself, or the nearest package or module above it."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _walk(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _walk(child, inner)


def _targets(node: ast.Import | ast.ImportFrom, package: str, known: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    targets: set[str] = set()
    for name in names:
        owner = _owner(name, known)
        if owner is None:
            continue
        targets.add(owner)
        above = owner.rpartition(".")[0]
        while above:  # the packages whose __init__ runs first
            targets.add(above)
            above = above.rpartition(".")[0]
    return targets


@cache
def imports() -> tuple[Import, ...]:
    """Every edge, one per imported module (and each package above it), with its line."""
    known = modules()
    found: list[Import] = []
    for module, path in known.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node, in_function in _walk(ast.parse(source, filename=str(path))):
            span = lines[node.lineno - 1: (node.end_lineno or node.lineno)]
            heavy = any(HEAVY.search(line) for line in span)
            for target in _targets(node, package, known) or {""}:
                if target == module or (target and module.startswith(target + ".")):
                    continue  # itself, or a package it lives in
                found.append(Import(module, target, path, node.lineno, in_function, heavy))
    return tuple(found)


def graph() -> dict[str, set[str]]:
    """module -> the modules it imports (PENDING left out)."""
    edges: dict[str, set[str]] = collections.defaultdict(set)
    for edge in imports():
        if edge.target and (edge.source, edge.target) not in PENDING:
            edges[edge.source].add(edge.target)
    return edges


def cycles(edges: dict[str, set[str]] | None = None) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative), largest first."""
    edges = collections.defaultdict(set, graph() if edges is None else edges)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(set(edges) | {child for children in edges.values() for child in children}):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return sorted(found, key=lambda component: (-len(component), component))


def cycle_path(component: list[str], edges: dict[str, set[str]] | None = None) -> str:
    """One concrete loop through the component, so the reader sees which imports to cut."""
    edges = collections.defaultdict(set, graph() if edges is None else edges)
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = collections.deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(edges[node] & members):
            if child == start:
                path = [start]
                while node != start:
                    path.append(node)
                    node = previous[node]
                return " -> ".join([start, *reversed(path[1:]), start])
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return ", ".join(component)


def upward_imports() -> list[Import]:
    """Edges whose target sits in a higher layer than their source."""
    rank = {layer: position for position, layer in enumerate(ORDER)}
    wrong = []
    for edge in imports():
        source, target = layer_of(edge.source), layer_of(edge.target)
        if not edge.target or source is None or target is None:
            continue
        if rank[target] < rank[source]:
            wrong.append(edge)
    return wrong


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(module for module in modules() if layer_of(module) is None)
    assert not unplaced, "give these modules a layer in LAYERS:\n" + "\n".join(unplaced)


def test_the_import_graph_has_no_cycle() -> None:
    found = cycles()
    report = "\n".join(f"{len(component)} modules: {cycle_path(component)}\n    {component}" for component in found)
    assert not found, f"{sum(map(len, found))} modules in import cycles:\n{report}"


def test_no_import_runs_up_the_layers() -> None:
    wrong = upward_imports()
    report = "\n".join(
        f"{edge.where()}: {edge.source} ({layer_of(edge.source)}) imports {edge.target} ({layer_of(edge.target)})"
        for edge in sorted(wrong, key=lambda edge: (edge.where(), edge.target))
    )
    assert not wrong, f"imports running up the layers {' > '.join(ORDER)}:\n{report}"


def test_the_pending_imports_still_exist() -> None:
    """The allow-list only shrinks: an entry whose import is gone must leave the list."""
    present = {(edge.source, edge.target) for edge in imports()}
    assert present >= PENDING, f"remove from PENDING: {sorted(PENDING - present)}"


def test_functions_import_only_heavy_optional_libraries() -> None:
    hidden = sorted({(edge.path, edge.line) for edge in imports() if edge.in_function and not edge.marked_heavy
                     and (edge.source, edge.target) not in PENDING})
    hidden_lines = [f"{path.relative_to(ROOT)}:{line}" for path, line in hidden]
    assert not hidden, (
        "imports inside functions (move them to the top of the module, or mark an optional heavy library "
        "with `# heavy: <why>`):\n" + "\n".join(hidden_lines)
    )


def test_migrations_import_no_live_code() -> None:
    """A migration is frozen history: it must not change when the models or the services do."""
    live = ("bot", "handlers", "db")
    wrong = []
    for path in sorted((ROOT / "db" / "migrations" / "versions").glob("*.py")):
        for node, _ in _walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level:
                names = ["db.migrations (relative)"]
            wrong += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names
                      if name.split(".")[0] in live]
    assert not wrong, "migrations importing live code:\n" + "\n".join(wrong)


def test_the_graph_sees_the_imports_it_is_meant_to() -> None:
    """Guard the reader itself: a graph that missed function-level or relative imports would pass vacuously."""
    known = modules()
    assert "handlers.gate" in known and "bot.presentation.callbacks.codec" in known
    edges = graph()
    assert "bot.presentation.callbacks.codec" in edges["bot.presentation.callbacks"]
    tree = ast.parse("def f():\n    from . import b\n    import bot.config\n")
    walked = [(type(node).__name__, inside) for node, inside in _walk(tree)]
    assert walked == [("ImportFrom", True), ("Import", True)]
    relative = ast.parse("from .codec import encode\n").body[0]
    assert isinstance(relative, ast.ImportFrom)
    assert "bot.presentation.callbacks.codec" in _targets(relative, "bot.presentation.callbacks", known)


def test_the_checks_find_what_they_look_for() -> None:
    """Guard the checks themselves on a made-up graph: a loop through three modules is found and named, a
    one-way chain is not, and layers are read from the most specific prefix."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"d"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycle_path(["a", "b", "c"], edges) == "a -> b -> c -> a"
    assert cycles({"a": {"b"}, "b": {"c"}}) == []
    assert layer_of("bot.domain.records.actions") == "domain"
    assert layer_of("bot.app") == "wiring" and layer_of("bot.apple") is None
    assert layer_of("handlers.log_form.card") == "handlers"
    assert layer_of("bot.presentation.render") == "presentation" and layer_of("db.models") == "base"


def test_handlers_do_no_database_work() -> None:
    """A handler reads the update, calls one service and renders: no handlers module imports db.queries,
    and the only method called on a session in handlers/ is the update's own session being closed
    (handlers/context.py owns the update's unit of work); a handler passes `context.session` on."""
    queries = sorted(f"{edge.where()}: {edge.source} imports {edge.target}" for edge in imports()
                     if layer_of(edge.source) == "handlers" and _owner(edge.target, modules()) == "db.queries")
    assert not queries, "handlers importing db.queries (call a service instead):\n" + "\n".join(queries)
    calls = sorted(_session_calls(ROOT / "handlers", ROOT) - {("handlers/context.py", "close")})
    assert not calls, "session methods called in handlers (move the work into a service):\n" + "\n".join(
        f"{path}: session.{method}(…)" for path, method in calls)


def _session_calls(folder: Path, root: Path) -> set[tuple[str, str]]:
    """(file, method) for every `….session.<method>(…)` or `session.<method>(…)` call under `folder`;
    `session_factory()` is a runtime's, not a session's."""
    found: set[tuple[str, str]] = set()
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name == "session":
                found.add((str(path.relative_to(root)), node.func.attr))
    return found


def test_the_database_check_finds_session_calls(tmp_path: Path) -> None:
    """Guard the session-call reader: a query through `context.session` or a local `session` is seen."""
    (tmp_path / "h.py").write_text("def f(context, session):\n    context.session.exec(1)\n    session.add(2)\n"
                                   "    runtime.session_factory()\n", encoding="utf-8")
    assert _session_calls(tmp_path, tmp_path) == {("h.py", "exec"), ("h.py", "add")}
