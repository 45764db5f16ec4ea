"""``kroless local up`` writes a kubeconfig and says how to use it; with it a real kubectl sees the cluster and
kroless's registered RGD APIs: ``kubectl get <kind>`` lists the instances as on a cluster running Kro, read-only
(Issue 15)."""

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
    assert rows(kubectl("get", "rgd"))[1][:4] == ["policies.kro.run", "v1alpha1", "AppPolicy", "Active"]
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
