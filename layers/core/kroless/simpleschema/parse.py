"""Parse the type part of a SimpleSchema field string: ``[]map[string]Person | required=true``."""

from __future__ import annotations

from typing import Any

from .goerr import go_quote, go_type_name
from .markers import Marker, parse_markers
from .types import ATOMIC_TYPES, Atomic, Custom, Map, Object, Slice, Struct, Type

MAX_TYPE_NESTING_DEPTH = 16


class ParseError(Exception):
    """A type string or marker list is malformed (message is Kro's)."""


def parse_type_string(s: str) -> Type:
    """Type part of a field string (everything before the first ``|``)."""
    type_str = s.split("|", 1)[0].strip()
    if not type_str:
        raise ParseError("empty type")
    return parse_type(type_str)


def parse_field(s: str) -> tuple[Type, list[Marker]]:
    typ = parse_type_string(s)
    markers: list[Marker] = []
    parts = s.split("|", 1)
    if len(parts) > 1:
        try:
            markers = parse_markers(parts[1])
        except ValueError as e:
            raise ParseError(str(e)) from None
    return typ, markers


def parse_spec(spec: Any) -> Type:
    """A string field or a nested map (struct); markers are ignored here."""
    if isinstance(spec, str):
        return parse_type_string(spec)
    if isinstance(spec, dict):
        fields: dict[str, Type] = {}
        for name, field in spec.items():
            try:
                fields[name] = parse_spec(field)
            except ParseError as e:
                raise ParseError(f"field {name}: {e}") from None
        return Struct(fields)
    raise ParseError(f"unexpected type: {go_type_name(spec)}")


def parse_type(s: str, depth: int = 0) -> Type:
    # The depth guard keeps "[][][]...string" from recursing without bound.
    if depth > MAX_TYPE_NESTING_DEPTH:
        raise ParseError(f"type nesting too deep (max {MAX_TYPE_NESTING_DEPTH}): {go_quote(s)}")
    s = s.strip()
    if s in ATOMIC_TYPES:
        return Atomic(s)
    if s == "object":
        return Object()
    if s.startswith("[]"):
        elem = s[2:]
        if elem == "":
            raise ParseError("empty slice element type")
        return Slice(parse_type(elem, depth + 1))
    value = parse_map_string(s)
    if value is not None:
        return Map(parse_type(value, depth + 1))
    # Anything else names a custom type; it is resolved (or rejected) later.
    return Custom(s)


def parse_map_string(s: str) -> str | None:
    """Value type of ``map[string]V``; None when ``s`` is not a map at all."""
    if not s.startswith("map["):
        return None
    if not s.startswith("map[string]"):
        raise ParseError("map key must be string")
    rest = s[len("map[string]") :].strip()
    if rest == "":
        raise ParseError("map value type is required")
    return rest

