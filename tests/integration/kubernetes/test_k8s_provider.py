"""KubernetesProvider against the emulator: Kro labels, namespace defaulting, ownership, CRDs, delete."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from kroless.providers.base import ConflictError, ImmutableFieldError, NotReadyError, Ownership, ProviderError
from kroless.providers.kubernetes import KubernetesProvider
from kroless_cli.localcloud.kubernetes import KubernetesEmulator

DELAY = 0.05
OWNER = Ownership("team/web", "config")


@pytest.fixture
def emulator() -> Iterator[KubernetesEmulator]:
    with KubernetesEmulator(ready_delay=DELAY) as k8s:
        k8s.cluster.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
        yield k8s


@pytest.fixture
def provider(emulator: KubernetesEmulator) -> KubernetesProvider:
    return KubernetesProvider.from_host(emulator.url, poll_interval=0.01, crd_timeout=2)


def configmap(name: str = "settings", **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}, "data": {"mode": "fast"}}


def test_namespace_defaulting_and_kro_labels(provider: KubernetesProvider) -> None:
    observed = provider.apply(configmap(labels={"app": "web"}), OWNER)
    assert observed["metadata"]["namespace"] == "team"
    assert observed["metadata"]["labels"] == {
        "app": "web",
        "kro.run/owned": "true",
        "kro.run/kro-version": "kroless",
        "kro.run/instance-name": "web",
        "kro.run/instance-namespace": "team",
        "kro.run/node-id": "config",
        "app.kubernetes.io/managed-by": "kroless",
    }
    assert [m["manager"] for m in observed["metadata"]["managedFields"]] == ["kroless"]
    assert provider.read(configmap(namespace="team")) == observed
    assert provider.read(configmap(), namespace="team") == observed
    explicit = provider.apply(configmap("elsewhere", namespace="default"), OWNER)
    assert explicit["metadata"]["namespace"] == "default"


def test_cluster_scoped_kinds_take_no_namespace(provider: KubernetesProvider) -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "web-reader", "namespace": "ignored"}, "rules": []}
    observed = provider.apply(role, OWNER)
    assert "namespace" not in observed["metadata"]
    assert "kro.run/instance-namespace" in observed["metadata"]["labels"]
    cluster_owner = Ownership("global", "ns")
    namespace = provider.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}, cluster_owner)
    assert "kro.run/instance-namespace" not in namespace["metadata"]["labels"]
    with pytest.raises(ProviderError, match="must resolve metadata.namespace when the instance is cluster-scoped"):
        provider.apply(configmap(), cluster_owner)


def test_update_removes_dropped_fields_and_restores_drift(provider: KubernetesProvider, emulator: KubernetesEmulator) -> None:
    manifest = configmap()
    manifest["data"] = {"a": "1", "b": "2"}
    provider.apply(manifest, OWNER)
    emulator.cluster.edit("v1", "ConfigMap", "settings", "team", change=lambda o: o["data"].update(a="drifted"))
    manifest["data"] = {"a": "1"}
    observed = provider.apply(manifest, OWNER)
    assert observed["data"] == {"a": "1"}


def test_object_of_another_instance_conflicts_until_adopted(provider: KubernetesProvider) -> None:
    provider.apply(configmap(), Ownership("team/other", "config"))
    with pytest.raises(ConflictError, match=r"ConfigMap team/settings already exists and belongs to instance team/other"):
        provider.apply(configmap(), OWNER)
    adopted = provider.apply(configmap(annotations={"kroless.dev/adopt": "true"}), OWNER)
    assert adopted["metadata"]["labels"]["kro.run/instance-name"] == "web"
    assert provider.apply(configmap(), OWNER)["metadata"]["labels"]["kro.run/instance-name"] == "web"


def test_unlabelled_object_conflicts_unless_adopt(provider: KubernetesProvider, emulator: KubernetesEmulator) -> None:
    emulator.cluster.add(configmap(namespace="team"))
    with pytest.raises(ConflictError, match="not created by kroless"):
        provider.apply(configmap(), OWNER)
    assert provider.apply(configmap(), OWNER, adopt=True)["metadata"]["labels"]["kro.run/owned"] == "true"


def test_deployment_readiness_is_observed(provider: KubernetesProvider) -> None:
    manifest: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
    }
    observed = provider.apply(manifest, OWNER)
    assert "availableReplicas" not in observed["status"]
    time.sleep(DELAY)
    assert provider.read(manifest, namespace="team")["status"]["availableReplicas"] == 2
    manifest["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(ImmutableFieldError, match="Deployment team/web: .*spec.selector"):
        provider.apply(manifest, OWNER)


def test_crd_then_custom_resources(emulator: KubernetesEmulator) -> None:
    emulator.cluster.crd_delay = DELAY  # the provider must wait for Established
    provider = KubernetesProvider.from_host(emulator.url, poll_interval=0.01, crd_timeout=2)
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "caches.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"kind": "Cache", "plural": "caches", "singular": "cache"},
            "versions": [{"name": "v1alpha1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}],
        },
    }
    with pytest.raises(ProviderError, match="does not serve kind Cache"):
        provider.apply({"apiVersion": "example.com/v1alpha1", "kind": "Cache", "metadata": {"name": "c"}}, OWNER)
    started = time.monotonic()
    established = provider.apply(crd, OWNER)
    assert time.monotonic() - started >= DELAY * 0.9
    assert any(c["type"] == "Established" and c["status"] == "True" for c in established["status"]["conditions"])
    cache = {"apiVersion": "example.com/v1alpha1", "kind": "Cache", "metadata": {"name": "c"}, "spec": {"size": "small"}}
    observed = provider.apply(cache, OWNER)
    assert observed["metadata"]["namespace"] == "team" and observed["spec"] == {"size": "small"}
    assert provider.delete(crd) is True
    assert provider.delete(cache, namespace="team") is True  # its kind went with the CRD


def test_delete(provider: KubernetesProvider, emulator: KubernetesEmulator) -> None:
    provider.apply(configmap(), OWNER)
    manifest = configmap(namespace="team")
    assert provider.delete(manifest) is True
    assert provider.read(manifest) is None
    assert provider.delete(manifest) is True  # already gone
    held = configmap("held", namespace="team", finalizers=["example.com/hold"])
    provider.apply(held, OWNER)
    assert provider.delete(held) is False  # a finalizer holds it
    emulator.cluster.edit("v1", "ConfigMap", "held", "team", change=lambda o: o["metadata"].pop("finalizers"))
    assert provider.delete(held) is True


def test_release_strips_kros_labels_and_annotations_only(provider: KubernetesProvider, emulator: KubernetesEmulator) -> None:
    """Kro's deletionPolicy Detach (pkg/metadata/release.go): the object stays with its author's metadata."""
    annotations = {"kro.run/deletion-policy": "Detach", "note": "mine", "kroless.dev/adopt": "true"}
    manifest = configmap("kept", namespace="team", labels={"app": "web"}, annotations=annotations)
    provider.apply(manifest, OWNER)

    provider.release(manifest, OWNER)
    released = provider.read(manifest)
    assert released is not None and released["data"] == {"mode": "fast"}
    assert released["metadata"]["labels"] == {"app": "web"}
    assert released["metadata"]["annotations"] == {"note": "mine", "kroless.dev/adopt": "true"}
    provider.release(manifest, OWNER)  # nothing of Kro's left: no change, no error
    provider.release(configmap("missing", namespace="team"), OWNER)  # gone: nothing to do

    # a managed-by another tool set is not kroless's to strip
    labels = {"app.kubernetes.io/managed-by": "helm", "kro.run/owned": "true"}
    emulator.cluster.add(configmap("other", namespace="team", labels=labels))
    provider.release(configmap("other", namespace="team"))
    assert provider.read(configmap("other", namespace="team"))["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "helm"}

    # an object another instance adopted since is that instance's: left as it is
    provider.apply(configmap("shared", namespace="team", annotations={"kroless.dev/adopt": "true"}), Ownership("team/other", "config"))
    provider.release(configmap("shared", namespace="team"), OWNER)
    assert provider.read(configmap("shared", namespace="team"))["metadata"]["labels"]["kro.run/instance-name"] == "other"


def test_delete_leaves_an_object_another_instance_adopted(provider: KubernetesProvider) -> None:
    provider.apply(configmap(), OWNER)
    provider.apply(configmap(annotations={"kroless.dev/adopt": "true"}), Ownership("team/other", "config"))
    manifest = configmap(namespace="team")
    assert provider.delete(manifest, OWNER) is True  # not this instance's any more: counts as gone for it
    assert provider.read(manifest) is not None
    assert provider.delete(manifest, Ownership("team/other", "config")) is True
    assert provider.read(manifest) is None


def test_errors_name_the_object_and_hide_secret_values(provider: KubernetesProvider) -> None:
    with pytest.raises(ProviderError, match=r"ConfigMap nowhere/x: namespace nowhere does not exist yet"):
        provider.apply(configmap("x", namespace="nowhere"), OWNER)
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "labels": {"bad": "s3cr3t value!"}}, "stringData": {"password": "hunter2"}}
    with pytest.raises(ProviderError) as err:
        provider.apply(secret, OWNER)
    assert "Secret team/s" in str(err.value)
    assert "s3cr3t" not in str(err.value) and "hunter2" not in str(err.value)
    with pytest.raises(ProviderError, match="unknown kind"):
        provider.apply({"apiVersion": "example.com/v1", "kind": "Nope", "metadata": {"name": "n"}}, OWNER)
    assert provider.handles("v1", "ConfigMap") and not provider.handles("rds.services.k8s.aws/v1alpha1", "DBInstance")


def test_unreachable_cluster_is_a_provider_error() -> None:
    with KubernetesEmulator() as k8s:
        url = k8s.url
    with pytest.raises(ProviderError, match="cannot reach the Kubernetes API"):
        KubernetesProvider(_client_for(url)).read(configmap(namespace="team"))


def _client_for(url: str) -> Any:
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = url
    configuration.retries = 0
    return client.ApiClient(configuration)


def test_an_object_whose_namespace_is_not_there_yet_waits_instead_of_failing(
    provider: KubernetesProvider, emulator: KubernetesEmulator
) -> None:
    # Kro's saas-multi-tenant creates a Namespace and the objects in it as siblings, with no edge between them:
    # run in parallel, the objects may come first. Kro requeues; the node waits and applies again.
    with pytest.raises(NotReadyError, match="ConfigMap acme/settings.*namespace acme does not exist yet"):
        provider.apply(configmap(namespace="acme"), OWNER)
    emulator.cluster.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme"}})
    assert provider.apply(configmap(namespace="acme"), OWNER)["metadata"]["namespace"] == "acme"
