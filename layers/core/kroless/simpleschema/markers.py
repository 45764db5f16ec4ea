"""SimpleSchema markers (``required=true default="x" ...``): parsing and applying them to a schema."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .goerr import go_quote, parse_bool, parse_float, parse_int

MARKER_TYPES = frozenset(
    {
        "required",
        "default",
        "description",
        "minimum",
        "maximum",
        "validation",
        "enum",
        "immutable",
        "pattern",
        "uniqueItems",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "listType",
        "listMapKey",
    }
)
LIST_TYPES = ("atomic", "set", "map")


@dataclass(frozen=True)
class Marker:
    key: str
    value: str


class MarkerError(ValueError):
    """A marker could not be parsed or applied (message is Kro's)."""


def parse_markers(text: str) -> list[Marker]:
    """Split ``key=value key="quoted value" key={"json": 1}`` into markers, like Kro's ParseMarkers."""
    result: list[Marker] = []
    key: str | None = None  # set once we have seen the '=' of the current marker
    in_quotes = False
    escaped = False
    brackets = 0
    buf: list[str] = []

    for ch in text:
        if ch == "=" and key is None and not in_quotes and brackets == 0:
            k = "".join(buf).strip()
            if k == "":
                raise MarkerError("empty marker key")
            if k not in MARKER_TYPES:
                raise MarkerError(f"invalid marker key {go_quote(k)}: unknown marker: {k}")
            key = k
            buf = []
        elif ch == '"' and not escaped:
            in_quotes = not in_quotes
            buf.append(ch)
        elif ch == "\\" and in_quotes and not escaped:
            escaped = True
            buf.append(ch)
        elif ch in "{[" and not in_quotes:
            brackets += 1
            buf.append(ch)
        elif ch in "}]" and not in_quotes:
            brackets -= 1
            buf.append(ch)
            if brackets < 0:
                raise MarkerError("unmatched closing bracket/brace")
        elif ch.isspace() and not in_quotes and brackets == 0:
            if key is not None:
                result.append(Marker(key, _process_value("".join(buf))))
                key = None
                buf = []
            elif buf:
                # A bare word such as "optional" is a typo, not something to skip silently.
                raise MarkerError(f"invalid marker {go_quote(''.join(buf))}: expected key=value")
        else:
            if escaped and in_quotes:
                escaped = False
            buf.append(ch)

    if key is not None:
        result.append(Marker(key, _process_value("".join(buf))))
    elif "".join(buf).strip() and not in_quotes and brackets == 0:
        raise MarkerError(f"invalid marker {go_quote(''.join(buf).strip())}: expected key=value")

    if in_quotes:
        raise MarkerError("unclosed quote")
    if brackets > 0:
        raise MarkerError("unclosed bracket/brace")
    return result


def _process_value(value: str) -> str:
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return _unescape(value[1:-1])
    return value.strip()


def _unescape(s: str) -> str:
    """Only \\" and \\\\ are escapes; any other backslash is kept as written."""
    out: list[str] = []
    escaped = False
    for ch in s:
        if escaped:
            if ch not in '"\\':
                out.append("\\")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------------------------------
# Applying markers


def apply_markers(schema: dict[str, Any], markers: list[Marker], key: str, parent: dict[str, Any]) -> None:
    """Apply ``markers`` to ``schema`` (a field's schema); ``required`` lands in ``parent``."""
    list_type_marker: str | None = None
    unique = False
    for m in markers:
        _apply_one(schema, m, key, parent)
        if m.key == "listType":
            list_type_marker = m.value
        elif m.key == "uniqueItems" and parse_bool(m.value):
            unique = True
    _field_level_validation(schema, list_type_marker, unique)


def _apply_one(schema: dict[str, Any], m: Marker, key: str, parent: dict[str, Any]) -> None:
    if m.key not in _HANDLERS:  # unreachable: parse_markers rejects unknown keys
        raise MarkerError(f"unknown marker: {m.key}")
    if m.key == "required":
        _required(m, key, parent)
    else:
        _HANDLERS[m.key](schema, m)


def _required(m: Marker, key: str, parent: dict[str, Any]) -> None:
    try:
        required = parse_bool(m.value)
    except ValueError as e:
        raise MarkerError(f"failed to parse required marker value: {e}") from None
    if required:
        parent.setdefault("required", []).append(key)


def _default(schema: dict[str, Any], m: Marker) -> None:
    t = schema.get("type")
    value: Any
    try:
        if t == "string":
            value = m.value
        elif t == "integer":
            value = parse_int(m.value)
        elif t == "number":
            value = parse_float(m.value)
        elif t == "boolean":
            value = parse_bool(m.value)
        else:
            value = json.loads(m.value)
    except ValueError:
        if t in ("integer", "number", "boolean"):
            raise MarkerError(f"default value must be a valid {t}, got: {m.value}") from None
        raise MarkerError(f"failed to parse default value as JSON: {m.value}") from None
    schema["default"] = value


def _description(schema: dict[str, Any], m: Marker) -> None:
    schema["description"] = m.value


def _bound(name: str, field: str) -> Any:
    def apply(schema: dict[str, Any], m: Marker) -> None:
        try:
            schema[field] = parse_float(m.value)
        except ValueError as e:
            raise MarkerError(f"failed to parse {name} enum value: {e}") from None

    return apply


def _validation(schema: dict[str, Any], m: Marker) -> None:
    if m.value.strip() == "":
        raise MarkerError("validation failed")
    rule = {"rule": m.value, "message": "validation failed"}
    schema.setdefault("x-kubernetes-validations", []).append(rule)


def _immutable(schema: dict[str, Any], m: Marker) -> None:
    try:
        immutable = parse_bool(m.value)
    except ValueError as e:
        raise MarkerError(f"failed to parse immutable marker value: {e}") from None
    if immutable:
        schema.setdefault("x-kubernetes-validations", []).append(
            {"rule": "self == oldSelf", "message": "field is immutable"}
        )


def _enum(schema: dict[str, Any], m: Marker) -> None:
    values: list[Any] = []
    for raw in m.value.split(","):
        val = raw.strip()
        if val == "":
            raise MarkerError("empty enum values are not allowed")
        t = schema.get("type", "")
        if t == "string":
            values.append(val)
        elif t == "integer":
            try:
                values.append(parse_int(val))
            except ValueError as e:
                raise MarkerError(f"failed to parse integer enum value: {e}") from None
        else:
            raise MarkerError(f"enum values only supported for string and integer types, got type: {t}")
    if values:
        schema["enum"] = values


def _typed_int(name: str, field: str, kind: str) -> Any:
    """minLength/maxLength (strings) and minItems/maxItems (arrays): type check, then int64."""

    def apply(schema: dict[str, Any], m: Marker) -> None:
        t = schema.get("type", "")
        if t != kind:
            raise MarkerError(f"{name} marker is only valid for {kind} types, got type: {t}")
        try:
            schema[field] = parse_int(m.value)
        except ValueError as e:
            raise MarkerError(f"failed to parse {name} value: {e}") from None

    return apply


# RE2 has no lookaround and no backreferences; Python's re would silently accept them.
_RE2_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\\[1-9]")


def _pattern(schema: dict[str, Any], m: Marker) -> None:
    if m.value == "":
        raise MarkerError("pattern marker value cannot be empty")
    t = schema.get("type", "")
    if t != "string":
        raise MarkerError(f"pattern marker is only valid for string types, got type: {t}")
    bad = _RE2_UNSUPPORTED.search(m.value)
    if bad:
        raise MarkerError(
            "invalid pattern regex: error parsing regexp: "
            f"invalid or unsupported Perl syntax: `{bad.group()}`"
        )
    try:
        re.compile(m.value)
    except re.error as e:
        raise MarkerError(f"invalid pattern regex: error parsing regexp: {e.msg}: `{m.value}`") from None
    schema["pattern"] = m.value


def _unique_items(schema: dict[str, Any], m: Marker) -> None:
    try:
        unique = parse_bool(m.value)
    except ValueError as e:
        raise MarkerError(f"failed to parse uniqueItems marker value: {e}") from None
    t = schema.get("type", "")
    if t != "array":
        raise MarkerError(f"uniqueItems marker is only valid for array types, got type: {t}")
    if unique:
        # Kubernetes has no uniqueItems; a set-typed list is how uniqueness is enforced.
        schema["x-kubernetes-list-type"] = "set"


def _list_type(schema: dict[str, Any], m: Marker) -> None:
    t = schema.get("type", "")
    if t != "array":
        raise MarkerError(f"listType marker is only valid for array types, got type: {t}")
    if m.value not in LIST_TYPES:
        raise MarkerError(f"invalid listType value {go_quote(m.value)}: must be one of atomic, set, map")
    schema["x-kubernetes-list-type"] = m.value


def _list_map_key(schema: dict[str, Any], m: Marker) -> None:
    t = schema.get("type", "")
    if t != "array":
        raise MarkerError(f"listMapKey marker is only valid for array types, got type: {t}")
    if m.value == "":
        raise MarkerError("listMapKey marker value cannot be empty")
    keys = schema.setdefault("x-kubernetes-list-map-keys", [])
    if m.value in keys:
        raise MarkerError(f"duplicate listMapKey {go_quote(m.value)}")
    keys.append(m.value)


def _field_level_validation(schema: dict[str, Any], list_type: str | None, unique: bool) -> None:
    """Checks that need every marker of the field at once (so marker order does not matter)."""
    if unique and list_type is not None and list_type != "set":
        raise MarkerError(f"uniqueItems=true conflicts with listType={list_type}")
    if "x-kubernetes-list-map-keys" in schema and schema.get("x-kubernetes-list-type") != "map":
        raise MarkerError("listMapKey requires listType=map")


_HANDLERS: dict[str, Any] = {
    "required": None,
    "default": _default,
    "description": _description,
    "minimum": _bound("minimum", "minimum"),
    "maximum": _bound("maximum", "maximum"),
    "validation": _validation,
    "immutable": _immutable,
    "enum": _enum,
    "minLength": _typed_int("minLength", "minLength", "string"),
    "maxLength": _typed_int("maxLength", "maxLength", "string"),
    "pattern": _pattern,
    "uniqueItems": _unique_items,
    "minItems": _typed_int("minItems", "minItems", "array"),
    "maxItems": _typed_int("maxItems", "maxItems", "array"),
    "listType": _list_type,
    "listMapKey": _list_map_key,
}
