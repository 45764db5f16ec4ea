"""An externalRef with a label selector reads a list (Kro §5.11), never writes it."""

from __future__ import annotations

from typing import Any

from kroless_cli.control import ControlPlane
from kroless_cli.localcloud.kubernetes import KubernetesEmulator

RGD: dict[str, Any] = {
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
                    "metadata": {"namespace": "default", "selector": {"matchLabels": {"team": "${schema.spec.team}"}}},
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


def member(name: str, team: str) -> dict[str, Any]:
    metadata = {"name": name, "namespace": "default", "labels": {"team": team}}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


def test_selector_reads_the_matching_objects(control: ControlPlane, kubernetes: KubernetesEmulator) -> None:
    for name, team in (("a", "blue"), ("b", "blue"), ("c", "red")):
        kubernetes.cluster.add(member(name, team))
    control.register(RGD)
    fleet = {"apiVersion": "kroless.dev/v1alpha1", "kind": "Fleet", "metadata": {"name": "f", "namespace": "default"}, "spec": {"team": "blue"}}
    result = control.apply(fleet)
    assert result["state"] == "ACTIVE", result
    assert result["status"]["members"] == 2
    summary = kubernetes.cluster.read("v1", "ConfigMap", "blue-summary", "default")
    assert summary["data"] == {"names": "a,b"}
    assert "kro.run/owned" not in (kubernetes.cluster.read("v1", "ConfigMap", "a", "default")["metadata"].get("labels") or {})
