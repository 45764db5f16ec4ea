"""The control plane in one process: register RGDs, admit instances, reconcile, delete.

It is what the compile and admit functions plus the generated state machines do on AWS, run by the
in-process driver instead of Step Functions (tests of the reconcile semantics, and the CLI before the
local cloud's Step Functions path). Same store, same reconciler, same providers.
"""

from __future__ import annotations

from typing import Any

from kroless.compiler import validate_instance_document
from kroless.graph import Graph
from kroless.providers.base import Provider
from kroless.runtime.nested import NestedInstances
from kroless.runtime.providers import ProviderSet
from kroless.runtime.reconciler import Reconciler
from kroless.runtime.registry import RGDRegistry
from kroless.runtime.states import InstanceKey
from kroless.store import StateStore
from kroless_cli.driver import LocalDriver


class ControlPlane:
    def __init__(
        self,
        store: StateStore,
        *,
        kubernetes: Provider | None = None,
        aws: Provider | None = None,
        poll: float = 0.05,
        node_timeout: float = 120.0,
    ) -> None:
        self.store = store
        self.registry = RGDRegistry(store)
        nested = NestedInstances(
            store=store,
            graphs=self.registry.graph,
            apis=self.registry.apis,
            start=self._run_child,
            start_deletion=self._delete_child,
        )
        self.providers = ProviderSet(kubernetes=kubernetes, aws=aws, nested=nested)
        self.reconciler = Reconciler(store=store, graphs=self.registry.graph, providers=self.providers)
        self.driver = LocalDriver(self.reconciler, poll=poll, node_timeout=node_timeout)

    def register(self, document: dict[str, Any], *, file: str = "<rgd>") -> Graph:
        return self.registry.register(document, file=file)

    def unregister(self, name: str) -> None:
        self.registry.unregister(name)

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Admit an instance (validate, default, generation++) and reconcile it until it settles."""
        rgd = self.registry.rgd_for(manifest)
        graph = self.registry.graph(rgd)
        defaulted = validate_instance_document(graph, manifest)
        key = InstanceKey.from_manifest(defaulted, cluster_scoped=not graph.namespaced)
        generation = self.store.admit_instance(key, rgd, defaulted)
        return self.driver.run(key, generation)

    def delete(self, manifest: dict[str, Any]) -> dict[str, Any]:
        graph = self.registry.graph(self.registry.rgd_for(manifest))
        key = InstanceKey.from_manifest(manifest, cluster_scoped=not graph.namespaced)
        if self.store.get_instance(key) is None:
            return {"state": "DELETED"}
        generation = self.store.request_deletion(key)
        return self.driver.delete(key, generation)

    def _run_child(self, key: InstanceKey, generation: int, parent: str) -> None:
        self.driver.run(key, generation)

    def _delete_child(self, key: InstanceKey, generation: int, parent: str) -> None:
        self.driver.delete(key, generation)
