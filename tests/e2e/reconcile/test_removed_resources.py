"""A resource removed from an RGD goes from each live instance when the new version rolls out, as Kro prunes what
its ApplySet holds beyond the graph; its deletionPolicy (Kro's Detach) and kroless's Retain decide how. On the
local cloud: the RGD registered through the bus, the rollout and the instance's deletion done by the deployed
functions and the generated state machine."""

from __future__ import annotations

from typing import Any

from kroless_cli.localcloud.cloud import LocalCloud
from tests.e2e.reconcile.conftest import objects, wait_until

KRO_KEYS = ("kro.run/", "internal.kro.run/")


def kro_metadata(obj: dict[str, Any]) -> list[str]:
    """The labels and annotations of Kro's an object carries (what releasing it strips)."""
    metadata = obj["metadata"]
    return [k for field in ("labels", "annotations") for k in metadata.get(field) or {} if k.startswith(KRO_KEYS)]


def configmap(suffix: str, **fields: Any) -> dict[str, Any]:
    """A resource ``<suffix>``: a ConfigMap ``<spec.name>-<suffix>`` labelled by its author."""
    metadata = {"name": "${schema.spec.name}-" + suffix, "labels": {"team": "web"}}
    metadata.update(fields.pop("metadata", {}))
    template = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"part": suffix}}
    return {"id": suffix, "template": template, **fields}


def shop_rgd(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": "shop.kroless.dev"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "Shop", "group": "kroless.dev", "spec": {"name": "string"}},
            "resources": list(resources),
        },
    }


KEPT = configmap("kept")
DROPPED = configmap("dropped")
DETACHED = configmap("detached", deletionPolicy="Detach")
RETAINED = configmap("retained", metadata={"annotations": {"kroless.dev/deletion-policy": "Retain"}})


def test_a_resource_removed_from_the_rgd_goes_from_the_live_instance(cloud: LocalCloud, namespace: str) -> None:
    k8s = cloud.kubernetes.cluster

    def read(suffix: str) -> dict[str, Any] | None:
        return k8s.read("v1", "ConfigMap", f"acme-{suffix}", namespace)

    cloud.register(shop_rgd(KEPT, DROPPED, DETACHED, RETAINED))
    instance = {"apiVersion": "kroless.dev/v1alpha1", "kind": "Shop", "metadata": {"name": "acme", "namespace": namespace}, "spec": {"name": "acme"}}
    assert cloud.apply(instance)["state"] == "ACTIVE"
    names = ["acme-detached", "acme-dropped", "acme-kept", "acme-retained"]
    assert objects(cloud.kubernetes, "v1", "ConfigMap", namespace) == names
    detached = read("detached")
    assert detached is not None and detached["metadata"]["annotations"]["kro.run/deletion-policy"] == "Detach"
    kept_before = read("kept")
    assert kept_before is not None

    key = next(i.key for i in cloud.store.list_instances("shop.kroless.dev") if i.key.namespace == namespace)

    def rolled_out() -> bool:
        record = cloud.store.get_instance(key)
        return record is not None and record.generation == 2 and record.observed_generation == 2 and record.state == "ACTIVE"

    cloud.register(shop_rgd(KEPT))  # version 2: the instance itself is not applied again
    wait_until(rolled_out, what="the rollout's reconcile ACTIVE (pruning comes before ACTIVE is written)")
    assert read("dropped") is None, "the dropped resource's ConfigMap deleted"

    kept = read("kept")
    assert kept is not None and kept["metadata"]["uid"] == kept_before["metadata"]["uid"] and kept["data"] == {"part": "kept"}
    released = read("detached")
    assert released is not None
    assert released["metadata"]["labels"] == {"team": "web"}, "Kro's labels stripped, the author's kept"
    assert not kro_metadata(released) and not released["metadata"].get("annotations")
    retained = read("retained")
    assert retained is not None and retained["metadata"]["labels"]["kro.run/instance-name"] == "acme", "Retain: as it was"
    assert {n.node_id for n in cloud.store.get_nodes(key)} == {"kept"}, "the removed resources' records went too"

    assert cloud.delete(instance)["state"] == "DELETED"
    assert objects(cloud.kubernetes, "v1", "ConfigMap", namespace) == ["acme-detached", "acme-retained"]


def test_deleting_an_instance_deletes_a_delete_resource_and_releases_a_detach_one(cloud: LocalCloud, namespace: str) -> None:
    """check-deletion-policy (Kro's chainsaw) with Retain beside it, all three in one instance."""
    rgd = shop_rgd(KEPT, DETACHED, RETAINED)
    rgd["metadata"]["name"] = "stall.kroless.dev"
    rgd["spec"]["schema"]["kind"] = "Stall"
    cloud.register(rgd)
    instance = {"apiVersion": "kroless.dev/v1alpha1", "kind": "Stall", "metadata": {"name": "acme", "namespace": namespace}, "spec": {"name": "acme"}}
    assert cloud.apply(instance)["state"] == "ACTIVE"

    assert cloud.delete(instance)["state"] == "DELETED"
    k8s = cloud.kubernetes.cluster
    assert objects(cloud.kubernetes, "v1", "ConfigMap", namespace) == ["acme-detached", "acme-retained"]
    released = k8s.read("v1", "ConfigMap", "acme-detached", namespace)
    assert released["metadata"]["labels"] == {"team": "web"} and not released["metadata"].get("annotations")
    retained = k8s.read("v1", "ConfigMap", "acme-retained", namespace)
    assert retained["metadata"]["labels"]["kro.run/owned"] == "true"
