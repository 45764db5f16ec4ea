"""Authored status conditions (runtime.newCondition), `kroless.dev/deletion-policy: Retain` and
`kroless.dev/adopt: "true"`, on the local cloud."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from kroless_cli.localcloud.cloud import LocalCloud
from tests.conftest import DATA
from tests.e2e.reconcile.conftest import configmap_rgd


def rgd_with_annotations(kind: str, annotations: dict[str, str]) -> dict[str, Any]:
    """``<kind>.kroless.dev``: one ConfigMap named by the instance's spec.name, carrying ``annotations``."""
    return configmap_rgd(kind, {"annotations": annotations}, {"owner": "kroless"})


def instance(kind: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "kroless.dev/v1alpha1",
        "kind": kind,
        "metadata": {"name": "k", "namespace": namespace},
        "spec": {"name": "settings"},
    }


def test_authored_conditions_replace_the_built_ins(cloud: LocalCloud, namespace: str) -> None:
    cloud.register(yaml.safe_load((DATA / "conditioned-rgd.yaml").read_text()))
    conditioned = {
        "apiVersion": "kroless.dev/v1alpha1",
        "kind": "Conditioned",
        "metadata": {"name": "c", "namespace": namespace},
        "spec": {"name": "c"},
    }
    result = cloud.apply(conditioned)
    assert result["state"] == "ACTIVE"
    conditions = {c["type"]: c for c in result["status"]["conditions"]}
    assert set(conditions) == {"DeploymentAvailable", "Ready"}
    assert conditions["DeploymentAvailable"]["status"] == "True"
    assert conditions["Ready"] == {**conditions["Ready"], "status": "True", "reason": "Aggregate"}
    assert conditions["Ready"]["observedGeneration"] == 1


def test_retained_objects_survive_instance_deletion(cloud: LocalCloud, namespace: str) -> None:
    cloud.register(rgd_with_annotations("Keeper", {"kroless.dev/deletion-policy": "Retain"}))
    keeper = instance("Keeper", namespace)
    assert cloud.apply(keeper)["state"] == "ACTIVE"
    assert cloud.delete(keeper) == {"state": "DELETED"}
    kept = cloud.kubernetes.cluster.read("v1", "ConfigMap", "settings", namespace)
    assert kept is not None and kept["data"] == {"owner": "kroless"}


def test_an_existing_object_is_a_conflict_unless_the_template_opts_into_adoption(cloud: LocalCloud, namespace: str) -> None:
    k8s = cloud.kubernetes
    k8s.cluster.add({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": namespace}, "data": {"owner": "someone"}})
    cloud.register(rgd_with_annotations("Adopter", {}))
    adopter = instance("Adopter", namespace)
    result = cloud.apply(adopter)
    assert result["state"] == "ERROR"
    message = next(c["message"] for c in result["status"]["conditions"] if c["type"] == "ResourcesReady")
    assert f"ConfigMap {namespace}/settings" in message and "kroless.dev/adopt" in message
    assert k8s.cluster.read("v1", "ConfigMap", "settings", namespace)["data"] == {"owner": "someone"}

    cloud.register(rgd_with_annotations("Adopter", {"kroless.dev/adopt": "true"}))
    adopting = copy.deepcopy(adopter)
    adopting["metadata"]["labels"] = {"retry": "1"}  # a new generation
    assert cloud.apply(adopting)["state"] == "ACTIVE"
    adopted = k8s.cluster.read("v1", "ConfigMap", "settings", namespace)
    assert adopted["data"] == {"owner": "kroless"}
    assert adopted["metadata"]["labels"]["kro.run/instance-name"] == "k"
