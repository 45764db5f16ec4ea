"""Kro's scanner and field-path tables (tests/data/parser/*.yaml, from pkg/graph/parser and pkg/graph/fieldpath)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kroless.errors import GraphError
from kroless.graph import fieldpath
from kroless.graph.parser import is_standalone_expression, scan_expressions

DATA = Path(__file__).resolve().parents[2] / "data" / "parser"


def load(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((DATA / name).read_text())


def cases(items: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("case", items, ids=[c["name"] for c in items])


@cases(load("extract.yaml"))
def test_extract(case: dict[str, Any]) -> None:
    # Where the newer Go test and the snapshot scanner disagree we follow the snapshot (kro-reference §3.1).
    expect = case.get("expectAtSnapshotScanner") or case["expect"]
    text = case["input"]
    if "error" in expect:
        with pytest.raises(GraphError) as exc:
            scan_expressions(text)
        assert expect["error"] in str(exc.value)
        with pytest.raises(GraphError):
            is_standalone_expression(text)
        return
    if "expressions" in expect:
        found = scan_expressions(text)
        assert [e.body for e in found] == expect["expressions"]
        assert [[e.start, e.end] for e in found] == expect["spans"]
    if "standalone" in expect:
        assert is_standalone_expression(text) is expect["standalone"]


def segment(step: str | int) -> dict[str, Any]:
    return {"name": step, "index": -1} if isinstance(step, str) else {"name": "", "index": step}


@cases(load("paths.yaml"))
def test_paths(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if case["op"] == "build":
        steps: list[str | int] = [s["name"] if "name" in s else s["index"] for s in case["input"]]
        assert fieldpath.build(steps) == expect["path"]
        return
    if "error" in expect:
        with pytest.raises(GraphError) as exc:
            fieldpath.parse(case["input"])
        assert expect["error"] in str(exc.value)
        return
    assert [segment(s) for s in fieldpath.parse(case["input"])] == expect["segments"]
