"""The control plane in one process: register RGDs, admit instances, reconcile, delete.

It is what the compile and admit functions plus the generated state machines do on AWS, run by the
in-process driver instead of Step Functions (tests of the reconcile semantics, and the CLI before the
local cloud's Step Functions path). Same store, same reconciler, same providers.
"""

from __future__ import annotations

from typing import Any

from kroless.compiler import compile_documents, validate_instance_document
from kroless.errors import KrolessError
from kroless.graph import Graph
from kroless.model import Document
from kroless.providers.base import Provider
from kroless.runtime.driver import LocalDriver
from kroless.runtime.nested import NestedInstances
from kroless.runtime.providers import ProviderSet
from kroless.runtime.reconciler import Reconciler
from kroless.runtime.states import InstanceKey
from kroless.store import StateStore


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
        self._graphs: dict[str, tuple[str, Graph]] = {}  # name -> (content hash, graph)
        nested = NestedInstances(
            store=store, graphs=self.graph, apis=self.apis, start=self._run_child, start_deletion=self._delete_child
        )
        self.providers = ProviderSet(kubernetes=kubernetes, aws=aws, nested=nested)
        self.reconciler = Reconciler(store=store, graphs=self.graph, providers=self.providers)
        self.driver = LocalDriver(self.reconciler, poll=poll, node_timeout=node_timeout)

    # -- RGDs ---------------------------------------------------------------------------------------------

    def _compile_all(self, extra: list[Document] | None = None) -> dict[str, Graph]:
        documents = [Document(body=r.document, file=f"rgd:{r.name}") for r in self.store.list_rgds()]
        names = {d.name for d in extra or []}
        documents = [d for d in documents if d.name not in names] + list(extra or [])
        result = compile_documents(documents)
        if result.problems:
            problem = result.problems[0]
            raise problem.error.at(file=problem.file, name=problem.name)
        return {g.name: g for g in result.graphs}

    def register(self, document: dict[str, Any], *, file: str = "<rgd>") -> Graph:
        """Validate an RGD (with every registered RGD's API known) and store it with its compiled summary."""
        graphs = self._compile_all([Document(body=document, file=file)])
        graph = graphs[document["metadata"]["name"]]
        self.store.put_rgd(graph.name, document, graph.to_summary())
        self._graphs.pop(graph.name, None)
        return graph

    def unregister(self, name: str) -> None:
        """Delete an RGD; refused while it has live instances (Kro would orphan them; kroless does not)."""
        live = self.store.list_instances(name)
        if live:
            raise KrolessError(f"ResourceGraphDefinition {name} still has {len(live)} instance(s): delete them first")
        self.store.delete_rgd(name)
        self._graphs.pop(name, None)

    def graph(self, name: str) -> Graph:
        record = self.store.get_rgd(name)
        if record is None:
            raise KrolessError(f"ResourceGraphDefinition {name} is not registered")
        cached = self._graphs.get(name)
        if cached is None or cached[0] != record.content_hash:
            for graph_name, graph in self._compile_all().items():
                rgd = self.store.get_rgd(graph_name)
                if rgd is not None:
                    self._graphs[graph_name] = (rgd.content_hash, graph)
        return self._graphs[name][1]

    def apis(self) -> dict[tuple[str, str], str]:
        """(apiVersion, kind) of every registered RGD's API → the RGD's name."""
        apis = {}
        for record in self.store.list_rgds():
            schema = record.document["spec"]["schema"]
            apis[(f"{schema.get('group') or 'kro.run'}/{schema['apiVersion']}", schema["kind"])] = record.name
        return apis

    # -- instances ----------------------------------------------------------------------------------------

    def _rgd_for(self, manifest: dict[str, Any]) -> str:
        rgd = self.apis().get((manifest.get("apiVersion", ""), manifest.get("kind", "")))
        if rgd is None:
            raise KrolessError(
                f"unknown kind: {manifest.get('kind')} ({manifest.get('apiVersion')}) is no registered RGD's API"
            )
        return rgd

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Admit an instance (validate, default, generation++) and reconcile it until it settles."""
        rgd = self._rgd_for(manifest)
        graph = self.graph(rgd)
        defaulted = validate_instance_document(graph, manifest)
        key = InstanceKey.from_manifest(defaulted, cluster_scoped=not graph.namespaced)
        generation = self.store.admit_instance(key, rgd, defaulted)
        return self.driver.run(key, generation)

    def delete(self, manifest: dict[str, Any]) -> dict[str, Any]:
        rgd = self._rgd_for(manifest)
        key = InstanceKey.from_manifest(manifest, cluster_scoped=not self.graph(rgd).namespaced)
        if self.store.get_instance(key) is None:
            return {"state": "DELETED"}
        generation = self.store.request_deletion(key)
        return self.driver.delete(key, generation)

    def _run_child(self, key: InstanceKey, generation: int) -> None:
        self.driver.run(key, generation)

    def _delete_child(self, key: InstanceKey, generation: int) -> None:
        self.driver.delete(key, generation)
