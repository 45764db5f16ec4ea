"""Kubernetes' CEL list library (k8s.io/apiserver/pkg/cel/library/lists.go, version 0 as Kro enables it).

    <list<T>>.isSorted() -> bool          T comparable: int, uint, double, bool, duration, timestamp, string, bytes
    <list<T>>.sum() -> T                  T summable: int, uint, double, duration; [].sum() == 0
    <list<T>>.min() / .max() -> T         T comparable; error "min called on empty list"
    <list<T>>.indexOf(T) / .lastIndexOf(T) -> int   -1 when absent  (implemented, NOT declared: see below)

How this is declared on cel-expr-python (measured): the checker sees one overload per element type, like
Kubernetes, so ``[1, 2].sum()`` has type ``int``. The runtime, however, dispatches on the argument *kind*
only (every ``list(T)`` is "list") and refuses two implementations for the same kinds; it also checks a
Python result against the declared return type. So the typed overloads are declaration-only, and one
*carrier* overload per function holds the implementation: it is declared over ``list(null_type)`` (an
element type nothing else uses, so it does not collide with the typed ones at check time) and returns
``dyn``. Known gaps: the engine cannot convert a ``timedelta``/``datetime`` returned through ``dyn``
("Non-CEL value type"), so ``sum``/``min``/``max`` over durations or timestamps fail at evaluation
(``isSorted`` works: it returns ``bool``); a ``uint`` sum comes back as ``int`` and an empty ``list(double)`` sums to ``0``
(the runtime cannot see the element type); ``includes`` (library version 1) is not offered, as in Kro. ``indexOf``/``lastIndexOf`` on lists cannot be
declared: the strings extension declares those function names (for strings) and cel-expr-python 0.1.3
cannot add overloads to an extension's function, so ``[1, 2].indexOf(2)`` fails to compile ("found no
matching overload"); :func:`index_of` / :func:`last_index_of` are kept for when that becomes possible.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from cel_expr_python import cel

from ._decl import CELFunctionError, T

_COMPARABLE: list[tuple[str, cel.Type]] = [
    ("int", T.INT),
    ("uint", T.UINT),
    ("double", T.DOUBLE),
    ("bool", T.BOOL),
    ("duration", T.DURATION),
    ("timestamp", T.TIMESTAMP),
    ("string", T.STRING),
    ("bytes", T.BYTES),
]
_SUMMABLE = [(n, t) for n, t in _COMPARABLE if n in ("int", "uint", "double", "duration")]
_CARRIER_LIST = T.List(T.NULL)


def _kind(v: Any) -> str:
    """The CEL kind of an element, for 'no such overload' checks (Python's bool is an int, CEL's is not)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"  # CEL compares int, uint and double with each other
    if isinstance(v, str):
        return "string"
    if isinstance(v, bytes | bytearray):
        return "bytes"
    if isinstance(v, datetime.timedelta):
        return "duration"
    if isinstance(v, datetime.datetime):
        return "timestamp"
    return type(v).__name__


def _comparable(lst: list[Any], op: str) -> None:
    kinds = {_kind(v) for v in lst}
    if len(kinds) > 1 or kinds - {"bool", "number", "string", "bytes", "duration", "timestamp"}:
        raise CELFunctionError(f"no such overload: {op}")


def is_sorted(lst: list[Any]) -> bool:
    _comparable(lst, "isSorted")
    return all(a <= b for a, b in zip(lst, lst[1:], strict=False))


def list_sum(lst: list[Any]) -> Any:
    if not lst:
        return 0
    kinds = {_kind(v) for v in lst}
    if kinds == {"duration"}:
        return sum(lst, datetime.timedelta(0))
    if kinds != {"number"}:
        raise CELFunctionError("no such overload: sum")
    if any(isinstance(v, float) for v in lst):
        return float(sum(lst))
    total = sum(lst)
    if not -(2**63) <= total < 2**63:
        raise CELFunctionError("integer overflow")
    return total


def _extreme(name: str, pick: Callable[[list[Any]], Any]) -> Callable[[list[Any]], Any]:
    def impl(lst: list[Any]) -> Any:
        if not lst:
            raise CELFunctionError(f"{name} called on empty list")
        _comparable(lst, name)
        return pick(lst)

    return impl


def cel_equal(a: Any, b: Any) -> bool:
    """CEL's heterogeneous equality: numbers compare across int/uint/double, other kinds never equal."""
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(cel_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(cel_equal(v, b[k]) for k, v in a.items())
    return bool(a == b)


def index_of(lst: list[Any], item: Any) -> int:
    return next((i for i, v in enumerate(lst) if cel_equal(v, item)), -1)


def last_index_of(lst: list[Any], item: Any) -> int:
    return next((i for i in range(len(lst) - 1, -1, -1) if cel_equal(lst[i], item)), -1)


def _typed(
    name: str, types: list[tuple[str, cel.Type]], returns: Callable[[cel.Type], cel.Type], impl: Callable[..., Any]
) -> cel.FunctionDecl:
    """Declaration-only ``list(T).name() -> returns(T)`` overloads plus the carrier that runs ``impl``."""
    overloads = [
        cel.Overload(f"list_{tn}_{name}", return_type=returns(t), parameters=[T.List(t)], is_member=True)
        for tn, t in types
    ]
    if all(returns(t) == returns(types[0][1]) for _, t in types):
        # One return type: any overload can carry the implementation (the runtime calls it for every list).
        tn, t = types[0]
        overloads[0] = cel.Overload(
            f"list_{tn}_{name}", return_type=returns(t), parameters=[T.List(t)], is_member=True, impl=impl
        )
    else:
        overloads.append(
            cel.Overload(
                f"list_kroless_{name}", return_type=T.DYN, parameters=[_CARRIER_LIST], is_member=True, impl=impl
            )
        )
    return cel.FunctionDecl(name, overloads)


def _index_decl(name: str, impl: Callable[[list[Any], Any], int]) -> cel.FunctionDecl:
    # (list, K) kinds differ per element type, so each typed overload can carry the implementation.
    elements = [*_COMPARABLE, ("null", T.NULL), ("list", T.List(T.DYN)), ("map", T.Map(T.DYN, T.DYN))]
    return cel.FunctionDecl(
        name,
        [
            cel.Overload(
                f"list_{tn}_{name}_int", return_type=T.INT, parameters=[T.List(t), t], is_member=True, impl=impl
            )
            for tn, t in elements
        ],
    )


def declarations() -> list[cel.FunctionDecl]:
    return [
        _typed("isSorted", _COMPARABLE, lambda _t: T.BOOL, is_sorted),
        _typed("sum", _SUMMABLE, lambda t: t, list_sum),
        _typed("min", _COMPARABLE, lambda t: t, _extreme("min", min)),
        _typed("max", _COMPARABLE, lambda t: t, _extreme("max", max)),
        # indexOf / lastIndexOf are NOT declared: the strings extension already owns those names and
        # cel-expr-python refuses a second declaration ("function 'indexOf' declared multiple times").
    ]
