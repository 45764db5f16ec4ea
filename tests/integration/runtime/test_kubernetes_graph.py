"""Reconcile semantics on Kubernetes objects: order, readiness, includeWhen both ways, forEach with
pruning, externalRef, nested instances, status and conditions, deletion in reverse order."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kroless.errors import KrolessError
from kroless.store import InstanceKey, StateStore
from kroless_cli.control import ControlPlane
from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.conftest import EXAMPLES

WEBAPP = EXAMPLES / "webapp"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WEBAPP / name).read_text())


def objects(k8s: KubernetesEmulator, api_version: str, kind: str, namespace: str = "default") -> list[str]:
    found = [o for o in k8s.cluster.objects() if o["apiVersion"] == api_version and o["kind"] == kind]
    return sorted(o["metadata"]["name"] for o in found if o["metadata"].get("namespace") == namespace)


@pytest.fixture
def registered(control: ControlPlane, kubernetes: KubernetesEmulator) -> ControlPlane:
    control.register(load("cache-rgd.yaml"))
    control.register(load("webapp-rgd.yaml"))
    kubernetes.cluster.add(load("platform-config.yaml"))
    return control


def test_webapp_reconciles_to_active(registered: ControlPlane, kubernetes: KubernetesEmulator, store: StateStore) -> None:
    result = registered.apply(load("webapp.yaml"))
    assert result["state"] == "ACTIVE", result
    status = result["status"]
    assert status["url"] == "http://shop"
    assert status["cacheEndpoint"] == "redis://shop-cache:6379"
    assert status["workers"] == 2
    assert status["availableReplicas"] == 3
    ready = {c["type"]: c["status"] for c in status["conditions"]}
    assert ready == {"InstanceManaged": "True", "GraphResolved": "True", "ResourcesReady": "True", "Ready": "True"}

    deployments = objects(kubernetes, "apps/v1", "Deployment")
    assert deployments == ["shop", "shop-cache", "shop-worker-emails", "shop-worker-orders"]
    web = kubernetes.cluster.read("apps/v1", "Deployment", "shop", "default")
    assert web["metadata"]["labels"]["team"] == "storefront"  # read from the externalRef
    assert web["metadata"]["labels"]["kro.run/node-id"] == "web"
    env = web["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "CACHE_URL", "value": "redis://shop-cache:6379"} in env
    worker = kubernetes.cluster.read("apps/v1", "Deployment", "shop-worker-emails", "default")
    labels = worker["metadata"]["labels"]
    assert (labels["kro.run/node-id"], labels["kro.run/collection-index"], labels["kro.run/collection-size"]) == (
        "workers",
        "1",
        "2",
    )
    assert labels["kro.run/instance-kind"] == "WebApp" and labels["kro.run/instance-name"] == "shop"
    assert objects(kubernetes, "policy/v1", "PodDisruptionBudget") == ["shop"]  # replicas > 1
    assert objects(kubernetes, "networking.k8s.io/v1", "Ingress") == []  # ingress.enabled false

    # the nested Cache instance is an instance of its own, ACTIVE, with its own status
    cache = store.get_instance(InstanceKey("kroless.dev", "v1alpha1", "Cache", "default", "shop"))
    assert cache is not None and cache.state == "ACTIVE"
    assert cache.status["endpoint"] == "redis://shop-cache:6379"
    # the externalRef was read, never written
    assert "kro.run/owned" not in (kubernetes.cluster.read("v1", "ConfigMap", "platform-config", "default")["metadata"].get("labels") or {})


def test_update_prunes_collection_items_and_flips_include_when(
    registered: ControlPlane, kubernetes: KubernetesEmulator
) -> None:
    app = load("webapp.yaml")
    assert registered.apply(app)["state"] == "ACTIVE"
    changed = copy.deepcopy(app)
    changed["spec"]["queues"] = ["orders"]
    changed["spec"]["replicas"] = 1
    changed["spec"]["ingress"] = {"enabled": True, "host": "shop.example.com"}
    result = registered.apply(changed)
    assert result["state"] == "ACTIVE", result
    assert objects(kubernetes, "apps/v1", "Deployment") == ["shop", "shop-cache", "shop-worker-orders"]
    assert objects(kubernetes, "policy/v1", "PodDisruptionBudget") == []  # excluded now: pruned
    ingress = kubernetes.cluster.read("networking.k8s.io/v1", "Ingress", "shop", "default")
    assert ingress["spec"]["rules"][0]["host"] == "shop.example.com"


def test_missing_external_ref_waits_and_names_it(control: ControlPlane, kubernetes: KubernetesEmulator) -> None:
    control.register(load("cache-rgd.yaml"))
    control.register(load("webapp-rgd.yaml"))
    control.driver.node_timeout = 0.5
    result = control.apply(load("webapp.yaml"))
    assert result["state"] == "IN_PROGRESS"
    resources_ready = next(c for c in result["status"]["conditions"] if c["type"] == "ResourcesReady")
    assert resources_ready["status"] == "False"
    assert resources_ready["message"].startswith("waiting for: platform")
    # what does not need the missing ConfigMap goes ahead (the DAG, not its levels); `web` waits
    assert objects(kubernetes, "apps/v1", "Deployment") == ["shop-cache", "shop-worker-emails", "shop-worker-orders"]


def test_delete_removes_everything_in_reverse_order(
    registered: ControlPlane, kubernetes: KubernetesEmulator, store: StateStore
) -> None:
    app = load("webapp.yaml")
    assert registered.apply(app)["state"] == "ACTIVE"
    result = registered.delete(app)
    assert result == {"state": "DELETED"}
    for api_version, kind in (("apps/v1", "Deployment"), ("v1", "Service"), ("policy/v1", "PodDisruptionBudget")):
        assert objects(kubernetes, api_version, kind) == []
    assert objects(kubernetes, "v1", "ConfigMap") == ["platform-config"]  # the externalRef stays
    assert store.list_instances() == []
    order = [o.node for o in registered.driver.outcomes if o.state == "DELETED"]
    # dependents before their dependencies: budget/service before web, web/workers before cache
    assert order.index("web") > order.index("service") and order.index("web") > order.index("budget")
    assert order.index("cache") > order.index("web") and order.index("cache") > order.index("workers")


def test_invalid_instance_is_refused_before_anything_is_made(
    registered: ControlPlane, kubernetes: KubernetesEmulator, store: StateStore
) -> None:
    app = load("webapp.yaml")
    app["spec"]["replicas"] = 0
    with pytest.raises(KrolessError, match="spec.replicas"):
        registered.apply(app)
    assert store.list_instances() == []
    assert objects(kubernetes, "apps/v1", "Deployment") == []


def test_rgd_with_live_instances_cannot_be_unregistered(registered: ControlPlane) -> None:
    assert registered.apply(load("webapp.yaml"))["state"] == "ACTIVE"
    with pytest.raises(KrolessError, match="still has 1 instance"):
        registered.unregister("webapp.kroless.dev")
