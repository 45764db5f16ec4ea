"""Item keys of the state table.

Every item has a string partition key ``pk`` and sort key ``sk``::

    RGD#<name>                                             RGD | REJECTED
    INSTANCE#<group>/<version>/<kind>/<namespace>/<name>   INSTANCE | NODE#<id> | NODE#<id>#<index>
                                                           | DRIFT#<iso time>#<id> | EXEC#<name>
                                                           | ALIAS#<id>[#<index>]#<identifier> | HEAL

Cluster-scoped instances use the namespace ``_`` (never a valid Kubernetes namespace name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kroless.store.errors import StoreError

CLUSTER_SCOPE = "_"
RGD_PREFIX = "RGD#"
INSTANCE_PREFIX = "INSTANCE#"
RGD_SK = "RGD"
REJECTED_SK = "REJECTED"  # why the compile function could not register an RGD's latest document
INSTANCE_SK = "INSTANCE"
NODE_PREFIX = "NODE#"
DRIFT_PREFIX = "DRIFT#"
EXEC_PREFIX = "EXEC#"
ALIAS_PREFIX = "ALIAS#"
HEAL_SK = "HEAL"
WAIT_PREFIX = "WAIT#"  # a task token parked until a node (or the instance) it waits for is done


@dataclass(frozen=True, order=True)
class InstanceKey:
    """The identity of an instance: its API (group, version, kind) and namespace/name.

    >>> key = InstanceKey.from_manifest({"apiVersion": "kro.run/v1alpha1", "kind": "WebApp",
    ...                                  "metadata": {"name": "shop", "namespace": "prod"}})
    >>> key.pk
    'INSTANCE#kro.run/v1alpha1/WebApp/prod/shop'
    """

    group: str
    version: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def from_manifest(
        cls, manifest: dict[str, Any], *, cluster_scoped: bool = False, default_namespace: str = "default"
    ) -> InstanceKey:
        """The key of an instance document (a namespaced instance without a namespace gets the default)."""
        group, _, version = str(manifest["apiVersion"]).rpartition("/")
        metadata = manifest.get("metadata") or {}
        namespace = CLUSTER_SCOPE if cluster_scoped else (metadata.get("namespace") or default_namespace)
        return cls(group, version, str(manifest["kind"]), namespace, str(metadata["name"]))

    @classmethod
    def parse(cls, pk: str) -> InstanceKey:
        """The key behind a partition key ``INSTANCE#g/v/k/ns/name``."""
        parts = pk.removeprefix(INSTANCE_PREFIX).split("/") if pk.startswith(INSTANCE_PREFIX) else []
        if len(parts) != 5:
            raise StoreError(f"not an instance partition key: {pk!r}")
        return cls(*parts)

    @classmethod
    def from_ref(cls, ref: str) -> InstanceKey:
        """The key behind a payload reference ``g/v/k/ns/name`` (see ``ref``)."""
        return cls.parse(INSTANCE_PREFIX + ref)

    @property
    def ref(self) -> str:
        """``g/v/k/ns/name``: how payloads, events and executions name the instance (the partition key without
        its prefix, so a state machine can rebuild the key with ``States.Format``)."""
        return f"{self.group}/{self.version}/{self.kind}/{self.namespace}/{self.name}"

    @property
    def pk(self) -> str:
        return INSTANCE_PREFIX + self.ref

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def cluster_scoped(self) -> bool:
        return self.namespace == CLUSTER_SCOPE

    def __str__(self) -> str:
        where = "" if self.cluster_scoped else f"{self.namespace}/"
        return f"{self.kind}.{self.group or 'core'} {where}{self.name}"


def rgd_pk(name: str) -> str:
    return f"{RGD_PREFIX}{name}"


def node_sk(node_id: str, index: int | None = None) -> str:
    """``NODE#<id>``, or ``NODE#<id>#<index>`` for one item of a forEach collection."""
    return f"{NODE_PREFIX}{node_id}" if index is None else f"{NODE_PREFIX}{node_id}#{index}"


def parse_node_sk(sk: str) -> tuple[str, int | None]:
    """``(node id, collection index or None)`` from a node sort key."""
    node_id, _, index = sk.removeprefix(NODE_PREFIX).partition("#")
    return node_id, (int(index) if index else None)


def alias_sk(node_id: str, index: int | None, identifier: str) -> str:
    """``ALIAS#<id>#<index or ->#<identifier>``: one more identifier of a node in the ownership index."""
    return f"{ALIAS_PREFIX}{node_id}#{'-' if index is None else index}#{identifier}"


def parse_alias_sk(sk: str) -> tuple[str, int | None]:
    """``(node id, collection index or None)`` from an alias sort key."""
    node_id, _, rest = sk.removeprefix(ALIAS_PREFIX).partition("#")
    index = rest.partition("#")[0]
    return node_id, (None if index in ("", "-") else int(index))
