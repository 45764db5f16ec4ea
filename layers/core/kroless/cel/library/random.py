"""Kro's ``random`` library: deterministic, sha256-seeded (bit-exact with pkg/cel/library/random.go).

random.seededString(length int, seed string) -> string   alphanumeric [0-9a-z]
random.seededInt(min int, max int, seed string) -> int   in [min, max)
"""

from __future__ import annotations

import hashlib

from cel_expr_python import cel

from ._decl import CELFunctionError, T, function, overloads

ALPHANUMERIC = "0123456789abcdefghijklmnopqrstuvwxyz"


def seeded_string(length: int, seed: str) -> str:
    if length <= 0:
        raise CELFunctionError("random.seededString length must be positive")
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    result = bytearray(length)
    n = len(ALPHANUMERIC)
    for i in range(length):
        start = (i * 4) % len(digest)
        if start + 4 > len(digest):  # never true for sha256 (32 % 4 == 0); kept for parity with Kro
            digest = hashlib.sha256(digest + bytes(result[:i])).digest()
            start = 0
        idx = int.from_bytes(digest[start : start + 4], "big") % n
        result[i] = ord(ALPHANUMERIC[idx])
    return result.decode("ascii")


def seeded_int(lo: int, hi: int, seed: str) -> int:
    if lo >= hi:
        raise CELFunctionError("random.seededInt min must be less than max")
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    v = int.from_bytes(digest[:8], "big")
    range_size = (hi - lo) & 0xFFFFFFFFFFFFFFFF  # Go: uint64(max - min)
    result = lo + (v % range_size)
    # Go: minInt + int64(v % rangeSize) wraps like int64
    result = (result + (1 << 63)) % (1 << 64) - (1 << 63)
    return result


def declarations() -> list[cel.FunctionDecl]:
    return [
        function(
            "random.seededString",
            overloads("random.seededString_int_string", [T.INT, T.STRING], T.STRING, seeded_string),
        ),
        function(
            "random.seededInt",
            overloads("random.seededInt_int_int_string", [T.INT, T.INT, T.STRING], T.INT, seeded_int),
        ),
    ]
