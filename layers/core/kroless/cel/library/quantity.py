"""Kubernetes' CEL Quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go), on resource.Quantity rules.

    quantity(string) -> Quantity            isQuantity(string) -> bool          sign(Quantity) -> int
    q.isLessThan(q) / q.isGreaterThan(q) -> bool       q.compareTo(q) -> int
    q.add(q | int) / q.sub(q | int) / q.mul(int) / q.div(int[, digits]) / q.divInt(int) -> Quantity
    q.asInteger() -> int   q.isInteger() -> bool   q.asApproximateFloat() -> double

Representation (cel-expr-python cannot return an opaque custom type, measured: "Unimplemented type"): a
Quantity is the one-entry map ``{"__kroless_quantity__": <canonical string>}``, declared
``map(string, string)``. The canonical string follows Kubernetes' ``Quantity.String()`` (``"1Gi"``,
``"1500m"``, ``"200M"``), so ``==`` agrees with Kubernetes for quantities of the same format family
(``quantity("200M") == quantity("0.2G")``); across families (``"1Ki"`` vs ``"1024"``) it says false where
Kubernetes says true. A Quantity that reaches an output becomes its canonical string (``values.from_cel``).
Values are exact (``Fraction``); digits below 1n are rounded away from zero, as Kubernetes does.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any, Final

from cel_expr_python import cel

from ..values import QUANTITY_MARKER_KEY
from ._decl import CELFunctionError, T

QUANTITY: Final = T.Map(T.STRING, T.STRING)

_SHAPE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {e: s for s, e in _DECIMAL.items()}
_BINARY_SUFFIX = {e: s for s, e in _BINARY.items()}
_INT64 = (-(2**63), 2**63 - 1)

BINARY_SI, DECIMAL_SI, DECIMAL_EXPONENT = "BinarySI", "DecimalSI", "DecimalExponent"


class Quantity:
    """An exact value plus the suffix family it prints in."""

    __slots__ = ("value", "format")

    def __init__(self, value: Fraction, fmt: str) -> None:
        self.value = _round_nano(value)
        self.format = fmt

    def canonical(self) -> str:
        v, fmt = self.value, self.format
        if v == 0:
            return "0"
        sign = "-" if v < 0 else ""
        a = abs(v)
        if fmt == BINARY_SI and a >= 1024 and a.denominator == 1:
            n, e = int(a), 0
            while n % 1024 == 0 and e < 6:
                n //= 1024
                e += 1
            return f"{sign}{n}{_BINARY_SUFFIX.get(e, '')}"
        # mantissa * 10**exp with exp a multiple of 3 and the mantissa as small as possible
        mant, exp = a, 0
        while mant.denominator != 1:
            mant *= 1000
            exp -= 3
        n = int(mant)
        while n and n % 1000 == 0 and (exp < 18 or fmt == DECIMAL_EXPONENT):
            n //= 1000
            exp += 3
        if fmt == DECIMAL_EXPONENT:
            return f"{sign}{n}" + (f"e{exp}" if exp else "")
        return f"{sign}{n}{_DECIMAL_SUFFIX[exp]}"


def _round_nano(v: Fraction) -> Fraction:
    scaled = v * 10**9
    if scaled.denominator == 1:
        return v
    # resource.Quantity keeps nano precision and rounds the rest away from zero ("up").
    return Fraction(math.ceil(scaled) if v > 0 else math.floor(scaled), 10**9)


def parse(text: str) -> Quantity:
    """resource.ParseQuantity, with its error messages."""
    if not text or not _SHAPE.match(text):
        raise CELFunctionError(f"quantities must match the regular expression '{_SHAPE.pattern}'")
    m = _NUMBER.match(text)
    assert m is not None  # _SHAPE guarantees a leading number
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    if not whole and not frac:
        raise CELFunctionError(f"quantities must match the regular expression '{_SHAPE.pattern}'")
    number = Fraction(int(whole or "0")) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    if sign == "-":
        number = -number
    suffix = text[m.end() :]
    if suffix in _BINARY:
        return Quantity(number * 1024 ** _BINARY[suffix], BINARY_SI)
    if suffix in _DECIMAL:
        return Quantity(number * Fraction(10) ** _DECIMAL[suffix], DECIMAL_SI)
    em = re.fullmatch(r"[eE]([-+]?[0-9]+)", suffix)
    if em:
        return Quantity(number * Fraction(10) ** int(em.group(1)), DECIMAL_EXPONENT)
    raise CELFunctionError("unable to parse quantity's suffix")


def _family(canonical: str) -> str:
    if canonical.endswith("i"):
        return BINARY_SI
    if "e" in canonical:  # canonical() writes exponents with "e"; "E" is the exa suffix
        return DECIMAL_EXPONENT
    return DECIMAL_SI


def _get(q: Any) -> Quantity:
    if isinstance(q, dict) and len(q) == 1 and isinstance(q.get(QUANTITY_MARKER_KEY), str):
        canonical = q[QUANTITY_MARKER_KEY]
        out = parse(canonical)
        out.format = _family(canonical)
        return out
    raise CELFunctionError("no such overload: expected a Quantity")


def _wrap(q: Quantity) -> dict[str, str]:
    return {QUANTITY_MARKER_KEY: q.canonical()}


def to_quantity(text: str) -> dict[str, str]:
    return _wrap(parse(text))


def is_quantity(text: str) -> bool:
    try:
        parse(text)
    except CELFunctionError:
        return False
    return True


def _cmp(a: Any, b: Any) -> int:
    x, y = _get(a).value, _get(b).value
    return (x > y) - (x < y)


def _arith(a: Any, b: Any, sign: int) -> dict[str, str]:
    q = _get(a)
    if isinstance(b, int):
        other = Quantity(Fraction(b), DECIMAL_EXPONENT)
    else:
        other = _get(b)
    # Kubernetes' Quantity.Add keeps the receiver's format unless the receiver is zero.
    fmt = other.format if q.value == 0 else q.format
    return _wrap(Quantity(q.value + sign * other.value, fmt))


def _as_int64(q: Quantity) -> int | None:
    v = q.value
    if v.denominator != 1 or not _INT64[0] <= v <= _INT64[1]:
        return None
    return int(v)


def as_integer(q: Any) -> int:
    v = _as_int64(_get(q))
    if v is None:
        raise CELFunctionError("cannot convert value to integer")
    return v


def mul(q: Any, n: int) -> dict[str, str]:
    x = _get(q)
    return _wrap(Quantity(x.value * n, x.format))


def div(q: Any, n: int, digits: int = 4) -> dict[str, str]:
    if n == 0:
        raise CELFunctionError("division by zero error")
    if not 0 <= digits <= 10:
        raise CELFunctionError(f"the valid range for roundVal is 0 to 10 but {digits} was passed")
    x = _get(q)
    scaled = x.value / n * 10**digits
    # half away from zero at `digits` decimal places
    rounded = math.floor(abs(scaled) + Fraction(1, 2)) * (1 if scaled >= 0 else -1)
    return _wrap(Quantity(Fraction(rounded, 10**digits), x.format))


def div_int(q: Any, n: int) -> dict[str, str]:
    if n == 0:
        raise CELFunctionError("division by zero error")
    x = _get(q)
    quotient = abs(x.value) // abs(n) * (1 if (x.value >= 0) == (n > 0) else -1)  # truncates toward zero
    return _wrap(Quantity(Fraction(quotient), x.format))


def _ov(oid: str, params: list[cel.Type], ret: cel.Type, impl: Any, member: bool = True) -> cel.Overload:
    return cel.Overload(oid, return_type=ret, parameters=params, is_member=member, impl=impl)


def declarations() -> list[cel.FunctionDecl]:
    Q, I = QUANTITY, T.INT  # noqa: N806, E741
    return [
        cel.FunctionDecl("quantity", [_ov("string_to_quantity", [T.STRING], Q, to_quantity, member=False)]),
        cel.FunctionDecl("isQuantity", [_ov("is_quantity_string", [T.STRING], T.BOOL, is_quantity, member=False)]),
        cel.FunctionDecl(
            "sign", [_ov("quantity_sign", [Q], I, lambda q: (_get(q).value > 0) - (_get(q).value < 0), False)]
        ),
        cel.FunctionDecl(
            "isGreaterThan", [_ov("quantity_is_greater_than", [Q, Q], T.BOOL, lambda a, b: _cmp(a, b) == 1)]
        ),
        cel.FunctionDecl("isLessThan", [_ov("quantity_is_less_than", [Q, Q], T.BOOL, lambda a, b: _cmp(a, b) == -1)]),
        cel.FunctionDecl("compareTo", [_ov("quantity_compare_to", [Q, Q], I, _cmp)]),
        cel.FunctionDecl(
            "asApproximateFloat", [_ov("quantity_get_float", [Q], T.DOUBLE, lambda q: float(_get(q).value))]
        ),
        cel.FunctionDecl("asInteger", [_ov("quantity_get_int", [Q], I, as_integer)]),
        cel.FunctionDecl(
            "isInteger", [_ov("quantity_is_integer", [Q], T.BOOL, lambda q: _as_int64(_get(q)) is not None)]
        ),
        cel.FunctionDecl(
            "add",
            [
                _ov("quantity_add", [Q, Q], Q, lambda a, b: _arith(a, b, 1)),
                _ov("quantity_add_int", [Q, I], Q, lambda a, b: _arith(a, b, 1)),
            ],
        ),
        cel.FunctionDecl(
            "sub",
            [
                _ov("quantity_sub", [Q, Q], Q, lambda a, b: _arith(a, b, -1)),
                _ov("quantity_sub_int", [Q, I], Q, lambda a, b: _arith(a, b, -1)),
            ],
        ),
        cel.FunctionDecl("mul", [_ov("quantity_multiply_int", [Q, I], Q, mul)]),
        cel.FunctionDecl(
            "div",
            [
                _ov("quantity_divide_int_default_rounding", [Q, I], Q, div),
                _ov("quantity_divide_int_round", [Q, I, I], Q, div),
            ],
        ),
        cel.FunctionDecl("divInt", [_ov("quantity_divide_int", [Q, I], Q, div_int)]),
    ]
