"""Kro's index-mutation list functions: lists.setAtIndex / insertAtIndex / removeAtIndex.

Kro declares them with a type parameter (``list(T)``); cel-expr-python cannot bind a Python
implementation to a type-parameterised overload, so they are declared over ``list(dyn)`` and return
``list(dyn)`` (output type is ``list(dyn)`` where Kro infers ``list(int)``).
"""

from __future__ import annotations

from typing import Any

from cel_expr_python import cel

from ._decl import DYN, LIST_DYN, CELFunctionError, T, function, overloads


def set_at_index(lst: list[Any], idx: int, value: Any) -> list[Any]:
    size = len(lst)
    if idx < 0 or idx >= size:
        raise CELFunctionError(f"lists.setAtIndex: index {idx} out of bounds [0, {size})")
    out = list(lst)
    out[idx] = value
    return out


def insert_at_index(lst: list[Any], idx: int, value: Any) -> list[Any]:
    size = len(lst)
    if idx < 0 or idx > size:
        raise CELFunctionError(f"lists.insertAtIndex: index {idx} out of bounds [0, {size}]")
    out = list(lst)
    out.insert(idx, value)
    return out


def remove_at_index(lst: list[Any], idx: int) -> list[Any]:
    size = len(lst)
    if idx < 0 or idx >= size:
        raise CELFunctionError(f"lists.removeAtIndex: index {idx} out of bounds [0, {size})")
    out = list(lst)
    del out[idx]
    return out


def declarations() -> list[cel.FunctionDecl]:
    return [
        function(
            "lists.setAtIndex",
            overloads("lists.setAtIndex_list_int", [LIST_DYN, T.INT, DYN], LIST_DYN, set_at_index),
        ),
        function(
            "lists.insertAtIndex",
            overloads("lists.insertAtIndex_list_int", [LIST_DYN, T.INT, DYN], LIST_DYN, insert_at_index),
        ),
        function(
            "lists.removeAtIndex",
            overloads("lists.removeAtIndex_list_int", [LIST_DYN, T.INT], LIST_DYN, remove_at_index),
        ),
    ]
