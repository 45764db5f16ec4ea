"""kroless's registered RGD APIs, served read-only by the emulated API server, so ``kubectl get <kind>`` lists
instances as on a cluster running Kro.

kroless keeps instances in its state table, not in the cluster; this source reads them from there (discovery
from the registered RGDs, each kind from the CRD Kro would generate for it: scope, names, schema, printer
columns) and renders each instance as the API server would serve the custom resource: the manifest, the
metadata the server assigns and the status kroless wrote. Writes go through kroless (``kroless apply``), not
through this API.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kroless_cli.localcloud.kubernetes.kinds import Kind, kinds_of_crd

log = logging.getLogger(__name__)

# discovery is asked for on every kubectl call and every kroless reconcile: read the RGDs at most this often
KINDS_TTL = 2.0
# the RGDs themselves, with the columns Kro's CRD prints (kro/config/crd/bases/kro.run_resourcegraphdefinitions.yaml)
RGD_KIND = Kind(
    "kro.run",
    "v1alpha1",
    "ResourceGraphDefinition",
    "resourcegraphdefinitions",
    False,
    ("rgd",),
    False,
    "resourcegraphdefinition",
    None,
    (
        {"name": "APIVERSION", "type": "string", "jsonPath": ".spec.schema.apiVersion"},
        {"name": "KIND", "type": "string", "jsonPath": ".spec.schema.kind"},
        {"name": "STATE", "type": "string", "jsonPath": ".status.state"},
        {"name": "AGE", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ),
    None,
    read_only=True,
)


class RgdApis:
    """A read-only source of kinds and objects for :class:`~kroless_cli.localcloud.kubernetes.store.Cluster`,
    over the store :func:`store` returns (None while the local cloud is not deployed yet)."""

    def __init__(self, store: Callable[[], Any]) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._kinds: list[Kind] = []
        self._rgd_of: dict[tuple[str, str], str] = {}
        self._read_at = -KINDS_TTL
        self._registry: Any = None

    def kinds(self) -> list[Kind]:
        with self._lock:
            if time.monotonic() - self._read_at >= KINDS_TTL:
                self._kinds, self._rgd_of = self._read_kinds()
                self._read_at = time.monotonic()
            return list(self._kinds)

    def _read_kinds(self) -> tuple[list[Kind], dict[tuple[str, str], str]]:
        from kroless.runtime.registry import RGDRegistry

        store = self._store()
        if store is None:
            return [], {}
        if self._registry is None or self._registry.store is not store:
            self._registry = RGDRegistry(store)
        kinds: list[Kind] = [RGD_KIND]
        rgd_of: dict[tuple[str, str], str] = {}
        try:
            records = store.list_rgds()
        except Exception:  # noqa: BLE001 - the table not there (yet): nothing registered to serve
            log.debug("the RGDs could not be read", exc_info=True)
            return [], {}
        for record in records:
            try:
                crd = self._registry.graph(record.name).crd
            except Exception:  # noqa: BLE001 - an RGD that no longer compiles serves no API here
                log.debug("RGD %s does not compile", record.name, exc_info=True)
                continue
            for kind in kinds_of_crd(crd):
                kinds.append(Kind(kind.group, kind.version, kind.kind, kind.plural, kind.namespaced, kind.short_names, False, kind.singular, kind.schema, kind.printer_columns, None, read_only=True))
                rgd_of[(kind.group, kind.kind)] = record.name
        return kinds, rgd_of

    def objects(self, kind: Kind) -> list[dict[str, Any]]:
        """The instances of ``kind``'s RGD as custom resources."""
        self.kinds()
        store = self._store()
        if kind == RGD_KIND and store is not None:
            return [rgd_object(record) for record in store.list_rgds()]
        rgd = self._rgd_of.get((kind.group, kind.kind))
        if rgd is None or store is None:
            return []
        return [instance_object(record, kind) for record in store.list_instances(rgd)]


def instance_object(record: Any, kind: Kind) -> dict[str, Any]:
    """An instance record as the API server serves the custom resource (``status.state`` and conditions as Kro
    writes them)."""
    obj: dict[str, Any] = record.as_object()
    metadata = dict(obj.get("metadata") or {})
    metadata.setdefault("resourceVersion", str(record.generation))
    if not kind.namespaced:
        metadata.pop("namespace", None)
    status = {**(record.status or {}), "state": record.state}
    if record.conditions:
        status["conditions"] = record.conditions
    return {**obj, "apiVersion": kind.api_version, "kind": kind.kind, "metadata": metadata, "status": status}


def rgd_object(record: Any) -> dict[str, Any]:
    """A registered RGD as Kro's API serves it: the document, with the state kroless keeps as its status."""
    document: dict[str, Any] = dict(record.document)
    metadata = {**(document.get("metadata") or {}), "creationTimestamp": record.created_at, "resourceVersion": str(record.revision)}
    metadata.pop("namespace", None)
    status = {"state": record.state, "topologicalOrder": list((record.compiled or {}).get("topologicalOrder") or [])}
    return {**document, "apiVersion": RGD_KIND.api_version, "kind": RGD_KIND.kind, "metadata": metadata, "status": status}
