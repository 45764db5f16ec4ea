"""Helpers to declare CEL functions for cel-expr-python.

Measured: an overload parameter declared ``dyn`` never matches at evaluation time ("No matching
overloads found"), and type parameters cannot be given a Python implementation. So a ``dyn`` position is
declared once per runtime kind (bool, int, uint, double, string, bytes, null, list, map, timestamp,
duration); the checker accepts any argument and the runtime dispatches on the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cel_expr_python import cel

T = cel.Type
LIST_DYN = T.List(T.DYN)
MAP_DYN = T.Map(T.DYN, T.DYN)
MAP_STR_DYN = T.Map(T.STRING, T.DYN)
MAP_STR_STR = T.Map(T.STRING, T.STRING)

KINDS: list[tuple[str, cel.Type]] = [
    ("bool", T.BOOL),
    ("int", T.INT),
    ("uint", T.UINT),
    ("double", T.DOUBLE),
    ("string", T.STRING),
    ("bytes", T.BYTES),
    ("null", T.NULL),
    ("list", LIST_DYN),
    ("map", MAP_DYN),
    ("timestamp", T.TIMESTAMP),
    ("duration", T.DURATION),
]

DYN = object()
"""Placeholder in a parameter list: expand this position into one overload per runtime kind."""


def overloads(
    id_prefix: str,
    params: Sequence[cel.Type | object],
    return_type: cel.Type,
    impl: Callable[..., Any],
    *,
    member: bool = False,
) -> list[cel.Overload]:
    """One overload, or one per kind for each ``DYN`` placeholder position (at most one is expanded)."""
    positions = [i for i, p in enumerate(params) if p is DYN]
    if not positions:
        return [
            cel.Overload(
                id_prefix, return_type=return_type, parameters=list(params), is_member=member, impl=impl
            )
        ]
    if len(positions) > 1:
        raise ValueError("only one dyn position can be expanded")
    pos = positions[0]
    out = []
    for kind, ty in KINDS:
        ps = list(params)
        ps[pos] = ty
        out.append(
            cel.Overload(
                f"{id_prefix}_{kind}", return_type=return_type, parameters=ps, is_member=member, impl=impl
            )
        )
    return out


def function(name: str, *groups: list[cel.Overload]) -> cel.FunctionDecl:
    return cel.FunctionDecl(name, [o for g in groups for o in g])


class CELFunctionError(Exception):
    """Raised by a library implementation: the message becomes the CEL error text (Kro's wording)."""
