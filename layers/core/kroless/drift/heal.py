"""Heals: one reconcile per instance per debounce window, nothing missed.

A heal is a new reconcile epoch of the instance: the store bumps its generation with the manifest
unchanged (:meth:`~kroless.store.Store.bump_generation`), and the execution is named after that generation,
so it is a distinct execution and the reconcile tasks' dependency checks (node generation == execution
generation) order it exactly as an apply: a re-created dependency is ready before its dependents run.

Debounce: the first drift of an instance claims a window (a conditional write on its ``HEAL`` item) and
starts the heal; drift inside the window only adds its nodes to the item's pending set. When the heal's
execution finishes (finalize), or at once if it has already finished, the pending nodes are re-read
against the desired state, and only if one of them still differs does a trailing heal run: a burst that
happened before the heal started costs exactly one reconcile, and drift made while it ran is not lost.
"""

from __future__ import annotations

import time
from typing import Any

from kroless.drift.compare import node_drift
from kroless.drift.settings import DriftSettings
from kroless.providers.base import NotReadyError
from kroless.services import Services
from kroless.store import InstanceKey


def parent_of(services: Services, key: InstanceKey) -> str | None:
    """``<ns>/<name>`` of the instance whose nested node owns ``key`` (the child's execution name links it)."""
    identity = f"{key.api_version}/{key.kind}/{key.namespace}/{key.name}"
    owners = services.store.owners_of(identity)
    if not owners:
        return None
    parent = owners[0].key
    return parent.name if parent.cluster_scoped else f"{parent.namespace}/{parent.name}"


def start_heal(services: Services, key: InstanceKey, reason: str, *, redrive: bool = False) -> dict[str, Any]:
    """Reconcile an instance again to undo drift: a new reconcile epoch (generation + 1, manifest unchanged),
    so the heal is its own execution, ordered as an apply. Nothing for a deleting instance.
    ``redrive``: the resync re-drives a stuck instance (counted for its backoff, :mod:`kroless.drift.redrive`)."""
    generation = services.store.bump_generation(key, reason, redrive=redrive)
    if generation is None:
        return {"instance": key.ref, "skipped": "gone or being deleted"}
    execution = services.start_execution(key, generation, parent=parent_of(services, key))
    services.store.set_heal_generation(key, generation)
    return {"instance": key.ref, "generation": generation, "execution": execution}


def request_heal(
    services: Services, key: InstanceKey, nodes: list[str], reason: str, settings: DriftSettings
) -> dict[str, Any]:
    """Start a heal unless one was started inside the window; then remember ``nodes`` for its end."""
    store = services.store
    if store.claim_heal(key, settings.window):
        return {"heal": "started", **start_heal(services, key, reason)}
    heal_generation = store.add_pending_drift(key, nodes)
    instance = store.get_instance(key)
    finished = (
        heal_generation is not None
        and instance is not None
        and instance.observed_generation is not None
        and instance.observed_generation >= heal_generation
    )
    if finished:  # the heal has already run: its finalize will not look at this drift
        settled = settle_pending(services, key, settings)
        if settled:
            return settled
    return {"heal": "debounced", "healGeneration": heal_generation}


def settle_pending(services: Services, key: InstanceKey, settings: DriftSettings) -> dict[str, Any] | None:
    """Re-read the nodes that drifted while a heal ran; heal again (once) only if one still differs."""
    nodes = services.store.take_pending_drift(key)
    if not nodes:
        return None
    reasons = []
    for node in nodes:
        reason = _compare(services, key, node)
        if reason:
            reasons.append(reason)
    if not reasons:
        return {"heal": "settled", "nodes": nodes}
    services.store.claim_heal(key, settings.window, force=True)
    return {"heal": "trailing", **start_heal(services, key, "; ".join(reasons))}


def _compare(services: Services, key: InstanceKey, node: str, attempts: int = 3) -> str | None:
    for attempt in range(attempts):
        try:
            return node_drift(services, key, node)
        except NotReadyError:  # a newer reconcile is re-creating what the node refers to: it converges it
            return None
        except Exception as exc:  # a transient read error: try again, then heal (in sync: a no-op reconcile)
            if attempt == attempts - 1:
                return f"{node}: cannot compare ({type(exc).__name__}: {exc})"
            time.sleep(0.2 * (attempt + 1))
    return None


def after_reconcile(services: Services, key: InstanceKey) -> None:
    """Called by finalize: settle the drift seen while this reconcile ran (one conditional write when
    there is none)."""
    settle_pending(services, key, DriftSettings.from_environment())
