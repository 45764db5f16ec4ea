"""The instance status after each pass: Kro's soft-resolved status fields, ``state`` and conditions.

Conditions (kro-reference §6.7): ``Ready`` is True when ``InstanceManaged``, ``GraphResolved`` and
``ResourcesReady`` all are. Each carries observedGeneration and lastTransitionTime (kept while the status
does not change).
"""

from __future__ import annotations

from typing import Any

from kroless.clock import now_iso
from kroless.errors import CELError
from kroless.graph import Graph
from kroless.graph.inspect import environment
from kroless.render import resolve_status
from kroless.runtime.reconciler import InstancePass, Reconciler
from kroless.runtime.states import DONE, InstanceKey, InstanceState, NodeState


def _condition(
    kind: str,
    ok: bool | None,
    reason: str,
    message: str,
    generation: int,
    previous: dict[str, dict[str, Any]],
    created: str,
) -> dict[str, Any]:
    """Kro's condition: a new one's first transition is the object's creation, as for Kro's dependent
    conditions; after that the time moves only when the status does (Kro's ``pkg/apis/condition_set.go``)."""
    status = "Unknown" if ok is None else "True" if ok else "False"
    before = previous.get(kind)
    if before is None:
        transition = created or now_iso()
    elif before.get("status") != status:
        transition = now_iso()
    else:
        transition = before["lastTransitionTime"]
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
        "observedGeneration": generation,
    }


def instance_state(graph: Graph, states: dict[str, str], deleting: bool = False) -> InstanceState:
    """ACTIVE when every node is SYNCED or SKIPPED; ERROR when any node failed; else IN_PROGRESS."""
    if deleting:
        return InstanceState.DELETING
    if any(states.get(rid) == NodeState.ERROR for rid in graph.nodes):
        return InstanceState.ERROR
    if all(states.get(rid) in DONE for rid in graph.nodes):
        return InstanceState.ACTIVE
    return InstanceState.IN_PROGRESS


def _messages(state: InstancePass, node_ids: list[str]) -> dict[str, str]:
    """What the nodes recorded about themselves (an error, or why they wait), by node id in ``node_ids``' order."""
    nodes = state.nodes
    recorded = {rid: nodes[rid].error for rid in node_ids if rid in nodes and nodes[rid].generation == state.generation}
    return {rid: error.message for rid, error in recorded.items() if error is not None}


def _resources_ready(
    state: InstancePass, states: dict[str, str], deleting: bool, failure: str | None
) -> tuple[bool | None, str, str]:
    """(status, reason, message) of ResourcesReady, with Kro's reasons and texts
    (``pkg/controller/instance/controller.go#Reconcile``, ``deletion.go``, ``status.go``). Several node errors
    are joined by newlines, as Go's ``errors.Join`` joins them."""
    order = state.graph.topological_order
    failed = [rid for rid in order if states.get(rid) == NodeState.ERROR]
    if deleting:
        errors = _messages(state, failed)
        blocked = [errors.get(rid, rid) for rid in failed] or ([failure] if failure else [])
        if blocked:
            return None, "UnderDeletion", "deletion blocked: " + "\n".join(blocked)
        return None, "UnderDeletion", "deleting resources"
    not_ready = [rid for rid in order if states.get(rid) not in DONE]
    if failed:
        errors = _messages(state, failed)
        joined = "\n".join(f"{rid}: {errors.get(rid, 'failed')}" for rid in failed)
        return False, "NotReady", f"resource reconciliation failed: {joined}"
    if failure and not_ready:
        stopped = f"the reconcile stopped before {', '.join(not_ready)}: {failure}"
        return False, "NotReady", f"resource reconciliation failed: {stopped}"
    if not_ready:
        # Kro lists the errors its nodes hold (why each waits: readyWhen false, an externalRef not found);
        # a node that has not started yet (its dependencies are not ready) holds none, so it is named.
        waiting = list(_messages(state, not_ready).values()) or [f'waiting for node "{rid}"' for rid in not_ready]
        return False, "NotReady", "awaiting resource readiness: " + "\n".join(waiting)
    return True, "AllResourcesReady", "all resources are created and ready"


def project_status(
    state: InstancePass, generation: int, *, deleting: bool = False, failure: str | None = None
) -> tuple[InstanceState, dict[str, Any], list[dict[str, Any]], dict[str, list[str]]]:
    """(state, status, conditions, pending) of an instance from its recorded node states; ``pending``: the
    status fields still waiting on data, with the resource ids they wait on. ``failure``: why the execution
    stopped (a crashed or timed-out task): nodes it left unfinished make the instance ERROR, not IN_PROGRESS,
    so the resync and a re-apply know nothing is running for it."""
    graph = state.graph
    states = {
        rid: str(state.nodes[rid].state)
        for rid in graph.nodes
        if rid in state.nodes and state.nodes[rid].generation == generation
    }
    status, pending = resolve_status(graph, state.context)
    current = instance_state(graph, states, deleting)
    previous = {c["type"]: c for c in (state.instance.conditions or [])}
    created = state.instance.created_at

    def condition(kind: str, ok: bool | None, reason: str, message: str) -> dict[str, Any]:
        return _condition(kind, ok, reason, message, generation, previous, created)

    # Kro's texts (pkg/controller/instance/status.go): kroless admits an instance before any task runs, so
    # it is managed and its graph resolved by the time there is a status to write.
    managed = condition("InstanceManaged", True, "Managed", "instance is properly managed with finalizers and labels")
    resolved = condition("GraphResolved", True, "Resolved", "runtime graph created and all resources resolved")
    ok, reason, message = _resources_ready(state, states, deleting, failure)
    resources = condition("ResourcesReady", ok, reason, message)
    # Ready (the root): True with reason "Ready" and no message, else a copy of the unhealthy dependent's
    # status, reason and message (pkg/apis/condition_set.go#recomputeRootCondition)
    ready = condition("Ready", True, "Ready", "") if ok else condition("Ready", ok, reason, message)
    conditions = [managed, resolved, resources, ready]
    if graph.status_conditions:
        # Once an RGD declares conditions, only the author's are written (Kro §6.8); they may read the
        # built-ins through runtime.condition(schema, ...). A failed evaluation marks the instance ERROR.
        authored, degraded = _authored_conditions(state, conditions, generation, previous)
        conditions = authored
        if degraded and not deleting:
            current = InstanceState.ERROR
    if failure and not deleting and current == InstanceState.IN_PROGRESS:
        current = InstanceState.ERROR
    status["state"] = current.value
    status["conditions"] = conditions
    return current, status, conditions, pending


def _authored_conditions(
    state: InstancePass, builtins: list[dict[str, Any]], generation: int, previous: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], bool]:
    graph = state.graph
    schema = {**state.context["schema"], "status": {"conditions": builtins}}
    context = {**state.context, "schema": schema, "runtime": {}}
    scope = environment(frozenset(["schema", *graph.nodes, "runtime"]), allow_runtime=True)
    authored: list[dict[str, Any]] = []
    degraded = False
    for expression in graph.status_conditions:
        program = scope.compile(expression)
        if any(name not in context for name in program.references):
            continue  # a resource not observed yet: the condition appears once it is
        try:
            value = program.evaluate(context)
        except CELError:
            degraded = True
            continue
        for condition in value if isinstance(value, list) else [value]:
            before = previous.get(str(condition.get("type")))
            changed = before is None or before.get("status") != condition.get("status")
            authored.append(
                {
                    **condition,
                    "lastTransitionTime": now_iso() if changed else before["lastTransitionTime"],  # type: ignore[index]
                    "observedGeneration": generation,
                }
            )
    return authored, degraded


def finalize(
    reconciler: Reconciler,
    key: InstanceKey,
    generation: int,
    *,
    deleting: bool = False,
    failure: str | None = None,
    running: bool = False,
) -> dict[str, Any]:
    """Project and store the instance status for ``generation`` (a stale generation is not written).
    ``running``: the reconcile goes on (a node waits); its status is shown, the generation not yet observed."""
    state = reconciler.load(key)
    if state is None:
        return {"state": "DELETED"}
    instance_state, status, conditions, pending = project_status(state, generation, deleting=deleting, failure=failure)
    if running and instance_state == InstanceState.ACTIVE:
        # every node is done: the execution's finalize writes ACTIVE, with the generation observed
        return {"state": instance_state.value, "status": status, "pendingStatus": sorted(pending)}
    if instance_state == InstanceState.ACTIVE:
        # before ACTIVE is written (what `kroless apply` waits for): the objects of resources the RGD no longer
        # declares go, as Kro prunes after an apply that went through; one still deleting is tried next time
        reconciler.prune_removed(state)
    store = reconciler.store
    store.set_instance_status(key, generation, instance_state.value, status, conditions, observed=not running)
    return {"state": instance_state.value, "status": status, "pendingStatus": [] if deleting else sorted(pending)}
