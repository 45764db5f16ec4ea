"""The table and engine against ACK's own CRDs: every spec field kroless accepts, and every status field it
produces, exists in the CRD of that kind (ACK names, ACK nesting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kroless.providers.aws import accepted_fields
from kroless.providers.aws.catalog import all_kinds  # the hand table and the generic engine
from kroless.providers.aws.table import Kind

from .crds import ack_crd_schema

KINDS = {f"{k.service}/{k.kind}": k for k in all_kinds()}


@pytest.mark.parametrize("key", sorted(KINDS))
def test_accepted_spec_fields_exist_in_the_crd(key: str) -> None:
    kind = KINDS[key]
    schema = ack_crd_schema(kind.service, kind.kind)
    crd_spec = set(schema["properties"]["spec"]["properties"])
    extra = accepted_fields(kind) - crd_spec
    assert not extra, f"{key}: accepted but not in ACK's CRD: {sorted(extra)}"


@pytest.mark.parametrize("key", sorted(KINDS))
def test_table_status_fields_exist_in_the_crd(key: str) -> None:
    kind: Kind = KINDS[key]
    status = set(ack_crd_schema(kind.service, kind.kind)["properties"]["status"]["properties"])
    produced = set(kind.status) | set(kind.status_paths) | set(kind.status_calls)
    produced |= {"ackResourceMetadata", "conditions"}
    if kind.state:
        produced.add(kind.state.split(".")[0])
    assert produced <= status, f"{key}: not in ACK's status: {sorted(produced - status)}"


@pytest.mark.parametrize("key", sorted(KINDS))
def test_table_references_are_crd_fields(key: str) -> None:
    kind = KINDS[key]
    spec = ack_crd_schema(kind.service, kind.kind)["properties"]["spec"]["properties"]
    for field, ref in kind.refs.items():
        *parents, leaf = field.split(".")
        where = spec
        for parent in parents:  # nested at any depth: in list items or in an object
            node = where[parent]
            where = (node.get("items") or node)["properties"]
        assert leaf in where, f"{key}: {field}"
        assert ref.target in where, f"{key}: {field} fills {ref.target}, not a CRD field"


def test_crds_cover_every_kind(ack_crds: Path) -> None:
    names = {p.name for p in ack_crds.glob("*/*.yaml")}
    assert len(names) > 90


def unknown_paths(value: Any, schema: dict[str, Any], path: str = "status") -> list[str]:
    """Paths in ``value`` the OpenAPI ``schema`` does not declare (used on produced status objects)."""
    if isinstance(value, dict) and "properties" in schema:
        out = []
        for key, item in value.items():
            if key not in schema["properties"]:
                out.append(f"{path}.{key}")
            else:
                out.extend(unknown_paths(item, schema["properties"][key], f"{path}.{key}"))
        return out
    if isinstance(value, list) and "items" in schema:
        return [p for item in value for p in unknown_paths(item, schema["items"], f"{path}[]")]
    return []
