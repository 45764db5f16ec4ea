"""Running the node scripts of tools/asl/ (npm packages pinned in package.json, installed by ``npm ci``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, missing

TOOLS = REPO / "tools" / "asl"
NODE_MODULES = REPO / "node_modules"


def require(package: str) -> str:
    """The node binary, once ``package`` is installed; a missing node skips, a missing package fails."""
    node = shutil.which("node")
    if node is None:
        missing("node is not installed (the independent ASL checks run in node)")
    if not (NODE_MODULES / package / "package.json").is_file():
        pytest.fail(f"npm package {package} is not installed: run `npm ci` (make test does)")
    return node


def run_script(node: str, script: str, *args: str, stdin: str | None = None, timeout: float = 300) -> dict[str, Any]:
    """Run ``tools/asl/<script>`` and parse the JSON report it prints; stderr goes into any failure."""
    proc = subprocess.run(
        [node, str(TOOLS / script), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(
            f"{script} exited {proc.returncode} without a report:\n{proc.stdout}\n{proc.stderr}"
        ) from None
    report["exit_status"] = proc.returncode
    report["stderr"] = proc.stderr
    return report


def write_definitions(directory: Path, definitions: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Write each definition as ``<key>.json`` (a file-safe key); return report path -> key."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, definition in definitions.items():
        path = directory / f"{key}.json"
        path.write_text(json.dumps(definition))
        paths[str(path)] = key
    return paths
