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
    kind: str, ok: bool | None, reason: str, message: str, generation: int, previous: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    status = "Unknown" if ok is None else "True" if ok else "False"
    before = previous.get(kind)
    changed = before is None or before.get("status") != status
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": now_iso() if changed else before["lastTransitionTime"],  # type: ignore[index]
        "observedGeneration": generation,
    }


def _error_message(error: Any) -> str:
    return str(error.message) if error is not None else "failed"


def instance_state(graph: Graph, states: dict[str, str], deleting: bool = False) -> InstanceState:
    """ACTIVE when every node is SYNCED or SKIPPED; ERROR when any node failed; else IN_PROGRESS."""
    if deleting:
        return InstanceState.DELETING
    if any(states.get(rid) == NodeState.ERROR for rid in graph.nodes):
        return InstanceState.ERROR
    if all(states.get(rid) in DONE for rid in graph.nodes):
        return InstanceState.ACTIVE
    return InstanceState.IN_PROGRESS


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
    not_ready = [rid for rid in graph.topological_order if states.get(rid) not in DONE]
    errors = [
        f"{rid}: {_error_message(state.nodes[rid].error)}"
        for rid in graph.topological_order
        if states.get(rid) == NodeState.ERROR
    ]
    if deleting:
        resources = _condition(
            "ResourcesReady", None, "UnderDeletion", "instance is being deleted", generation, previous
        )
    elif errors:
        resources = _condition("ResourcesReady", False, "NotReady", "; ".join(errors), generation, previous)
    elif failure and not_ready:
        message = f"the reconcile stopped before {', '.join(not_ready)}: {failure}"
        resources = _condition("ResourcesReady", False, "ReconcileFailed", message, generation, previous)
    elif not_ready:
        message = f"waiting for: {', '.join(not_ready)}"
        resources = _condition("ResourcesReady", False, "NotReady", message, generation, previous)
    else:
        message = "all resources are ready"
        resources = _condition("ResourcesReady", True, "AllResourcesReady", message, generation, previous)
    managed = _condition("InstanceManaged", True, "Managed", "instance is managed by kroless", generation, previous)
    resolved = _condition("GraphResolved", True, "Resolved", "graph resolved", generation, previous)
    ok = resources["status"] == "True"
    ready = _condition("Ready", ok, "Ready" if ok else resources["reason"], resources["message"], generation, previous)
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
    reconciler: Reconciler, key: InstanceKey, generation: int, *, deleting: bool = False, failure: str | None = None
) -> dict[str, Any]:
    """Project and store the instance status for ``generation`` (a stale generation is not written)."""
    state = reconciler.load(key)
    if state is None:
        return {"state": "DELETED"}
    instance_state, status, conditions, pending = project_status(state, generation, deleting=deleting, failure=failure)
    reconciler.store.set_instance_status(key, generation, instance_state.value, status, conditions)
    return {"state": instance_state.value, "status": status, "pendingStatus": [] if deleting else sorted(pending)}
