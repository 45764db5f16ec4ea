"""Reconcile semantics on Kubernetes objects, run by the generated state machine on the local cloud: order,
readiness, includeWhen both ways, forEach with pruning, externalRef, nested instances, status and conditions,
deletion in reverse order; and what the control plane refuses (an invalid instance, removing an RGD in use)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from kroless.runtime.status import project_status
from kroless.services import services
from kroless.store import InstanceKey
from kroless_cli.localcloud.cloud import LocalCloud
from tests.conftest import EXAMPLES
from tests.e2e.reconcile.conftest import ControllerEvents, new_namespace, objects, wait_until

WEBAPP = EXAMPLES / "webapp"
RGD = "webapp.kroless.dev"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WEBAPP / name).read_text())


def webapp(namespace: str) -> dict[str, Any]:
    """examples/webapp/webapp.yaml in ``namespace``: WebApp "shop", 3 replicas, queues orders and emails."""
    manifest = load("webapp.yaml")
    manifest["metadata"]["namespace"] = namespace
    return manifest


def key(namespace: str, kind: str = "WebApp", name: str = "shop") -> InstanceKey:
    return InstanceKey("kroless.dev", "v1alpha1", kind, namespace, name)


@pytest.fixture(scope="module")
def rgds(cloud: LocalCloud) -> LocalCloud:
    cloud.register(load("cache-rgd.yaml"))
    cloud.register(load("webapp-rgd.yaml"))
    return cloud


def add_platform_config(cloud: LocalCloud, namespace: str) -> None:
    """The ConfigMap the platform team owns, which the webapp's externalRef reads."""
    platform = load("platform-config.yaml")
    platform["metadata"]["namespace"] = namespace
    cloud.kubernetes.cluster.add(platform)


@pytest.fixture
def registered(rgds: LocalCloud, namespace: str) -> LocalCloud:
    """The webapp and cache RGDs registered, and the platform team's ConfigMap in the test's namespace."""
    add_platform_config(rgds, namespace)
    return rgds


@pytest.fixture(scope="module")
def shop(rgds: LocalCloud) -> tuple[str, dict[str, Any]]:
    """examples/webapp applied once in a namespace of its own: (namespace, the apply's result). The tests that
    use it only read it."""
    namespace = new_namespace(rgds, "shop")
    add_platform_config(rgds, namespace)
    return namespace, rgds.apply(webapp(namespace))


def test_webapp_reconciles_to_active(rgds: LocalCloud, shop: tuple[str, dict[str, Any]]) -> None:
    cloud, k8s = rgds, rgds.kubernetes
    namespace, result = shop
    assert result["state"] == "ACTIVE", result
    status = result["status"]
    assert status["url"] == "http://shop"
    assert status["cacheEndpoint"] == "redis://shop-cache:6379"
    assert status["workers"] == 2
    assert status["availableReplicas"] == 3
    ready = {c["type"]: c["status"] for c in status["conditions"]}
    assert ready == {"InstanceManaged": "True", "GraphResolved": "True", "ResourcesReady": "True", "Ready": "True"}

    deployments = objects(k8s, "apps/v1", "Deployment", namespace)
    assert deployments == ["shop", "shop-cache", "shop-worker-emails", "shop-worker-orders"]
    web = k8s.cluster.read("apps/v1", "Deployment", "shop", namespace)
    assert web["metadata"]["labels"]["team"] == "storefront"  # read from the externalRef
    assert web["metadata"]["labels"]["kro.run/node-id"] == "web"
    env = web["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "CACHE_URL", "value": "redis://shop-cache:6379"} in env
    worker = k8s.cluster.read("apps/v1", "Deployment", "shop-worker-emails", namespace)
    labels = worker["metadata"]["labels"]
    assert (labels["kro.run/node-id"], labels["kro.run/collection-index"], labels["kro.run/collection-size"]) == (
        "workers",
        "1",
        "2",
    )
    assert labels["kro.run/instance-kind"] == "WebApp" and labels["kro.run/instance-name"] == "shop"
    assert objects(k8s, "policy/v1", "PodDisruptionBudget", namespace) == ["shop"]  # replicas > 1
    assert objects(k8s, "networking.k8s.io/v1", "Ingress", namespace) == []  # ingress.enabled false

    # the nested Cache instance is an instance of its own, ACTIVE, with its own status
    cache = cloud.store.get_instance(key(namespace, "Cache"))
    assert cache is not None and cache.state == "ACTIVE"
    assert cache.status["endpoint"] == "redis://shop-cache:6379"
    # the externalRef was read, never written
    platform = k8s.cluster.read("v1", "ConfigMap", "platform-config", namespace)
    assert "kro.run/owned" not in (platform["metadata"].get("labels") or {})


def test_update_prunes_collection_items_and_flips_include_when(registered: LocalCloud, namespace: str) -> None:
    cloud, k8s = registered, registered.kubernetes
    app = webapp(namespace)
    assert cloud.apply(app)["state"] == "ACTIVE"
    changed = copy.deepcopy(app)
    changed["spec"]["queues"] = ["orders"]
    changed["spec"]["replicas"] = 1
    changed["spec"]["ingress"] = {"enabled": True, "host": "shop.example.com"}
    result = cloud.apply(changed)
    assert result["state"] == "ACTIVE", result
    assert cloud.store.get_instance(key(namespace)).generation == 2  # type: ignore[union-attr]
    assert objects(k8s, "apps/v1", "Deployment", namespace) == ["shop", "shop-cache", "shop-worker-orders"]
    assert objects(k8s, "policy/v1", "PodDisruptionBudget", namespace) == []  # excluded now: pruned
    ingress = k8s.cluster.read("networking.k8s.io/v1", "Ingress", "shop", namespace)
    assert ingress["spec"]["rules"][0]["host"] == "shop.example.com"


def test_missing_external_ref_waits_and_names_it(rgds: LocalCloud, namespace: str) -> None:
    """No platform-config in the namespace: what does not need it goes ahead (the DAG, not its levels), `web`
    and what follows it wait, the instance stays IN_PROGRESS naming `platform` as the resource it waits for,
    and the wait ends by itself once the ConfigMap appears."""
    cloud, k8s = rgds, rgds.kubernetes
    instance = key(namespace)
    cloud.put("Instance Applied", webapp(namespace))

    def waiting() -> bool:
        nodes = {n.node_id: n.state for n in cloud.store.get_nodes(instance) if n.index is None}
        return nodes.get("cache") == "SYNCED" and nodes.get("workers") == "SYNCED" and nodes.get("platform") == "WAITING_FOR_READINESS"

    wait_until(waiting, what="cache and workers ready while platform waits")
    record = cloud.store.get_instance(instance)
    assert record is not None and record.state == "IN_PROGRESS" and record.observed_generation is None
    nodes = {n.node_id: n.state for n in cloud.store.get_nodes(instance) if n.index is None}
    assert nodes["platform"] == "WAITING_FOR_READINESS"  # named: what `kroless describe` lists as waiting
    assert not {"web", "service", "budget", "ingress"} & set(nodes)  # never started: they need platform
    assert objects(k8s, "apps/v1", "Deployment", namespace) == ["shop-cache", "shop-worker-emails", "shop-worker-orders"]
    # The status projected from what the reconcile tasks recorded: what the instance reports if the execution
    # stops waiting (after the node's 30-minute timeout, through "Record failure"; what that writes as the
    # instance's state is issue 13's, so only the projection is asserted here).
    state = services().reconciler.load(instance, 1)
    assert state is not None
    projected, _, conditions, _ = project_status(state, 1)
    assert projected == "IN_PROGRESS"
    resources_ready = next(c for c in conditions if c["type"] == "ResourcesReady")
    assert resources_ready["status"] == "False"
    assert resources_ready["message"].startswith('awaiting resource readiness: waiting for external reference "platform"')
    # Kro's conditions are on the instance while it waits (the waiting node's task writes them), the
    # generation not yet observed
    expected = (
        'awaiting resource readiness: waiting for external reference "platform": configmaps "platform-config" not found'
    )

    def ready_message() -> str:
        record = cloud.store.get_instance(instance)
        return next((c["message"] for c in record.conditions if c["type"] == "Ready"), "") if record else ""

    wait_until(lambda: ready_message() == expected, what="the instance's Ready condition naming platform")
    record = cloud.store.get_instance(instance)
    assert record is not None and record.observed_generation is None
    stored = {c["type"]: (c["status"], c["reason"]) for c in record.conditions}
    assert stored == {
        "InstanceManaged": ("True", "Managed"),
        "GraphResolved": ("True", "Resolved"),
        "ResourcesReady": ("False", "NotReady"),
        "Ready": ("False", "NotReady"),
    }


    add_platform_config(cloud, namespace)  # the platform team creates it: the same execution goes on
    wait_until(lambda: (r := cloud.store.get_instance(instance)) and r.state == "ACTIVE" and r, what="ACTIVE")
    record = cloud.store.get_instance(instance)
    assert record is not None and record.generation == record.observed_generation == 1
    assert objects(k8s, "apps/v1", "Deployment", namespace) == ["shop", "shop-cache", "shop-worker-emails", "shop-worker-orders"]


FINALIZER = "service.kubernetes.io/load-balancer-cleanup"


@pytest.fixture
def api_log(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, str]]]:
    """Every GET and DELETE of one object the Kubernetes API serves, in order: (verb, kind, "namespace/name");
    the test adds its own steps to it."""
    cluster = cloud.kubernetes.cluster
    get, delete = cluster.get, cluster.delete
    log: list[tuple[str, str, str]] = []

    def getting(kind: Any, namespace: str | None, name: str) -> Any:
        log.append(("GET", kind.kind, f"{namespace}/{name}"))
        return get(kind, namespace, name)

    def deleting(kind: Any, namespace: str | None, name: str, **options: Any) -> Any:
        log.append(("DELETE", kind.kind, f"{namespace}/{name}"))
        return delete(kind, namespace, name, **options)

    monkeypatch.setattr(cluster, "get", getting)
    monkeypatch.setattr(cluster, "delete", deleting)
    yield log


def test_delete_removes_everything_in_reverse_order(
    registered: LocalCloud, namespace: str, api_log: list[tuple[str, str, str]]
) -> None:
    """A resource is deleted only once everything that depends on it is gone: here the Service in front of
    `web` terminates slowly (a load balancer controller's finalizer), and the Deployment waits for it."""
    cloud, k8s = registered, registered.kubernetes
    app = webapp(namespace)
    assert cloud.apply(app)["state"] == "ACTIVE"

    def hold(service: dict[str, Any]) -> None:
        service["metadata"]["finalizers"] = [FINALIZER]

    def release(service: dict[str, Any]) -> None:
        service["metadata"]["finalizers"] = []

    k8s.cluster.edit("v1", "Service", "shop", namespace, change=hold, manager="load-balancer-controller")
    cloud.put("Instance Deleted", app)
    service = ("Service", f"{namespace}/shop")

    def rechecked() -> bool:
        """kroless asked for the Service's deletion and has since read it three times: it waits for it to go."""
        deleted = next((i for i, (verb, *what) in enumerate(api_log) if verb == "DELETE" and tuple(what) == service), None)
        return deleted is not None and sum(1 for verb, *what in api_log[deleted:] if verb == "GET" and tuple(what) == service) >= 3

    wait_until(rechecked, what="kroless to wait for the terminating Service")
    terminating = k8s.cluster.read("v1", "Service", "shop", namespace)
    assert terminating is not None and terminating["metadata"].get("deletionTimestamp")
    assert k8s.cluster.read("apps/v1", "Deployment", "shop", namespace) is not None  # web waits for its Service
    api_log.append(("RELEASED", "Service", f"{namespace}/shop"))
    k8s.cluster.edit("v1", "Service", "shop", namespace, change=release, manager="load-balancer-controller")
    wait_until(lambda: cloud.store.get_instance(key(namespace)) is None, what="the instance to be gone")

    for api_version, kind in (("apps/v1", "Deployment"), ("v1", "Service"), ("policy/v1", "PodDisruptionBudget")):
        assert objects(k8s, api_version, kind, namespace) == []
    assert objects(k8s, "v1", "ConfigMap", namespace) == ["platform-config"]  # the externalRef stays
    assert [i.key for i in cloud.store.list_instances() if i.key.namespace == namespace] == []  # the nested Cache too

    # The order of the first DELETE of each object (without finalizers, an object goes at its first DELETE)
    order = list(dict.fromkeys((verb, kind, name.split("/")[1]) for verb, kind, name in api_log if verb != "GET" and name.startswith(f"{namespace}/")))
    assert ("DELETE", "ConfigMap", "platform-config") not in order

    def position(kind: str, name: str, verb: str = "DELETE") -> int:
        return order.index((verb, kind, name))

    web = position("Deployment", "shop")
    # dependents before their dependencies: budget/service before web, web/workers before the cache's objects
    assert web > position("Service", "shop", "RELEASED") and web > position("PodDisruptionBudget", "shop")
    cache = min(position("Deployment", "shop-cache"), position("Service", "shop-cache"))
    assert cache > web and cache > position("Deployment", "shop-worker-orders") and cache > position("Deployment", "shop-worker-emails")


def test_invalid_instance_is_refused_before_anything_is_made(
    registered: LocalCloud, namespace: str, controller_events: ControllerEvents
) -> None:
    cloud, k8s = registered, registered.kubernetes
    app = webapp(namespace)
    app["spec"]["replicas"] = 0
    assert cloud.apply(app)["state"] == "NOT_ADMITTED"
    failed = controller_events.wait(
        lambda e: e["detail-type"] == "Instance Failed" and e["detail"]["instance"].get("namespace") == namespace
    )
    assert "spec.replicas" in failed["detail"]["error"]
    assert [i.key for i in cloud.store.list_instances() if i.key.namespace == namespace] == []
    assert objects(k8s, "apps/v1", "Deployment", namespace) == []


def test_rgd_with_live_instances_cannot_be_unregistered(rgds: LocalCloud, shop: tuple[str, dict[str, Any]]) -> None:
    cloud = rgds
    namespace, _ = shop
    assert cloud.store.get_instance(key(namespace)).state == "ACTIVE"  # type: ignore[union-attr]
    live = len(cloud.store.list_instances(RGD))
    errors = len(cloud.aws.async_errors)
    rgd = {"apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition", "metadata": {"name": RGD}}
    cloud.put("ResourceGraphDefinition Deleted", rgd)
    cloud.settle()
    # the compile function refuses (its error is what the local cloud keeps of a failed asynchronous invocation)
    refusals = [e for e in cloud.aws.async_errors[errors:] if RGD in e]
    assert len(refusals) == 1 and f"still has {live} instance" in refusals[0], cloud.aws.async_errors[errors:]
    assert cloud.store.get_rgd(RGD) is not None
    machine = cloud.client("stepfunctions").describe_state_machine(stateMachineArn=services().state_machine_arn(RGD))
    assert machine["status"] == "ACTIVE"
