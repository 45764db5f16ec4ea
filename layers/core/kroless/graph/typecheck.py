"""Static types where a schema is known.

Kro type-checks every expression against OpenAPI schemas (the instance's and each resource kind's).
cel-expr-python declares variables as ``dyn`` (it has no structural object types), so kroless checks
what matters to users on top of the CEL checker:

* field existence along ``schema.spec...`` (and any resource whose kind schema is known):
  ``undefined field 'nme'``;
* the type of a standalone expression against the field it fills, and string templates whose parts are
  not strings: ``type mismatch in resource "x" at path "spec.replicas": expression "..." returns type
  "string" but expected "integer"``.

Types are OpenAPI schema dicts; ``None`` means unknown (``dyn``), which is always accepted, as Kro
accepts anything under ``x-kubernetes-preserve-unknown-fields``.
"""

from __future__ import annotations

import re
from typing import Any

from kroless.errors import GraphError
from kroless.graph import fieldpath
from kroless.graph.parser import TEMPLATE_JOIN, FieldExpression, scan_expressions, template_parts

Schema = dict[str, Any]

_SELECT_CHAIN = re.compile(r"^\s*([A-Za-z_]\w*)((?:\s*\.\s*[A-Za-z_]\w*)*)\s*$")

_CEL_TO_OPENAPI = {
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "uint": {"type": "integer"},
    "double": {"type": "number"},
    "bool": {"type": "boolean"},
    "bytes": {"type": "string", "format": "byte"},
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "format": "duration"},
}

_OPENAPI_TO_CEL = {"string": "string", "integer": "int", "number": "double", "boolean": "bool"}

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

# metav1.ObjectMeta (Kro's schema.ObjectMetaSchema): closed, so a typo or a field the instance cannot have
# (metadata.namespace of a cluster-scoped instance) is an undefined field
_OBJECT_META: Schema = {
    "type": "object",
    "properties": {
        **{
            name: {"type": "string"}
            for name in ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion")
        },
        "generation": {"type": "integer"},
        "creationTimestamp": {"type": "string", "format": "date-time"},
        "deletionTimestamp": {"type": "string", "format": "date-time"},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
        "managedFields": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    },
}


def instance_variable_schema(spec_schema: Schema, *, namespaced: bool) -> Schema:
    """The ``schema`` variable: ``spec`` plus ObjectMeta (no namespace for cluster-scoped instances)."""
    metadata = {**_OBJECT_META, "properties": dict(_OBJECT_META["properties"])}
    if not namespaced:
        del metadata["properties"]["namespace"]
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": metadata,
            "spec": spec_schema,
        },
    }


def as_list(schema: Schema | None) -> Schema:
    return {"type": "array", "items": schema} if schema is not None else {"type": "array"}


def _schemaless(schema: Schema) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields")) and "properties" not in schema


def field_schema(schema: Schema | None, name: str) -> tuple[bool, Schema | None]:
    """(exists, schema of field ``name``). Unknown or schemaless parents accept any field."""
    if schema is None or _schemaless(schema):
        return True, None
    properties = schema.get("properties")
    if properties is not None and name in properties:
        return True, properties[name]
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        return True, additional
    if additional is True or schema.get("x-kubernetes-preserve-unknown-fields"):
        return True, None
    if properties is None and schema.get("type") not in ("object", None):
        return False, None
    return properties is None, None


def _select_chain_type(expression: str, schemas: dict[str, Schema | None]) -> tuple[bool, Schema | None]:
    """For ``a.b.c``: (is a plain select chain on a known variable, schema at the end or None)."""
    match = _SELECT_CHAIN.match(expression)
    if not match or match.group(1) not in schemas:
        return False, None
    current = schemas[match.group(1)]
    steps = [s.strip() for s in match.group(2).split(".") if s.strip()]
    for step in steps:
        if current is not None and current.get("type") in _SCALARS:
            raise GraphError(f"type '{type_name(current)}' does not support field selection")
        exists, current = field_schema(current, step)
        if not exists:
            raise GraphError(f"undefined field '{step}'")
        if current is None:
            return True, None
    return True, current


def infer(expression: str, cel_type: str, schemas: dict[str, Schema | None]) -> Schema | None:
    """Best static type of an expression: the CEL checker's when concrete, else the schema's."""
    is_chain, chained = _select_chain_type(expression, schemas)
    if is_chain and chained is not None:
        return chained
    return from_cel_type(cel_type)


def from_cel_type(cel_type: str) -> Schema | None:
    if cel_type in _CEL_TO_OPENAPI:
        return dict(_CEL_TO_OPENAPI[cel_type])
    if cel_type.startswith("list("):
        return as_list(from_cel_type(cel_type[5:-1]))
    if cel_type.startswith("map("):
        value = cel_type[4:-1].split(", ", 1)[-1]
        inner = from_cel_type(value)
        return {"type": "object", "additionalProperties": inner} if inner else {"type": "object"}
    if cel_type.startswith("optional_type("):
        inner = from_cel_type(cel_type[len("optional_type(") : -1])
        return {**inner, "x-kroless-optional": True} if inner else None
    return None


def type_name(schema: Schema | None) -> str:
    """cel-go's spelling of a type (``string``, ``list(int)``, ``map(string, dyn)``, ``dyn``)."""
    if schema is None:
        return "dyn"
    kind = schema.get("type")
    if schema.get("x-kroless-optional"):
        inner = {k: v for k, v in schema.items() if k != "x-kroless-optional"}
        return f"optional_type({type_name(inner)})"
    if kind == "array":
        return f"list({type_name(schema.get('items'))})"
    if kind == "object" or (kind is None and "properties" in schema):
        if isinstance(schema.get("additionalProperties"), dict):
            return f"map(string, {type_name(schema['additionalProperties'])})"
        return "map(string, dyn)" if _schemaless(schema) or "properties" not in schema else "object"
    return _OPENAPI_TO_CEL.get(str(kind), "dyn")


def is_list(schema: Schema | None) -> bool:
    return schema is None or schema.get("type") == "array"


def element_schema(schema: Schema | None) -> Schema | None:
    return None if schema is None else schema.get("items")


def is_bool_or_optional_bool(schema: Schema | None) -> bool:
    return schema is None or schema.get("type") == "boolean"


_SCALARS = ("string", "integer", "number", "boolean")


def _kind(schema: Schema) -> str | None:
    """OpenAPI kind of a schema; None when it accepts anything (dyn)."""
    if _schemaless(schema) or schema.get("x-kubernetes-int-or-string"):
        return None
    kind = schema.get("type")
    if kind is None and ("properties" in schema or "additionalProperties" in schema):
        return "object"
    return kind if isinstance(kind, str) else None


def incompatibility(value: Schema | None, target: Schema | None) -> str | None:
    """Why a value of type ``value`` cannot fill a field of type ``target``, or None when it can.

    Kro's structural compatibility (``pkg/cel/compatibility.go``): lists and maps recursively, a struct
    may be a subset of the expected struct (an extra field is an error), maps and structs are
    interchangeable when their values fit.
    """
    if value is None or target is None:
        return None
    value_kind, target_kind = _kind(value), _kind(target)
    if value_kind is None or target_kind is None or value_kind == target_kind in _SCALARS:
        return None
    # CEL ints are accepted where OpenAPI wants a number
    if (value_kind, target_kind) == ("integer", "number"):
        return None
    if value_kind != target_kind:
        return f'type kind mismatch: got "{type_name(value)}", expected "{type_name(target)}"'
    if target_kind == "array":
        inner = incompatibility(value.get("items"), target.get("items"))
        return f"list element type incompatible: {inner}" if inner else None
    return _object_incompatibility(value, target)


def _object_incompatibility(value: Schema, target: Schema) -> str | None:
    value_fields: dict[str, Schema] = value.get("properties") or {}
    target_fields: dict[str, Schema] = target.get("properties") or {}
    value_elements = value.get("additionalProperties")
    target_elements = target.get("additionalProperties")
    if isinstance(target_elements, dict):
        if isinstance(value_elements, dict):
            inner = incompatibility(value_elements, target_elements)
            return f"map value type incompatible: {inner}" if inner else None
        for name, field in value_fields.items():
            inner = incompatibility(field, target_elements)
            if inner:
                return f'struct field "{name}" incompatible with map value type: {inner}'
        return None
    if isinstance(value_elements, dict):
        for name, field in target_fields.items():
            inner = incompatibility(value_elements, field)
            if inner:
                return f'map value incompatible with struct field "{name}": {inner}'
        return None
    if not value_fields or target_elements is True:
        return None
    if not target_fields:
        return "output has fields but expected type has none"
    for name, field in value_fields.items():
        if name not in target_fields:
            return f'field "{name}" exists in output but not in expected type'
        inner = incompatibility(field, target_fields[name])
        if inner:
            return f'field "{name}" has incompatible type: {inner}'
    return None


def target_schema(root: Schema | None, path: str) -> Schema | None:
    """Schema of the field at a Kro field path (``spec.containers[0].image``, ``metadata["a.b"]``)."""
    current = root
    for step in _path_steps(path):
        if current is None:
            return None
        if step == "[]":
            current = current.get("items") if current.get("type") == "array" else None
        else:
            _, current = field_schema(current, step)
    return current


def _path_steps(path: str) -> list[str]:
    """Field names of a path, with ``"[]"`` for every list index."""
    return ["[]" if isinstance(step, int) else step for step in fieldpath.parse(path)]


def check_field(
    item: FieldExpression,
    cel_type: str,
    schemas: dict[str, Schema | None],
    node_schema: Schema | None,
    resource_id: str,
) -> None:
    """Check one templated field: field existence in every select chain, and the value's type."""
    target = target_schema(node_schema, item.path)
    if item.standalone:
        produced = infer(item.cel, cel_type, schemas)
        expected = target
    else:
        check_template(item, schemas)
        produced, expected = {"type": "string"}, target
    reason = incompatibility(produced, expected)
    if reason:
        raise GraphError(
            f'type mismatch in resource "{resource_id}" at path "{item.path}": expression "{item.user_expression}" returns type '
            f'"{type_name(produced)}" but expected "{type_name(expected)}": {reason}'
        )


def checker_error(expression: str, offset: int, message: str) -> str:
    """A cel-go checker error: ``ERROR: <input>:line:col: message`` and the source line with a caret."""
    line = expression.count("\n", 0, offset) + 1
    column = offset - (expression.rfind("\n", 0, offset) + 1) + 1
    source_line = expression.split("\n")[line - 1]
    return f"ERROR: <input>:{line}:{column}: {message}\n | {source_line}\n | {'.' * (column - 1)}^"


def check_template(item: FieldExpression, schemas: dict[str, Schema | None]) -> None:
    """A string template's parts must all be strings; report the first ``+`` cel-go's checker would reject.

    Variables are ``dyn`` for cel-expr-python, so the parts' schema types stand in for cel-go's typed env.
    """
    if item.template is None:
        return
    offset = 0
    left: str | None = None
    for index, (cel, body) in enumerate(template_parts(item.template, scan_expressions(item.template))):
        right = "string" if body is None else _known_type_name(infer(body, "dyn", schemas))
        if index == 0:
            left = right
        elif left is not None and right is not None and (left, right) != ("string", "string"):
            plus = offset - len(TEMPLATE_JOIN) + 1
            raise GraphError(
                checker_error(item.cel, plus, f"found no matching overload for '_+_' applied to '({left}, {right})'")
            )
        else:
            # dyn + string resolves to the string overload
            left = "string" if "string" in (left, right) else None
        offset += len(cel) + len(TEMPLATE_JOIN)


def _known_type_name(schema: Schema | None) -> str | None:
    name = type_name(schema)
    return None if name == "dyn" else name


def status_schema(types: dict[str, Schema | None]) -> Schema:
    """OpenAPI schema of the instance status from the inferred type of each status field path."""
    root: Schema = {"type": "object", "properties": {}}
    for path, schema in types.items():
        current = root
        steps = _path_steps(path)
        for step in steps[:-1]:
            if step == "[]":
                current.setdefault("type", "array")
                current = current.setdefault("items", {"type": "object", "properties": {}})
                continue
            current = current["properties"].setdefault(step, {"type": "object", "properties": {}})
            current.setdefault("properties", {})
        leaf = schema if schema is not None else {"x-kubernetes-preserve-unknown-fields": True}
        leaf = {k: v for k, v in leaf.items() if k != "x-kroless-optional"}
        if steps and steps[-1] != "[]":
            current["properties"][steps[-1]] = leaf
    return root
