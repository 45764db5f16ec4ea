"""Kro's ``omit()`` sentinel (feature gate CELOmitFunction): removes the field / list element.

Kro's sentinel (``pkg/cel/library/omit.go``) refuses every operation but being returned: ``omit() == omit()``
and ``omit() + 1`` are evaluation errors there (``omit_test.go``). Here ``omit()`` is a marker map, which CEL
would compare and combine like any map, so :func:`guard_misuse` renames each ``omit()`` whose value an
operation would use to :data:`MISUSED`, a function that fails when (and only when) it is evaluated: a
ternary branch not taken stays harmless, as in Kro.
"""

from __future__ import annotations

from typing import Any

from cel_expr_python import cel

from ..ast import Fields, _int, _msg, _msgs, _str
from ..values import OMIT_MARKER_KEY
from ._decl import CELFunctionError, T, function, overloads

FEATURE_GATE_ERROR = "omit() requires the CELOmitFunction feature gate"
MISUSE_ERROR = "omit() is a field-removal sentinel: it can only be a field's or a list element's whole value"
MISUSED = "__omit_misused"

_SELECT, _CALL, _LIST, _STRUCT, _COMPREHENSION = 5, 6, 7, 8, 9
_TERNARY = "_?_:_"


def _omit() -> dict[str, Any]:
    return {OMIT_MARKER_KEY: True}


def _misused() -> Any:
    raise CELFunctionError(MISUSE_ERROR)


def declarations() -> list[cel.FunctionDecl]:
    return [
        function("omit", overloads("omit_void", [], T.DYN, _omit)),
        function(MISUSED, overloads("omit_misused_void", [], T.DYN, _misused)),
    ]


def _misused_calls(expr: Fields, returned: bool, found: list[int]) -> None:
    """Expression ids of the ``omit()`` calls not in a returned position: the root, a branch of a returned
    ternary, an element of a returned list or a value of a returned map."""
    call = _msg(expr, _CALL)
    if call is not None:
        name, arguments = _str(call, 2), _msgs(call, 3)
        if name == "omit" and not arguments and _msg(call, 1) is None:
            if not returned:
                found.append(_int(expr, 2))
            return
        target = _msg(call, 1)
        if target is not None:
            _misused_calls(target, False, found)
        for position, argument in enumerate(arguments):
            _misused_calls(argument, returned and name == _TERNARY and position > 0, found)
        return
    if _LIST in expr:
        for element in _msgs(_msg(expr, _LIST) or {}, 1):
            _misused_calls(element, returned, found)
        return
    if _STRUCT in expr:
        for entry in _msgs(_msg(expr, _STRUCT) or {}, 2):
            key, value = _msg(entry, 3), _msg(entry, 4)
            if key is not None:
                _misused_calls(key, False, found)
            if value is not None:
                _misused_calls(value, returned, found)
        return
    select = _msg(expr, _SELECT)
    if select is not None:  # the operand's value is read
        operand = _msg(select, 1)
        if operand is not None:
            _misused_calls(operand, False, found)
        return
    comprehension = _msg(expr, _COMPREHENSION)
    if comprehension is not None:  # a macro: iter_range, accu_init, loop_condition, loop_step, result
        for number in (2, 4, 5, 6, 7):
            part = _msg(comprehension, number)
            if part is not None:
                _misused_calls(part, False, found)


def guard_misuse(source: str, parsed: Fields) -> str:
    """``source`` with every misused ``omit()`` renamed to :data:`MISUSED`. ``parsed``: the parse-only
    ``cel.expr.ParsedExpr`` fields (expr 2, source_info 3), whose positions put a call at its ``(``."""
    found: list[int] = []
    _misused_calls(_msg(parsed, 2) or {}, True, found)
    if not found:
        return source
    positions = {_int(entry, 1): _int(entry, 2) for entry in _msgs(_msg(parsed, 3) or {}, 4)}
    for paren in sorted((positions[i] for i in found if i in positions), reverse=True):
        end = paren
        while end > 0 and source[end - 1].isspace():
            end -= 1
        start = end - len("omit")
        if source[start:end] == "omit":
            source = source[:start] + MISUSED + source[end:]
    return source
