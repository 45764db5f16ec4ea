"""The shipped OpenAPI schemas of the Kubernetes built-in kinds (kroless.schemas.kubernetes)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kroless.schemas import kubernetes as k8s
from kroless.schemas.kubernetes import builtin_kinds, builtin_namespaced, builtin_schema

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "layers/core/kroless/schemas/kubernetes.json.gz"

INT_OR_STRING = "x-kubernetes-int-or-string"
PRESERVE = "x-kubernetes-preserve-unknown-fields"


def at(schema: dict[str, Any] | None, path: str) -> dict[str, Any]:
    """Sub-schema at a dotted path; ``[]`` steps into array items, ``{}`` into map values."""
    assert schema is not None
    for step in path.split("."):
        if step.endswith("[]"):
            schema = schema["properties"][step[:-2]] if step[:-2] else schema
            assert schema["type"] == "array", path
            schema = schema["items"]
        elif step.endswith("{}"):
            schema = schema["properties"][step[:-2]]
            assert schema["type"] == "object", path
            schema = schema["additionalProperties"]
        else:
            schema = schema["properties"][step]
    return schema


def deployment() -> dict[str, Any]:
    schema = builtin_schema("apps/v1", "Deployment")
    assert schema is not None
    return schema


# ── types ───────────────────────────────────────────────────────────────────────────────────────────


def test_deployment_top_level_fields() -> None:
    schema = deployment()
    assert schema["type"] == "object"
    assert set(schema["properties"]) == {"apiVersion", "kind", "metadata", "spec", "status"}
    assert at(schema, "apiVersion") == {"type": "string"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("spec.replicas", {"type": "integer"}),
        ("spec.paused", {"type": "boolean"}),
        ("spec.template.spec.containers[].image", {"type": "string"}),
        ("spec.template.spec.containers[].ports[].containerPort", {"type": "integer"}),
        ("spec.template.spec.containers[].args[]", {"type": "string"}),
        ("spec.template.metadata.labels{}", {"type": "string"}),
        ("metadata.annotations{}", {"type": "string"}),
        ("metadata.creationTimestamp", {"type": "string", "format": "date-time"}),
        ("status.conditions[].lastUpdateTime", {"type": "string", "format": "date-time"}),
    ],
)
def test_deployment_field_types(path: str, expected: dict[str, Any]) -> None:
    assert at(deployment(), path) == expected


def test_required_fields() -> None:
    schema = deployment()
    assert set(at(schema, "spec")["required"]) == {"selector", "template"}
    assert at(schema, "spec.template.spec")["required"] == ["containers"]
    assert at(schema, "spec.template.spec.containers[]")["required"] == ["name"]
    assert at(schema, "spec.template.spec.containers[].ports[]")["required"] == ["containerPort"]
    assert "required" not in at(schema, "metadata")


@pytest.mark.parametrize(
    ("api_version", "kind", "path"),
    [
        ("v1", "Service", "spec.ports[].targetPort"),
        ("apps/v1", "Deployment", "spec.strategy.rollingUpdate.maxSurge"),
        ("apps/v1", "Deployment", "spec.strategy.rollingUpdate.maxUnavailable"),
        ("apps/v1", "Deployment", "spec.template.spec.containers[].livenessProbe.httpGet.port"),
        ("apps/v1", "Deployment", "spec.template.spec.containers[].readinessProbe.tcpSocket.port"),
        ("apps/v1", "DaemonSet", "spec.updateStrategy.rollingUpdate.maxSurge"),
        ("apps/v1", "StatefulSet", "spec.updateStrategy.rollingUpdate.maxUnavailable"),
        ("policy/v1", "PodDisruptionBudget", "spec.minAvailable"),
        ("policy/v1", "PodDisruptionBudget", "spec.maxUnavailable"),
        ("networking.k8s.io/v1", "NetworkPolicy", "spec.ingress[].ports[].port"),
    ],
)
def test_int_or_string(api_version: str, kind: str, path: str) -> None:
    field = at(builtin_schema(api_version, kind), path)
    assert field[INT_OR_STRING] is True
    assert field["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    assert "type" not in field


QUANTITY = {"oneOf": [{"type": "string"}, {"type": "number"}]}


@pytest.mark.parametrize(
    ("api_version", "kind", "path"),
    [
        ("v1", "Pod", "spec.containers[].resources.limits{}"),
        ("v1", "Pod", "spec.containers[].resources.requests{}"),
        ("v1", "Pod", "spec.volumes[].emptyDir.sizeLimit"),
        ("v1", "PersistentVolumeClaim", "spec.resources.requests{}"),
        ("v1", "PersistentVolume", "spec.capacity{}"),
        ("v1", "ResourceQuota", "spec.hard{}"),
        ("v1", "LimitRange", "spec.limits[].default{}"),
        ("autoscaling/v2", "HorizontalPodAutoscaler", "spec.metrics[].pods.target.averageValue"),
        ("node.k8s.io/v1", "RuntimeClass", "overhead.podFixed{}"),
    ],
)
def test_quantity_is_string_or_number(api_version: str, kind: str, path: str) -> None:
    # as the API server's OpenAPI v3 spells resource.Quantity ("500m", "1Gi" or 0.5)
    assert at(builtin_schema(api_version, kind), path) == QUANTITY


def test_maps_and_bytes() -> None:
    config_map = builtin_schema("v1", "ConfigMap")
    assert at(config_map, "data") == {"type": "object", "additionalProperties": {"type": "string"}}
    assert at(config_map, "binaryData{}") == {"type": "string", "format": "byte"}
    assert at(builtin_schema("v1", "Secret"), "stringData{}") == {"type": "string"}


def test_free_form_fields_preserve_unknown() -> None:
    revision = at(builtin_schema("apps/v1", "ControllerRevision"), "data")  # runtime.RawExtension
    assert revision == {"type": "object", PRESERVE: True}
    managed = at(deployment(), "metadata.managedFields[].fieldsV1")
    assert managed[PRESERVE] is True


def test_recursive_json_schema_props_stop_at_second_level() -> None:
    crd = builtin_schema("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    root = at(crd, "spec.versions[].schema.openAPIV3Schema")
    assert at(root, "type") == {"type": "string"}
    assert at(root, "x-kubernetes-preserve-unknown-fields") == {"type": "boolean"}
    assert root["properties"]["properties"]["additionalProperties"] == {"type": "object", PRESERVE: True}
    assert at(root, "not") == {"type": "object", PRESERVE: True}
    # JSONSchemaProps has a field literally named $ref: it is a property, not a reference
    assert at(root, "$ref") == {"type": "string"}


def test_no_references_left_and_every_node_typed() -> None:
    """Every kind expands fully, and every node has what Kro's parser needs (a type or its stand-in)."""

    def walk(schema: dict[str, Any], path: str) -> None:
        assert not isinstance(schema.get("$ref"), str), path
        typed = ("type", "oneOf", "anyOf", "additionalProperties", PRESERVE)
        assert any(key in schema for key in typed), path
        for name, sub in (schema.get("properties") or {}).items():
            walk(sub, f"{path}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(schema[key], f"{path}[]")

    kinds = builtin_kinds()
    assert len(kinds) >= 60
    for api_version, kind in kinds:
        schema = builtin_schema(api_version, kind)
        assert schema is not None
        assert {"apiVersion", "kind", "metadata"} <= set(schema["properties"]), (api_version, kind)
        walk(schema, f"{api_version} {kind}")


# ── kinds and scope ─────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "Pod"),
        ("v1", "Service"),
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "ServiceAccount"),
        ("v1", "PersistentVolumeClaim"),
        ("apps/v1", "StatefulSet"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("networking.k8s.io/v1", "Ingress"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("policy/v1", "PodDisruptionBudget"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("coordination.k8s.io/v1", "Lease"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
    ],
)
def test_namespaced(api_version: str, kind: str) -> None:
    assert builtin_namespaced(api_version, kind) is True
    assert builtin_schema(api_version, kind) is not None


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "Namespace"),
        ("v1", "Node"),
        ("v1", "PersistentVolume"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        ("storage.k8s.io/v1", "StorageClass"),
        ("scheduling.k8s.io/v1", "PriorityClass"),
        ("node.k8s.io/v1", "RuntimeClass"),
        ("networking.k8s.io/v1", "IngressClass"),
        ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
        ("certificates.k8s.io/v1", "CertificateSigningRequest"),
        ("apiregistration.k8s.io/v1", "APIService"),
    ],
)
def test_cluster_scoped(api_version: str, kind: str) -> None:
    assert builtin_namespaced(api_version, kind) is False
    assert builtin_schema(api_version, kind) is not None


def test_scope_falls_back_to_another_version_of_the_group() -> None:
    assert builtin_schema("apps/v1beta2", "Deployment") is None
    assert builtin_namespaced("apps/v1beta2", "Deployment") is True
    assert builtin_namespaced("rbac.authorization.k8s.io/v1beta1", "ClusterRole") is False


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "Deployment"),  # wrong group
        ("apps/v1", "Pod"),
        ("v1", "pod"),  # kinds are case-sensitive
        ("example.com/v1", "Widget"),
        ("s3.services.k8s.aws/v1alpha1", "Bucket"),
        ("kro.run/v1alpha1", "ResourceGraphDefinition"),
        ("apps/v1", "DeploymentList"),
        ("apps/v1", "Scale"),  # a subresource, not a kind of its own
    ],
)
def test_unknown_kind(api_version: str, kind: str) -> None:
    assert builtin_schema(api_version, kind) is None
    assert builtin_namespaced(api_version, kind) is None


def test_lookups_are_memoized_and_sub_schemas_shared() -> None:
    assert builtin_schema("v1", "Pod") is builtin_schema("v1", "Pod")
    pod_meta = at(builtin_schema("v1", "Pod"), "metadata")
    assert pod_meta is at(deployment(), "metadata")
    assert at(builtin_schema("v1", "Pod"), "spec") is at(deployment(), "spec.template.spec")


# ── the data file ───────────────────────────────────────────────────────────────────────────────────


def test_import_reads_nothing() -> None:
    code = "import kroless.schemas.kubernetes as k; assert k._load.cache_info().currsize == 0; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_data_file_is_small_and_versioned() -> None:
    assert DATA.stat().st_size < 64 * 1024
    data = json.loads(gzip.decompress(DATA.read_bytes()))
    assert data["format"] == k8s.FORMAT_VERSION
    assert data["source"].startswith("kubernetes Python client ")


def test_data_file_matches_generator(tmp_path: Path) -> None:
    """The shipped file is the generator's output (regenerate with tools/gen_kubernetes_schemas.py)."""
    out = tmp_path / "kubernetes.json.gz"
    subprocess.run(
        [sys.executable, str(REPO / "tools/gen_kubernetes_schemas.py"), "--output", str(out)],
        check=True,
        capture_output=True,
    )
    shipped = json.loads(gzip.decompress(DATA.read_bytes()))
    generated = json.loads(gzip.decompress(out.read_bytes()))
    # the pinned client (requirements-core.txt) is the one the file came from: a new pin needs a regenerated file
    assert generated["source"] == shipped["source"], "run tools/gen_kubernetes_schemas.py after changing the pin"
    assert generated == shipped
