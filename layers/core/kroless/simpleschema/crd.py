"""The CustomResourceDefinition Kro generates for an RGD (pkg/graph/crd/crd.go, defaults.go)."""

from __future__ import annotations

import copy
from typing import Any

from .plural import pluralize

DEFAULT_GROUP = "kro.run"

DEFAULT_STATE_SCHEMA: dict[str, Any] = {"type": "string"}
DEFAULT_CONDITIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "status": {"type": "string"},
            "reason": {"type": "string"},
            "message": {"type": "string"},
            "lastTransitionTime": {"type": "string"},
            "observedGeneration": {"type": "integer"},
        },
    },
}
DEFAULT_PRINTER_COLUMNS: list[dict[str, Any]] = [
    {
        "name": "State",
        "type": "string",
        "description": "The state of a ResourceGraphDefinition instance",
        "jsonPath": ".status.state",
    },
    {
        "name": "Ready",
        "type": "string",
        "description": "Whether a ResourceGraphDefinition instance is ready",
        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
    },
    {
        "name": "Age",
        "type": "date",
        "description": "Age of the resource",
        "jsonPath": ".metadata.creationTimestamp",
    },
]


def crd_name(kind: str, group: str) -> str:
    return f"{pluralize(kind.lower())}.{group or DEFAULT_GROUP}"


def build_crd(
    *,
    group: str,
    api_version: str,
    kind: str,
    scope: str | None,
    spec_schema: dict[str, Any],
    status_schema: dict[str, Any] | None,
    printer_columns: list[dict[str, Any]] | None = None,
    short_names: list[str] | None = None,
    categories: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the CRD dict (apiextensions.k8s.io/v1) serving instances of ``kind``."""
    group = group or DEFAULT_GROUP
    singular = kind.lower()
    plural = pluralize(singular)

    meta: dict[str, Any] = {"name": f"{plural}.{group}"}
    if metadata:
        if metadata.get("labels"):
            meta["labels"] = dict(metadata["labels"])
        if metadata.get("annotations"):
            meta["annotations"] = dict(metadata["annotations"])

    names: dict[str, Any] = {"kind": kind, "listKind": kind + "List", "plural": plural, "singular": singular}
    if short_names:
        names["shortNames"] = list(short_names)
    if categories:
        names["categories"] = list(categories)

    version = {
        "name": api_version,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": _root_schema(spec_schema, status_schema)},
        "subresources": {"status": {}},
        # Author columns replace the defaults entirely (no merging).
        "additionalPrinterColumns": copy.deepcopy(printer_columns or DEFAULT_PRINTER_COLUMNS),
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": meta,
        "spec": {
            "group": group,
            "names": names,
            "scope": scope or "Namespaced",
            "versions": [version],
        },
    }


def status_with_defaults(status_schema: dict[str, Any] | None) -> dict[str, Any]:
    """Add Kro's ``state`` and ``conditions`` unless the author's status already defines them."""
    status = copy.deepcopy(status_schema) if status_schema else {}
    status.setdefault("type", "object")
    props = status.setdefault("properties", {})
    props.setdefault("state", copy.deepcopy(DEFAULT_STATE_SCHEMA))
    props.setdefault("conditions", copy.deepcopy(DEFAULT_CONDITIONS_SCHEMA))
    return status


def _root_schema(spec_schema: dict[str, Any], status_schema: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": copy.deepcopy(spec_schema),
            "status": status_with_defaults(status_schema),
        },
    }
