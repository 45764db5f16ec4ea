"""The Kubernetes API emulator, driven by the official client exactly as kroless drives a cluster."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError, UnprocessibleEntityError

from kroless_cli.localcloud.kubernetes import KubernetesEmulator

DELAY = 0.05


@pytest.fixture
def emulator() -> Iterator[KubernetesEmulator]:
    with KubernetesEmulator(ready_delay=DELAY) as k8s:
        yield k8s


@pytest.fixture
def dyn(emulator: KubernetesEmulator, tmp_path: Path) -> DynamicClient:
    configuration = client.Configuration()
    configuration.host = emulator.url
    return DynamicClient(client.ApiClient(configuration), cache_file=str(tmp_path / "discovery.json"))


def deployment(replicas: int = 2, **extra: Any) -> dict[str, Any]:
    container = {"name": "web", "image": "nginx:1.27", **extra}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}},
        },
    }


def test_discovery_lists_builtin_kinds_with_scope(dyn: DynamicClient) -> None:
    assert dyn.version["kubernetes"]["major"] == "1"
    cases = {
        ("v1", "Namespace"): False,
        ("v1", "ConfigMap"): True,
        ("v1", "Secret"): True,
        ("apps/v1", "Deployment"): True,
        ("batch/v1", "CronJob"): True,
        ("networking.k8s.io/v1", "Ingress"): True,
        ("rbac.authorization.k8s.io/v1", "ClusterRole"): False,
        ("policy/v1", "PodDisruptionBudget"): True,
        ("autoscaling/v2", "HorizontalPodAutoscaler"): True,
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): False,
    }
    for (api_version, kind), namespaced in cases.items():
        resource = dyn.resources.get(api_version=api_version, kind=kind)
        assert resource.namespaced is namespaced, kind
        assert "patch" in resource.verbs
    assert "status" in dyn.resources.get(api_version="apps/v1", kind="Deployment").subresources


def test_create_get_list_with_selectors(dyn: DynamicClient) -> None:
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    for name, tier in (("a", "front"), ("b", "back"), ("c", None)):
        labels = {"app": "shop", **({"tier": tier} if tier else {})}
        configmaps.create(body={"metadata": {"name": name, "labels": labels}, "data": {"k": name}}, namespace="default")
    created = configmaps.get(name="a", namespace="default")
    assert created.data.k == "a"
    assert created.metadata.uid and created.metadata.creationTimestamp
    assert isinstance(created.metadata.resourceVersion, str)

    def names(selector: str) -> list[str]:
        return [item.metadata.name for item in configmaps.get(namespace="default", label_selector=selector).items]

    assert names("app=shop") == ["a", "b", "c"]
    assert names("tier!=front") == ["b", "c"]
    assert names("tier in (front,back)") == ["a", "b"]
    assert names("tier notin (front)") == ["b", "c"]
    assert names("tier") == ["a", "b"]
    assert names("!tier") == ["c"]
    by_field = configmaps.get(namespace="default", field_selector="metadata.name=b").items
    assert [item.metadata.name for item in by_field] == ["b"]
    assert configmaps.get(namespace="kube-system").items == []

    with pytest.raises(ConflictError) as exists:
        configmaps.create(body={"metadata": {"name": "a"}}, namespace="default")
    assert "AlreadyExists" in str(exists.value.body)
    with pytest.raises(NotFoundError) as missing:
        configmaps.get(name="zzz", namespace="default")
    assert 'configmaps \\"zzz\\" not found' in str(missing.value.body)


def test_missing_name_is_invalid(dyn: DynamicClient) -> None:
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(UnprocessibleEntityError) as err:
        configmaps.create(body={"metadata": {}}, namespace="default")
    assert "metadata.name: Required value" in err.value.summary()


def test_resource_version_grows_and_generation_follows_spec(dyn: DynamicClient) -> None:
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    first = dyn.server_side_apply(deployments, body=deployment(2), field_manager="kroless")
    assert first.metadata.generation == 1
    labelled = deployment(2)
    labelled["metadata"]["labels"] = {"x": "y"}
    second = dyn.server_side_apply(deployments, body=labelled, field_manager="kroless")
    assert second.metadata.generation == 1  # metadata only
    assert int(second.metadata.resourceVersion) > int(first.metadata.resourceVersion)
    labelled["spec"]["replicas"] = 3
    third = dyn.server_side_apply(deployments, body=labelled, field_manager="kroless")
    assert third.metadata.generation == 2


def test_server_side_apply_removes_fields_the_manager_dropped(dyn: DynamicClient) -> None:
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment(2, env=[{"name": "MODE", "value": "fast"}])
    body["metadata"]["labels"] = {"keep": "1", "drop": "1"}
    dyn.server_side_apply(deployments, body=body, field_manager="kroless")
    # Another manager adds a label: dropping ours must not remove theirs.
    dyn.patch(deployments, body={"metadata": {"name": "web", "labels": {"theirs": "1"}}}, namespace="default", content_type="application/merge-patch+json", field_manager="other")
    body = deployment(2)
    body["metadata"]["labels"] = {"keep": "1"}
    applied = dyn.server_side_apply(deployments, body=body, field_manager="kroless")
    assert applied.metadata.labels.to_dict() == {"keep": "1", "theirs": "1"}
    assert "env" not in applied.spec.template.spec.containers[0].to_dict()
    managers = {m.manager: m.operation for m in applied.metadata.managedFields}
    assert managers == {"kroless": "Apply", "other": "Update"}


def test_apply_conflicts_with_another_manager_unless_forced(dyn: DynamicClient) -> None:
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    dyn.server_side_apply(deployments, body=deployment(2), field_manager="kroless")
    dyn.server_side_apply(deployments, body=deployment(2), field_manager="helm")  # same value: shared, no conflict
    with pytest.raises(ConflictError) as conflict:
        dyn.server_side_apply(deployments, body=deployment(5), field_manager="helm")
    assert 'conflict with "kroless"' in conflict.value.summary() and ".spec.replicas" in conflict.value.summary()
    forced = dyn.server_side_apply(deployments, body=deployment(5), field_manager="helm", force_conflicts=True)
    assert forced.spec.replicas == 5
    # kroless lost the field: its next non-forced apply now conflicts the other way round.
    with pytest.raises(ConflictError):
        dyn.server_side_apply(deployments, body=deployment(2), field_manager="kroless")


def test_deployment_becomes_available_after_the_delay(dyn: DynamicClient) -> None:
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    created = dyn.server_side_apply(deployments, body=deployment(3), field_manager="kroless")
    assert created.status.availableReplicas is None
    assert {c.type: c.status for c in created.status.conditions}["Available"] == "False"
    time.sleep(DELAY)
    ready = deployments.get(name="web", namespace="default")
    assert (ready.status.readyReplicas, ready.status.availableReplicas, ready.status.updatedReplicas) == (3, 3, 3)
    assert {c.type: c.status for c in ready.status.conditions}["Available"] == "True"
    assert int(ready.metadata.resourceVersion) > int(created.metadata.resourceVersion)
    # A spec change restarts the clock.
    changed = dyn.server_side_apply(deployments, body=deployment(4), field_manager="kroless")
    assert changed.status.availableReplicas is None and changed.status.observedGeneration == 2


def test_services_jobs_and_load_balancers(dyn: DynamicClient) -> None:
    services = dyn.resources.get(api_version="v1", kind="Service")
    plain = services.create(body={"metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}}, namespace="default")
    assert plain.spec.clusterIP.startswith("10.96.") and plain.spec.type == "ClusterIP"
    lb = services.create(body={"metadata": {"name": "front"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}, namespace="default")
    assert not lb.status.loadBalancer.ingress
    jobs = dyn.resources.get(api_version="batch/v1", kind="Job")
    job = {"metadata": {"name": "migrate"}, "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "x"}]}}}}
    assert jobs.create(body=job, namespace="default").status.succeeded is None
    time.sleep(DELAY)
    assert services.get(name="front", namespace="default").status.loadBalancer.ingress[0].hostname
    assert jobs.get(name="migrate", namespace="default").status.succeeded == 1


def test_crd_registers_a_servable_kind(dyn: DynamicClient) -> None:
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {"type": "object"}}, "subresources": {"status": {}}}],
        },
    }
    created = dyn.server_side_apply(crds, body=crd, field_manager="kroless")
    assert {c.type: c.status for c in created.status.conditions}["Established"] == "True"
    widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")  # discovery refreshes on a miss
    assert widgets.namespaced
    widget: dict[str, Any] = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "default"}, "spec": {"size": 1}}
    dyn.server_side_apply(widgets, body=widget, field_manager="kroless")
    widget["spec"]["size"] = 2
    updated = dyn.server_side_apply(widgets, body=widget, field_manager="kroless")
    assert updated.spec.size == 2 and updated.metadata.generation == 2
    assert [w.metadata.name for w in widgets.get(namespace="default").items] == ["w1"]
    widgets.delete(name="w1", namespace="default")
    with pytest.raises(NotFoundError):
        widgets.get(name="w1", namespace="default")
    crds.delete(name="widgets.example.com")
    assert dyn.request("GET", "/apis").groups and all(g["name"] != "example.com" for g in dyn.request("GET", "/apis").to_dict()["groups"])


def test_cluster_scoped_kinds(dyn: DynamicClient) -> None:
    roles = dyn.resources.get(api_version="rbac.authorization.k8s.io/v1", kind="ClusterRole")
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    created = dyn.server_side_apply(roles, body=role, field_manager="kroless")
    assert "namespace" not in created.metadata.to_dict()
    assert [r.metadata.name for r in roles.get().items] == ["reader"]


def test_namespace_deletion_deletes_its_objects(dyn: DynamicClient, emulator: KubernetesEmulator) -> None:
    namespaces = dyn.resources.get(api_version="v1", kind="Namespace")
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    namespaces.create(body={"metadata": {"name": "team"}})
    configmaps.create(body={"metadata": {"name": "c"}}, namespace="team")
    with pytest.raises(NotFoundError):
        configmaps.create(body={"metadata": {"name": "c"}}, namespace="nowhere")
    namespaces.delete(name="team")
    assert emulator.cluster.read("v1", "ConfigMap", "c", "team") is None
    assert emulator.cluster.read("v1", "Namespace", "team") is None


def test_finalizers_hold_deletion_until_removed(dyn: DynamicClient) -> None:
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    configmaps.create(body={"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}, namespace="default")
    configmaps.delete(name="held", namespace="default")
    assert configmaps.get(name="held", namespace="default").metadata.deletionTimestamp
    dyn.patch(configmaps, body={"metadata": {"name": "held", "finalizers": None}}, namespace="default", content_type="application/merge-patch+json")
    with pytest.raises(NotFoundError):
        configmaps.get(name="held", namespace="default")


def test_immutable_fields_are_invalid(dyn: DynamicClient) -> None:
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    dyn.server_side_apply(deployments, body=deployment(), field_manager="kroless")
    changed = deployment()
    changed["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(UnprocessibleEntityError) as err:
        dyn.server_side_apply(deployments, body=changed, field_manager="kroless")
    assert "spec.selector" in err.value.summary() and "field is immutable" in err.value.summary()


def test_out_of_band_edit_and_remove(dyn: DynamicClient, emulator: KubernetesEmulator) -> None:
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    dyn.server_side_apply(deployments, body=deployment(2), field_manager="kroless")
    emulator.cluster.edit("apps/v1", "Deployment", "web", "default", change=lambda o: o["spec"].update(replicas=7))
    drifted = deployments.get(name="web", namespace="default")
    assert drifted.spec.replicas == 7
    assert {m.manager for m in drifted.metadata.managedFields} == {"kroless", "kubectl-edit"}
    # kroless corrects drift by forcing its fields back.
    restored = dyn.server_side_apply(deployments, body=deployment(2), field_manager="kroless", force_conflicts=True)
    assert restored.spec.replicas == 2
    emulator.cluster.remove("apps/v1", "Deployment", "web", "default")
    with pytest.raises(NotFoundError):
        deployments.get(name="web", namespace="default")


def test_state_persists_across_emulators(tmp_path: Path) -> None:
    state = tmp_path / "k8s.json"
    with KubernetesEmulator(ready_delay=0, state_path=state) as first:
        first.cluster.apply(first.cluster.kind_for("v1", "ConfigMap"), "default", "c", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}, "kroless")
        before = first.cluster.read("v1", "ConfigMap", "c", "default")
    assert state.exists()
    with KubernetesEmulator(ready_delay=0, state_path=state) as second:
        after = second.cluster.read("v1", "ConfigMap", "c", "default")
        assert after == before
        # Field ownership survived: dropping the key through the same manager removes it.
        second.cluster.apply(second.cluster.kind_for("v1", "ConfigMap"), "default", "c", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"b": "2"}}, "kroless")
        assert second.cluster.read("v1", "ConfigMap", "c", "default")["data"] == {"b": "2"}


def test_put_and_patches(dyn: DynamicClient) -> None:
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    created = configmaps.create(body={"metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}}, namespace="default")
    merged = dyn.patch(configmaps, body={"metadata": {"name": "c"}, "data": {"a": None, "c": "3"}}, namespace="default", content_type="application/merge-patch+json")
    assert merged.data.to_dict() == {"b": "2", "c": "3"}
    strategic = dyn.patch(configmaps, body={"metadata": {"name": "c"}, "data": {"d": "4"}}, namespace="default")
    assert strategic.data.d == "4"
    stale = created.to_dict()
    stale["data"] = {"x": "y"}
    with pytest.raises(ConflictError, match="the object has been modified"):
        configmaps.replace(body=stale, namespace="default")
    fresh = configmaps.get(name="c", namespace="default").to_dict()
    fresh["data"] = {"x": "y"}
    assert configmaps.replace(body=fresh, namespace="default").data.to_dict() == {"x": "y"}
    configmaps.delete(namespace="default", field_selector="metadata.name=c")
    assert configmaps.get(namespace="default").items == []
