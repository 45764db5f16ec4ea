"""Build-time rules for ``spec.schema.status.conditions`` (Kro's ``pkg/graph/conditions.go``).

* ``runtime.condition(schema, 'X')`` with a literal X must name one of Kro's built-in condition types: an
  author-declared type is a self-reference, anything else a typo. Lookups on child resources and
  non-literal types are left alone.
* Literal ``runtime.newCondition({...})`` values: status must be True/False/Unknown, type must not be empty.
* No two entries may declare the same literal type (one entry may, e.g. in ternary branches).

Unparsable expressions are skipped: the regular compile step reports them.
"""

from __future__ import annotations

from collections.abc import Iterator

from kroless.cel.ast import Fields, _msg, _msgs, _str
from kroless.cel.parsed import parse_expression
from kroless.errors import CELError, GraphError
from kroless.graph.graph import RUNTIME_VAR, SCHEMA_VAR

BUILTIN_CONDITION_TYPES = frozenset({"InstanceManaged", "GraphResolved", "ResourcesReady", "WatchesHealthy", "Ready"})
VALID_STATUSES = ("True", "False", "Unknown")

# cel.expr.Expr field numbers
_CONST, _IDENT, _SELECT, _CALL, _LIST, _STRUCT, _COMPRE = 3, 4, 5, 6, 7, 8, 9


def _subexpressions(e: Fields) -> Iterator[Fields]:
    """Pre-order walk over every node of a parsed expression."""
    yield e
    children: list[Fields | None] = []
    if _SELECT in e:
        children.append(_msg(_msg(e, _SELECT) or {}, 1))
    elif _CALL in e:
        call = _msg(e, _CALL) or {}
        children += [_msg(call, 1), *_msgs(call, 3)]
    elif _LIST in e:
        children += _msgs(_msg(e, _LIST) or {}, 1)
    elif _STRUCT in e:
        for entry in _msgs(_msg(e, _STRUCT) or {}, 2):
            children += [_msg(entry, 3), _msg(entry, 4)]
    elif _COMPRE in e:
        comprehension = _msg(e, _COMPRE) or {}
        children += [_msg(comprehension, n) for n in (2, 4, 5, 6, 7)]
    for child in children:
        if child is not None:
            yield from _subexpressions(child)


def _ident(e: Fields | None) -> str | None:
    return _str(_msg(e, _IDENT) or {}, 1) if e is not None and _IDENT in e else None


def _literal_string(e: Fields | None) -> str | None:
    if e is None or _CONST not in e:
        return None
    constant = _msg(e, _CONST) or {}
    return _str(constant, 6) if 6 in constant else None


def _runtime_call(e: Fields, method: str) -> list[Fields] | None:
    """The arguments of ``runtime.<method>(...)``, or None when ``e`` is not that call."""
    if _CALL not in e:
        return None
    call = _msg(e, _CALL) or {}
    if _str(call, 2) != method or _ident(_msg(call, 1)) != RUNTIME_VAR:
        return None
    return _msgs(call, 3)


def _map_entry_string(e: Fields, key: str) -> str | None:
    """The literal string value of ``key`` in a map literal (keys written bare, as newCondition allows, or quoted)."""
    if _STRUCT not in e:
        return None
    for entry in _msgs(_msg(e, _STRUCT) or {}, 2):
        entry_key = _msg(entry, 3)
        if _literal_string(entry_key) == key or _ident(entry_key) == key:
            return _literal_string(_msg(entry, 4))
    return None


def _declared_types(root: Fields) -> set[str]:
    types = set()
    for e in _subexpressions(root):
        args = _runtime_call(e, "newCondition")
        if args is not None and len(args) == 1:
            declared = _map_entry_string(args[0], "type")
            if declared is not None:
                types.add(declared)
    return types


def _check_entry(root: Fields, author_types: set[str], text: str) -> None:
    for e in _subexpressions(root):
        lookup = _runtime_call(e, "condition")
        if lookup is not None and len(lookup) == 2 and _ident(lookup[0]) == SCHEMA_VAR:
            name = _literal_string(lookup[1])
            if name is None or name in BUILTIN_CONDITION_TYPES:
                continue
            if name in author_types:
                raise GraphError(
                    f'runtime.condition(schema, "{name}"): custom conditions cannot reference each other in '
                    f'expression "{text}"'
                )
            raise GraphError(
                f'runtime.condition(schema, "{name}"): unknown condition type; only kro\'s built-in types '
                "(InstanceManaged, GraphResolved, ResourcesReady, WatchesHealthy, Ready) can be read from schema "
                f'in expression "{text}"'
            )
        new = _runtime_call(e, "newCondition")
        if new is not None and len(new) == 1:
            status = _map_entry_string(new[0], "status")
            if status is not None and status not in VALID_STATUSES:
                raise GraphError(
                    f'runtime.newCondition: status must be one of True, False, Unknown (got "{status}") in '
                    f'expression "{text}"'
                )
            if _map_entry_string(new[0], "type") == "":
                raise GraphError(f'runtime.newCondition: type must not be empty in expression "{text}"')


def validate_condition_expressions(expressions: list[str]) -> None:
    """Apply the build-time condition rules to the bodies of ``status.conditions`` entries."""
    parsed: list[Fields | None] = []
    for expression in expressions:
        try:
            parsed.append(parse_expression(expression))
        except CELError:
            parsed.append(None)
    declared: set[str] = set()
    for root in parsed:
        if root is None:
            continue
        for name in sorted(_declared_types(root)):
            if name in declared:
                raise GraphError(f'condition type "{name}" is declared by more than one conditions entry')
            declared.add(name)
    for root, text in zip(parsed, expressions, strict=True):
        if root is not None:
            _check_entry(root, declared, text)
