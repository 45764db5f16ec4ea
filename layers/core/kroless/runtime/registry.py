"""The registered RGDs, backed by the state store: compile with every registered API known, and cache.

The Lambda functions use it (and the CLI, to read what is registered): the compile function registers and
unregisters; every other function asks for a compiled graph by name (compiled once per warm Lambda and
per RGD revision).
"""

from __future__ import annotations

from typing import Any

from kroless.compiler import compile_documents
from kroless.errors import KrolessError
from kroless.graph import Graph
from kroless.model import Document
from kroless.store import Store


class RGDRegistry:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._graphs: dict[str, tuple[str, Graph]] = {}  # name -> (content hash, graph)

    def compile_with_registered(self, name: str, extra: list[Document] | None = None) -> dict[str, Graph]:
        """Every registered RGD compiled (and ``extra``, which replaces a registered RGD of the same name), each
        with the others' APIs known; raises the problem of RGD ``name`` only (the CLI's dry-run and diff use it
        to check several RGDs of one file together). Another RGD that no longer compiles (registered before kroless checked what it
        now checks) fails its own instances, not every RGD's."""
        replaced = {d.name for d in extra or []}
        documents = [
            Document(body=r.document, file=f"rgd:{r.name}") for r in self.store.list_rgds() if r.name not in replaced
        ]
        result = compile_documents(documents + list(extra or []))
        for problem in result.problems:
            if problem.name == name:
                raise problem.error.at(file=problem.file, name=problem.name)
        return {g.name: g for g in result.graphs}

    def validate(self, document: dict[str, Any], *, file: str = "<rgd>") -> Graph:
        """Compile an RGD with every registered RGD's API known; nothing is stored."""
        name = (document.get("metadata") or {}).get("name", "")
        return self.compile_with_registered(name, [Document(body=document, file=file)])[name]

    def register(self, document: dict[str, Any], *, file: str = "<rgd>") -> Graph:
        """Validate and store an RGD with its compiled summary; returns the graph."""
        graph = self.validate(document, file=file)
        self.save(document, graph)
        return graph

    def save(self, document: dict[str, Any], graph: Graph) -> None:
        """Store an RGD validated with :meth:`validate` (after whatever must exist first, e.g. its state machine)."""
        self.store.put_rgd(graph.name, document, graph.to_summary())
        self._graphs.pop(graph.name, None)

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
            hashes = {r.name: r.content_hash for r in self.store.list_rgds()}
            for graph_name, graph in self.compile_with_registered(name).items():
                self._graphs[graph_name] = (hashes.get(graph_name, ""), graph)
        return self._graphs[name][1]

    def apis(self) -> dict[tuple[str, str], str]:
        """(apiVersion, kind) of every registered RGD's API → the RGD's name."""
        apis = {}
        for record in self.store.list_rgds():
            schema = record.document["spec"]["schema"]
            apis[(f"{schema.get('group') or 'kro.run'}/{schema['apiVersion']}", schema["kind"])] = record.name
        return apis

    def rgd_for(self, manifest: dict[str, Any]) -> str:
        """The RGD whose API an instance document uses; an unknown kind is a clear error."""
        rgd = self.apis().get((manifest.get("apiVersion", ""), manifest.get("kind", "")))
        if rgd is None:
            kind, api_version = manifest.get("kind"), manifest.get("apiVersion")
            raise KrolessError(f"unknown kind: {kind} ({api_version}) is not the API of any registered RGD")
        return rgd
