"""Nested instances: a template whose kind is another registered RGD's API is an instance of that RGD.

As a provider: apply admits the child instance (validate + default, generation++ when it changed) and
starts its reconcile; read returns the child as an object with its status, which feeds the parent's
expressions; the node is ready when the child is ACTIVE and its readyWhen holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kroless.compiler import validate_instance_document
from kroless.graph import Graph
from kroless.providers.base import Ownership
from kroless.runtime.states import InstanceKey
from kroless.store import InstanceRecord, Store

# (child key, child generation, parent instance "<ns>/<name>"): starts the child's reconcile or deletion
StartReconcile = Callable[[InstanceKey, int, str], object]


class NestedInstances:
    def __init__(
        self,
        *,
        store: Store,
        graphs: Callable[[str], Graph],
        apis: Callable[[], dict[tuple[str, str], str]],
        start: StartReconcile,
        start_deletion: StartReconcile,
    ) -> None:
        """``apis`` maps (apiVersion, kind) of every registered RGD API to the RGD name."""
        self.store = store
        self.graphs = graphs
        self.apis = apis
        self.start = start
        self.start_deletion = start_deletion

    def handles(self, api_version: str, kind: str) -> bool:
        return (api_version, kind) in self.apis()

    def _observed(self, instance: InstanceRecord) -> dict[str, Any]:
        """The child as its parent's expressions see it: the manifest plus Kro's status (with ``state``)."""
        return {**instance.manifest, "status": {**instance.status, "state": instance.state}}

    def apply(self, manifest: dict[str, Any], owner: Ownership, *, adopt: bool = False) -> dict[str, Any]:
        rgd = self.apis()[(manifest["apiVersion"], manifest["kind"])]
        defaulted = validate_instance_document(self.graphs(rgd), manifest)
        key = InstanceKey.from_manifest(defaulted)
        before = self.store.get_instance(key)
        generation = self.store.admit_instance(key, rgd, defaulted)
        if before is None or before.generation != generation or before.observed_generation != generation:
            self.start(key, generation, owner.instance)
        instance = self.store.get_instance(key)
        assert instance is not None
        return self._observed(instance)

    def read(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        instance = self.store.get_instance(InstanceKey.from_manifest(manifest))
        return None if instance is None else self._observed(instance)

    def delete(self, manifest: dict[str, Any], owner: Ownership | None = None) -> bool:
        key = InstanceKey.from_manifest(manifest)
        parent = str((manifest.get("metadata") or {}).get("namespace") or "")
        instance = self.store.get_instance(key)
        if instance is None:
            return True
        if not instance.deletion_requested:
            generation = self.store.request_deletion(key)
            self.start_deletion(key, generation, parent)
        return self.store.get_instance(key) is None
