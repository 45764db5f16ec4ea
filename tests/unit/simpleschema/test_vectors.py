"""Data-driven tests: the YAML vectors in tests/data/simpleschema (ported from Kro's Go test tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kroless.errors import SchemaError
from kroless.simpleschema import (
    build_crd,
    parse_field,
    parse_markers,
    pluralize,
    to_openapi,
    validate_instance,
)
from kroless.simpleschema.markers import MarkerError, apply_markers
from kroless.simpleschema.parse import ParseError
from kroless.simpleschema.types import Atomic, Custom, Map, Object, Slice, Type

DATA = Path(__file__).resolve().parents[2] / "data" / "simpleschema"


def load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text())


def cases(items: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("case", items, ids=[c["name"] for c in items])


def render(t: Type) -> str:
    if isinstance(t, Atomic):
        return t.name
    if isinstance(t, Object):
        return "object"
    if isinstance(t, Slice):
        return "[]" + render(t.elem)
    if isinstance(t, Map):
        return f"map[{render(t.value)}]"
    if isinstance(t, Custom):
        return f"custom:{t.name}"
    raise AssertionError(t)


@cases(load("parse.yaml")["parse_field"])
def test_parse_field(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(ParseError) as exc:
            parse_field(case["input"])
        assert case["error"] in str(exc.value)
        return
    typ, markers = parse_field(case["input"])
    assert render(typ) == case["type"]
    assert len(markers) == case.get("markers", 0)


@cases(load("markers.yaml")["parse"])
def test_parse_markers(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(MarkerError) as exc:
            parse_markers(case["input"])
        assert case["error"] in str(exc.value)
        return
    got = [[m.key, m.value] for m in parse_markers(case["input"])]
    assert got == case["want"]


@cases(load("markers.yaml")["apply"])
def test_apply_markers(case: dict[str, Any]) -> None:
    schema: dict[str, Any] = {"type": case["type"]}
    parent: dict[str, Any] = {}
    markers = parse_markers(case["markers"])
    if "error" in case:
        with pytest.raises(MarkerError) as exc:
            apply_markers(schema, markers, "field", parent)
        assert case["error"] in str(exc.value)
        return
    apply_markers(schema, markers, "field", parent)
    assert schema == case["want"]
    if "parent_required" in case:
        assert parent.get("required", []) == case["parent_required"]


@cases(load("transform.yaml"))
def test_to_openapi(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(SchemaError) as exc:
            to_openapi(case["spec"], case.get("types"))
        assert case["error"] in str(exc.value)
        return
    got = to_openapi(case["spec"], case.get("types"))
    assert got == case["want"]
    # Key-for-key also means the same key order within required (sorted) and enums.
    assert got.get("required") == case["want"].get("required")


@pytest.mark.parametrize("word,plural", sorted(load("crd.yaml")["plural"].items()))
def test_pluralize(word: str, plural: str) -> None:
    assert pluralize(word) == plural


def _at(doc: Any, path: str) -> Any:
    for part in path.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


@cases(load("crd.yaml")["cases"])
def test_build_crd(case: dict[str, Any]) -> None:
    got = build_crd(**case["args"])
    if "want" in case:
        assert got == case["want"]
    for path, want in (case.get("want_paths") or {}).items():
        assert _at(got, path) == want, path


@cases(load("validate.yaml"))
def test_validate_instance(case: dict[str, Any]) -> None:
    schema = to_openapi(case["simple"], case.get("types"))
    rules: dict[str, bool] = case.get("rules") or {}
    evaluator = (lambda rule, self_value, old_value: rules[rule]) if rules else None
    doc, errors = validate_instance(schema, case["instance"], old=case.get("old"), rule_evaluator=evaluator)
    assert errors == case["errors"]
    if "want_spec" in case:
        assert doc["spec"] == case["want_spec"]
