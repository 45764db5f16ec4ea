"""Find Kro's ``${...}`` expressions in templates, exactly as Kro's scanner does.

* A field whose whole value is one ``${...}`` is a *standalone* expression: its result replaces the
  field with any type.
* Text mixed with expressions is a *string template*, compiled to ``"lit" + (e1) + "lit"``; every
  embedded expression must return a string.
* Braces are counted outside double-quoted string literals, so map literals work; a ``${`` nested inside
  an expression is an error unless it directly follows a ``"`` (``${"${VAR}"}`` writes a literal).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kroless.errors import GraphError
from kroless.graph import fieldpath

EXPR_START = "${"
EXPR_END = "}"

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


def build_string_template(text: str, expressions: list[str]) -> str:
    """Compile a string template to one CEL expression that concatenates its parts."""
    parts: list[str] = []
    last_end = 0
    for expression in expressions:
        delimited = EXPR_START + expression + EXPR_END
        begin = text.index(delimited, last_end)
        if begin > last_end:
            parts.append(_quote(text[last_end:begin]))
        parts.append(f"({expression})")
        last_end = begin + len(delimited)
    if last_end < len(text):
        parts.append(_quote(text[last_end:]))
    return " + ".join(parts)


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
    expressions = extract_expressions(value)
    if not expressions:
        return None
    if len(expressions) == 1 and value == EXPR_START + expressions[0] + EXPR_END:
        return FieldExpression(path=path, cel=expressions[0], expressions=(expressions[0],))
    return FieldExpression(
        path=path, cel=build_string_template(value, expressions), expressions=tuple(expressions), template=value
    )


def walk_expressions(value: Any, path: str = "") -> Iterator[FieldExpression]:
    """Every templated field of a document, depth first, in document order (maps keep YAML order)."""
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
