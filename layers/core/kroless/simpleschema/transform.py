"""SimpleSchema → OpenAPI v3 (Kro's pkg/simpleschema/transform.go), as plain dicts."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import SchemaError
from .goerr import go_type_name
from .markers import MarkerError, apply_markers
from .parse import ParseError, parse_field, parse_spec
from .types import ATOMIC_TYPES, Atomic, Custom, Map, Object, Slice, Struct, Type, deps

Schema = dict[str, Any]


class _BuildError(Exception):
    """Internal: carries Kro's message up to the public entry point."""


def to_openapi(spec: dict[str, Any], types: dict[str, Any] | None = None) -> Schema:
    """Turn a SimpleSchema map (``schema.spec``) into the OpenAPI schema of the instance ``spec``.

    ``types`` are the RGD's custom types (``schema.types``). Raises :class:`SchemaError` with Kro's message.
    """
    if not isinstance(spec, dict):
        raise SchemaError(f"unexpected type: {type(spec).__name__}")
    try:
        tf = _Transformer()
        tf.load_custom_types(types or {})
        return tf.build_schema(spec)
    except (_BuildError, ParseError, MarkerError) as e:
        raise SchemaError(str(e)) from None


class _Transformer:
    def __init__(self) -> None:
        # name -> (schema, required): ``required`` is a string alias declared with required=true.
        self.custom: dict[str, tuple[Schema, bool]] = {}

    # ---- custom types ------------------------------------------------------------------------

    def load_custom_types(self, custom_types: dict[str, Any]) -> None:
        if not custom_types:
            return
        parsed: dict[str, Type] = {}
        for name, spec in custom_types.items():
            try:
                parsed[name] = parse_spec(spec)
            except ParseError as e:
                raise _BuildError(f"parsing type {name}: {e}") from None
        for name in _topological_order(parsed):
            try:
                self.custom[name] = self._build_custom_type(name, custom_types[name])
            except (_BuildError, ParseError, MarkerError) as e:
                raise _BuildError(f"building schema for {name}: {e}") from None

    def _build_custom_type(self, name: str, spec: Any) -> tuple[Schema, bool]:
        if isinstance(spec, str):
            # Alias: "MyType: string | default=foo". required=true on it makes every use required.
            dummy: Schema = {}
            schema = self.build_field_from_string(name, spec, dummy)
            return schema, bool(dummy.get("required"))
        return self.build_schema(spec), False

    def resolve(self, name: str) -> Schema:
        if name not in self.custom:
            raise _BuildError(f"unknown type: {name}")
        return copy.deepcopy(self.custom[name][0])

    # ---- structs and fields ------------------------------------------------------------------

    def build_schema(self, spec: dict[str, Any]) -> Schema:
        schema: Schema = {"type": "object", "properties": {}}
        child_has_default = False
        for field_name, field_spec in spec.items():
            try:
                field_schema = self._build_field(str(field_name), field_spec, schema)
            except (_BuildError, ParseError, MarkerError) as e:
                raise _BuildError(f"field {field_name}: {e}") from None
            schema["properties"][field_name] = field_schema
            if "default" in field_schema:
                child_has_default = True
        # default {} lets the API server descend and apply the children's defaults; it would
        # violate the schema if some field were required, hence the guard.
        if not schema.get("required") and child_has_default and "default" not in schema:
            schema["default"] = {}
        if schema.get("required"):
            schema["required"] = sorted(schema["required"])
        if not schema["properties"]:
            del schema["properties"]
        return schema

    def _build_field(self, name: str, spec: Any, parent: Schema) -> Schema:
        if isinstance(spec, str):
            return self.build_field_from_string(name, spec, parent)
        if isinstance(spec, dict):
            return self.build_schema(spec)
        raise _BuildError(f"unexpected type: {go_type_name(spec)}")

    def build_field_from_string(self, name: str, value: str, parent: Schema) -> Schema:
        typ, markers = parse_field(value)
        schema = self.type_schema(typ)
        if isinstance(typ, Custom) and self.custom[typ.name][1]:
            parent.setdefault("required", []).append(name)
        apply_markers(schema, markers, name, parent)
        return schema

    def type_schema(self, typ: Type) -> Schema:
        if isinstance(typ, Atomic):
            return {"type": ATOMIC_TYPES[typ.name]}
        if isinstance(typ, Object):
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        if isinstance(typ, Slice):
            return {"type": "array", "items": self.type_schema(typ.elem)}
        if isinstance(typ, Map):
            return {"type": "object", "additionalProperties": self.type_schema(typ.value)}
        if isinstance(typ, Custom):
            return self.resolve(typ.name)
        if isinstance(typ, Struct):  # only reachable through parse_spec; kept for completeness
            return self.build_schema({k: v for k, v in typ.fields.items()})
        raise _BuildError(f"unknown type: {typ!r}")


def _topological_order(parsed: dict[str, Type]) -> list[str]:
    """Order custom types so each comes after the types it uses (Kro's DAG, same error texts)."""
    names = list(parsed)
    depends: dict[str, list[str]] = {n: [] for n in names}
    for name in names:
        for dep in deps(parsed[name]):
            if dep not in depends:
                raise _BuildError(f"node {dep} does not exist")
            if dep == name:
                raise _BuildError("self references are not allowed")
            if dep not in depends[name]:
                depends[name].append(dep)
        cycle = _find_cycle(depends, names)
        if cycle:
            chain = " -> ".join(cycle)
            raise _BuildError(f"cyclic dependency in type {name}: graph contains a cycle: {chain}")
    order: list[str] = []
    done: set[str] = set()
    while len(order) < len(names):
        for n in names:
            if n not in done and all(d in done for d in depends[n]):
                order.append(n)
                done.add(n)
    return order


def _find_cycle(depends: dict[str, list[str]], names: list[str]) -> list[str] | None:
    visited: set[str] = set()
    on_stack: set[str] = set()
    path: list[str] = []

    def dfs(node: str) -> bool:
        visited.add(node)
        on_stack.add(node)
        path.append(node)
        for dep in depends[node]:
            if dep not in visited:
                if dfs(dep):
                    return True
            elif dep in on_stack:
                path.append(dep)
                return True
        on_stack.discard(node)
        path.pop()
        return False

    for n in names:
        if n not in visited:
            path.clear()
            if dfs(n):
                start = path.index(path[-1])
                return path[start:]
    return None

