"""Kro's maps library: ``<map>.merge(map)`` (keys of the argument win) and ``<map>.deepMerge(map)``.

deepMerge (kroless, after Kro's ``dyn.deepMerge``): nested maps are merged recursively, any other value
(lists included) from the argument replaces the receiver's.
"""

from __future__ import annotations

from typing import Any

from cel_expr_python import cel

from ._decl import MAP_DYN, function, overloads


def merge(left: dict[Any, Any], right: dict[Any, Any]) -> dict[Any, Any]:
    out = dict(left)
    out.update(right)
    return out


def deep_merge(left: dict[Any, Any], right: dict[Any, Any]) -> dict[Any, Any]:
    out = dict(left)
    for k, v in right.items():
        cur = out.get(k)
        if isinstance(cur, dict) and isinstance(v, dict):
            out[k] = deep_merge(cur, v)
        else:
            out[k] = v
    return out


def declarations() -> list[cel.FunctionDecl]:
    return [
        function("merge", overloads("map_merge", [MAP_DYN, MAP_DYN], MAP_DYN, merge, member=True)),
        function(
            "deepMerge", overloads("map_deepMerge", [MAP_DYN, MAP_DYN], MAP_DYN, deep_merge, member=True)
        ),
    ]
