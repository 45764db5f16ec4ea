"""Kro's node and instance states, and the instance conditions (kro-reference §6.5–§6.7)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NodeState(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_FOR_READINESS = "WAITING_FOR_READINESS"
    SYNCED = "SYNCED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"
    DELETING = "DELETING"
    DELETED = "DELETED"

    @property
    def done(self) -> bool:
        """Dependents may proceed: the node is ready, or excluded (its dependents are excluded too)."""
        return self in (NodeState.SYNCED, NodeState.SKIPPED)

    @property
    def final(self) -> bool:
        return self in (NodeState.SYNCED, NodeState.SKIPPED, NodeState.ERROR, NodeState.DELETED)


class InstanceState(StrEnum):
    ACTIVE = "ACTIVE"
    IN_PROGRESS = "IN_PROGRESS"
    ERROR = "ERROR"
    DELETING = "DELETING"


@dataclass(frozen=True)
class InstanceKey:
    """An instance's identity: its API (group/version/kind) and namespace/name (``_`` when cluster-scoped)."""

    group: str
    version: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, manifest: dict[str, object]) -> InstanceKey:
        api_version = str(manifest["apiVersion"])
        group, _, version = api_version.rpartition("/")
        metadata = manifest.get("metadata")
        assert isinstance(metadata, dict)
        return cls(group, version, str(manifest["kind"]), str(metadata.get("namespace") or "_"), str(metadata["name"]))

    @classmethod
    def parse(cls, text: str) -> InstanceKey:
        group, version, kind, namespace, name = text.split("/")
        return cls(group, version, kind, namespace, name)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def instance_namespace(self) -> str | None:
        return None if self.namespace == "_" else self.namespace

    def __str__(self) -> str:
        return f"{self.group}/{self.version}/{self.kind}/{self.namespace}/{self.name}"

    @property
    def display(self) -> str:
        where = f"{self.namespace}/" if self.namespace != "_" else ""
        return f"{self.kind} {where}{self.name}"
