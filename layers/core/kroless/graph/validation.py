"""Static checks Kro runs when an RGD is registered, with Kro's messages."""

from __future__ import annotations

import re
from typing import Any

from kroless.errors import GraphError
from kroless.graph.parser import is_standalone_expression, parse_resource
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


METADATA_NAME = "metadata.name"
METADATA_NAMESPACE = "metadata.namespace"


def is_kro_reserved_word(word: str) -> bool:
    return word in RESERVED_WORDS


def is_valid_resource_id(rid: str) -> bool:
    return LOWER_CAMEL_CASE.match(rid) is not None


def validate_kubernetes_version(version: str) -> None:
    if not KUBERNETES_VERSION.match(version):
        raise GraphError(f"version {version} is not a valid Kubernetes version")


def validate_names(rgd: ResourceGraphDefinition, max_dimensions: int = DEFAULT_MAX_COLLECTION_DIMENSIONS) -> None:
    """Kind and resource ids (Kro's validateResourceGraphDefinition)."""
    kind = rgd.schema.kind
    if not UPPER_CAMEL_CASE.match(kind):
        raise GraphError(
            f"{NAMING_CONVENTION}: kind '{kind}' is not a valid KRO kind name: must be UpperCamelCase"
        )
    validate_kubernetes_version(rgd.schema.api_version)
    seen: set[str] = set()
    for resource in rgd.spec.resources:
        rid = resource.id
        if is_kro_reserved_word(rid):
            raise GraphError(f"{NAMING_CONVENTION}: id {rid} is a reserved keyword in KRO", resource_id=rid)
        if not is_valid_resource_id(rid):
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
        if not is_valid_resource_id(name):
            message = f'forEach iterator name "{name}" is not valid: must be lowerCamelCase'
        elif is_kro_reserved_word(name):
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
    metadata = obj.get("metadata", {})
    if not isinstance(metadata, dict):
        # Go's unstructured.NestedFieldNoCopy on a non-map parent
        raise GraphError(
            f'resource "{rid}" has invalid metadata.namespace: .metadata.namespace accessor error: {metadata} is of '
            f"the type {type(metadata).__name__}, expected map[string]interface{{}}",
            resource_id=rid,
            path="metadata",
        )
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


def validate_identity_fields(
    rid: str, fields: list[tuple[str, bool]], *, resource_namespaced: bool, instance_namespaced: bool
) -> None:
    """omit() must not remove identity fields: ``fields`` are (path, uses omit()) of a node's expressions.

    metadata.name is always required; metadata.namespace only for a namespaced resource of a cluster-scoped
    instance (there is no instance namespace to inherit).
    """
    for path, uses_omit in fields:
        required = path == METADATA_NAME or (
            path == METADATA_NAMESPACE and resource_namespaced and not instance_namespaced
        )
        if required and uses_omit:
            raise GraphError(
                f'resource "{rid}": omit() cannot be used at path "{path}" — the field is required and must resolve '
                "to a concrete value",
                resource_id=rid,
                path=path,
            )


SELECTOR_SHAPE_ERROR = "selector must be a Kubernetes LabelSelector object or a CEL expression that resolves to one"

# metav1.LabelSelector as OpenAPI (Kro's schema.LabelSelectorSchema)
LABEL_SELECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string"},
                    "operator": {"type": "string"},
                    "values": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def validate_external_ref_metadata(metadata: dict[str, Any]) -> None:
    """externalRef.metadata: exactly one of name/selector; a selector is a LabelSelector or one expression."""
    has_name = bool(metadata.get("name"))
    selector = metadata.get("selector")
    if has_name == (selector is not None):
        raise GraphError("exactly one of name or selector must be provided")
    if selector is None:
        return
    if isinstance(selector, str):
        try:
            standalone = is_standalone_expression(selector)
        except GraphError as err:
            raise GraphError(f"invalid selector expression: {err.message}") from None
        if not standalone:
            raise GraphError(SELECTOR_SHAPE_ERROR)
        return
    if not isinstance(selector, dict):
        raise GraphError(SELECTOR_SHAPE_ERROR)
    if parse_resource(selector, LABEL_SELECTOR_SCHEMA, "metadata.selector"):
        # values known only at reconcile time: label syntax and operators are checked when listing
        return
    problems = _label_selector_problems(selector)
    if problems:
        raise GraphError(f"invalid label selector: [{', '.join(problems)}]")


_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _label_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return "prefix part must be a lowercase RFC 1123 subdomain"
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    return None


def _label_selector_problems(selector: dict[str, Any]) -> list[str]:
    """Kubernetes' ValidateLabelSelector for a literal selector (apimachinery metav1 validation)."""
    path = "metadata.selector"
    problems: list[str] = []
    for index, requirement in enumerate(selector.get("matchExpressions") or []):
        where = f"{path}.matchExpressions[{index}]"
        operator = requirement.get("operator")
        values = requirement.get("values") or []
        if operator in ("In", "NotIn") and not values:
            problems.append(f"{where}.values: Required value: must be specified when `operator` is 'In' or 'NotIn'")
        elif operator in ("Exists", "DoesNotExist") and values:
            problems.append(f"{where}.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        elif operator not in _SELECTOR_OPERATORS:
            problems.append(f'{where}.operator: Invalid value: "{operator}": not a valid selector operator')
        key_problem = _label_key_problem(str(requirement.get("key", "")))
        if key_problem:
            problems.append(f'{where}.key: Invalid value: "{requirement.get("key", "")}": {key_problem}')
    for key in selector.get("matchLabels") or {}:
        key_problem = _label_key_problem(str(key))
        if key_problem:
            problems.append(f'{path}.matchLabels: Invalid value: "{key}": {key_problem}')
    return problems
