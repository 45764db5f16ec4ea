"""Kro's ``json`` library: json.unmarshal(string) -> dyn, json.marshal(dyn) -> string.

Both follow Go's encoding/json, as Kro does: unmarshal turns every JSON number into a double; marshal
sorts map keys, writes compact output, escapes ``<``, ``>``, ``&``, U+2028 and U+2029, formats doubles
like Go (``42`` not ``42.0``; exponent form below 1e-6 and from 1e21) and base64-encodes bytes.
"""

from __future__ import annotations

import base64
import datetime
import json as _json
import math
from typing import Any

from cel_expr_python import cel

from ._decl import DYN, CELFunctionError, T, function, overloads

_HTML_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def unmarshal(text: str) -> Any:
    try:
        return _json.loads(text, parse_int=float, parse_constant=_reject_constant)
    except (ValueError, CELFunctionError) as e:
        raise CELFunctionError(f"json.unmarshal failed to parse JSON: {e}") from None


def _reject_constant(name: str) -> Any:
    raise CELFunctionError(f"invalid character '{name[0]}' looking for beginning of value")


def go_float(f: float) -> str:
    """strconv.FormatFloat(f, 'f' or 'e', -1, 64) as encoding/json picks it."""
    if math.isnan(f) or math.isinf(f):
        raise CELFunctionError(
            f"json.marshal failed to encode value: json: unsupported value: {_go_special(f)}"
        )
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    from decimal import Decimal  # lazy: only doubles pay for it

    d = Decimal(repr(f))
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        sign, digits, exp = d.normalize().as_tuple()
        ds = "".join(map(str, digits))
        e10 = int(exp) + len(ds) - 1
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        es = f"{abs(e10):02d}"
        if e10 < 0 and es.startswith("0"):
            es = es[1:]
        return f"{'-' if sign else ''}{mant}e{'-' if e10 < 0 else '+'}{es}"
    return format(d.normalize(), "f")


def _go_special(f: float) -> str:
    if math.isnan(f):
        return "NaN"
    return "+Inf" if f > 0 else "-Inf"


def _encode(v: Any, out: list[str]) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(go_float(v))
    elif isinstance(v, str):
        out.append(_json.dumps(v, ensure_ascii=False).translate(_HTML_ESCAPES))
    elif isinstance(v, bytes | bytearray):
        out.append('"' + base64.b64encode(bytes(v)).decode("ascii") + '"')
    elif isinstance(v, dict):
        items = sorted((str(k), val) for k, val in v.items())
        out.append("{")
        for i, (k, val) in enumerate(items):
            if i:
                out.append(",")
            out.append(_json.dumps(k, ensure_ascii=False).translate(_HTML_ESCAPES))
            out.append(":")
            _encode(val, out)
        out.append("}")
    elif isinstance(v, list | tuple):
        out.append("[")
        for i, val in enumerate(v):
            if i:
                out.append(",")
            _encode(val, out)
        out.append("]")
    elif isinstance(v, datetime.datetime):
        out.append('"' + v.isoformat().replace("+00:00", "Z") + '"')
    elif isinstance(v, datetime.timedelta):
        out.append(str(int(v.total_seconds() * 1_000_000_000)))
    else:
        raise CELFunctionError(f"json.marshal failed to convert value: unsupported type {type(v).__name__}")


def marshal(value: Any) -> str:
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def declarations() -> list[cel.FunctionDecl]:
    return [
        function("json.unmarshal", overloads("json.unmarshal_string", [T.STRING], T.DYN, unmarshal)),
        function("json.marshal", overloads("json.marshal_dyn", [DYN], T.STRING, marshal)),
    ]
