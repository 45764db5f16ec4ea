"""A real kubectl against the Kubernetes API emulator: ``apply`` with validation on (the default), client-side
apply's strategic merge patches, ``explain`` from the OpenAPI v3 documents, and the v2 document (Issue 15)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.integration.localcloud.kubectl import Kubectl, emulator_and_kubectl, http, widget_crd

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]
"""
CRD = widget_crd({"type": "object", "required": ["size"], "properties": {"size": {"type": "integer", "maximum": 10}, "color": {"type": "string", "default": "red"}}})


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KubernetesEmulator, Kubectl]]:
    with emulator_and_kubectl(tmp_path_factory.mktemp("kubectl")) as pair:
        pair[1]("apply", "-f", "-", stdin=CRD)
        yield pair


def test_apply_validates_with_the_servers_openapi_and_updates_with_a_strategic_merge_patch(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    assert "deployment.apps/web created" in kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    # a second port: kubectl sends a strategic merge patch whose ports merge by containerPort
    changed = DEPLOYMENT.replace("ports: [{containerPort: 80}]", "ports: [{containerPort: 80}, {containerPort: 443}]").replace("nginx:1.27", "nginx:1.28")
    assert "deployment.apps/web configured" in kubectl("apply", "-f", "-", stdin=changed)
    container = kubectl.json("get", "deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.28"
    assert [p["containerPort"] for p in container["ports"]] == [80, 443]
    # and dropping it again removes it (the last-applied configuration says it was kubectl's)
    kubectl("apply", "-f", "-", stdin=DEPLOYMENT)
    container = kubectl.json("get", "deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert [p["containerPort"] for p in container["ports"]] == [80]
    assert k8s.cluster.read("apps/v1", "Deployment", "web", "default") is not None


def test_an_unknown_field_is_refused_by_default_and_only_warned_with_validate_warn(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    typo = DEPLOYMENT.replace("name: web}", "name: typo}").replace('image: "nginx:1.27"', 'image: "nginx:1.27", imagePullPolice: Always')
    error = kubectl.fails("apply", "-f", "-", stdin=typo)
    assert 'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolice"' in error
    assert k8s.cluster.read("apps/v1", "Deployment", "typo", "default") is None

    done = kubectl.run("apply", "--validate=warn", "-f", "-", stdin=typo)
    assert done.returncode == 0, done.stderr
    assert 'Warning: unknown field "spec.template.spec.containers[0].imagePullPolice"' in done.stderr
    stored = kubectl.json("get", "deployment", "typo")["spec"]["template"]["spec"]["containers"][0]
    assert "imagePullPolice" not in stored  # dropped, as the API server drops unknown fields


def test_explain_reads_the_fields_of_builtin_and_custom_kinds(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    explained = kubectl("explain", "deployment.spec")
    assert "KIND:       Deployment" in explained and "FIELD: spec <DeploymentSpec>" in explained
    assert "template\t<PodTemplateSpec> -required-" in explained
    assert "replicas\t<integer>" in explained
    widget = kubectl("explain", "widget.spec")
    assert "GROUP:      example.com" in widget
    assert "size\t<integer> -required-" in widget and "color\t<string>" in widget
    assert "error" in kubectl.fails("explain", "deployment.spec.nosuchfield").lower()


def test_openapi_v3_lists_each_group_version_and_v2_is_json_or_406(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, _ = cluster
    status, _, body = http(f"{k8s.url}/openapi/v3")
    paths = json.loads(body)["paths"]
    assert status == 200 and {"api/v1", "apis/apps/v1", "apis/example.com/v1"} <= set(paths)
    status, _, body = http(k8s.url + paths["apis/apps/v1"]["serverRelativeURL"])
    document = json.loads(body)
    patch = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]  # kubectl leaves validation to the server
    ports = document["components"]["schemas"]["io.k8s.api.v1.Container"]["properties"]["ports"]
    assert ports["x-kubernetes-list-map-keys"] == ["containerPort", "protocol"]

    status, headers, body = http(f"{k8s.url}/openapi/v2", headers={"Accept": "application/json"})
    assert status == 200 and json.loads(body)["swagger"] == "2.0"
    status, _, body = http(f"{k8s.url}/openapi/v2", headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    assert status == 406 and json.loads(body)["reason"] == "NotAcceptable"
