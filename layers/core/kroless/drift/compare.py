"""Observed vs desired for one node: what the CloudTrail path cannot see (Kubernetes) and what a heal's
trailing check and the resync backstop re-read.

AWS: the provider's read compares on the fields the template sets only, after normalisation (its status
condition says ``Drifted`` and names the fields); a missing resource is drift. Kubernetes: every field
the applied manifest sets must be present with the same value in the live object (what the API server
or other controllers add is not drift); a missing object is drift.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from kroless.errors import is_retriable
from kroless.providers.compare import differences
from kroless.runtime.references import reconciling
from kroless.services import Services
from kroless.store import InstanceKey, NodeRecord, NodeState, redact_secrets

T = TypeVar("T")


def with_backoff(call: Callable[[], T], *, attempts: int = 6, base: float = 0.2, cap: float = 10.0) -> T:
    """Run ``call``; on a retriable error (:func:`~kroless.errors.is_retriable`: throttling, a server error, a
    timeout) wait (full jitter, exponential) and try again."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:
            if not is_retriable(exc) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, min(cap, base * 2**attempt)))
    raise AssertionError("unreachable")


def kubernetes_differences(desired: dict[str, Any], observed: dict[str, Any]) -> list[str]:
    wanted = {k: v for k, v in desired.items() if k not in ("apiVersion", "kind", "metadata", "status")}
    if desired.get("apiVersion") == "v1" and desired.get("kind") == "Secret" and "stringData" in wanted:
        # write-only: the API server folds stringData into data (digests of both agree, see store.redact)
        wanted["data"] = {**(wanted.get("data") or {}), **(wanted.pop("stringData") or {})}
    metadata = desired.get("metadata") or {}
    wanted["metadata"] = {k: metadata[k] for k in ("labels", "annotations") if metadata.get(k)}
    return differences(wanted, observed)


def record_drift(services: Services, record: NodeRecord) -> str | None:
    """Why the node's resource has drifted from what kroless last applied, or None. Raises
    :class:`~kroless.providers.base.NotReadyError` while a reconcile has the node's references in flux."""
    with reconciling(record.key):
        return _record_drift(services, record)


def _record_drift(services: Services, record: NodeRecord) -> str | None:
    desired = record.desired
    if not desired or record.state != NodeState.SYNCED or not isinstance(desired, dict):
        return None
    api_version, kind = str(desired.get("apiVersion", "")), str(desired.get("kind", ""))
    providers = services.providers
    if providers.is_nested(api_version, kind):
        return None  # a nested instance heals itself: its own nodes are compared
    provider = providers.for_kind(api_version, kind)
    observed = with_backoff(lambda: provider.read(desired))
    name = f"{kind} {(desired.get('metadata') or {}).get('name')}"
    if observed is None:
        return f"{name} is gone"
    if api_version.endswith(".services.k8s.aws/v1alpha1"):
        for condition in (observed.get("status") or {}).get("conditions") or []:
            if condition.get("reason") == "Drifted":
                return f"{name}: {condition.get('message')}"
        return None
    changed = kubernetes_differences(desired, redact_secrets(observed))  # the store keeps Secret digests
    return f"{name}: {', '.join(changed[:10])} differ from the applied manifest" if changed else None


def node_drift(services: Services, key: InstanceKey, node_id: str) -> str | None:
    """:func:`record_drift` for a node (each item of a forEach collection)."""
    for record in services.store.get_nodes(key, node_id):
        reason = record_drift(services, record)
        if reason:
            return reason
    return None
