#!/usr/bin/env python3
"""Generate ``kroless/schemas/kubernetes.json.gz``: OpenAPI v3 schemas of the Kubernetes built-in kinds.

Kro type-checks resource templates against the OpenAPI schema the API server serves for each kind.
kroless compiles offline, so it ships those schemas for the built-ins. This dev-time tool derives them
from the official ``kubernetes`` Python client (pydantic models, one class per OpenAPI definition);
the runtime never imports ``kubernetes``.

    .venv/bin/pip install kubernetes==37.0.1
    .venv/bin/python tools/gen_kubernetes_schemas.py [--include-beta] [--output PATH]

What is derived from where:

* kinds, group/version, scope and plural: the client's API classes. Every ``create_*``/``read_*`` method that
  returns the model of the resource it names (``read_namespaced_deployment`` → ``V1Deployment``, but not
  ``read_namespaced_deployment_scale`` → ``V1Scale``) is a top-level kind; the group/version and the scope
  come from its REST path (``/apis/apps/v1/namespaces/{namespace}/deployments/{name}``).
* properties: each model's ``openapi_types`` (type) and ``attribute_map`` (JSON field name).
* ``required``: the pydantic fields with no default.
* IntOrString: the client types those fields ``object`` but annotates them ``Union[int, str]``.
* RawExtension / JSON: ``object`` fields annotated ``Dict[str, Any]`` or ``Any``.
* Quantity: the client types it plain ``str``; the fields are listed in ``QUANTITY_FIELDS`` below.
* descriptions, defaults, enums, formats of integers and list-map keys are left out (kroless only
  needs structure and types), which keeps the bundle small.

Output (gzip JSON): ``definitions`` maps a model name to its schema, where a nested model is
``{"$ref": "Name"}``; ``kinds`` maps apiVersion → kind → ``{"ref": "Name", "namespaced": bool, "plural": str}``.
``kroless.schemas.kubernetes`` expands the references on first use.
"""

from __future__ import annotations

import argparse
import gzip
import inspect
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any

try:
    import kubernetes
    from kubernetes.client import api as k8s_api
    from kubernetes.client import models as k8s_models
except ImportError:  # pragma: no cover - dev-time tool
    sys.exit("the generator needs the kubernetes client: .venv/bin/pip install kubernetes==37.0.1")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "layers/core/kroless/schemas/kubernetes.json.gz"
FORMAT_VERSION = 1

# The API server's OpenAPI v3 spells these two with oneOf (kube-openapi's OpenAPIV3OneOfTypes):
# intstr.IntOrString is oneOf integer|string with format int-or-string, which Kro and the CEL
# library read as x-kubernetes-int-or-string (the CRD spelling, added here so either check works);
# resource.Quantity is oneOf string|number ("500m", "1Gi", 0.5) and is not int-or-string: marking it
# so would reject the float 0.5 that Kro accepts for a cpu request.
INT_OR_STRING: dict[str, Any] = {
    "x-kubernetes-int-or-string": True,
    "oneOf": [{"type": "integer"}, {"type": "string"}],
    "format": "int-or-string",
}
QUANTITY: dict[str, Any] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
PRESERVE_OBJECT: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
PRESERVE_ANY: dict[str, Any] = {"x-kubernetes-preserve-unknown-fields": True}

# (model, JSON field) whose Go type is resource.Quantity, or a map of them. The client types these
# as plain strings, so they are listed by hand (from the Kubernetes API reference).
QUANTITY_FIELDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("V1ResourceRequirements", "limits"),
        ("V1ResourceRequirements", "requests"),
        ("V1VolumeResourceRequirements", "limits"),
        ("V1VolumeResourceRequirements", "requests"),
        ("V1EmptyDirVolumeSource", "sizeLimit"),
        ("V1ResourceFieldSelector", "divisor"),
        ("V1ContainerStatus", "allocatedResources"),
        ("V1PodSpec", "overhead"),
        ("V1PodStatus", "allocatedResources"),
        ("V1Overhead", "podFixed"),
        ("V1NodeStatus", "allocatable"),
        ("V1NodeStatus", "capacity"),
        ("V1PersistentVolumeSpec", "capacity"),
        ("V1PersistentVolumeClaimStatus", "capacity"),
        ("V1PersistentVolumeClaimStatus", "allocatedResources"),
        ("V1ResourceQuotaSpec", "hard"),
        ("V1ResourceQuotaStatus", "hard"),
        ("V1ResourceQuotaStatus", "used"),
        ("V1LimitRangeItem", "default"),
        ("V1LimitRangeItem", "defaultRequest"),
        ("V1LimitRangeItem", "max"),
        ("V1LimitRangeItem", "min"),
        ("V1LimitRangeItem", "maxLimitRequestRatio"),
        ("V1CSIStorageCapacity", "capacity"),
        ("V1CSIStorageCapacity", "maximumVolumeSize"),
        ("V2MetricTarget", "averageValue"),
        ("V2MetricTarget", "value"),
        ("V2MetricValueStatus", "averageValue"),
        ("V2MetricValueStatus", "value"),
        # resource.k8s.io/v1 (dynamic resource allocation)
        ("V1DeviceCapacity", "value"),
        ("V1CapacityRequestPolicy", "default"),
        ("V1CapacityRequestPolicyRange", "max"),
        ("V1CapacityRequestPolicyRange", "min"),
        ("V1CapacityRequestPolicyRange", "step"),
        ("V1CapacityRequirements", "requests"),
        ("V1DeviceRequestAllocationResult", "consumedCapacity"),
        ("V1NodeAllocatableMappedResources", "quantity"),
        ("V1NodeAllocatableMapping", "capacityMultiplier"),
        ("V1NodeAllocatableOverheadResources", "perContainer"),
        ("V1NodeAllocatableOverheadResources", "perPod"),
    }
)

PRIMITIVES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "bytes": {"type": "string", "format": "byte"},
}

STABLE_VERSION = re.compile(r"^v\d+$")
BETA_VERSION = re.compile(r"^v\d+beta\d+$")
VERSION_PREFIX = re.compile(r"^[A-Za-z]*?V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])")
RESOURCE_PATH = re.compile(r"resource_path='(/apis?/[^']+)'")


class Generator:
    def __init__(self) -> None:
        self.definitions: dict[str, dict[str, Any]] = {}

    # -- models --------------------------------------------------------------------------------------

    def ref(self, model: type) -> dict[str, Any]:
        """``{"$ref": name}`` for a model, generating its definition the first time it is seen."""
        name = model.__name__
        if name not in self.definitions:
            self.definitions[name] = {}  # placeholder: stops recursion (JSONSchemaProps)
            self.definitions[name] = self.model_schema(model)
        return {"$ref": name}

    def model_schema(self, model: Any) -> dict[str, Any]:
        """A model class (pydantic, with the generator's ``openapi_types`` and ``attribute_map``)."""
        fields = {(info.serialization_alias or attr): info for attr, info in model.model_fields.items()}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for attr, type_string in model.openapi_types.items():
            json_name = model.attribute_map[attr]
            info = fields[json_name]
            if (model.__name__, json_name) in QUANTITY_FIELDS:
                properties[json_name] = self.quantity(type_string)
            else:
                properties[json_name] = self.type_schema(type_string, info.annotation)
            if info.is_required():
                required.append(json_name)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return schema

    def quantity(self, type_string: str) -> dict[str, Any]:
        if type_string == "str":
            return dict(QUANTITY)
        if type_string == "Dict[str, str]":
            return {"type": "object", "additionalProperties": dict(QUANTITY)}
        raise ValueError(f"unexpected Quantity field type {type_string!r}")

    def type_schema(self, type_string: str, annotation: Any = None) -> dict[str, Any]:
        """Schema of one ``openapi_types`` entry; ``annotation`` (the pydantic one) refines ``object``."""
        if type_string in PRIMITIVES:
            return dict(PRIMITIVES[type_string])
        if type_string == "object":
            return object_schema(annotation)
        if type_string.startswith("List[") and type_string.endswith("]"):
            return {"type": "array", "items": self.type_schema(type_string[5:-1])}
        if type_string.startswith("Dict[str, ") and type_string.endswith("]"):
            return {"type": "object", "additionalProperties": self.type_schema(type_string[10:-1])}
        model = getattr(k8s_models, type_string, None)
        if inspect.isclass(model) and hasattr(model, "openapi_types"):
            return self.ref(model)
        raise ValueError(f"unknown OpenAPI type string {type_string!r}")

    # -- kinds ---------------------------------------------------------------------------------------

    def kinds(self, include_beta: bool) -> dict[str, dict[str, dict[str, Any]]]:
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for api_class in api_classes():
            for api_version, kind, namespaced, plural, model in top_level_kinds(api_class):
                version = api_version.rpartition("/")[2]
                if not (STABLE_VERSION.match(version) or (include_beta and BETA_VERSION.match(version))):
                    continue
                entry = {"ref": self.ref(model)["$ref"], "namespaced": namespaced, "plural": plural}
                previous = out.setdefault(api_version, {}).setdefault(kind, entry)
                if previous != entry:
                    raise ValueError(f"{api_version} {kind}: conflicting {previous} and {entry}")
        return {v: dict(sorted(ks.items())) for v, ks in sorted(out.items())}


def object_schema(annotation: Any) -> dict[str, Any]:
    """An ``object``-typed field: IntOrString, or free-form JSON (RawExtension, JSON, JSONSchemaProps...)."""
    args = set(typing.get_args(annotation)) - {type(None)}
    plain = {typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a for a in args}
    if plain == {int, str}:
        return dict(INT_OR_STRING)
    if typing.get_origin(annotation) is dict or plain and all(typing.get_origin(a) is dict for a in plain):
        return dict(PRESERVE_OBJECT)
    return dict(PRESERVE_ANY)


def api_classes() -> list[type]:
    classes = []
    for name in sorted(dir(k8s_api)):
        cls = getattr(k8s_api, name)
        if inspect.isclass(cls) and name.endswith("Api"):
            classes.append(cls)
    return classes


def kind_name(model: type) -> str:
    """``V1Deployment`` → ``Deployment``; ``CoreV1Event`` → ``Event``; ``V2HorizontalPodAutoscaler`` → ..."""
    return VERSION_PREFIX.sub("", model.__name__)


def top_level_kinds(api_class: type) -> list[tuple[str, str, bool, str, type]]:
    """(apiVersion, kind, namespaced, plural, model) for each resource an API class creates or reads."""
    found = []
    for name, method in inspect.getmembers(api_class, inspect.isfunction):
        match = re.fullmatch(r"(?:create|read)_(?:namespaced_)?(\w+)", name)
        if not match or name.endswith("_with_http_info") or name.endswith("_without_preload_content"):
            continue
        model = inspect.signature(method).return_annotation
        if not (inspect.isclass(model) and hasattr(model, "openapi_types")):
            continue
        kind = kind_name(model)
        if match.group(1).replace("_", "") != kind.lower():
            continue  # a subresource: read_namespaced_deployment_scale → V1Scale
        serializer = getattr(api_class, f"_{name}_serialize")
        path = RESOURCE_PATH.search(inspect.getsource(serializer))
        if path is None:
            raise ValueError(f"{api_class.__name__}.{name}: no resource_path")
        api_version, namespaced, plural = parse_path(path.group(1))
        found.append((api_version, kind, namespaced, plural, model))
    return found


def parse_path(path: str) -> tuple[str, bool, str]:
    """``/apis/apps/v1/namespaces/{namespace}/deployments`` → (``apps/v1``, True, ``deployments``);
    ``/api/v1/nodes/{name}`` → (``v1``, False, ``nodes``)."""
    parts = path.strip("/").split("/")
    api_version = parts[1] if parts[0] == "api" else f"{parts[1]}/{parts[2]}"
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    if rest[:2] == ["namespaces", "{namespace}"]:
        rest = rest[2:]
    return api_version, "{namespace}" in parts, rest[0]


def generate(include_beta: bool) -> dict[str, Any]:
    generator = Generator()
    kinds = generator.kinds(include_beta)
    used = {(model, field) for model, field in QUANTITY_FIELDS if model in generator.definitions}
    for model, field in sorted(used):
        if field not in generator.definitions[model]["properties"]:
            raise ValueError(f"QUANTITY_FIELDS: {model} has no field {field}")
    return {
        "format": FORMAT_VERSION,
        "source": f"kubernetes Python client {kubernetes.__version__}",
        "kinds": kinds,
        "definitions": dict(sorted(generator.definitions.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--include-beta", action="store_true", help="also emit v1betaN group versions")
    args = parser.parse_args(argv)
    bundle = generate(args.include_beta)
    raw = json.dumps(bundle, separators=(",", ":"), sort_keys=False).encode()
    # mtime=0: the same input gives byte-identical output, so regenerating leaves no git diff
    args.output.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    kinds = sum(len(v) for v in bundle["kinds"].values())
    print(
        f"{args.output}: {kinds} kinds in {len(bundle['kinds'])} group versions, "
        f"{len(bundle['definitions'])} definitions, {len(raw)} bytes JSON, "
        f"{args.output.stat().st_size} bytes gzip"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
