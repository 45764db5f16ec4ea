"""The Lambda layer holds only production code: nothing in ``layers/core/kroless`` imports ``kroless_cli`` or moto.

Every import of every module counts, function-level ones and ``importlib.import_module("...")`` with a literal
name included (found with :mod:`ast`, without importing anything). The command line, the local cloud, the demo
and the test support live in ``cli/kroless_cli``, which depends on ``kroless``, never the other way round.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "layers" / "core" / "kroless"
FORBIDDEN = {"kroless_cli", "moto"}
MODULES = sorted(PACKAGE.rglob("*.py"))


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of each absolute import in ``tree``, wherever it is (relative imports stay in kroless)."""
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if function in {"import_module", "__import__", "find_spec"} and isinstance(node.args[0].value, str):
                names.append((node.lineno, node.args[0].value))
    return names


def test_the_walk_sees_every_kind_of_import() -> None:
    source = (
        "import moto\nfrom moto.core import x\nimport os, kroless_cli.demo\n"
        "def f():\n    from kroless_cli.localcloud import aws\n    importlib.import_module('moto.server')\n"
        "from . import sibling\n"
    )
    found = [name for _, name in imported_names(ast.parse(source))]
    assert sorted(found) == sorted(
        ["moto", "moto.core", "os", "kroless_cli.demo", "kroless_cli.localcloud", "moto.server"]
    )


def test_the_package_is_there() -> None:
    assert len(MODULES) > 50 and (PACKAGE / "services.py").exists()


def test_no_production_module_imports_development_code() -> None:
    bad = [
        f"{path.relative_to(REPO)}:{line}: {name}"
        for path in MODULES
        for line, name in imported_names(ast.parse(path.read_text(), filename=str(path)))
        if name.split(".")[0] in FORBIDDEN
    ]
    assert not bad, "the Lambda layer's package imports development code:\n" + "\n".join(bad)


def test_the_development_code_lives_beside_it() -> None:
    for moved in (
        "cli",
        "localcloud",
        "demo.py",
        "drift/scene.py",
        "drift/samples.py",
        "render/offline.py",
    ):
        assert not (PACKAGE / moved).exists(), f"{moved} belongs in cli/kroless_cli, not in the layer"
    assert (REPO / "cli" / "kroless_cli" / "localcloud" / "cloud.py").exists()
