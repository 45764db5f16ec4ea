"""Kubernetes CEL libraries Kro enables (k8s.io/apiserver/pkg/cel/library), the cheap subset.

Here: Regex ``<string>.find(regex) -> string``, ``<string>.findAll(regex) -> list(string)``,
``<string>.findAll(regex, limit) -> list(string)``. Kubernetes Lists are in :mod:`.k8s_lists`, Quantity in
:mod:`.quantity`. Skipped: URL, IP, CIDR, Semver (opaque CEL types; they could follow Quantity's marker-map
representation). Python's ``re`` stands in for RE2 (same syntax for common patterns).
"""

from __future__ import annotations

import re
from functools import lru_cache

from cel_expr_python import cel

from ._decl import CELFunctionError, T, function, overloads


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise CELFunctionError(f"error parsing regexp: {e}") from None


def find(s: str, pattern: str) -> str:
    m = _compile(pattern).search(s)
    return m.group(0) if m else ""


def find_all(s: str, pattern: str, limit: int = -1) -> list[str]:
    if limit == 0:
        return []
    out = [m.group(0) for m in _compile(pattern).finditer(s)]
    return out if limit < 0 else out[:limit]


def declarations() -> list[cel.FunctionDecl]:
    list_string = T.List(T.STRING)
    return [
        function("find", overloads("string_find_string", [T.STRING, T.STRING], T.STRING, find, member=True)),
        function(
            "findAll",
            overloads("string_find_all_string", [T.STRING, T.STRING], list_string, find_all, member=True),
            overloads(
                "string_find_all_string_int", [T.STRING, T.STRING, T.INT], list_string, find_all, member=True
            ),
        ),
    ]
