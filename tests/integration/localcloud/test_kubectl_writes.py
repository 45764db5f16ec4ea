"""Writes as kubectl makes them: ``--dry-run=server`` persisting nothing, ``scale``, JSON patches, invalid
objects refused with their causes (and never stored), custom resources validated and defaulted against their
CRD, server-side apply merging list-map items by their keys, RBAC names with ``:``, the defaults kubectl
shows, the protobuf bodies of kubectl's typed commands read (others refused with 415) (Issue 15)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.integration.localcloud.kubectl import Kubectl, emulator_and_kubectl, http, widget_crd

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  replicas: %s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, ports: [{containerPort: %s}]}]
"""
CRD = widget_crd(
    {
        "type": "object",
        "x-kubernetes-validations": [{"rule": "!has(self.size) || self.size % 2 == 0", "message": "size must be even"}],
        "properties": {
            "size": {"type": "integer", "maximum": 10},
            "color": {"type": "string", "default": "red"},
            "replicas": {"type": "integer"},
            "owner": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "owner is immutable"}]},
        },
    },
    subresources={"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KubernetesEmulator, Kubectl]]:
    with emulator_and_kubectl(tmp_path_factory.mktemp("kubectl")) as (k8s, kubectl):
        kubectl("apply", "-f", "-", stdin=DEPLOYMENT % ("web", 1, 80))
        kubectl("apply", "-f", "-", stdin=CRD)
        yield k8s, kubectl


def test_server_dry_run_persists_nothing(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    before = kubectl.json("get", "deployment", "web")
    assert "(server dry run)" in kubectl("apply", "--dry-run=server", "-f", "-", stdin=DEPLOYMENT % ("other", 1, 80))
    # kubectl's server-side apply takes over what its client-side apply set (no conflict), but not here
    assert "(server dry run)" in kubectl("apply", "--server-side", "--dry-run=server", "-f", "-", stdin=DEPLOYMENT % ("web", 5, 80))
    assert "(server dry run)" in kubectl("scale", "deployment", "web", "--replicas=4", "--dry-run=server")
    assert "(server dry run)" in kubectl("label", "deployment", "web", "tier=front", "--dry-run=server")
    assert "(server dry run)" in kubectl("delete", "deployment", "web", "--dry-run=server")
    after = kubectl.json("get", "deployment", "web")
    assert after == before  # not even its resourceVersion moved
    assert "NotFound" in kubectl.fails("get", "deployment", "other")
    assert k8s.cluster.read("apps/v1", "Deployment", "other", "default") is None


def test_dry_run_still_validates(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    error = kubectl.fails("apply", "--dry-run=server", "-f", "-", stdin=DEPLOYMENT % ("bad", '"three"', 80))
    assert 'spec.replicas: Invalid value: "three"' in error


def test_scale_changes_replicas_through_the_scale_subresource(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    assert "deployment.apps/web scaled" in kubectl("scale", "deployment", "web", "--replicas=3")
    assert kubectl.json("get", "deployment", "web")["spec"]["replicas"] == 3
    status, _, body = http(f"{k8s.url}/apis/apps/v1/namespaces/default/deployments/web/scale")
    scale = json.loads(body)
    assert status == 200 and scale["kind"] == "Scale" and scale["spec"]["replicas"] == 3 and scale["status"]["selector"] == "app=web"
    kubectl("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: scaled}\nspec: {replicas: 1}\n")
    kubectl("scale", "widget", "scaled", "--replicas=5")
    assert kubectl.json("get", "widget", "scaled")["spec"]["replicas"] == 5
    kubectl("scale", "deployment", "web", "--replicas=1")


def test_json_patch(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    kubectl("patch", "deployment", "web", "--type=json", "-p", '[{"op": "add", "path": "/metadata/labels", "value": {"tier": "front"}}, {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.28"}]')
    patched = kubectl.json("get", "deployment", "web")
    assert patched["metadata"]["labels"] == {"tier": "front"} and patched["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    error = kubectl.fails("patch", "deployment", "web", "--type=json", "-p", '[{"op": "test", "path": "/spec/replicas", "value": 7}]')
    assert "testing value /spec/replicas failed" in error


def test_an_invalid_object_is_refused_with_its_causes_and_never_stored(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    error = kubectl.fails("apply", "-f", "-", stdin=DEPLOYMENT % ("three", '"three"', 80))
    assert 'The Deployment "three" is invalid: spec.replicas: Invalid value: "three": spec.replicas in body must be of type integer: "string"' in error
    status, _, body = http(f"{k8s.url}/apis/apps/v1/namespaces/default/deployments", "POST", json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "three"}, "spec": {"replicas": "three", "selector": {}, "template": {}}}).encode(), {"Content-Type": "application/json"})
    refusal = json.loads(body)
    assert status == 422 and refusal["reason"] == "Invalid"
    assert {"reason": "FieldValueInvalid", "field": "spec.replicas", "message": 'Invalid value: "three": spec.replicas in body must be of type integer: "string"'} in refusal["details"]["causes"]
    # nothing poisoned: the list still serves
    assert [d["metadata"]["name"] for d in kubectl.json("get", "deployments")["items"]] == ["web"]


def test_custom_resources_are_validated_and_defaulted_against_their_crd(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    error = kubectl.fails("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: big}\nspec: {size: 42}\n")
    assert 'The Widget "big" is invalid: spec.size: Invalid value: 42: spec.size in body should be less than or equal to 10' in error
    assert k8s.cluster.read("example.com/v1", "Widget", "big", "default") is None
    kubectl("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: small}\nspec: {size: 4, owner: ann}\n")
    assert kubectl.json("get", "widget", "small")["spec"] == {"size": 4, "color": "red", "owner": "ann"}


def test_custom_resources_are_checked_against_their_crds_cel_rules(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    error = kubectl.fails("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: odd}\nspec: {size: 3}\n")
    assert "spec: Invalid value: \"object\": size must be even" in error
    kubectl("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: owned}\nspec: {owner: ann}\n")
    error = kubectl.fails("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: owned}\nspec: {owner: bob}\n")
    assert "spec.owner: Invalid value: \"string\": owner is immutable" in error
    assert kubectl.json("get", "widget", "owned")["spec"]["owner"] == "ann"


def test_server_side_apply_merges_ports_by_their_list_map_keys(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    kubectl("apply", "--server-side", "--field-manager=http", "-f", "-", stdin=DEPLOYMENT % ("ssa", 1, 80))
    kubectl("apply", "--server-side", "--field-manager=https", "-f", "-", stdin=DEPLOYMENT % ("ssa", 1, 443))
    deployment = json.loads(kubectl("get", "deployment", "ssa", "-o", "json", "--show-managed-fields"))
    ports = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert ports == [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443, "protocol": "TCP"}]
    owned = {m["manager"]: json.dumps(m["fieldsV1"]) for m in deployment["metadata"]["managedFields"]}
    assert 'k:{\\"containerPort\\":443,\\"protocol\\":\\"TCP\\"}' in owned["https"] and "443" not in owned["http"]
    # the manager that drops its port removes only its own
    kubectl("apply", "--server-side", "--field-manager=https", "-f", "-", stdin=DEPLOYMENT % ("ssa", 1, 80))
    ports = kubectl.json("get", "deployment", "ssa")["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert ports == [{"containerPort": 80, "protocol": "TCP"}]
    kubectl("delete", "deployment", "ssa")


def test_rbac_names_may_contain_colons(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    kubectl("apply", "-f", "-", stdin="apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: 'kro:controller:x'}\nrules: []\n")
    assert kubectl.json("get", "clusterrole", "kro:controller:x")["metadata"]["name"] == "kro:controller:x"
    error = kubectl.fails("apply", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 'a:b'}\n")
    assert "RFC 1123 subdomain" in error


def test_deployments_services_and_pods_get_the_defaults_kubectl_shows(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    spec = kubectl.json("get", "deployment", "web")["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    pod = spec["template"]["spec"]
    assert (pod["restartPolicy"], pod["dnsPolicy"], pod["terminationGracePeriodSeconds"], pod["schedulerName"]) == ("Always", "ClusterFirst", 30, "default-scheduler")
    assert pod["containers"][0]["imagePullPolicy"] == "Always"  # created as "nginx": latest, always pulled
    kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n")
    service = kubectl.json("get", "service", "web")["spec"]
    assert service["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert (service["type"], service["sessionAffinity"], service["ipFamilies"]) == ("ClusterIP", "None", ["IPv4"])
    kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'busybox:1.37'}]}\n")
    assert kubectl.json("get", "pod", "p")["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"  # a tag


def test_kubectls_typed_commands_send_protobuf_the_emulator_reads(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    kubectl("create", "namespace", "team-a")
    kubectl("create", "configmap", "cfg", "-n", "team-a", "--from-literal=a=1", "--from-literal=b=two")
    kubectl("create", "secret", "generic", "pw", "-n", "team-a", "--from-literal=pw=s3cret")
    kubectl("create", "deployment", "made", "-n", "team-a", "--image=nginx:1.27", "--replicas=2", "--port=80")
    kubectl("create", "role", "reader", "-n", "team-a", "--verb=get,list", "--resource=pods,deployments.apps")
    assert kubectl.json("get", "namespace", "team-a")["status"]["phase"] == "Active"
    assert kubectl.json("get", "configmap", "cfg", "-n", "team-a")["data"] == {"a": "1", "b": "two"}
    assert kubectl.json("get", "secret", "pw", "-n", "team-a")["data"] == {"pw": "czNjcmV0"}
    made = kubectl.json("get", "deployment", "made", "-n", "team-a")["spec"]
    assert made["replicas"] == 2 and made["selector"] == {"matchLabels": {"app": "made"}}
    assert made["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    rules = kubectl.json("get", "role", "reader", "-n", "team-a")["rules"]
    assert [(r["apiGroups"], r["resources"]) for r in rules] == [([""], ["pods"]), (["apps"], ["deployments"])]
    assert kubectl("auth", "can-i", "create", "pods").strip() == "yes"
    assert "(server dry run)" in kubectl("create", "namespace", "dry", "--dry-run=server")
    assert "NotFound" in kubectl.fails("get", "namespace", "dry")


def test_protobuf_the_emulator_cannot_read_is_refused_with_415(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    error = kubectl.fails("create", "quota", "q", "--hard=pods=2")
    assert "the emulator reads protobuf bodies of" in error and "not ResourceQuota" in error and "kubectl apply -f" in error
    status, _, body = http(f"{k8s.url}/api/v1/namespaces", "POST", b"not protobuf", {"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert status == 415 and json.loads(body)["reason"] == "UnsupportedMediaType"
    assert "NotFound" in kubectl.fails("get", "resourcequota", "q")


def test_kubectl_server_side_apply_takes_over_from_its_client_side_apply(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    kubectl("apply", "-f", "-", stdin=DEPLOYMENT % ("upgrade", 1, 80))
    # another manager changing a field kubectl set conflicts...
    assert "conflict with" in kubectl.fails("apply", "--server-side", "--field-manager=other", "-f", "-", stdin=DEPLOYMENT % ("upgrade", 2, 80))
    # ...kubectl itself moving to server-side apply does not (the API server's last-applied upgrade)
    assert "serverside-applied" in kubectl("apply", "--server-side", "-f", "-", stdin=DEPLOYMENT % ("upgrade", 2, 80))
    assert kubectl.json("get", "deployment", "upgrade")["spec"]["replicas"] == 2
    kubectl("delete", "deployment", "upgrade")
