"""Instances and RGDs as Kro's API server would serve them (``kroless get -o yaml``, ``describe``): the
metadata Kro and the API server add (uid, generation, creationTimestamp, Kro's finalizer and labels) and, for
an RGD, Kro's status (conditions, topologicalOrder, resources, lastIssuedRevision).

kroless keeps instances and RGDs in its state table, not in a cluster, so these are views of the records.
"""

from __future__ import annotations

from typing import Any

from kroless.providers.kubernetes.labels import KRO_VERSION, KRO_VERSION_LABEL, OWNED
from kroless.store import InstanceRecord, RgdRecord, RgdRejection

FINALIZER = "kro.run/finalizer"  # Kro's pkg/metadata/finalizers.go, on RGDs and instances
RGD_ID = "kro.run/resource-graph-definition-id"
RGD_NAME = "kro.run/resource-graph-definition-name"


def instance_object(record: InstanceRecord, rgd: RgdRecord | None) -> dict[str, Any]:
    """The instance with Kro's finalizer and instance labels (pkg/metadata/labels.go: NewKROMetaLabeler and
    NewResourceGraphDefinitionLabeler) and the status kroless wrote."""
    served = record.as_object()
    metadata = dict(served["metadata"])
    labels = {**(metadata.get("labels") or {}), OWNED: "true", KRO_VERSION_LABEL: KRO_VERSION}
    if rgd is not None:
        labels |= {RGD_ID: rgd.uid, RGD_NAME: rgd.name}
    metadata["labels"] = labels
    metadata["finalizers"] = [FINALIZER]
    return {**served, "metadata": metadata, "status": {**record.status, "state": record.state}}


def _condition(kind: str, ok: bool, reason: str, message: str, record: RgdRecord, when: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": when,
        "observedGeneration": record.revision,
    }


def rgd_conditions(record: RgdRecord, rejection: RgdRejection | None) -> list[dict[str, Any]]:
    """Kro's RGD conditions (pkg/controller/resourcegraphdefinition/controller_status.go). A rejected newer
    document makes GraphAccepted False (InvalidResourceGraph, with why); the registered one still serves."""
    kind = record.document["spec"]["schema"]["kind"]
    rejected = rejection is not None and rejection.content_hash != record.content_hash
    if rejected:
        assert rejection is not None
        accepted = _condition("GraphAccepted", False, "InvalidResourceGraph", rejection.reason, record, rejection.rejected_at)
    else:
        accepted = _condition("GraphAccepted", True, "Valid", "resource graph and schema are valid", record, record.updated_at)
    conditions = [
        accepted,
        _condition("KindReady", True, "Ready", f"kind {kind} has been accepted and ready", record, record.created_at),
        # kroless's "controller" for an RGD is its state machine, created or updated before the RGD is stored
        _condition("ControllerReady", True, "Running", "controller is running", record, record.updated_at),
    ]
    unhealthy = [c for c in conditions if c["status"] != "True"]
    if unhealthy:  # the root copies its unhealthy dependent, as Kro's condition set does
        first = unhealthy[0]
        ready = {**first, "type": "Ready"}
    else:
        ready = _condition("Ready", True, "Ready", "", record, record.updated_at)
    return [*conditions, ready]


def rgd_object(record: RgdRecord, rejection: RgdRejection | None = None) -> dict[str, Any]:
    """The RGD with Kro's metadata and status."""
    document = record.document
    conditions = rgd_conditions(record, rejection)
    ready = conditions[-1]["status"] == "True"
    metadata = {
        **(document.get("metadata") or {}),
        "uid": record.uid,
        "generation": record.revision,
        "creationTimestamp": record.created_at,
        "finalizers": [FINALIZER],
    }
    compiled = record.compiled
    status = {
        "state": "Active" if ready and record.state == "Active" else "Inactive",
        "conditions": conditions,
        "topologicalOrder": compiled.get("topologicalOrder", []),
        "resources": [
            {"id": r["id"], "dependencies": [{"id": d} for d in r.get("dependencies", [])]}
            for r in compiled.get("resources", [])
        ],
        "lastIssuedRevision": record.revision,
    }
    return {**document, "metadata": metadata, "status": status}
