"""The kroless CLI as a kubectl user meets it, against `kroless local up`: namespaces, plurals, -A, -o name,
lists, empty results, describe's status. (Issue 15, the CLI's half.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.localcloud.cli_session import applied, kroless

RGD = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: policies.kro.run}
spec:
  schema:
    apiVersion: v1alpha1
    kind: AppPolicy
    spec: {color: string | default=blue}
    status: {color: "${config.data.color}", labels: {app: "${config.metadata.name}"}}
  resources:
  - id: config
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: "${schema.metadata.name}", namespace: "${schema.metadata.namespace}"}
      data: {color: "${schema.spec.color}"}
"""
INSTANCES = """
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: kro.run/v1alpha1
kind: AppPolicy
metadata: {name: shop, namespace: default}
spec: {color: red}
---
apiVersion: kro.run/v1alpha1
kind: AppPolicy
metadata: {name: billing, namespace: team-a}
"""


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # instances first by name: apply still registers the RGD first
    with applied(tmp_path_factory, {"instances.yaml": INSTANCES, "rgd.yaml": RGD}) as folder:
        yield folder


def test_get_without_a_namespace_is_the_default_namespace(capsys: pytest.CaptureFixture[str], state: str) -> None:
    code, out, _ = kroless(capsys, state, "get", "apppolicies")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "STATE", "READY", "GENERATION", "AGE"]
    assert [line.split()[:3] for line in lines[1:]] == [["shop", "ACTIVE", "True"]]


def test_get_all_namespaces_adds_the_namespace_column(capsys: pytest.CaptureFixture[str], state: str) -> None:
    code, out, _ = kroless(capsys, state, "get", "AppPolicy.kro.run", "-A")
    assert code == 0
    rows = [line.split()[:2] for line in out.splitlines()]
    assert rows[0] == ["NAMESPACE", "NAME"] and sorted(rows[1:]) == [["default", "shop"], ["team-a", "billing"]]


@pytest.mark.parametrize("kind", ["apppolicies", "AppPolicy", "apppolicies.kro.run", "apppolicy"])
def test_the_kind_its_plural_and_its_group_name_the_same_type(capsys: pytest.CaptureFixture[str], state: str, kind: str) -> None:
    code, out, _ = kroless(capsys, state, "get", kind, "-n", "team-a", "-o", "name")
    assert (code, out) == (0, "apppolicy.kro.run/billing\n")


def test_several_items_are_a_kind_list_and_one_named_item_is_the_object(capsys: pytest.CaptureFixture[str], state: str) -> None:
    _, out, _ = kroless(capsys, state, "get", "apppolicies", "-A", "-o", "yaml")
    listed = yaml.safe_load(out)
    assert listed["kind"] == "List" and len(listed["items"]) == 2
    _, out, _ = kroless(capsys, state, "get", "apppolicies", "shop", "-o", "yaml")
    shop = yaml.safe_load(out)
    assert shop["kind"] == "AppPolicy" and shop["status"]["color"] == "red"
    metadata = shop["metadata"]
    assert metadata["uid"] and metadata["generation"] == 1 and metadata["creationTimestamp"].endswith("Z")


def test_an_empty_namespace_says_no_resources_found(capsys: pytest.CaptureFixture[str], state: str) -> None:
    code, out, err = kroless(capsys, state, "get", "apppolicies", "-n", "nowhere")
    assert (code, out, err) == (0, "", "No resources found in nowhere namespace.\n")


def test_describe_prints_the_status_as_yaml(capsys: pytest.CaptureFixture[str], state: str) -> None:
    code, out, _ = kroless(capsys, state, "describe", "apppolicies", "billing", "-n", "team-a")
    assert code == 0
    status = out.split("Status:\n", 1)[1].split("Resources:", 1)[0]
    assert status == "  color: blue\n  labels:\n    app: billing\n"
    code, _, err = kroless(capsys, state, "describe", "apppolicies", "billing")  # not in the default namespace
    assert code == 1 and 'apppolicies.kro.run "billing" not found' in err


def test_delete_without_a_namespace_deletes_in_default_only(capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path) -> None:
    code, _, err = kroless(capsys, state, "delete", "apppolicies", "billing")
    assert code == 1 and "not found" in err
    code, out, _ = kroless(capsys, state, "delete", "apppolicies", "billing", "-n", "team-a", "--timeout", "60")
    assert code == 0 and "AppPolicy billing deleted" in out


def test_api_resources_lists_the_registered_rgds_apis(capsys: pytest.CaptureFixture[str], state: str) -> None:
    code, out, err = kroless(capsys, state, "api-resources", "--api-group", "kro.run")
    assert (code, err) == (0, "")
    assert [line.split() for line in out.splitlines()] == [
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"],
        ["resourcegraphdefinitions", "rgd", "kro.run/v1alpha1", "false", "ResourceGraphDefinition"],
        ["apppolicies", "kro.run/v1alpha1", "true", "AppPolicy"],
    ]


def test_an_instance_carries_kros_finalizer_and_labels(capsys: pytest.CaptureFixture[str], state: str) -> None:
    _, out, _ = kroless(capsys, state, "get", "rgd", "policies.kro.run", "-o", "yaml")
    rgd = yaml.safe_load(out)
    _, out, _ = kroless(capsys, state, "get", "apppolicies", "shop", "-o", "json")
    metadata = yaml.safe_load(out)["metadata"]
    assert metadata["finalizers"] == ["kro.run/finalizer"]
    labels = metadata["labels"]
    assert labels["kro.run/owned"] == "true" and labels["kro.run/kro-version"]
    assert labels["kro.run/resource-graph-definition-name"] == "policies.kro.run"
    assert labels["kro.run/resource-graph-definition-id"] == rgd["metadata"]["uid"] != ""
    # what it created carries Kro's kro.run/instance-id: the instance's uid
    from kroless.providers.kubernetes import KubernetesProvider
    from kroless_cli.commands.target import local_target

    cluster = KubernetesProvider.from_host(str(local_target(state).kubernetes_url))
    config = cluster.read({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shop", "namespace": "default"}})
    assert config is not None and config["metadata"]["labels"]["kro.run/instance-id"] == metadata["uid"]


def test_an_rgd_shows_kros_status_and_describe_rgd(capsys: pytest.CaptureFixture[str], state: str) -> None:
    _, out, _ = kroless(capsys, state, "get", "rgd", "policies.kro.run", "-o", "yaml")
    rgd = yaml.safe_load(out)
    assert rgd["metadata"]["finalizers"] == ["kro.run/finalizer"] and rgd["metadata"]["generation"] == 1
    status = rgd["status"]
    assert status["state"] == "Active" and status["lastIssuedRevision"] == 1
    assert status["topologicalOrder"] == ["config"] and status["resources"] == [{"id": "config", "dependencies": []}]
    conditions = {c["type"]: (c["status"], c["reason"], c["message"]) for c in status["conditions"]}
    assert conditions == {
        "GraphAccepted": ("True", "Valid", "resource graph and schema are valid"),
        "KindReady": ("True", "Ready", "kind AppPolicy has been accepted and ready"),
        "ControllerReady": ("True", "Running", "controller is running"),
        "Ready": ("True", "Ready", ""),
    }
    code, out, _ = kroless(capsys, state, "describe", "rgd", "policies.kro.run")
    assert code == 0
    lines = out.splitlines()
    assert "State:         Active" in lines and "Revision:      1 (lastIssuedRevision)" in lines
    assert [line.split()[:3] for line in lines if line.startswith("  GraphAccepted")] == [["GraphAccepted", "True", "Valid"]]
    assert "Topological order: config" in lines
