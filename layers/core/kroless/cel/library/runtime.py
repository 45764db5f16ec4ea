"""Kro's ``runtime`` library for authored status conditions (only when ``allow_runtime``).

    runtime.newCondition({type: 'X', status: 'True', reason: '', message: ''})
    runtime.condition(schema, 'ResourcesReady').status == 'True'

Kro installs a parse-time macro that turns the bare identifier keys of ``newCondition``'s map literal
into strings. cel-expr-python has no custom macros, so :func:`rewrite_new_condition` does the same on the
source text before compiling, with Kro's error messages. A Condition is a ``map(string, string)`` with
the keys type/status/reason/message (Kro: the opaque ``kro.run.Condition`` type); ``runtime`` is a ``dyn``
variable bound to an empty map at evaluation time.
"""

from __future__ import annotations

import re
from typing import Any

from cel_expr_python import cel

from ._decl import MAP_DYN, MAP_STR_STR, CELFunctionError, T, function, overloads

RUNTIME_VAR = "runtime"
CONDITION_KEYS = ("type", "status", "reason", "message")
VALID_STATUSES = ("True", "False", "Unknown")

_CALL = re.compile(r"\bruntime\s*\.\s*newCondition\s*\(")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class RewriteError(Exception):
    pass


def _skip_string(src: str, i: int) -> int:
    """``src[i]`` opens a string literal (any CEL form); return the index just past it."""
    j = i
    while j < len(src) and src[j] in "rRbB":
        j += 1
    raw = any(c in "rR" for c in src[i:j])
    q = src[j]
    triple = src[j : j + 3] == q * 3
    k = j + (3 if triple else 1)
    while k < len(src):
        c = src[k]
        if c == "\\" and not raw:
            k += 2
            continue
        if triple and src[k : k + 3] == q * 3:
            return k + 3
        if not triple and c == q:
            return k + 1
        k += 1
    return k


def _is_string_start(src: str, i: int) -> bool:
    c = src[i]
    if c in "\"'":
        return True
    if c in "rRbB" and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
        j = i
        while j < len(src) and src[j] in "rRbB" and j - i < 2:
            j += 1
        return j < len(src) and src[j] in "\"'"
    return False


def _split_top(src: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    """Split ``src[start:end]`` at top-level ``sep`` characters (outside brackets and strings)."""
    parts = []
    depth = 0
    i = start
    seg = start
    while i < end:
        if _is_string_start(src, i):
            i = _skip_string(src, i)
            continue
        c = src[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append((seg, i))
            seg = i + 1
            if sep == ":":  # only the first colon separates key from value
                parts.append((seg, end))
                return parts
        i += 1
    parts.append((seg, end))
    return parts


def _matching(src: str, i: int) -> int:
    """``src[i]`` is an opening bracket; return the index of its match."""
    depth = 0
    while i < len(src):
        if _is_string_start(src, i):
            i = _skip_string(src, i)
            continue
        c = src[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise RewriteError("runtime.newCondition: unterminated call")


def rewrite_new_condition(src: str) -> str:
    """Quote the bare keys of every ``runtime.newCondition({...})`` map literal (Kro's macro)."""
    out = []
    pos = 0
    i = 0
    while i < len(src):
        if _is_string_start(src, i):
            i = _skip_string(src, i)
            continue
        m = _CALL.match(src, i)
        if m is None or (i > 0 and (src[i - 1].isalnum() or src[i - 1] in "_.")):
            i += 1
            continue
        arg_start = m.end()
        close = _matching(src, m.end() - 1)
        inner = src[arg_start:close].strip()
        if not (inner.startswith("{") and inner.endswith("}")):
            raise RewriteError("runtime.newCondition: argument must be a map literal")
        lb = src.index("{", arg_start)
        rb = src.rindex("}", arg_start, close)
        if _matching(src, lb) != rb:  # e.g. `{...}.merge({...})`
            raise RewriteError("runtime.newCondition: argument must be a map literal")
        entries = []
        seen: set[str] = set()
        for a, b in _split_top(src, lb + 1, rb, ","):
            if not src[a:b].strip():
                continue
            kv = _split_top(src, a, b, ":")
            if len(kv) != 2:
                raise RewriteError("runtime.newCondition: argument must be a map literal")
            key = src[kv[0][0] : kv[0][1]].strip()
            value = rewrite_new_condition(src[kv[1][0] : kv[1][1]])
            if not _IDENT.match(key):
                raise RewriteError(
                    "runtime.newCondition: keys must be bare identifiers (type, status, reason, message); "
                    "quoted or computed keys are not allowed"
                )
            if key not in CONDITION_KEYS:
                raise RewriteError(
                    f'runtime.newCondition: unknown key "{key}" (allowed: type, status, reason, message)'
                )
            if key in seen:
                raise RewriteError(f'runtime.newCondition: duplicate key "{key}"')
            seen.add(key)
            entries.append(f'"{key}":{value}')
        for required in ("type", "status"):
            if required not in seen:
                raise RewriteError(f"runtime.newCondition: '{required}' is required")
        out.append(src[pos:arg_start])
        out.append("{" + ", ".join(entries) + "}")
        pos = close
        i = close
    out.append(src[pos:])
    return "".join(out)


def new_condition(_receiver: Any, arg: dict[Any, Any]) -> dict[str, str]:
    cond = {"type": "", "status": "", "reason": "", "message": ""}
    for k, v in arg.items():
        if not isinstance(v, str):
            raise CELFunctionError(f"runtime.newCondition: {k} must be a string, got {_cel_type_name(v)}")
        if k == "type" and v == "":
            raise CELFunctionError("runtime.newCondition: type must not be empty")
        if k == "status" and v not in VALID_STATUSES:
            raise CELFunctionError(
                f'runtime.newCondition: status must be one of True, False, Unknown (got "{v}")'
            )
        if k in cond:
            cond[k] = v
    return cond


def condition(_receiver: Any, obj: dict[Any, Any], wanted: str) -> dict[str, str]:
    empty = {"type": "", "status": "", "reason": "", "message": ""}
    if "status" not in obj:
        return empty
    status = obj["status"]
    if not isinstance(status, dict):
        raise CELFunctionError("runtime.condition: obj.status must be an object")
    if "conditions" not in status:
        return empty
    conds = status["conditions"]
    if not isinstance(conds, list):
        raise CELFunctionError("runtime.condition: obj.status.conditions must be a list")
    for c in conds:
        if not isinstance(c, dict):
            raise CELFunctionError(
                f"runtime.condition: unexpected condition element type {_cel_type_name(c)}"
            )
        lifted: dict[str, str] = {}
        for k in CONDITION_KEYS:
            v = c.get(k)
            lifted[k] = v if isinstance(v, str) else ""
        if lifted["type"] == wanted:
            return lifted
    return empty


def _cel_type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if v is None:
        return "null_type"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    return type(v).__name__


def declarations() -> list[cel.FunctionDecl]:
    return [
        function(
            "newCondition",
            overloads(
                "runtime_newCondition_map", [MAP_DYN, MAP_DYN], MAP_STR_STR, new_condition, member=True
            ),
        ),
        function(
            "condition",
            overloads(
                "runtime_condition_map_string",
                [MAP_DYN, MAP_DYN, T.STRING],
                MAP_STR_STR,
                condition,
                member=True,
            ),
        ),
    ]
