"""No import circles in the production package, neither between modules nor between its subpackages.

Every import counts, function-level ones included (a circle hidden inside a function is still a circle: the
two modules cannot be understood or tested apart). The graph is read with :mod:`ast`, nothing is imported.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.unit.test_layer_package import MODULES, PACKAGE, imported_names


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


NAMES = {module_name(path): path for path in MODULES}


def resolve(imported: str) -> str | None:
    """The kroless module an import lands in (``from kroless.a import b`` is module ``kroless.a.b`` or ``kroless.a``)."""
    while imported and imported not in NAMES:
        imported = imported.rpartition(".")[0]
    return imported or None


def module_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in NAMES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        # ``from kroless.a import b`` names b (a module or a name in a); the other forms name the module
        from_imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module]
        targets = {f"{n.module}.{alias.name}" for n in from_imports for alias in n.names}
        bare = {n.module for n in from_imports}
        targets.update(imported for _, imported in imported_names(tree) if imported not in bare)
        modules = {r for t in targets if t.startswith("kroless.") and (r := resolve(t))}
        graph[name] = (modules | {p for m in modules for p in packages_run(m, name)}) - {name}
    return graph


def packages_run(module: str, importer: str) -> set[str]:
    """Importing ``kroless.a.b.c`` first runs ``kroless.a``'s and ``kroless.a.b``'s ``__init__`` (those of the
    importer's own packages are already running, so they add no edge)."""
    parts = module.split(".")
    parents = {".".join(parts[:i]) for i in range(2, len(parts))}
    own = {".".join(importer.split(".")[:i]) for i in range(1, len(importer.split(".")))}
    return {p for p in parents - own if p in NAMES}


def grouped(graph: dict[str, set[str]], depth: int) -> dict[str, set[str]]:
    """The graph of ``kroless.<a>`` (depth 2) or ``kroless.<a>.<b>`` (depth 3) units; edges inside a unit dropped."""

    def unit(name: str) -> str:
        return ".".join(name.split(".")[:depth])

    out: dict[str, set[str]] = {}
    for source, targets in graph.items():
        out.setdefault(unit(source), set()).update(unit(t) for t in targets if unit(t) != unit(source))
    return out


def cycle(graph: dict[str, set[str]]) -> Iterable[str]:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        return list(err.args[1])
    return []


def test_the_walk_finds_a_circle_hidden_in_a_function() -> None:
    graph = {"kroless.a": {"kroless.b"}, "kroless.b": {"kroless.a"}, "kroless.c": set()}
    assert set(cycle(graph)) == {"kroless.a", "kroless.b"}
    assert module_imports()["kroless.operations"] >= {"kroless.services", "kroless.drift.heal"}
    # a submodule's import runs its package's __init__ (kroless.providers.aws re-exports the provider)
    assert packages_run("kroless.providers.aws.naming", "kroless.providers.compare") == {"kroless.providers.aws"}
    assert packages_run("kroless.providers.aws.naming", "kroless.providers.aws.provider") == set()


@pytest.mark.parametrize("depth", [99, 3, 2], ids=["modules", "subpackages", "packages"])
def test_no_import_circles(depth: int) -> None:
    found = cycle(grouped(module_imports(), depth))
    assert not found, "import circle: " + " -> ".join(found)
