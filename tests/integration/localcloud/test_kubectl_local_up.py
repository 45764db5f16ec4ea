"""``kroless local up`` writes a kubeconfig and says how to use it; with it a real kubectl sees the cluster and
kroless's registered RGD APIs: ``kubectl get <kind>`` lists the instances as on a cluster running Kro, read-only.
And two kubectl habits of the kroless CLI: ``kroless logs KIND NAME``, ``kroless version`` (Issue 15)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kroless_cli.commands.main import main
from kroless_cli.localcloud import server
from tests.integration.localcloud.kubectl import Kubectl, rows
from tests.integration.localcloud.test_cli_kubectl_habits import INSTANCES, RGD  # the same RGD and instances

BROKEN = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: labels.kro.run}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Labeled
    spec: {label: string}
  resources:
  - id: config
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: "${schema.metadata.name}", namespace: "${schema.metadata.namespace}", labels: {tier: "${schema.spec.label}"}}
---
apiVersion: kro.run/v1alpha1
kind: Labeled
metadata: {name: broken, namespace: default}
spec: {label: "not a label!"}
"""


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The state folder of a running local cloud with the RGD and one instance applied, and what ``local up`` printed."""
    state = str(tmp_path_factory.mktemp("local"))
    folder = tmp_path_factory.mktemp("manifests")
    (folder / "rgd.yaml").write_text(RGD)
    (folder / "instances.yaml").write_text(INSTANCES)
    try:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert main(["local", "up", "--state-dir", state]) == 0
        assert main(["apply", "-f", str(folder), "--state-dir", state, "--timeout", "120"]) == 0
        (folder / "broken.yaml").write_text(BROKEN)
        main(["apply", "-f", str(folder / "broken.yaml"), "--state-dir", state, "--timeout", "120"])  # ends ERROR
        yield state, printed.getvalue()
    finally:
        server.stop(state)


def _kubectl(state: str) -> Kubectl:
    record = server.running(state)
    assert record is not None
    home = Path(state) / "kubectl-home"
    home.mkdir(exist_ok=True)
    return Kubectl(record["kubernetes"], home, kubeconfig=Path(record["kubeconfig"]))  # the one local up wrote


def test_local_up_writes_a_kubeconfig_and_says_how_to_use_it(local: tuple[str, str]) -> None:
    state, printed = local
    record = server.running(state)
    assert record is not None
    kubeconfig = Path(record["kubeconfig"])
    assert f"export KUBECONFIG={kubeconfig}" in printed
    config = yaml.safe_load(kubeconfig.read_text())
    assert config["clusters"][0]["cluster"]["server"] == record["kubernetes"]
    assert config["contexts"][0]["context"]["namespace"] == "default"
    assert kubeconfig.stat().st_mode & 0o077 == 0  # the user's own file


def test_kubectl_lists_the_registered_rgds_and_their_instances(local: tuple[str, str]) -> None:
    state, _ = local
    kubectl = _kubectl(state)
    assert ["policies.kro.run", "v1alpha1", "AppPolicy", "Active"] in [row[:4] for row in rows(kubectl("get", "rgd"))]
    header, shop = rows(kubectl("get", "apppolicies"))  # the kubeconfig's namespace: default
    assert header[:3] == ["NAME", "STATE", "READY"] and shop[:3] == ["shop", "ACTIVE", "True"]
    everywhere = rows(kubectl("get", "apppolicies", "-A"))
    assert [row[:2] for row in everywhere[1:]] == [["default", "shop"], ["team-a", "billing"]]
    billing = json.loads(kubectl("get", "apppolicy", "billing", "-n", "team-a", "-o", "json"))
    assert billing["spec"] == {"color": "blue"} and billing["status"]["color"] == "blue" and billing["metadata"]["uid"]
    assert "AppPolicy" in kubectl("api-resources", "--api-group=kro.run")
    assert "color\t<string>" in kubectl("explain", "apppolicy.spec")
    # the objects kroless made are in the same cluster
    assert rows(kubectl("get", "configmap", "shop"))[1][:2] == ["shop", "1"]


def test_instances_are_read_only_through_kubectl(local: tuple[str, str]) -> None:
    state, _ = local
    kubectl = _kubectl(state)
    assert "read-only" in kubectl.fails("delete", "apppolicy", "shop")
    assert rows(kubectl("get", "apppolicies"))[1][0] == "shop"


def test_kroless_logs_shows_the_failed_states_errors_and_causes_of_the_last_executions(local: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, _ = local
    capsys.readouterr()
    assert main(["logs", "labeled", "broken", "--state-dir", state]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("broken-default-") and "FAILED" in printed[0]
    assert "  failed state: config failed" in printed
    assert any(line.startswith("  ExecutionFailed: Kroless.NodeError:") and 'metadata.labels: Invalid value: "not a label!"' in line for line in printed)
    assert main(["logs", "apppolicy", "shop", "--state-dir", state]) == 0
    assert "SUCCEEDED" in capsys.readouterr().out
    assert main(["logs", "apppolicy", "nope", "--state-dir", state]) == 1
    assert 'apppolicies.kro.run "nope" not found' in capsys.readouterr().err


def test_kroless_version_names_the_client_and_the_local_kubernetes_api(local: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, _ = local
    capsys.readouterr()
    assert main(["version", "--state-dir", state]) == 0
    printed = capsys.readouterr().out
    assert "Client Version: kroless 0.1.0" in printed and "Local cloud Kubernetes API: v1.33.0-kroless" in printed
