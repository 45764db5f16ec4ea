"""The compiled form of an RGD: nodes with their expressions and dependencies, in a DAG."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kroless.graph.dag import DAG
from kroless.graph.parser import FieldExpression

SCHEMA_VAR = "schema"
EACH_VAR = "each"
RUNTIME_VAR = "runtime"


class NodeType(StrEnum):
    RESOURCE = "Resource"
    COLLECTION = "Collection"
    EXTERNAL = "External"
    EXTERNAL_COLLECTION = "ExternalCollection"


@dataclass
class ForEachDimension:
    name: str
    expression: str


@dataclass
class Node:
    id: str
    index: int
    type: NodeType
    template: dict[str, Any]
    namespaced: bool
    fields: list[FieldExpression]
    ready_when: list[str] = field(default_factory=list)
    include_when: list[str] = field(default_factory=list)
    for_each: list[ForEachDimension] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    # name of the RGD whose API this template instantiates (a nested instance), if any
    nested_rgd: str | None = None
    # Kro's resources[].deletionPolicy: "Delete" or "Detach" (kroless.model.rgd.DELETION_POLICIES)
    deletion_policy: str = "Delete"

    @property
    def api_version(self) -> str:
        return str(self.template["apiVersion"])

    @property
    def kind(self) -> str:
        return str(self.template["kind"])

    @property
    def is_collection(self) -> bool:
        return self.type in (NodeType.COLLECTION, NodeType.EXTERNAL_COLLECTION)

    @property
    def is_external(self) -> bool:
        return self.type in (NodeType.EXTERNAL, NodeType.EXTERNAL_COLLECTION)


@dataclass
class Graph:
    name: str
    group: str
    api_version: str
    kind: str
    namespaced: bool
    nodes: dict[str, Node]
    dag: DAG
    topological_order: list[str]
    spec_schema: dict[str, Any]
    status_schema: dict[str, Any]
    status_fields: list[FieldExpression]
    status_template: dict[str, Any]
    status_conditions: list[str]
    crd: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def instance_api_version(self) -> str:
        return f"{self.group}/{self.api_version}"

    def resources_json(self) -> list[dict[str, Any]]:
        return [
            {"id": node.id, "dependencies": list(node.dependencies)}
            for node in sorted(self.nodes.values(), key=lambda n: n.index)
        ]

    def to_summary(self) -> dict[str, Any]:
        """The ``kroless graph -o json`` document (Kro's RGD status.topologicalOrder and resources)."""
        return {"name": self.name, "topologicalOrder": list(self.topological_order), "resources": self.resources_json()}
