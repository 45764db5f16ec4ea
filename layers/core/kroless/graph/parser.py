"""Find Kro's ``${...}`` expressions in templates, exactly as Kro's scanner does.

* A field whose whole value is one ``${...}`` is a *standalone* expression: its result replaces the
  field with any type.
* Text mixed with expressions is a *string template*, compiled to ``"lit" + (e1) + "lit"``; every
  embedded expression must return a string.
* Braces are counted outside double-quoted string literals, so map literals work; a ``${`` nested inside
  an expression is an error unless it directly follows a ``"`` (``${"${VAR}"}`` writes a literal).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kroless.cel.concat import concat_expression
from kroless.errors import GraphError
from kroless.graph import fieldpath

EXPR_START = "${"
EXPR_END = "}"

TEMPLATE_JOIN = " + "

NESTED_EXPRESSION_ERROR = "nested expressions are not allowed unless inside string literals"


@dataclass(frozen=True)
class Expression:
    """One ``${...}``: its body and the span ``[start, end)`` of the whole ``${...}`` in the text."""

    body: str
    start: int
    end: int


def scan_expressions(text: str) -> list[Expression]:
    """Every complete, non-nested ``${...}`` in ``text``, in order (Kro's extractExpressions)."""
    expressions: list[Expression] = []
    start = 0
    length = len(text)
    while start < length:
        found = text.find(EXPR_START, start)
        if found == -1:
            break
        depth = 1
        end = found + len(EXPR_START)
        in_string = False
        escape_next = False
        while end < length:
            char = text[end]
            if escape_next:
                escape_next = False
            elif in_string and char == "\\":
                escape_next = True
            elif char == '"':
                in_string = not in_string
            elif not in_string:
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth -= 1
                    if depth == 0:
                        break
                elif text.startswith(EXPR_START, end) and text[end - 1] != '"':
                    raise GraphError(NESTED_EXPRESSION_ERROR)
            end += 1
        if depth != 0:
            # An unterminated "${" is plain text: Kro moves on by one character.
            start += 1
            continue
        expressions.append(Expression(text[found + len(EXPR_START) : end], found, end + 1))
        start = end + 1
    return expressions


def extract_expressions(text: str) -> list[str]:
    """The bodies of every complete, non-nested ``${...}`` in ``text``, in order."""
    return [expression.body for expression in scan_expressions(text)]


def is_standalone_expression(text: str) -> bool:
    expressions = extract_expressions(text)
    return len(expressions) == 1 and text == EXPR_START + expressions[0] + EXPR_END


def _quote(literal: str) -> str:
    # A double-quoted literal that CEL reads back as the same text (Go's strconv.Quote in Kro).
    return json.dumps(literal, ensure_ascii=False)


def template_parts(text: str, expressions: list[Expression]) -> list[tuple[str, str | None]]:
    """The operands of a string template's concatenation: (CEL text, expression body or None for a literal)."""
    parts: list[tuple[str, str | None]] = []
    last_end = 0
    for expression in expressions:
        if expression.start > last_end:
            parts.append((_quote(text[last_end : expression.start]), None))
        parts.append((f"({expression.body})", expression.body))
        last_end = expression.end
    if last_end < len(text):
        parts.append((_quote(text[last_end:]), None))
    return parts


def build_string_template(text: str, expressions: list[Expression]) -> str:
    """Compile a string template to one CEL expression that concatenates its parts.

    Up to 16 parts this is exactly Kro's left-deep ``"lit" + (e1) + ...``; longer templates become a
    balanced tree of the same ``+`` so the engine's parser (recursion limit 32) accepts them.
    """
    return concat_expression([cel for cel, _ in template_parts(text, expressions)])


@dataclass(frozen=True)
class FieldExpression:
    """One templated field: where it is and the CEL that produces its value.

    ``template`` is the original string for string templates (None for standalone expressions);
    ``expressions`` are the bodies of the ``${...}`` it holds.
    """

    path: str
    cel: str
    expressions: tuple[str, ...]
    template: str | None = None

    @property
    def standalone(self) -> bool:
        return self.template is None

    @property
    def user_expression(self) -> str:
        return self.template if self.template is not None else self.cel


def parse_string(value: str, path: str) -> FieldExpression | None:
    expressions = scan_expressions(value)
    if not expressions:
        return None
    bodies = tuple(e.body for e in expressions)
    if len(expressions) == 1 and expressions[0].start == 0 and expressions[0].end == len(value):
        return FieldExpression(path=path, cel=bodies[0], expressions=bodies)
    return FieldExpression(path=path, cel=build_string_template(value, expressions), expressions=bodies, template=value)


def walk_expressions(value: Any, path: str = "") -> Iterator[FieldExpression]:
    """Every templated field of a document, depth first, in document order (Kro's schemaless parser)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk_expressions(child, fieldpath.join(path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_expressions(item, f"{path}[{index}]")
    elif isinstance(value, str):
        field = parse_string(value, path)
        if field is not None:
            yield field


# ---------------------------------------------------------------------------------------------------------
# Schema-aware extraction (Kro's parser.ParseResource): the template is walked against the kind's OpenAPI
# schema, so static values are type-checked too. Subtrees marked x-kubernetes-preserve-unknown-fields
# fall back to the schemaless walk.
# ---------------------------------------------------------------------------------------------------------

_ANY = "any"
_PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"


def _preserves_unknown(schema: dict[str, Any]) -> bool:
    return schema.get(_PRESERVE_UNKNOWN) is True


def _sub_schema_types(sub_schemas: list[dict[str, Any]]) -> list[str]:
    types: list[str] = []
    for sub in sub_schemas:
        # structural constraints only make sense on objects
        if (sub.get("required") or "not" in sub) and "object" not in types:
            types.append("object")
        sub_type = sub.get("type")
        for name in sub_type if isinstance(sub_type, list) else [sub_type]:
            if name and name not in types:
                types.append(name)
    return types


def _additional_allowed(schema: dict[str, Any]) -> bool:
    additional = schema.get("additionalProperties")
    return additional is True or isinstance(additional, dict)


def _expected_types(schema: dict[str, Any]) -> list[str]:
    if _preserves_unknown(schema):
        return [_ANY]
    if schema.get("x-kubernetes-int-or-string") is True:
        return ["string", "integer"]
    for composite in ("oneOf", "anyOf"):
        types = _sub_schema_types(schema.get(composite) or [])
        if types:
            return types
    declared = schema.get("type")
    if declared:
        return list(declared) if isinstance(declared, list) else [declared]
    if _additional_allowed(schema):
        return [_ANY]
    raise GraphError("unknown schema type")


def _value_type_name(value: Any) -> str:
    """The type Kro reports for a static value (Go's names: ints are "integer", floats "float64")."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "float64" if isinstance(value, float) else type(value).__name__


def _scalar_matches(value: Any, expected: str) -> bool:
    if isinstance(value, bool):
        return expected in ("boolean", "bool")
    if isinstance(value, int):
        return expected in ("number", "int", "integer")
    return isinstance(value, float) and expected == "number"


def _field_schema(schema: dict[str, Any], name: str) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    if name in properties:
        return dict(properties[name])
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        return additional
    if additional is True:
        return {_PRESERVE_UNKNOWN: True}
    items = schema.get("items")
    if isinstance(items, dict):
        return _field_schema(items, name)
    # Kro's text; kroless adds the nearest field names the schema has, as kubectl's "did you mean"
    close = difflib.get_close_matches(name, sorted(properties), n=3, cutoff=0.6)
    hint = " (did you mean " + " or ".join(f'"{c}"' for c in close) + "?)" if close else ""
    raise GraphError(f"schema not found for field {name}{hint}")


def _mismatch(expected: list[str], path: str, got: str) -> GraphError:
    return GraphError(f"expected {' or '.join(expected)} type for path {path}, got {got}", path=path)


def parse_resource(value: Any, schema: dict[str, Any], path: str = "") -> list[FieldExpression]:
    """Every templated field of ``value``, checking static values against ``schema``. Raises GraphError."""
    if schema is None:
        raise GraphError(f"schema is nil for path {path}")
    if not _preserves_unknown(schema) and not any(k in schema for k in ("type", "oneOf", "anyOf", "additionalProperties")):
        raise GraphError(f"schema at path {path} has no valid type, OneOf, AnyOf, or AdditionalProperties")
    expected = _expected_types(schema)
    if isinstance(value, dict | list) and _preserves_unknown(schema):
        return list(walk_expressions(value, path))
    if isinstance(value, dict):
        if "object" not in expected and not _additional_allowed(schema):
            raise _mismatch(expected, path, "object")
        fields: list[FieldExpression] = []
        for key, child in value.items():
            name = str(key)
            try:
                child_schema = _field_schema(schema, name)
            except GraphError as err:
                raise GraphError(
                    f"error getting field schema for path {path}.{name}: {err.message}", path=fieldpath.join(path, name)
                ) from None
            fields += parse_resource(child, child_schema, fieldpath.join(path, name))
        return fields
    if isinstance(value, list):
        if "array" not in expected:
            raise _mismatch(expected, path, "array")
        items = schema.get("items")
        if not isinstance(items, dict):
            raise GraphError(f"invalid array schema for path {path}: neither Items.Schema nor Properties are defined")
        fields = []
        for index, item in enumerate(value):
            fields += parse_resource(item, items, f"{path}[{index}]")
        return fields
    if isinstance(value, str):
        if is_standalone_expression(value):
            field = parse_string(value, path)
            return [field] if field is not None else []
        if "string" not in expected and _ANY not in expected:
            raise _mismatch(expected, path, "string")
        field = parse_string(value, path)
        return [field] if field is not None else []
    if value is None or _ANY in expected or any(_scalar_matches(value, t) for t in expected):
        return []
    raise _mismatch(expected, path, _value_type_name(value))


def walk_plain_fields(value: Any, path: str = "") -> Iterator[str]:
    """Paths of the leaves that hold no expression (Kro rejects these in instance status)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk_plain_fields(child, fieldpath.join(path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_plain_fields(item, f"{path}[{index}]")
    elif not (isinstance(value, str) and extract_expressions(value)):
        yield path


def parse_condition_expressions(values: list[str]) -> list[str]:
    """readyWhen / includeWhen / forEach / status conditions: each entry must be one standalone ``${...}``."""
    parsed = []
    for value in values:
        if not isinstance(value, str) or not is_standalone_expression(value):
            raise GraphError("only standalone expressions are allowed")
        parsed.append(value[len(EXPR_START) : -len(EXPR_END)])
    return parsed
