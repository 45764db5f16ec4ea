"""Authored status conditions (runtime.newCondition), `kroless.dev/deletion-policy: Retain` and
`kroless.dev/adopt: "true"`, on the Kubernetes emulator."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kroless_cli.control import ControlPlane
from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.conftest import DATA


def rgd_with_annotations(annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": "keeper.kroless.dev"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "Keeper", "group": "kroless.dev", "spec": {"name": "string"}},
            "resources": [
                {
                    "id": "config",
                    "template": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": "${schema.spec.name}", "annotations": annotations},
                        "data": {"owner": "kroless"},
                    },
                }
            ],
        },
    }


KEEPER = {
    "apiVersion": "kroless.dev/v1alpha1",
    "kind": "Keeper",
    "metadata": {"name": "k", "namespace": "default"},
    "spec": {"name": "settings"},
}


def test_authored_conditions_replace_the_built_ins(control: ControlPlane) -> None:
    control.register(yaml.safe_load((DATA / "conditioned-rgd.yaml").read_text()))
    instance = {
        "apiVersion": "kroless.dev/v1alpha1",
        "kind": "Conditioned",
        "metadata": {"name": "c", "namespace": "default"},
        "spec": {"name": "c"},
    }
    result = control.apply(instance)
    assert result["state"] == "ACTIVE"
    conditions = {c["type"]: c for c in result["status"]["conditions"]}
    assert set(conditions) == {"DeploymentAvailable", "Ready"}
    assert conditions["DeploymentAvailable"]["status"] == "True"
    assert conditions["Ready"] == {**conditions["Ready"], "status": "True", "reason": "Aggregate"}
    assert conditions["Ready"]["observedGeneration"] == 1


def test_retained_objects_survive_instance_deletion(control: ControlPlane, kubernetes: KubernetesEmulator) -> None:
    control.register(rgd_with_annotations({"kroless.dev/deletion-policy": "Retain"}))
    assert control.apply(KEEPER)["state"] == "ACTIVE"
    assert control.delete(KEEPER) == {"state": "DELETED"}
    kept = kubernetes.cluster.read("v1", "ConfigMap", "settings", "default")
    assert kept is not None and kept["data"] == {"owner": "kroless"}


def test_an_existing_object_is_a_conflict_unless_the_template_opts_into_adoption(
    control: ControlPlane, kubernetes: KubernetesEmulator
) -> None:
    kubernetes.cluster.add({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default"}, "data": {"owner": "someone"}})
    control.register(rgd_with_annotations({}))
    result = control.apply(KEEPER)
    assert result["state"] == "ERROR"
    message = next(c["message"] for c in result["status"]["conditions"] if c["type"] == "ResourcesReady")
    assert "ConfigMap default/settings" in message and "kroless.dev/adopt" in message
    assert kubernetes.cluster.read("v1", "ConfigMap", "settings", "default")["data"] == {"owner": "someone"}

    control.register(rgd_with_annotations({"kroless.dev/adopt": "true"}))
    adopting = copy.deepcopy(KEEPER)
    adopting["metadata"]["labels"] = {"retry": "1"}  # a new generation
    assert control.apply(adopting)["state"] == "ACTIVE"
    adopted = kubernetes.cluster.read("v1", "ConfigMap", "settings", "default")
    assert adopted["data"] == {"owner": "kroless"}
    assert adopted["metadata"]["labels"]["kro.run/instance-name"] == "k"


@pytest.fixture(autouse=True)
def _fast(control: ControlPlane) -> None:
    control.driver.node_timeout = 10
