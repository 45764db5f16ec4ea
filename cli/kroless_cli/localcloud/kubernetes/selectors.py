"""Label and field selectors in the query-string syntax the API server accepts.

Labels: ``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x,y)``, ``a`` (exists), ``!a`` (absent),
joined by commas. Fields: ``metadata.name`` and ``metadata.namespace`` with ``=``, ``==`` or ``!=``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Mapping[str, str]], bool]

_SET_RE = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EQ_RE = re.compile(r"^\s*([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$")


class SelectorError(ValueError):
    """The selector does not parse (the API answers 400 BadRequest)."""


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside ``( )``."""
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _requirement(text: str) -> Predicate:
    if match := _SET_RE.match(text):
        key, op, raw = match.groups()
        values = {v.strip() for v in raw.split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ_RE.match(text):
        key, op, value = match.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if text.startswith("!") and re.fullmatch(r"[^\s!=(),]+", text[1:]):
        return lambda labels: text[1:] not in labels
    if re.fullmatch(r"[^\s!=(),]+", text):
        return lambda labels: text in labels
    raise SelectorError(f"unable to parse requirement: {text!r}")


def label_selector(selector: str | None) -> Predicate:
    """A predicate over an object's labels; an empty selector matches everything."""
    requirements = [_requirement(part) for part in _split(selector or "")]
    return lambda labels: all(req(labels) for req in requirements)


def field_selector(selector: str | None) -> Callable[[dict[str, Any]], bool]:
    """A predicate over an object for ``metadata.name`` / ``metadata.namespace`` requirements."""
    checks = []
    for part in _split(selector or ""):
        match = _EQ_RE.match(part)
        if not match or match.group(1) not in ("metadata.name", "metadata.namespace"):
            raise SelectorError(f'"{part}" is not a known field selector: only "metadata.name", "metadata.namespace"')
        field, op, value = match.groups()
        checks.append((field.split(".", 1)[1], op == "!=", value))

    def matches(obj: dict[str, Any]) -> bool:
        metadata = obj.get("metadata") or {}
        return all((metadata.get(key) or "") != value if negate else (metadata.get(key) or "") == value for key, negate, value in checks)

    return matches
