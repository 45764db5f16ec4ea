"""``resources[].deletionPolicy`` at registration: Kro's values (Delete, Detach), the API server's errors for
anything else and for a policy on an externalRef (the RGD CRD's enum and XValidation), and the compiled node."""

from __future__ import annotations

from typing import Any

import pytest

from kroless.errors import DocumentError
from kroless.model import parse_rgd
from kroless.runtime.registry import RGDRegistry
from kroless_cli.testing import MemoryStore


def rgd(**resource: Any) -> dict[str, Any]:
    template = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "${schema.spec.name}"}}
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": "policy"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "Policy", "spec": {"name": "string"}},
            "resources": [{"id": "config", "template": template}, {"id": "kept", **resource}],
        },
    }


@pytest.mark.parametrize("policy", ["Delete", "Detach", None])
def test_kros_policies_compile_onto_the_node(policy: str | None) -> None:
    document = rgd(template={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})
    if policy:
        document["spec"]["resources"][1]["deletionPolicy"] = policy
    graph = RGDRegistry(MemoryStore()).register(document)
    assert graph.nodes["kept"].deletion_policy == (policy or "Delete")
    assert graph.nodes["config"].deletion_policy == "Delete"


def test_an_unknown_policy_is_refused_with_the_api_servers_enum_message() -> None:
    document = rgd(template={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}, deletionPolicy="Retain")
    with pytest.raises(DocumentError) as caught:
        parse_rgd(document, file="policy.yaml")
    assert caught.value.located() == (
        'policy.yaml: policy: resource "kept": spec.resources[1].deletionPolicy: '
        'Unsupported value: "Retain": supported values: "Delete", "Detach"'
    )


def test_a_policy_on_an_external_ref_is_refused() -> None:
    external = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}}
    with pytest.raises(DocumentError) as caught:
        parse_rgd(rgd(externalRef=external, deletionPolicy="Detach"))
    assert caught.value.located() == (
        'policy: resource "kept": spec.resources[1]: Invalid value: "object": '
        "deletionPolicy is only supported on template resources"
    )
