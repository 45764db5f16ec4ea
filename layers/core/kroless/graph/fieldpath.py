"""Kro's field paths: ``spec.containers[0].image``, ``metadata.labels["app.kubernetes.io/name"]``."""

from __future__ import annotations

import json
import re
from typing import Any

_STEP = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([^.\[]+)')


def parse(path: str) -> list[str | int]:
    """Steps of a path: field names as ``str``, list indexes as ``int``."""
    steps: list[str | int] = []
    for match in _STEP.finditer(path):
        quoted, index, plain = match.groups()
        if quoted is not None:
            steps.append(json.loads(f'"{quoted}"'))
        elif index is not None:
            steps.append(int(index))
        else:
            steps.append(plain)
    return steps


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
