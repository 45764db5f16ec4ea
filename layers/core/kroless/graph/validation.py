"""Static checks Kro runs when an RGD is registered, with Kro's messages."""

from __future__ import annotations

import re
from typing import Any

from kroless.errors import GraphError
from kroless.model.rgd import ResourceGraphDefinition

NAMING_CONVENTION = "naming convention violation"

LOWER_CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
UPPER_CAMEL_CASE = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
KUBERNETES_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d+)?$")

CEL_RESERVED_SYMBOLS = frozenset(
    "true false null in as break const continue else for function if import let loop package namespace "
    "return var void while".split()
)
KRO_RESERVED_WORDS = frozenset(
    "apiVersion context dependency dependencies each externalRef externalReference externalRefs "
    "externalReferences graph graphengine instance item items kind kro metadata namespace object resource "
    "resourcegraphdefinition resourceGraphDefinition resources root runtime schema self serviceAccountName "
    "spec status this variables vars version".split()
)
RESERVED_WORDS = KRO_RESERVED_WORDS | CEL_RESERVED_SYMBOLS

KRO_LABEL_PREFIXES = ("kro.run/", "internal.kro.run/")

DEFAULT_MAX_COLLECTION_DIMENSIONS = 10


def validate_names(rgd: ResourceGraphDefinition, max_dimensions: int = DEFAULT_MAX_COLLECTION_DIMENSIONS) -> None:
    """Kind and resource ids (Kro's validateResourceGraphDefinition)."""
    kind = rgd.schema.kind
    if not UPPER_CAMEL_CASE.match(kind):
        raise GraphError(
            f"{NAMING_CONVENTION}: kind '{kind}' is not a valid KRO kind name: must be UpperCamelCase"
        )
    if not KUBERNETES_VERSION.match(rgd.schema.api_version):
        raise GraphError(f"version {rgd.schema.api_version} is not a valid Kubernetes version")
    seen: set[str] = set()
    for resource in rgd.spec.resources:
        rid = resource.id
        if rid in RESERVED_WORDS:
            raise GraphError(f"{NAMING_CONVENTION}: id {rid} is a reserved keyword in KRO", resource_id=rid)
        if not LOWER_CAMEL_CASE.match(rid):
            raise GraphError(
                f"{NAMING_CONVENTION}: id {rid} is not a valid KRO resource id: must be lower camelCase",
                resource_id=rid,
            )
        if rid in seen:
            raise GraphError(f"{NAMING_CONVENTION}: found duplicate resource IDs {rid}", resource_id=rid)
        seen.add(rid)
    for resource in rgd.spec.resources:
        validate_for_each_dimensions(resource.id, [next(iter(d)) for d in resource.for_each], seen, max_dimensions)


def validate_for_each_dimensions(rid: str, iterators: list[str], resource_ids: set[str], max_dimensions: int) -> None:
    if len(iterators) > max_dimensions:
        raise GraphError(
            f'resource "{rid}": forEach cannot have more than {max_dimensions} dimensions, got {len(iterators)}',
            resource_id=rid,
        )
    seen: set[str] = set()
    for name in iterators:
        if not LOWER_CAMEL_CASE.match(name):
            message = f'forEach iterator name "{name}" is not valid: must be lowerCamelCase'
        elif name in RESERVED_WORDS:
            message = f'forEach iterator name "{name}" is a reserved keyword'
        elif name in resource_ids:
            message = f'forEach iterator name "{name}" conflicts with resource ID'
        elif name in seen:
            message = f'duplicate forEach iterator name "{name}"'
        else:
            seen.add(name)
            continue
        raise GraphError(f'resource "{rid}": {message}', resource_id=rid, path="forEach")


def validate_combinable_fields(rid: str, has_template: bool, has_external_ref: bool, for_each_count: int) -> None:
    if not has_template and not has_external_ref:
        message = "exactly one of template or externalRef must be provided"
    elif has_template and has_external_ref:
        message = "cannot use externalRef with template"
    elif has_external_ref and for_each_count:
        message = "cannot use externalRef with forEach"
    else:
        return
    raise GraphError(f'invalid combination of resource fields: resource "{rid}": {message}', resource_id=rid)


def validate_object_structure(rid: str, obj: dict[str, Any]) -> None:
    for key, expected, noun in (("apiVersion", str, "string"), ("kind", str, "string"), ("metadata", dict, "map")):
        if key not in obj:
            problem = f"{key} field not found"
        elif not isinstance(obj[key], expected):
            problem = f"{key} field is not a {noun}"
        else:
            continue
        raise GraphError(f"resource {rid} is not a valid Kubernetes object: {problem}", resource_id=rid, path=key)


def validate_template_constraints(
    rid: str,
    obj: dict[str, Any],
    *,
    resource_namespaced: bool,
    instance_namespaced: bool,
    external_collection: bool,
) -> None:
    metadata = obj.get("metadata") or {}
    has_namespace = "namespace" in metadata
    if not resource_namespaced and has_namespace:
        raise GraphError(
            f'resource "{rid}" is cluster-scoped and must not set metadata.namespace',
            resource_id=rid,
            path="metadata.namespace",
        )
    if resource_namespaced and not instance_namespaced and not external_collection:
        namespace = metadata.get("namespace")
        if not isinstance(namespace, str) or not namespace.strip():
            raise GraphError(
                f'resource "{rid}" is namespaced and must set metadata.namespace when the instance CRD is '
                "cluster-scoped",
                resource_id=rid,
                path="metadata.namespace",
            )
    for field, noun in (("labels", "label"), ("annotations", "annotation")):
        values = metadata.get(field)
        if not isinstance(values, dict):
            continue
        for key in values:
            for prefix in KRO_LABEL_PREFIXES:
                if str(key).startswith(prefix):
                    raise GraphError(
                        f'invalid {noun} for resource "{rid}". {field} with prefix "{prefix}" are reserved for '
                        "internal use",
                        resource_id=rid,
                        path=f"metadata.{field}",
                    )
