"""What the store returns: one frozen dataclass per item type, built from a decoded item."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kroless.errors import KrolessError
from kroless.store.keys import InstanceKey, parse_node_sk


class RgdState(StrEnum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"


class InstanceState(StrEnum):
    """Kro's instance states (``status.state``), plus DELETING while the reverse-order delete runs."""

    IN_PROGRESS = "IN_PROGRESS"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"
    ERROR = "ERROR"
    DELETING = "DELETING"


class NodeState(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_FOR_READINESS = "WAITING_FOR_READINESS"
    SYNCED = "SYNCED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"
    DELETING = "DELETING"
    DELETED = "DELETED"


@dataclass(frozen=True)
class RgdRecord:
    name: str
    document: dict[str, Any]
    compiled: dict[str, Any]
    content_hash: str
    state: str
    revision: int
    created_at: str
    updated_at: str
    uid: str = ""  # assigned at the first registration, as the API server assigns metadata.uid

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RgdRecord:
        return cls(
            name=item["name"],
            document=item["document"],
            compiled=item["compiled"],
            content_hash=item["contentHash"],
            state=item["state"],
            revision=item["revision"],
            created_at=item["createdAt"],
            updated_at=item["updatedAt"],
            uid=item.get("uid", ""),
        )


@dataclass(frozen=True)
class RgdRejection:
    """The compile function's last failure to register an RGD: which request (event id), which document
    (its hash), why."""

    name: str
    event_id: str
    content_hash: str
    reason: str
    rejected_at: str

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RgdRejection:
        return cls(item["name"], item["eventId"], item["contentHash"], item["reason"], item["rejectedAt"])


@dataclass(frozen=True)
class InstanceRecord:
    key: InstanceKey
    rgd: str
    manifest: dict[str, Any]
    manifest_hash: str
    generation: int
    observed_generation: int | None
    state: str
    status: dict[str, Any]
    conditions: list[dict[str, Any]]
    deletion_requested: bool
    execution: str | None
    created_at: str
    updated_at: str
    uid: str = ""  # assigned at the first admission, as the API server assigns metadata.uid
    execution_generation: int | None = None  # the generation ``execution`` reconciles
    redrives: int = 0  # re-drives by the resync since the instance was last ACTIVE
    last_redrive_at: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> InstanceRecord:
        return cls(
            key=InstanceKey.parse(item["pk"]),
            rgd=item["rgdName"],
            manifest=item["manifest"],
            manifest_hash=item["manifestHash"],
            generation=item["generation"],
            observed_generation=item.get("observedGeneration"),
            state=item["state"],
            status=item.get("status") or {},
            conditions=item.get("conditions") or [],
            deletion_requested=bool(item.get("deletionRequested")),
            execution=item.get("currentExecution"),
            created_at=item["createdAt"],
            updated_at=item["updatedAt"],
            uid=item.get("uid", ""),
            execution_generation=item.get("executionGeneration"),
            redrives=int(item.get("redrives") or 0),
            last_redrive_at=item.get("lastRedriveAt"),
        )

    def as_object(self) -> dict[str, Any]:
        """The instance as the Kubernetes API serves it to Kro's expressions (``schema``): the manifest plus the
        metadata the API server assigns (uid, generation, creationTimestamp), which templates may read:
        ``random.seededString(10, schema.metadata.uid)``."""
        metadata = dict(self.manifest.get("metadata") or {})
        assigned = {"uid": self.uid, "generation": self.generation, "creationTimestamp": self.created_at}
        metadata.update({k: v for k, v in assigned.items() if v and k not in metadata})
        return {**self.manifest, "metadata": metadata}


@dataclass(frozen=True)
class NodeError:
    """The last error of a node: Kro-style message, the resource id and the path in the document."""

    message: str
    resource_id: str | None = None
    path: str | None = None

    @classmethod
    def from_exception(cls, exc: Exception, resource_id: str | None = None) -> NodeError:
        if isinstance(exc, KrolessError):
            return cls(exc.message, exc.resource_id or resource_id, exc.path)
        return cls(str(exc) or type(exc).__name__, resource_id)

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "resourceId": self.resource_id, "path": self.path}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> NodeError:
        return cls(value["message"], value.get("resourceId"), value.get("path"))


@dataclass(frozen=True)
class NodeRecord:
    key: InstanceKey
    node_id: str
    index: int | None
    state: str | None
    generation: int
    observed: dict[str, Any] | None = None
    desired: dict[str, Any] | None = None
    applied_hash: str | None = None
    physical_id: str | None = None
    error: NodeError | None = None
    started_at: str | None = None
    ready_at: str | None = None
    durations: dict[str, float] = field(default_factory=dict)
    attempts: int = 0
    updated_at: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> NodeRecord:
        node_id, index = parse_node_sk(item["sk"])
        return cls(
            key=InstanceKey.parse(item["pk"]),
            node_id=node_id,
            index=index,
            state=item.get("state"),
            generation=item["generation"],
            observed=item.get("observed"),
            desired=item.get("desired"),
            applied_hash=item.get("appliedHash"),
            physical_id=item.get("physicalId"),
            error=NodeError.from_json(item["error"]) if item.get("error") else None,
            started_at=item.get("startedAt"),
            ready_at=item.get("readyAt"),
            durations=item.get("durations") or {},
            attempts=item.get("attempts", 0),
            updated_at=item.get("updatedAt"),
        )


@dataclass(frozen=True)
class Owner:
    """Who manages a physical resource: the instance, the node id and, for forEach items, the index."""

    key: InstanceKey
    node_id: str
    index: int | None = None


@dataclass(frozen=True)
class DriftRecord:
    key: InstanceKey
    node_id: str
    detected_at: str
    report: dict[str, Any]
    expires_at: int

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> DriftRecord:
        return cls(
            key=InstanceKey.parse(item["pk"]),
            node_id=item["nodeId"],
            detected_at=item["detectedAt"],
            report=item["report"],
            expires_at=item["expiresAt"],
        )


@dataclass(frozen=True)
class ExecutionRecord:
    key: InstanceKey
    name: str
    generation: int
    state: str
    execution_arn: str | None
    started_at: str | None
    stopped_at: str | None
    error: dict[str, Any] | None
    expires_at: int

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ExecutionRecord:
        return cls(
            key=InstanceKey.parse(item["pk"]),
            name=item["name"],
            generation=item["generation"],
            state=item["state"],
            execution_arn=item.get("executionArn"),
            started_at=item.get("startedAt"),
            stopped_at=item.get("stoppedAt"),
            error=item.get("error"),
            expires_at=item["expiresAt"],
        )


@dataclass(frozen=True)
class Waiter:
    """A node task of a running execution parked on something it waits for (a node of its own or another
    instance, or a nested child instance), with the task token its machine waits on."""

    instance: str  # the waiting node's instance (InstanceKey.ref)
    generation: int
    node: str
    mode: str  # the node task's mode (apply, check, delete)
    token: str

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Waiter:
        return cls(item["instance"], int(item["generation"]), item["node"], item["mode"], item["token"])
