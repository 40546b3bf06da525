"""No import cycles between the packages of BridgeOps.

Every module under ``bridgeops/`` is parsed with ``ast``; every import counts, at module level
and inside functions alike (an import hidden in a function is still a dependency). Each import
becomes an edge between packages: ``bridgeops.<package>`` for a subpackage, or
``bridgeops.<module>`` for a top-level module (``bridgeops`` itself for ``__init__``).

The layering, bottom to top (a package imports only packages below it, or its own layer's
foundation):

1. Foundation, imported by anyone, importing only each other: ``core`` (errors, time, jobs,
   the database clock, validation, CLI helpers), ``extensions`` (unbound Flask extensions),
   ``config``, ``events`` (signals between capabilities) and ``features`` (the list of
   capabilities, imported by name at run time).
2. Capabilities, each a package: ``audit``, ``accounts`` (identity and ``requires``), ``api``
   (the blueprint and problem+json), ``units``, ``conference``, ``mail``, ``registration``,
   ``returns``, ``health``, ``invites``, ``attendance``, ``followup``, ``federation``, ``ops``,
   ``home`` (the officer's overview of every conference).
   A capability that needs a higher one's answer asks through an event (``events.py``) or a
   hook registered at app setup (``setup.register_access``); it never imports it.
3. Composition, importing anything and imported by nothing but each other: ``models`` (every
   table), ``demo`` (a caller of services), ``scheduler``, ``cli``, ``setup`` and ``bridgeops``
   (the factory).

The test asserts the two rules that layering implies: the foundation imports no capability or
composition module, no capability imports a composition module, and the graph has no cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "bridgeops"

FOUNDATION = frozenset(
    {"bridgeops.core", "bridgeops.extensions", "bridgeops.config", "bridgeops.events", "bridgeops.features"}
)
COMPOSITION = frozenset(
    {
        "bridgeops",
        "bridgeops.models",
        "bridgeops.demo",
        "bridgeops.scheduler",
        "bridgeops.cli",
        "bridgeops.setup",
    }
)

#: An edge between two packages, and one import that makes it ("module:line").
Edges = dict[str, dict[str, str]]


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        # "from bridgeops import setup" imports the module bridgeops.setup.
        return [target, *(f"{target}.{alias.name}" for alias in node.names)]
    return []


def package_edges(root: Path = PACKAGE_ROOT) -> Edges:
    """Package → imported package → the first import that makes the edge."""
    edges: Edges = defaultdict(dict)
    top_level = {_module_name(p, root)[0] for p in root.glob("*.py")} | {
        f"bridgeops.{p.name}" for p in root.iterdir() if (p / "__init__.py").exists()
    }
    for path in sorted(root.rglob("*.py")):
        module, is_package = _module_name(path, root)
        source = _package(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _imported(node, module, is_package):
                if not target.startswith("bridgeops."):
                    continue
                package = _package(target)
                if package not in top_level or package == source:
                    continue  # a name inside bridgeops/__init__ (create_app), or itself
                edges[source].setdefault(package, f"{module}:{node.lineno}")
    return edges


def find_cycle(edges: Edges) -> list[str] | None:
    """One cycle of packages (first = last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, {})):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def _describe(cycle: list[str], edges: Edges) -> str:
    return "\n".join(f"  {a} -> {b}   ({edges[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False))


def test_packages_import_without_cycles():
    edges = package_edges()
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between packages:\n" + _describe(cycle, edges)


def test_foundation_imports_no_capability():
    edges = package_edges()
    upward = [
        f"  {source} -> {target}   ({where})"
        for source in sorted(FOUNDATION)
        for target, where in sorted(edges.get(source, {}).items())
        if target not in FOUNDATION
    ]
    assert not upward, "the foundation imports above itself:\n" + "\n".join(upward)


def test_capabilities_never_import_the_composition_modules():
    edges = package_edges()
    upward = [
        f"  {source} -> {target}   ({where})"
        for source, targets in sorted(edges.items())
        if source not in COMPOSITION
        for target, where in sorted(targets.items())
        if target in COMPOSITION
    ]
    assert not upward, "a capability imports setup, the CLI, the scheduler or the demo:\n" + "\n".join(upward)


def test_the_graph_sees_imports_inside_functions(tmp_path):
    """The check itself: a cycle made by an import inside a function is found and printed."""
    root = tmp_path / "bridgeops"
    for name, body in {
        "alpha": "from bridgeops.beta import thing\n",
        "beta": "def thing():\n    from ..alpha import other\n    return other\n",
    }.items():
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text(body)
    (root / "__init__.py").write_text("")
    edges = package_edges(root)
    cycle = find_cycle(edges)
    assert cycle is not None and set(cycle) == {"bridgeops.alpha", "bridgeops.beta"}
    assert "bridgeops.beta:2" in _describe(cycle, edges)
