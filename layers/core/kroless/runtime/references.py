"""What providers look up while applying one node: other objects of the same instance, Secret values.

ACK resources point at each other by Kubernetes name (``dbSubnetGroupRef.from.name``), and at Secrets for
passwords. kroless has no cluster holding the ACK objects, so the lookup goes to the state store: the
objects the instance being reconciled has already applied. The instance comes from the reconcile in
progress (a context variable the reconciler sets), so providers keep a small, instance-free interface.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from kroless.providers.base import NotReadyError, ObjectRef, Ownership
from kroless.runtime.providers import ProviderSet
from kroless.store import InstanceKey, Store

_INTENT = "creating:"  # the prefix of a claim's identifier in the ownership index
_current: ContextVar[InstanceKey | None] = ContextVar("kroless_current_instance", default=None)


@contextlib.contextmanager
def reconciling(key: InstanceKey) -> Iterator[None]:
    token = _current.set(key)
    try:
        yield
    finally:
        _current.reset(token)


class StoreReferences:
    def __init__(self, store: Store, providers: ProviderSet) -> None:
        self.store = store
        self.providers = providers

    def observed(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        key = _current.get()
        if key is None:
            return None
        wanted = ObjectRef(api_version, kind, name, namespace)
        for record in self.store.get_nodes(key):
            manifest = record.desired
            if manifest and ObjectRef.of(manifest) == wanted:
                return record.observed
        return None

    def claim(self, owner: Ownership, identity: str) -> None:
        key = _current.get()
        if key is not None:  # an intent item under the instance: removed with it, never seen by drift lookups
            self.store.put_aliases(key, owner.node, owner.collection_index, [_INTENT + identity])

    def claimed(self, owner: Ownership, identity: str) -> bool:
        key = _current.get()
        return key is not None and self.store.has_alias(key, owner.node, owner.collection_index, _INTENT + identity)

    def secret_value(self, namespace: str, name: str, key: str) -> str:
        manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}}
        # Not there yet is "not ready", not an error: a template may read a Secret it has no graph edge to (Kro's
        # rds-postgres example reads the password Secret the app creates), and ACK requeues a resource whose
        # Secret reference cannot be resolved yet. The readiness loop waits for it as for a *Ref.
        secret = self.providers.for_kind("v1", "Secret").read(manifest)
        if secret is None:
            raise NotReadyError(f"Secret {namespace}/{name} not found")
        if key in (secret.get("stringData") or {}):
            return str(secret["stringData"][key])
        encoded = (secret.get("data") or {}).get(key)
        if encoded is None:
            raise NotReadyError(f"Secret {namespace}/{name} has no key {key!r} yet")
        return base64.b64decode(encoded).decode()
