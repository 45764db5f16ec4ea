"""Kro's conditions while an instance is deleted, on the local cloud: an object held by another controller's
finalizer keeps the deletion going, and meanwhile the instance says so as Kro does (ResourcesReady and Ready
Unknown, UnderDeletion, "deleting resources"); once the finalizer goes, so does the instance."""

from __future__ import annotations

from typing import Any

from kroless_cli.localcloud.cloud import LocalCloud
from tests.e2e.reconcile.conftest import configmap_rgd, wait_until

# another controller's finalizer: deleting the object only marks it until that one lets go
RGD = configmap_rgd("Held", {"finalizers": ["example.com/hold"]}, {"a": "b"})


def test_a_deletion_in_progress_shows_kros_under_deletion_conditions(cloud: LocalCloud, namespace: str) -> None:
    k8s = cloud.kubernetes
    cloud.register(RGD)
    manifest = {"apiVersion": "kroless.dev/v1alpha1", "kind": "Held", "metadata": {"name": "h", "namespace": namespace}, "spec": {"name": "held"}}
    assert cloud.apply(manifest)["state"] == "ACTIVE"
    key = cloud._key(manifest)

    cloud.put("Instance Deleted", manifest)
    wait_until(lambda: (k8s.cluster.read("v1", "ConfigMap", "held", namespace) or {}).get("metadata", {}).get("deletionTimestamp"), what="the ConfigMap marked for deletion")
    record = cloud.store.get_instance(key)
    assert record is not None and record.state == "DELETING"
    conditions = {c["type"]: (c["status"], c["reason"], c["message"]) for c in record.conditions}
    assert conditions["ResourcesReady"] == ("Unknown", "UnderDeletion", "deleting resources")
    assert conditions["Ready"] == ("Unknown", "UnderDeletion", "deleting resources")
    assert {c["observedGeneration"] for c in record.conditions} == {record.generation}

    def release(obj: dict[str, Any]) -> None:
        obj["metadata"]["finalizers"] = []

    k8s.cluster.edit("v1", "ConfigMap", "held", namespace, change=release)
    wait_until(lambda: cloud.store.get_instance(key) is None, what="the instance gone once the object is")
    assert k8s.cluster.read("v1", "ConfigMap", "held", namespace) is None
