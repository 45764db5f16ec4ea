"""An externalRef with a label selector reads a list (Kro §5.11), never writes it: on the local cloud."""

from __future__ import annotations

from typing import Any

from kroless_cli.localcloud.cloud import LocalCloud


def fleet_rgd(namespace: str) -> dict[str, Any]:
    """Fleet: the ConfigMaps of ``namespace`` labelled with the instance's team, and a summary of their names."""
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": "fleet.kroless.dev"},
        "spec": {
            "schema": {
                "apiVersion": "v1alpha1",
                "kind": "Fleet",
                "group": "kroless.dev",
                "spec": {"team": "string"},
                "status": {"members": "${size(members)}"},
            },
            "resources": [
                {
                    "id": "members",
                    "externalRef": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"namespace": namespace, "selector": {"matchLabels": {"team": "${schema.spec.team}"}}},
                    },
                },
                {
                    "id": "summary",
                    "template": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": "${schema.spec.team}-summary"},
                        "data": {"names": "${members.map(m, m.metadata.name).join(',')}"},
                    },
                },
            ],
        },
    }


def member(name: str, team: str, namespace: str) -> dict[str, Any]:
    metadata = {"name": name, "namespace": namespace, "labels": {"team": team}}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


def test_selector_reads_the_matching_objects(cloud: LocalCloud, namespace: str) -> None:
    k8s = cloud.kubernetes
    for name, team in (("a", "blue"), ("b", "blue"), ("c", "red")):
        k8s.cluster.add(member(name, team, namespace))
    cloud.register(fleet_rgd(namespace))
    fleet = {"apiVersion": "kroless.dev/v1alpha1", "kind": "Fleet", "metadata": {"name": "f", "namespace": namespace}, "spec": {"team": "blue"}}
    result = cloud.apply(fleet)
    assert result["state"] == "ACTIVE", result
    assert result["status"]["members"] == 2
    summary = k8s.cluster.read("v1", "ConfigMap", "blue-summary", namespace)
    assert summary["data"] == {"names": "a,b"}
    assert "kro.run/owned" not in (k8s.cluster.read("v1", "ConfigMap", "a", namespace)["metadata"].get("labels") or {})
