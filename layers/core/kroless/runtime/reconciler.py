"""One node of one instance at a time: the work a reconcile-node Lambda task does (Kro §5–§6).

For a node: dependencies must be done (an excluded dependency excludes the node); includeWhen decides
inclusion; the template is resolved against the instance and the observed state of its dependencies
("data pending" means wait, not fail); the provider applies it and reads it back; readyWhen on the
observed object decides readiness (no readyWhen: ready once it exists). forEach expands to a collection
(items pruned when they disappear); an externalRef is read, never written. The outcome is recorded in
the state store; the caller (the RGD's state machine) decides what runs next; :mod:`kroless.runtime.status`
projects the instance status from the records.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kroless.clock import now_iso
from kroless.contract import NodeResult, WaitTarget
from kroless.errors import KrolessError, is_retriable
from kroless.graph import Graph, Node, NodeType
from kroless.providers.base import (
    ADOPT_ANNOTATION,
    DeletionPolicy,
    NotReadyError,
    ObjectRef,
    Ownership,
    Releasing,
    deletion_policy,
)
from kroless.providers.identity import identifiers, physical_id
from kroless.render import evaluate_condition, expand_for_each, render_node, resolve_status
from kroless.runtime.providers import ProviderSet
from kroless.runtime.references import reconciling
from kroless.runtime.states import DONE, InstanceKey, NodeState
from kroless.simpleschema.plural import pluralize
from kroless.statemachine.plan import deletion_dependencies
from kroless.store import InstanceRecord, NodeError, NodeRecord, Store, manifest_hash

GraphSource = Callable[[str], Graph]
WAITING = "waiting for readiness"  # Kro's ErrWaitingForReadiness (pkg/runtime/errors.go)
# The reasons of a node that did nothing because another node is not done yet (the machine waits and re-runs it)
DEPENDENCY_NOT_READY = "DependencyNotReady"
DEPENDENT_NOT_DELETED = "DependentNotDeleted"
WAITING_FOR_OTHERS = frozenset({DEPENDENCY_NOT_READY, DEPENDENT_NOT_DELETED})


@dataclass
class NodeOutcome:
    """What a node step produced; the reconcile task answers it as a :class:`~kroless.contract.NodeResult`."""

    node: str
    state: NodeState
    reason: str = ""
    message: str = ""
    superseded: bool = False
    wait_on: WaitTarget | None = None  # another task finishes what the node waits for (a dependency, a child)

    def to_result(self) -> NodeResult:
        return NodeResult(
            node=self.node, state=self.state, reason=self.reason, message=self.message, superseded=self.superseded
        )


def _item_id(record: NodeRecord) -> str:
    return record.node_id if record.index is None else f"{record.node_id}#{record.index}"


@dataclass
class InstancePass:
    """Everything one node step reads: the instance, its graph and the recorded node states."""

    key: InstanceKey
    generation: int
    graph: Graph
    instance: InstanceRecord
    nodes: dict[str, NodeRecord]  # by node id, collection items as "<id>#<index>"
    context: dict[str, Any] = field(default_factory=dict)

    def items_of(self, node_id: str) -> list[NodeRecord]:
        return [r for r in self.nodes.values() if r.node_id == node_id and r.index is not None]


def _annotation(manifest: dict[str, Any], name: str) -> str:
    annotations = (manifest.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(name) or "")


class Reconciler:
    def __init__(self, *, store: Store, graphs: GraphSource, providers: ProviderSet) -> None:
        self.store = store
        self.graphs = graphs
        self.providers = providers

    # -- loading ------------------------------------------------------------------------------------------

    def load(self, key: InstanceKey, generation: int | None = None) -> InstancePass | None:
        """The instance at ``generation`` (None when a newer generation superseded it, or it is gone)."""
        instance = self.store.get_instance(key)
        if instance is None or (generation is not None and instance.generation != generation):
            return None
        graph = self.graphs(instance.rgd)
        nodes = {_item_id(r): r for r in self.store.get_nodes(key)}
        state = InstancePass(key, instance.generation, graph, instance, nodes)
        state.context["schema"] = instance.as_object()
        for node_id in graph.nodes:
            record = nodes.get(node_id)
            if record is not None and record.state == NodeState.SYNCED and record.observed is not None:
                state.context[node_id] = self._unredacted(record)
        return state

    def _unredacted(self, record: NodeRecord) -> Any:
        """The store keeps only hashes of Secret values; expressions need the real object, so read it back."""
        observed = record.observed
        if isinstance(observed, dict) and observed.get("kind") == "Secret" and observed.get("apiVersion") == "v1":
            manifest = record.desired or observed
            fresh = self.providers.for_kind("v1", "Secret").read(manifest)
            return fresh if fresh is not None else observed
        return observed

    def _owner(self, state: InstancePass, node_id: str, index: int | None = None, size: int | None = None) -> Ownership:
        key = state.key
        return Ownership(
            instance=key.name if key.cluster_scoped else f"{key.namespace}/{key.name}",
            node=node_id,
            rgd=state.graph.name,
            instance_api_version=key.api_version,
            instance_kind=key.kind,
            collection_index=index,
            collection_size=size,
            instance_uid=state.instance.uid,
        )

    def _record(
        self, state: InstancePass, node_id: str, node_state: NodeState, index: int | None = None, **fields: Any
    ) -> None:
        item = node_id if index is None else f"{node_id}#{index}"
        previous = state.nodes.get(item)
        if previous is None or previous.generation != state.generation or previous.started_at is None:
            fields.setdefault("started_at", now_iso(precise=True))
        if node_state == NodeState.SYNCED and (previous is None or previous.state != NodeState.SYNCED):
            fields.setdefault("ready_at", now_iso(precise=True))
        fields.setdefault("error", None)
        aliases = fields.pop("aliases", None)
        state.nodes[item] = self.store.put_node(
            state.key, node_id, state.generation, index=index, state=node_state.value, **fields
        )
        if aliases and (previous is None or previous.physical_id != fields.get("physical_id")):
            # the names and ids CloudTrail events carry, beside the ARN, for the drift function's lookup
            self.store.put_aliases(state.key, node_id, index, aliases)

    # -- apply ----------------------------------------------------------------------------------------

    def reconcile_node(
        self, key: InstanceKey, generation: int, node_id: str, *, check_only: bool = False
    ) -> NodeOutcome:
        """Apply (or, with ``check_only``, only re-read) one node and record its state."""
        state = self.load(key, generation)
        if state is None:
            return NodeOutcome(node_id, NodeState.IN_PROGRESS, "Superseded", "a newer generation is running", True)
        node = state.graph.nodes[node_id]
        try:
            with reconciling(key):
                return self._reconcile(state, node, check_only)
        except NotReadyError as err:
            return self._wait(state, node, NodeState.IN_PROGRESS, "ReferenceNotReady", err.located())
        except KrolessError as err:
            err.at(resource_id=node_id)
            return self._failed(state, node_id, err, "ReconcileError")

    def _reconcile(self, state: InstancePass, node: Node, check_only: bool) -> NodeOutcome:
        for dependency in node.dependencies:
            recorded = state.nodes.get(dependency)
            if recorded is None or recorded.generation != state.generation or recorded.state not in DONE:
                # nothing recorded: the node has not started (the machine re-runs the task until it may)
                message = f"waiting for {dependency}"
                wait_on = WaitTarget(state.key, dependency)
                return NodeOutcome(node.id, NodeState.IN_PROGRESS, DEPENDENCY_NOT_READY, message, wait_on=wait_on)
            if recorded.state == NodeState.SKIPPED:
                self._prune(state, node)
                self._record(state, node.id, NodeState.SKIPPED)
                return NodeOutcome(node.id, NodeState.SKIPPED, "DependencySkipped", f"{dependency} is excluded")
        if node.include_when:
            include = evaluate_condition(state.graph, node, node.include_when, state.context)
            if include is None:
                return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "includeWhen is pending")
            if not include:
                self._prune(state, node)
                self._record(state, node.id, NodeState.SKIPPED)
                return NodeOutcome(node.id, NodeState.SKIPPED, "IncludeWhenFalse", "includeWhen is false")
        if node.is_external:
            return self._external(state, node)
        if node.for_each:
            return self._collection(state, node)
        return self._single(state, node, check_only)

    def _failed(self, state: InstancePass, node_id: str, err: KrolessError, reason: str) -> NodeOutcome:
        """Record the node's error. A terminal one is the node's outcome (ERROR: the machine fails the node); a
        retriable one (:func:`~kroless.errors.is_retriable`: throttling, a server error, a timeout) is raised
        again for the machine to retry the step, and its record shows why meanwhile (the retry overwrites it)."""
        if is_retriable(err):
            with contextlib.suppress(Exception):  # the store may be what is failing; the error says so anyway
                self._record(state, node_id, NodeState.ERROR, error=NodeError.from_exception(err, node_id))
            raise err
        self._record(state, node_id, NodeState.ERROR, error=NodeError.from_exception(err, node_id))
        return NodeOutcome(node_id, NodeState.ERROR, reason, err.located())

    def _wait(self, state: InstancePass, node: Node, node_state: NodeState, reason: str, message: str) -> NodeOutcome:
        """Record a node that waits; one waiting for readiness keeps why, as Kro's node state holds it."""
        error = NodeError(message, node.id) if node_state == NodeState.WAITING_FOR_READINESS else None
        self._record(state, node.id, node_state, error=error)
        return NodeOutcome(node.id, node_state, reason, message)

    def _render(self, state: InstancePass, node: Node, iterators: dict[str, Any] | None = None) -> dict[str, Any] | None:
        rendered = render_node(state.graph, node, state.context, iterators)
        if rendered.pending:
            return None
        manifest = rendered.manifest
        metadata = manifest.setdefault("metadata", {})
        if node.namespaced and not metadata.get("namespace") and not state.key.cluster_scoped:
            metadata["namespace"] = state.key.namespace
        return manifest

    def _apply(self, state: InstancePass, manifest: dict[str, Any], owner: Ownership) -> dict[str, Any]:
        provider = self.providers.for_kind(manifest["apiVersion"], manifest["kind"])
        adopt = _annotation(manifest, ADOPT_ANNOTATION).lower() == "true"
        return provider.apply(manifest, owner, adopt=adopt)

    def _ready(self, state: InstancePass, node: Node, observed: Any, variable: str) -> str:
        """Why the observed object (a list, for an external collection) is not ready yet, in Kro's words
        (``pkg/runtime/node_readiness.go``); empty when it is ready."""
        if isinstance(observed, dict) and self.providers.is_nested(observed.get("apiVersion", ""), observed.get("kind", "")):
            child = observed.get("status") or {}
            if child.get("state") == "ERROR":
                # A failed child fails its parent's node now, instead of waiting out the readiness timeout.
                reasons = [c.get("message", "") for c in child.get("conditions") or [] if c.get("type") == "Ready"]
                metadata = observed.get("metadata") or {}
                name = f"{observed.get('kind')} {metadata.get('namespace', '')}/{metadata.get('name')}"
                raise KrolessError(f"nested instance {name} failed: {'; '.join(r for r in reasons if r) or 'ERROR'}")
            if child.get("state") != "ACTIVE":
                return f"instance state is {child.get('state') or 'pending'} ({WAITING})"
        context = {**state.context, variable: observed}
        for expression in node.ready_when:
            ready = evaluate_condition(state.graph, node, [expression], context, variable=variable)
            if ready is None:
                return f'node "{node.id}": failed to evaluate readyWhen expression: {_quoted(expression)} ({WAITING})'
            if not ready:
                return f"readyWhen condition evaluated to false: {_quoted(expression)} ({WAITING})"
        return ""

    def _single(self, state: InstancePass, node: Node, check_only: bool) -> NodeOutcome:
        manifest = self._render(state, node)
        if manifest is None:
            return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "template data is pending")
        previous = state.nodes.get(node.id)
        applied_hash = manifest_hash(manifest)
        observed = None
        # the machine's Retry re-runs an apply that is waiting for readiness: a poll reads, it does not apply again
        polling = previous is not None and previous.generation == state.generation
        polling = polling and previous is not None and previous.state == NodeState.WAITING_FOR_READINESS
        if (check_only or polling) and previous is not None and previous.applied_hash == applied_hash:
            observed = self.providers.for_kind(manifest["apiVersion"], manifest["kind"]).read(manifest)
        if observed is None:
            observed = self._apply(state, manifest, self._owner(state, node.id))
        waiting = self._ready(state, node, observed, node.id)
        node_state = NodeState.WAITING_FOR_READINESS if waiting else NodeState.SYNCED
        self._record(
            state,
            node.id,
            node_state,
            observed=observed,
            desired=manifest,
            applied_hash=applied_hash,
            error=_waiting(node, f'waiting for node "{node.id}"', waiting),
            **_identity(observed, manifest),
        )
        outcome = _readiness(node, node_state, waiting)
        if waiting:
            outcome.wait_on = self._unsettled_child(observed)
        return outcome

    def _unsettled_child(self, observed: Any) -> WaitTarget | None:
        """A nested instance that is not ACTIVE (nor ERROR) yet: its finalize wakes the node (no polling)."""
        if not isinstance(observed, dict) or not self.providers.is_nested(
            observed.get("apiVersion", ""), observed.get("kind", "")
        ):
            return None
        if (observed.get("status") or {}).get("state") in ("ACTIVE", "ERROR"):
            return None  # settled: the node waits on its readyWhen (polled)
        return WaitTarget(InstanceKey.from_manifest(observed))

    def _collection(self, state: InstancePass, node: Node) -> NodeOutcome:
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
        duplicates = sorted({str(i) for i in identities if identities.count(i) > 1})
        if duplicates:
            raise KrolessError(f"duplicate identity in collection: {', '.join(duplicates)}")
        previous = state.items_of(node.id)  # before this pass records each index's new object
        observed_items = []
        waiting = ""
        for index, manifest in enumerate(manifests):
            observed = self._apply(state, manifest, self._owner(state, node.id, index, len(manifests)))
            item_waiting = self._ready(state, node, observed, "each")
            waiting = waiting or item_waiting
            observed_items.append(observed)
            self._record(
                state,
                node.id,
                NodeState.WAITING_FOR_READINESS if item_waiting else NodeState.SYNCED,
                index=index,
                observed=observed,
                desired=manifest,
                applied_hash=manifest_hash(manifest),
                **_identity(observed, manifest),
            )
        self._prune_items(state, node, previous, keep=len(manifests), wanted=identities)
        node_state = NodeState.WAITING_FOR_READINESS if waiting else NodeState.SYNCED
        error = _waiting(node, f'waiting for node "{node.id}"', waiting)
        self._record(state, node.id, node_state, observed=observed_items, error=error)
        return _readiness(node, node_state, waiting)

    def _external(self, state: InstancePass, node: Node) -> NodeOutcome:
        manifest = self._render(state, node)
        if manifest is None:
            return self._wait(state, node, NodeState.IN_PROGRESS, "DataPending", "externalRef data is pending")
        provider = self.providers.for_kind(manifest["apiVersion"], manifest["kind"])
        if node.type == NodeType.EXTERNAL_COLLECTION:
            return self._external_collection(state, node, manifest, provider)
        observed = provider.read(manifest)
        waiting_for = f'waiting for external reference "{node.id}"'
        if observed is None:
            message = f"{waiting_for}: {_not_found(manifest)}"
            return self._wait(state, node, NodeState.WAITING_FOR_READINESS, "NotFound", message)
        waiting = self._ready(state, node, observed, node.id)
        node_state = NodeState.WAITING_FOR_READINESS if waiting else NodeState.SYNCED
        self._record(state, node.id, node_state, observed=observed, error=_waiting(node, waiting_for, waiting))
        return _readiness(node, node_state, waiting)

    def _external_collection(self, state: InstancePass, node: Node, manifest: dict[str, Any], provider: Any) -> NodeOutcome:
        """Kro §5.11: a selector reads a list (namespace omitted = all namespaces); empty is still ready."""
        select = getattr(provider, "select", None)
        if select is None:
            raise KrolessError(f"externalRef selectors are supported for Kubernetes kinds only ({manifest['kind']})")
        metadata = manifest.get("metadata") or {}
        authored_namespace = (node.template.get("metadata") or {}).get("namespace")
        namespace = metadata.get("namespace") if authored_namespace else None
        items = select(manifest["apiVersion"], manifest["kind"], namespace, metadata.get("selector") or {})
        # readyWhen reads the node's id, bound to the whole list
        waiting = self._ready(state, node, items, node.id)
        node_state = NodeState.WAITING_FOR_READINESS if waiting else NodeState.SYNCED
        error = _waiting(node, f'waiting for external collection "{node.id}"', waiting)
        self._record(state, node.id, node_state, observed=items, error=error)
        return _readiness(node, node_state, waiting)

    # -- status refresh -----------------------------------------------------------------------------------

    def refresh_observed(self, key: InstanceKey, generation: int) -> None:
        """Re-read (never apply) the objects that pending status fields wait on: data that arrives after a
        resource was ready, such as an Ingress's load balancer hostname. Kro sees it through its watch."""
        state = self.load(key, generation)
        if state is None:
            return
        _, pending = resolve_status(state.graph, state.context)
        waited_on = {node_id for node_ids in pending.values() for node_id in node_ids}
        with reconciling(key):
            for node_id in sorted(waited_on):
                record = state.nodes.get(node_id)
                if record is None or not record.desired or record.generation != generation:
                    continue  # not applied in this generation, or a collection: its own pass updates it
                manifest = record.desired
                observed = self.providers.for_kind(manifest["apiVersion"], manifest["kind"]).read(manifest)
                if observed is not None:
                    self.store.put_node(key, node_id, generation, observed=observed)

    # -- pruning and deletion -----------------------------------------------------------------------------

    def _prune(self, state: InstancePass, node: Node) -> None:
        """An excluded node's objects from an earlier generation go away (Kro prunes through its ApplySet)."""
        if node.is_external:
            return
        record = state.nodes.get(node.id)
        if record is not None and record.desired:
            self._remove(record.desired, self._owner(state, node.id))
        self._prune_items(state, node, state.items_of(node.id), keep=0)

    def prune_removed(self, state: InstancePass) -> list[str]:
        """The objects of resources the RGD no longer declares go, as Kro prunes what its ApplySet holds
        beyond the graph after a reconcile (``pkg/controller/instance``; deletionPolicy, Retain and adoption
        honoured). Records go with their objects; answers the ids whose objects are still being deleted."""
        removed = sorted({r.node_id for r in state.nodes.values() if r.node_id not in state.graph.nodes})
        if not removed:
            return []
        with reconciling(state.key):
            return [node_id for node_id in removed if not self._delete_objects(state, node_id, forget=True)]

    def _prune_items(
        self, state: InstancePass, node: Node, previous: list[NodeRecord], keep: int, wanted: list[ObjectRef] | None = None
    ) -> None:
        """Delete the objects of the ``previous`` collection items that no item of ``wanted`` names, then the
        records past the collection's new size. By identity, not by index: when the first queue of three goes,
        every other item moves down one index, and only the first queue's object is gone."""
        for record in previous:
            if record.desired and ObjectRef.of(record.desired) not in (wanted or []):
                self._remove(record.desired, self._owner(state, node.id, record.index))
        for record in state.items_of(node.id):
            if record.index is not None and record.index >= keep:
                self.store.delete_node(state.key, node.id, record.index)
                state.nodes.pop(_item_id(record), None)

    def _remove(self, manifest: dict[str, Any], owner: Ownership) -> bool:
        """Take an applied object away from its instance, as its :func:`~kroless.providers.base.deletion_policy`
        says: delete it (True once gone), release it (Kro's Detach) or leave it (kroless's Retain). The one
        path for deleting an instance and for pruning."""
        provider = self.providers.for_kind(manifest["apiVersion"], manifest["kind"])
        policy = deletion_policy(manifest)
        if policy == DeletionPolicy.DELETE:
            return bool(provider.delete(manifest, owner))
        if policy == DeletionPolicy.DETACH and isinstance(provider, Releasing):
            provider.release(manifest, owner)
        return True

    def delete_node(self, key: InstanceKey, generation: int, node_id: str) -> NodeOutcome:
        """Delete one node's objects; a deletion wave calls this until DELETED. externalRefs are untouched."""
        state = self.load(key)
        if state is None:
            return NodeOutcome(node_id, NodeState.DELETED)
        node = state.graph.nodes[node_id]
        if node.is_external:
            self._record(state, node_id, NodeState.DELETED)
            return NodeOutcome(node_id, NodeState.DELETED, "ExternalReference", "externalRefs are never deleted")
        for dependent in deletion_dependencies(state.graph, node_id)[node_id]:
            record = state.nodes.get(dependent)
            if record is not None and record.state != NodeState.DELETED:
                message = f"waiting for {dependent} to be deleted"
                wait_on = WaitTarget(key, dependent)
                return NodeOutcome(node_id, NodeState.DELETING, DEPENDENT_NOT_DELETED, message, wait_on=wait_on)
        gone = True
        try:
            with reconciling(key):
                gone = self._delete_objects(state, node_id)
        except KrolessError as err:
            err.at(resource_id=node_id)
            return self._failed(state, node_id, err, "DeletionError")
        node_state = NodeState.DELETED if gone else NodeState.DELETING
        self._record(state, node_id, node_state)
        return NodeOutcome(node_id, node_state, wait_on=None if gone else self._child_being_deleted(state, node_id))

    def _child_being_deleted(self, state: InstancePass, node_id: str) -> WaitTarget | None:
        """A nested instance of the node still deleting: its delete's finalize wakes the node (no polling)."""
        record = state.nodes.get(node_id)
        for desired in [record.desired if record else None, *(item.desired for item in state.items_of(node_id))]:
            if desired and self.providers.is_nested(desired.get("apiVersion", ""), desired.get("kind", "")):
                child = InstanceKey.from_manifest(desired)
                if self.store.get_instance(child) is not None:
                    return WaitTarget(child)
        return None

    def _delete_objects(self, state: InstancePass, node_id: str, *, forget: bool = False) -> bool:
        """Remove a node's objects (its collection items' records go with theirs; ``forget``: its own record
        too, for a resource no longer in the graph); True once all are gone."""
        gone = True
        record = state.nodes.get(node_id)
        if record is not None and record.desired and not self._remove(record.desired, self._owner(state, node_id)):
            gone = False
        for item in state.items_of(node_id):
            if item.desired and not self._remove(item.desired, self._owner(state, node_id, item.index)):
                gone = False
            else:
                self.store.delete_node(state.key, node_id, item.index)
        if gone and forget and record is not None:
            self.store.delete_node(state.key, node_id)
        return gone


def _quoted(text: str) -> str:
    """Go's ``%q``, with which Kro quotes expressions in its messages."""
    return json.dumps(text, ensure_ascii=False)


def _waiting(node: Node, waiting_for: str, why: str) -> NodeError | None:
    """The node's record of why it waits, worded as Kro wraps it (``waiting for node "x": <why>``)."""
    return NodeError(f"{waiting_for}: {why}", node.id) if why else None


def _readiness(node: Node, node_state: NodeState, why: str) -> NodeOutcome:
    return NodeOutcome(node.id, node_state, "ReadyWhenFalse" if why else "", why)


def _not_found(manifest: dict[str, Any]) -> str:
    """The API server's NotFound text, which Kro passes on: ``configmaps "settings" not found``."""
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    group = api_version.rpartition("/")[0]
    resource = pluralize(kind.lower()) + (f".{group}" if group else "")
    return f'{resource} "{(manifest.get("metadata") or {}).get("name", "")}" not found'


def _identity(observed: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """``physical_id`` (the ownership index's key) and the ``aliases`` drift events may name it by."""
    primary = physical_id(observed, manifest)
    return {"physical_id": primary, "aliases": identifiers(observed, manifest, primary)[1:]}
