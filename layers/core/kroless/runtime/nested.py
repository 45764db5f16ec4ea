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

StartReconcile = Callable[[InstanceKey, int], None]


class NestedInstances:
    def __init__(
        self,
        *,
        store: Any,
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

    def _observed(self, instance: dict[str, Any]) -> dict[str, Any]:
        manifest = instance["manifest"]
        return {**manifest, "status": {**(instance.get("status") or {}), "state": instance.get("state", "IN_PROGRESS")}}

    def apply(self, manifest: dict[str, Any], owner: Ownership, *, adopt: bool = False) -> dict[str, Any]:
        rgd = self.apis()[(manifest["apiVersion"], manifest["kind"])]
        defaulted = validate_instance_document(self.graphs(rgd), manifest)
        key = InstanceKey.of(defaulted)
        before = self.store.get_instance(str(key))
        generation = self.store.admit_instance(str(key), rgd, defaulted, parent=owner.instance)
        if before is None or int(before["generation"]) != generation or before.get("state") not in ("ACTIVE",):
            self.start(key, generation)
        instance = self.store.get_instance(str(key))
        return self._observed(instance)

    def read(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        instance = self.store.get_instance(str(InstanceKey.of(manifest)))
        return None if instance is None else self._observed(instance)

    def delete(self, manifest: dict[str, Any]) -> bool:
        key = InstanceKey.of(manifest)
        instance = self.store.get_instance(str(key))
        if instance is None:
            return True
        if not instance.get("deletionRequested"):
            generation = self.store.request_deletion(str(key))
            self.start_deletion(key, generation)
        return self.store.get_instance(str(key)) is None
