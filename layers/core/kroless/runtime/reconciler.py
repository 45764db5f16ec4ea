"""One node of one instance at a time: the work a reconcile-node Lambda task does (Kro §5–§6).

For a node: dependencies must be done (an excluded dependency excludes the node); includeWhen decides
inclusion; the template is resolved against the instance and the observed state of its dependencies
("data pending" means wait, not fail); the provider applies it and reads it back; readyWhen on the
observed object decides readiness (no readyWhen: ready once it exists). forEach expands to a collection
(items pruned when they disappear); an externalRef is read, never written. The outcome is recorded in
the state store; the caller (Step Functions, or the in-process driver) decides what runs next.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kroless.errors import CELError, DataPendingError, KrolessError
from kroless.graph import Graph, Node
from kroless.providers.base import ADOPT_ANNOTATION, DELETION_POLICY_ANNOTATION, ObjectRef, Ownership
from kroless.render import evaluate_condition, expand_for_each, render_node
from kroless.runtime.providers import ProviderSet
from kroless.runtime.states import InstanceKey, NodeState

GraphSource = Callable[[str], Graph]


@dataclass
class NodeOutcome:
    """What a node step produced; small enough for a Step Functions payload (no manifests, no secrets)."""

    node: str
    state: NodeState
    reason: str = ""
    message: str = ""
    superseded: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "state": self.state.value,
            "reason": self.reason,
            "message": self.message,
            "superseded": self.superseded,
        }


@dataclass
class _Pass:
    """Everything one node step reads: the instance, its graph and the recorded node states."""

    key: InstanceKey
    generation: int
    graph: Graph
    instance: dict[str, Any]
    nodes: dict[str, dict[str, Any]]
    context: dict[str, Any] = field(default_factory=dict)


def manifest_hash(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _annotation(manifest: dict[str, Any], name: str) -> str | None:
    annotations = (manifest.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(name)
    return str(value) if value is not None else None


class Reconciler:
    def __init__(self, *, store: Any, graphs: GraphSource, providers: ProviderSet, clock: Callable[[], float] = time.time):
        self.store = store
        self.graphs = graphs
        self.providers = providers
        self.clock = clock

    # -- loading ------------------------------------------------------------------------------------------

    def _load(self, key: InstanceKey, generation: int) -> _Pass | None:
        instance = self.store.get_instance(str(key))
        if instance is None or int(instance["generation"]) != generation:
            return None  # a newer generation superseded this run (or the instance is gone)
        graph = self.graphs(instance["rgd"])
        nodes = self.store.get_nodes(str(key))
        state = _Pass(key, generation, graph, instance, nodes)
        state.context["schema"] = instance["manifest"]
        for node_id, item in nodes.items():
            if node_id in graph.nodes and item.get("observed") is not None and item.get("state") == NodeState.SYNCED:
                state.context[node_id] = item["observed"]
        return state

    def _owner(self, state: _Pass, node_id: str) -> Ownership:
        return Ownership(instance=str(state.key), node=node_id, rgd=state.graph.name)

    def _record(self, state: _Pass, node_id: str, node_state: NodeState, **fields: Any) -> None:
        previous = state.nodes.get(node_id) or {}
        now = self.clock()
        if "startedAt" not in previous or previous.get("generation") != state.generation:
            fields.setdefault("startedAt", now)
        if node_state == NodeState.SYNCED and previous.get("state") != NodeState.SYNCED:
            fields.setdefault("readyAt", now)
        fields.setdefault("error", None)
        self.store.put_node(str(state.key), node_id, state.generation, state=node_state.value, **fields)

    # -- apply ----------------------------------------------------------------------------------------

    def reconcile_node(self, key: InstanceKey, generation: int, node_id: str, *, check_only: bool = False) -> NodeOutcome:
        """Apply (or, with ``check_only``, only re-read) one node and record its state."""
        state = self._load(key, generation)
        if state is None:
            return NodeOutcome(node_id, NodeState.IN_PROGRESS, "Superseded", "a newer generation is running", True)
        node = state.graph.nodes[node_id]
        try:
            return self._reconcile(state, node, check_only)
        except KrolessError as err:
            err.at(resource_id=node_id)
            self._record(state, node_id, NodeState.ERROR, error={"message": err.message, "path": err.path})
            return NodeOutcome(node_id, NodeState.ERROR, "ReconcileError", err.located())

    def _reconcile(self, state: _Pass, node: Node, check_only: bool) -> NodeOutcome:
        for dependency in node.dependencies:
            recorded = state.nodes.get(dependency) or {}
            if recorded.get("generation") != state.generation or not NodeState(recorded.get("state", "IN_PROGRESS")).done:
                return self._wait(state, node, NodeState.IN_PROGRESS, "DependencyNotReady", f"waiting for {dependency}")
            if recorded["state"] == NodeState.SKIPPED:
                self._prune(state, node)
                self._record(state, node.id, NodeState.SKIPPED, reason="DependencySkipped")
                return NodeOutcome(node.id, NodeState.SKIPPED, "DependencySkipped", f"{dependency} is excluded")
        if node.include_when:
            include = evaluate_condition(state.graph, node, node.include_when, state.context)
            if include is None:
                return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "includeWhen is pending")
            if not include:
                self._prune(state, node)
                self._record(state, node.id, NodeState.SKIPPED, reason="IncludeWhenFalse")
                return NodeOutcome(node.id, NodeState.SKIPPED, "IncludeWhenFalse", "includeWhen is false")
        if node.is_external:
            return self._external(state, node)
        if node.for_each:
            return self._collection(state, node, check_only)
        return self._single(state, node, check_only)

    def _wait(self, state: _Pass, node: Node, node_state: NodeState, reason: str, message: str) -> NodeOutcome:
        self._record(state, node.id, node_state, reason=reason, message=message)
        return NodeOutcome(node.id, node_state, reason, message)

    def _render(self, state: _Pass, node: Node, iterators: dict[str, Any] | None = None) -> dict[str, Any] | None:
        rendered = render_node(state.graph, node, state.context, iterators)
        if rendered.pending:
            return None
        manifest = rendered.manifest
        metadata = manifest.setdefault("metadata", {})
        if node.namespaced and not metadata.get("namespace") and state.key.instance_namespace:
            metadata["namespace"] = state.key.instance_namespace
        return manifest

    def _apply(self, state: _Pass, node: Node, manifest: dict[str, Any], item: str) -> dict[str, Any]:
        provider = self.providers.for_kind(manifest["apiVersion"], manifest["kind"])
        adopt = (_annotation(manifest, ADOPT_ANNOTATION) or "").lower() == "true"
        return provider.apply(manifest, self._owner(state, item), adopt=adopt)

    def _ready(self, state: _Pass, node: Node, observed: dict[str, Any], variable: str) -> bool | None:
        if self.providers.is_nested(observed.get("apiVersion", ""), observed.get("kind", "")):
            if (observed.get("status") or {}).get("state") != "ACTIVE":
                return False
        if not node.ready_when:
            return True
        context = {**state.context, variable: observed}
        try:
            result = evaluate_condition(state.graph, node, node.ready_when, context, variable=variable)
        except (CELError, DataPendingError):
            return None
        return result

    def _single(self, state: _Pass, node: Node, check_only: bool) -> NodeOutcome:
        manifest = self._render(state, node)
        if manifest is None:
            return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "template data is pending")
        provider = self.providers.for_kind(manifest["apiVersion"], manifest["kind"])
        previous = state.nodes.get(node.id) or {}
        applied_hash = manifest_hash(manifest)
        if check_only and previous.get("appliedHash") == applied_hash:
            observed = provider.read(manifest)
            if observed is None:
                observed = self._apply(state, node, manifest, node.id)
        else:
            observed = self._apply(state, node, manifest, node.id)
        ready = self._ready(state, node, observed, node.id)
        node_state = NodeState.SYNCED if ready else NodeState.WAITING_FOR_READINESS
        reason = "" if ready else "ReadyWhenFalse" if ready is False else "ReadyWhenPending"
        self._record(
            state,
            node.id,
            node_state,
            observed=observed,
            manifest=manifest,
            appliedHash=applied_hash,
            physicalId=physical_id(observed, manifest),
            reason=reason,
        )
        return NodeOutcome(node.id, node_state, reason, "" if ready else f"readyWhen: {node.ready_when}")

    def _collection(self, state: _Pass, node: Node, check_only: bool) -> NodeOutcome:
        bindings = expand_for_each(state.graph, node, state.context)
        if bindings is None:
            return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "forEach is pending")
        manifests = []
        for binding in bindings:
            manifest = self._render(state, node, binding)
            if manifest is None:
                return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "template data is pending")
            manifests.append(manifest)
        identities = [ObjectRef.of(m) for m in manifests]
        duplicates = {str(i) for i in identities if identities.count(i) > 1}
        if duplicates:
            raise KrolessError(f"duplicate identity in collection: {sorted(duplicates)}")
        observed_items = []
        all_ready = True
        for index, manifest in enumerate(manifests):
            item_id = f"{node.id}#{index}"
            observed = self._apply(state, node, manifest, item_id)
            ready = self._ready(state, node, observed, "each")
            all_ready = all_ready and bool(ready)
            observed_items.append(observed)
            self._record(
                state,
                item_id,
                NodeState.SYNCED if ready else NodeState.WAITING_FOR_READINESS,
                observed=observed,
                manifest=manifest,
                appliedHash=manifest_hash(manifest),
                physicalId=physical_id(observed, manifest),
            )
        self._prune_items(state, node, keep=len(manifests))
        node_state = NodeState.SYNCED if all_ready else NodeState.WAITING_FOR_READINESS
        self._record(state, node.id, node_state, observed=observed_items, size=len(manifests))
        return NodeOutcome(node.id, node_state, "" if all_ready else "ReadyWhenFalse")

    def _external(self, state: _Pass, node: Node) -> NodeOutcome:
        manifest = self._render(state, node)
        if manifest is None:
            return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "externalRef data is pending")
        provider = self.providers.for_kind(manifest["apiVersion"], manifest["kind"])
        observed = provider.read(manifest)
        if observed is None:
            return self._wait(state, node, NodeState.WAITING_FOR_READINESS, "NotFound", f"{ObjectRef.of(manifest)} not found")
        ready = self._ready(state, node, observed, node.id)
        node_state = NodeState.SYNCED if ready else NodeState.WAITING_FOR_READINESS
        self._record(state, node.id, node_state, observed=observed, external=True)
        return NodeOutcome(node.id, node_state)

    # -- pruning and deletion -----------------------------------------------------------------------------

    def _prune(self, state: _Pass, node: Node) -> None:
        """An excluded node's object from an earlier generation goes away (Kro prunes through its ApplySet)."""
        if node.is_external:
            return
        for item_id, item in list(state.nodes.items()):
            if (item_id == node.id or item_id.startswith(f"{node.id}#")) and item.get("manifest"):
                self._delete_manifest(item["manifest"])
                if item_id != node.id:
                    self.store.delete_node(str(state.key), item_id)
        self._prune_items(state, node, keep=0)

    def _prune_items(self, state: _Pass, node: Node, keep: int) -> None:
        for item_id, item in list(state.nodes.items()):
            if not item_id.startswith(f"{node.id}#"):
                continue
            if int(item_id.rsplit("#", 1)[1]) >= keep:
                if item.get("manifest"):
                    self._delete_manifest(item["manifest"])
                self.store.delete_node(str(state.key), item_id)

    def _delete_manifest(self, manifest: dict[str, Any]) -> bool:
        if (_annotation(manifest, DELETION_POLICY_ANNOTATION) or "").lower() == "retain":
            return True
        provider = self.providers.for_kind(manifest["apiVersion"], manifest["kind"])
        return bool(provider.delete(manifest))

    def delete_node(self, key: InstanceKey, generation: int, node_id: str) -> NodeOutcome:
        """Delete one node's objects (a deletion wave calls this until DELETED). externalRefs are untouched."""
        instance = self.store.get_instance(str(key))
        if instance is None:
            return NodeOutcome(node_id, NodeState.DELETED)
        nodes = self.store.get_nodes(str(key))
        state = _Pass(key, int(instance["generation"]), self.graphs(instance["rgd"]), instance, nodes)
        node = state.graph.nodes[node_id]
        if node.is_external:
            self._record(state, node_id, NodeState.DELETED, reason="ExternalReference")
            return NodeOutcome(node_id, NodeState.DELETED, "ExternalReference")
        gone = True
        try:
            for item_id, item in list(nodes.items()):
                if item_id != node_id and not item_id.startswith(f"{node_id}#"):
                    continue
                if item.get("manifest") and not self._delete_manifest(item["manifest"]):
                    gone = False
                elif item_id != node_id:
                    self.store.delete_node(str(key), item_id)
        except KrolessError as err:
            err.at(resource_id=node_id)
            self._record(state, node_id, NodeState.ERROR, error={"message": err.message, "path": err.path})
            return NodeOutcome(node_id, NodeState.ERROR, "DeletionError", err.located())
        node_state = NodeState.DELETED if gone else NodeState.DELETING
        self._record(state, node_id, node_state)
        return NodeOutcome(node_id, node_state)


def physical_id(observed: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The identifier drift events carry: the AWS ARN when there is one, else the Kubernetes identity."""
    arn = ((observed.get("status") or {}).get("ackResourceMetadata") or {}).get("arn")
    if arn:
        return str(arn)
    ref = ObjectRef.of(manifest)
    return f"{ref.api_version}/{ref.kind}/{ref.namespace or '_'}/{ref.name}"


def finalize(reconciler: Reconciler, key: InstanceKey, generation: int, *, deleting: bool = False) -> dict[str, Any]:
    """Project and store the instance status for ``generation`` (a stale generation is not written)."""
    from kroless.runtime.status import project_status

    instance = reconciler.store.get_instance(str(key))
    if instance is None:
        return {"state": "DELETED"}
    graph = reconciler.graphs(instance["rgd"])
    nodes = reconciler.store.get_nodes(str(key))
    state, status, conditions = project_status(graph, instance, nodes, generation, deleting=deleting)
    reconciler.store.set_instance_status(str(key), generation, state.value, status, conditions)
    return {"state": state.value, "status": status}
