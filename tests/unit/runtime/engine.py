"""The reconcile engine on fakes: the in-memory store and a provider that keeps objects in a dict and records
every call. No moto, no emulator: each test runs in milliseconds and drives the nodes itself, one Lambda task
at a time, as the state machine would."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from kroless.compiler import validate_instance_document
from kroless.graph import Graph
from kroless.providers.base import ObjectRef, Ownership
from kroless.runtime.providers import ProviderSet
from kroless.runtime.reconciler import NodeOutcome, Reconciler
from kroless.runtime.registry import RGDRegistry
from kroless.runtime.states import DONE, InstanceKey
from kroless.runtime.status import finalize
from kroless_cli.testing import MemoryStore


class FakeCluster:
    """A :class:`kroless.providers.base.Provider` over a dict. As on an API server, an object's status is the
    server's, not the manifest's: tests set it with :meth:`set_status` (before or after the object exists).
    ``calls`` lists ``"verb Kind/name"``; ``failures`` makes apply fail for an object name."""

    def __init__(self) -> None:
        self.objects: dict[ObjectRef, dict[str, Any]] = {}
        self.status: dict[tuple[str, str], dict[str, Any]] = {}  # (kind, name) → status
        self.calls: list[str] = []
        self.failures: dict[str, Exception] = {}

    def handles(self, api_version: str, kind: str) -> bool:
        return True

    def apply(self, manifest: dict[str, Any], owner: Ownership, *, adopt: bool = False) -> dict[str, Any]:
        ref = ObjectRef.of(manifest)
        self.calls.append(f"apply {ref.kind}/{ref.name}")
        if ref.name in self.failures:
            raise self.failures[ref.name]
        self.objects[ref] = copy.deepcopy(manifest)
        return self._observed(ref)

    def read(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        ref = ObjectRef.of(manifest)
        self.calls.append(f"read {ref.kind}/{ref.name}")
        return self._observed(ref) if ref in self.objects else None

    def delete(self, manifest: dict[str, Any], owner: Ownership | None = None) -> bool:
        ref = ObjectRef.of(manifest)
        self.calls.append(f"delete {ref.kind}/{ref.name}")
        self.objects.pop(ref, None)
        return True

    def release(self, manifest: dict[str, Any], owner: Ownership | None = None) -> None:
        """The object stays; the call is recorded (what releasing strips is the Kubernetes provider's)."""
        ref = ObjectRef.of(manifest)
        self.calls.append(f"release {ref.kind}/{ref.name}")

    def _observed(self, ref: ObjectRef) -> dict[str, Any]:
        return {**copy.deepcopy(self.objects[ref]), "status": copy.deepcopy(self.status.get((ref.kind, ref.name), {}))}

    # -- what tests set and look at ---------------------------------------------------------------------

    def set_status(self, kind: str, name: str, **status: Any) -> None:
        self.status[(kind, name)] = status

    def names(self, kind: str) -> list[str]:
        """The objects of a kind that exist."""
        return sorted(r.name for r in self.objects if r.kind == kind)

    def touched(self, verb: str) -> list[str]:
        """``Kind/name`` of each object ``verb`` was called on, in call order."""
        return [call.partition(" ")[2] for call in self.calls if call.startswith(f"{verb} ")]


class Engine:
    """One RGD's reconciler on the in-memory store and a :class:`FakeCluster`."""

    def __init__(self, rgd: str | dict[str, Any]) -> None:
        self.store = MemoryStore()
        self.cluster = FakeCluster()
        self.registry = RGDRegistry(self.store)
        self.graph: Graph = self.registry.register(yaml.safe_load(rgd) if isinstance(rgd, str) else rgd)
        providers = ProviderSet(kubernetes=self.cluster)
        self.reconciler = Reconciler(store=self.store, graphs=self.registry.graph, providers=providers)

    def admit(self, spec: dict[str, Any], name: str = "shop") -> tuple[InstanceKey, int]:
        """Validate, default and store an instance (as the admit function does); (key, generation)."""
        ((api_version, kind),) = [api for api, rgd in self.registry.apis().items() if rgd == self.graph.name]
        manifest = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, "spec": spec}
        defaulted = validate_instance_document(self.graph, manifest)
        key = InstanceKey.from_manifest(defaulted, cluster_scoped=not self.graph.namespaced)
        return key, self.store.admit_instance(key, self.graph.name, defaulted)

    def step(self, key: InstanceKey, generation: int, node: str, *, check: bool = False) -> NodeOutcome:
        """One reconcile-node task (``check``: the readiness loop's re-read)."""
        return self.reconciler.reconcile_node(key, generation, node, check_only=check)

    def run(self, key: InstanceKey, generation: int) -> dict[str, NodeOutcome]:
        """One pass in topological order; a node runs once its dependencies are done, as the state machine's
        gates allow (a node left waiting is not polled again: tests do that with :meth:`step`)."""
        outcomes: dict[str, NodeOutcome] = {}
        for node_id in self.graph.topological_order:
            dependencies = [outcomes.get(d) for d in self.graph.nodes[node_id].dependencies]
            if all(d is not None and d.state in DONE for d in dependencies):
                outcomes[node_id] = self.step(key, generation, node_id)
        return outcomes

    def finalize(self, key: InstanceKey, generation: int, *, deleting: bool = False) -> dict[str, Any]:
        return finalize(self.reconciler, key, generation, deleting=deleting)


def conditions(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The status conditions of a finalize result, by type."""
    return {c["type"]: c for c in result["status"]["conditions"]}
