"""Kro's own Kubernetes examples, verbatim, reconciled to ACTIVE and deleted with nothing left: the RGDs as
Kro ships them, an instance of each, on the local cloud (tests/e2e/conftest.py: the deployed stack's functions
and state machines, the Kubernetes API emulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kroless.model import load_path
from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.e2e.conftest import Account

# example -> (RGD files relative to kro-examples/kubernetes, nested APIs first; instance kind; instance spec)
EXAMPLES: dict[str, tuple[tuple[str, ...], str, dict[str, Any]]] = {
    "core-dns": (("core-dns/core-dns.yaml",), "CoreDNSDeployment", {}),
    "job-example": (("job-example/rgd.yaml",), "JobDeployment", {"delayInSeconds": 1}),
    "additionalPrinterColumns": (("additionalPrinterColumns/rg.yaml",), "Application", {"name": "shop"}),
    "saas-multi-tenant": (
        (
            "saas-multi-tenant/tenant-environment-rgd.yaml",
            "saas-multi-tenant/tenant-application-rgd.yaml",
            "saas-multi-tenant/tenant-rgd.yaml",
        ),
        "Tenant",
        {"tenantId": "acme"},
    ),
    "webapp": (("webapp/rg.yaml",), "WebApp", {"name": "shop", "ingress": {"enabled": True}}),
    "defaults": (("defaults/rg.yaml",), "Something", {"name": "shop", "required": 1}),
    "cel-functions": (("cel-functions/rg.yaml",), "Something", {"name": "shop"}),
}


@pytest.fixture
def cluster(account: Account, kro_examples: Path) -> dict[str, Any]:
    return {"control": account.control, "k8s": account.k8s, "store": account.store, "examples": kro_examples / "kubernetes"}


def _objects(k8s: KubernetesEmulator) -> set[tuple[str, str, str]]:
    return {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in k8s.cluster.objects()}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_kro_kubernetes_example_reconciles_verbatim_and_deletes_cleanly(cluster: dict[str, Any], name: str) -> None:
    files, kind, spec = EXAMPLES[name]
    control: LocalCloud = cluster["control"]
    documents = [d for relative in files for d in load_path(str(cluster["examples"] / relative))]
    for document in documents:
        control.register(document.body, file=document.file)
    before = _objects(cluster["k8s"])
    instance = {
        "apiVersion": "kro.run/v1alpha1",
        "kind": kind,
        "metadata": {"name": "demo", "namespace": "default"},
        "spec": spec,
    }
    result = control.apply(instance)
    assert result["state"] == "ACTIVE", result["status"].get("conditions")
    # one object per resource of every graph; a nested RGD instance is an instance, not an object
    nested_kinds = {d.body["spec"]["schema"]["kind"] for d in documents}
    resources = [r for d in documents for r in d.body["spec"]["resources"]]
    expected = [r for r in resources if r["template"]["kind"] not in nested_kinds]
    created = _objects(cluster["k8s"]) - before
    assert len(created) == len(expected), sorted(created)

    assert control.delete(instance) == {"state": "DELETED"}
    assert _objects(cluster["k8s"]) == before
    assert cluster["store"].list_instances() == []


def test_templates_read_the_metadata_the_api_server_assigns(cluster: dict[str, Any]) -> None:
    """cel-functions seeds a random string with ``schema.metadata.uid``: the instance gets a uid at its first
    admission (as from the API server), stable across generations, so the value never churns."""
    control: LocalCloud = cluster["control"]
    for document in load_path(str(cluster["examples"] / "cel-functions/rg.yaml")):
        control.register(document.body, file=document.file)
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "Something", "metadata": {"name": "demo", "namespace": "default"}, "spec": {"name": "shop"}}

    def seeded() -> str:
        deployment = cluster["k8s"].cluster.read("apps/v1", "Deployment", "shop", "default")
        env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        return str(env["RANDOM_SEEDED_STRING"])

    assert control.apply(instance)["state"] == "ACTIVE"
    first = seeded()
    assert len(first) == 10
    instance["metadata"]["labels"] = {"team": "storefront"}  # a new generation of the same instance
    assert control.apply(instance)["state"] == "ACTIVE"
    assert seeded() == first
