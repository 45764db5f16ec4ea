"""The instance status after each pass: Kro's soft-resolved status fields, ``state`` and conditions.

Conditions (kro-reference §6.7): ``Ready`` is True when ``InstanceManaged``, ``GraphResolved`` and
``ResourcesReady`` all are. Each carries observedGeneration and lastTransitionTime (kept while the status
does not change).
"""

from __future__ import annotations

import datetime
from typing import Any

from kroless.graph import Graph
from kroless.render import render_status
from kroless.runtime.states import InstanceState, NodeState


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        "lastTransitionTime": _now() if changed else before["lastTransitionTime"],  # type: ignore[index]
        "observedGeneration": generation,
    }


def instance_state(graph: Graph, nodes: dict[str, dict[str, Any]], deleting: bool = False) -> InstanceState:
    if deleting:
        return InstanceState.DELETING
    states = [NodeState(nodes[rid]["state"]) if rid in nodes else NodeState.IN_PROGRESS for rid in graph.nodes]
    if any(s == NodeState.ERROR for s in states):
        return InstanceState.ERROR
    if all(s.done for s in states):
        return InstanceState.ACTIVE
    return InstanceState.IN_PROGRESS


def project_status(
    graph: Graph,
    instance: dict[str, Any],
    nodes: dict[str, dict[str, Any]],
    generation: int,
    *,
    deleting: bool = False,
) -> tuple[InstanceState, dict[str, Any], list[dict[str, Any]]]:
    """(state, status, conditions) of an instance from its recorded node states."""
    context: dict[str, Any] = {"schema": instance["manifest"]}
    for rid in graph.nodes:
        item = nodes.get(rid) or {}
        if item.get("state") == NodeState.SYNCED and item.get("observed") is not None:
            context[rid] = item["observed"]
    status = render_status(graph, context)
    state = instance_state(graph, nodes, deleting)
    previous = {c["type"]: c for c in (instance.get("conditions") or [])}
    not_ready = [rid for rid in graph.topological_order if not NodeState((nodes.get(rid) or {}).get("state", "IN_PROGRESS")).done]
    errors = [
        f"{rid}: {(nodes[rid].get('error') or {}).get('message', '')}"
        for rid in graph.topological_order
        if (nodes.get(rid) or {}).get("state") == NodeState.ERROR
    ]
    if deleting:
        resources = _condition("ResourcesReady", None, "UnderDeletion", "instance is being deleted", generation, previous)
    elif errors:
        resources = _condition("ResourcesReady", False, "NotReady", "; ".join(errors), generation, previous)
    elif not_ready:
        message = f"waiting for: {', '.join(not_ready)}"
        resources = _condition("ResourcesReady", False, "NotReady", message, generation, previous)
    else:
        resources = _condition("ResourcesReady", True, "AllResourcesReady", "all resources are ready", generation, previous)
    managed = _condition("InstanceManaged", True, "Managed", "instance is managed by kroless", generation, previous)
    resolved = _condition("GraphResolved", True, "Resolved", "graph resolved", generation, previous)
    all_ok = resources["status"] == "True"
    ready = _condition("Ready", all_ok, "Ready" if all_ok else resources["reason"], resources["message"], generation, previous)
    status["state"] = state.value
    conditions = [managed, resolved, resources, ready]
    status["conditions"] = conditions
    return state, status, conditions
