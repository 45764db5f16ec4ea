"""``kubectl get`` prints the columns the API server's Table responses give: kubectl's own for the common
built-ins, a CRD's additionalPrinterColumns for custom resources, NAME and AGE for the rest (Issue 15)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.integration.localcloud.kubectl import Kubectl, emulator_and_kubectl, http, rows, widget_crd

OBJECTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}, {name: log, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}, {port: 443, protocol: TCP}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: Pod
metadata: {name: one}
spec:
  containers: [{name: main, image: busybox}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: []
"""
CRD = widget_crd(
    {"type": "object", "properties": {"size": {"type": "integer"}, "detail": {"type": "string"}}},
    additionalPrinterColumns=[
        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
        {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
        {"name": "Detail", "type": "string", "jsonPath": ".spec.detail", "priority": 1},
    ],
)
WIDGET = """
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3, detail: blue}
status: {conditions: [{type: Ready, status: "True"}, {type: Other, status: "False"}]}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KubernetesEmulator, Kubectl]]:
    with emulator_and_kubectl(tmp_path_factory.mktemp("kubectl")) as (k8s, kubectl):
        kubectl("apply", "-f", "-", stdin=OBJECTS)
        kubectl("apply", "-f", "-", stdin=CRD)
        kubectl("apply", "-f", "-", stdin=WIDGET)
        yield k8s, kubectl


def test_deployments_show_ready_up_to_date_and_available(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    header, web = rows(kubectl("get", "deployments"))
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert web[:4] == ["web", "3/3", "3", "3"]
    header, web = rows(kubectl("get", "deployment", "web", "-o", "wide"))
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert web[5:] == ["web,log", "nginx:1.27,busybox", "app=web"]


def test_pods_services_configmaps_and_namespaces_show_kubectls_columns(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    header, pod = rows(kubectl("get", "pods"))
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] and pod[:4] == ["one", "1/1", "Running", "0"]
    header, service = rows(kubectl("get", "services"))
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert service[0:2] == ["web", "ClusterIP"] and service[2].startswith("10.96.") and service[3:5] == ["<none>", "80/TCP,443/TCP"]
    header, settings = rows(kubectl("get", "configmaps"))
    assert header == ["NAME", "DATA", "AGE"] and settings[:2] == ["settings", "2"]
    table = rows(kubectl("get", "namespaces"))
    assert table[0] == ["NAME", "STATUS", "AGE"] and ["default", "Active"] == table[1][:2]


def test_other_builtins_show_name_and_age(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    header, role = rows(kubectl("get", "roles"))
    assert header == ["NAME", "AGE"] and role[0] == "reader"


def test_custom_resources_show_their_crds_printer_columns(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    _, kubectl = cluster
    assert rows(kubectl("get", "widgets")) == [["NAME", "SIZE", "READY"], ["w1", "3", "True"]]
    assert rows(kubectl("get", "widgets", "-o", "wide")) == [["NAME", "SIZE", "READY", "DETAIL"], ["w1", "3", "True", "blue"]]
    assert rows(kubectl("get", "crds"))[0] == ["NAME", "CREATED AT"]


def test_the_table_is_served_only_to_clients_asking_for_it(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, _ = cluster
    url = f"{k8s.url}/apis/apps/v1/namespaces/default/deployments"
    _, _, body = http(url, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"})
    table = json.loads(body)
    assert table["kind"] == "Table" and table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    _, _, body = http(url + "?includeObject=Object", headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert json.loads(body)["rows"][0]["object"]["kind"] == "Deployment"
    _, _, body = http(url)
    assert json.loads(body)["kind"] == "DeploymentList"
