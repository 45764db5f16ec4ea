"""Go-compatible parsing helpers so error texts match Kro's (which wraps Go's strconv errors)."""

from __future__ import annotations

import json
import re

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)\Z", re.IGNORECASE
)
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def go_quote(s: str) -> str:
    """Approximation of Go's %q (JSON escaping is identical for printable text)."""
    return json.dumps(s, ensure_ascii=False)


def parse_bool(value: str) -> bool:
    """strconv.ParseBool."""
    if value in _GO_TRUE:
        return True
    if value in _GO_FALSE:
        return False
    raise ValueError(f"strconv.ParseBool: parsing {go_quote(value)}: invalid syntax")


def parse_int(value: str) -> int:
    """strconv.ParseInt(value, 10, 64)."""
    if not _INT_RE.match(value):
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
    n = int(value)
    if not -(2**63) <= n < 2**63:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return n


def parse_float(value: str) -> float | int:
    """strconv.ParseFloat(value, 64); integral values come back as int so JSON output matches Go's."""
    if not _FLOAT_RE.match(value):
        raise ValueError(f"strconv.ParseFloat: parsing {go_quote(value)}: invalid syntax")
    f = float(value)
    if f.is_integer() and abs(f) < 2**53:
        return int(f)
    return f


def go_type_name(v: object) -> str:
    """What Go's %T prints for a YAML-decoded value (Kro's "unexpected type" errors)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, list):
        return "[]interface {}"
    if v is None:
        return "<nil>"
    return type(v).__name__
