"""Kro's field paths (``pkg/graph/fieldpath``): ``spec.containers[0].image``, ``metadata.labels["a.b/c"]``.

A path is a list of steps: field names as ``str``, list indexes as ``int``. Names that contain ``.`` or
``/`` (or are empty) are written quoted, ``["..."]``.
"""

from __future__ import annotations

import json
from typing import Any

from kroless.errors import GraphError


def parse(path: str) -> list[str | int]:
    """Steps of a path. Raises GraphError for an unterminated quote/bracket or a non-numeric index."""
    steps: list[str | int] = []
    position = 0
    length = len(path)
    while position < length:
        char = path[position]
        if char == ".":
            position += 1
            continue
        if char != "[":
            end = position
            while end < length and path[end] not in ".[":
                end += 1
            steps.append(path[position:end])
            position = end
            continue
        if path.startswith('["', position):
            end = position + 2
            while end < length and path[end] != '"':
                end += 2 if path[end] == "\\" else 1
            if not path.startswith('"]', end):
                raise GraphError(f"invalid path {path!r}: unterminated quoted field at position {position}")
            steps.append(json.loads(path[position + 1 : end + 1]))
            position = end + 2
            continue
        end = path.find("]", position)
        index = path[position + 1 : end] if end != -1 else ""
        if not index.isdigit():
            raise GraphError(f"invalid path {path!r}: invalid index at position {position}")
        steps.append(int(index))
        position = end + 1
    return steps


def _needs_quotes(name: str) -> bool:
    return name == "" or "." in name or "/" in name


def build(steps: list[str | int]) -> str:
    """The path text of a list of steps (the inverse of :func:`parse`)."""
    parts: list[str] = []
    for step in steps:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _needs_quotes(step):
            parts.append(f"[{json.dumps(step)}]")
        else:
            parts.append(f".{step}" if parts else step)
    return "".join(parts)


def join(path: str, name: str) -> str:
    """Append one field name to a path, as Kro's template parser does (only empty or dotted names quoted)."""
    if name == "" or "." in name:
        return f'{path}["{name}"]'
    return f"{path}.{name}" if path else name


def set_value(document: Any, path: str, value: Any) -> None:
    """Replace the value at ``path`` (which must exist, as template fields do)."""
    steps = parse(path)
    target = document
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value


def delete_value(document: Any, path: str) -> None:
    """Remove the field or list element at ``path`` (``omit()``)."""
    steps = parse(path)
    target = document
    for step in steps[:-1]:
        target = target[step]
    del target[steps[-1]]
