"""Kro's ``hash`` library: hash.fnv64a / hash.sha256 / hash.md5 (string) -> bytes."""

from __future__ import annotations

import hashlib

from cel_expr_python import cel

from ._decl import T, function, overloads

_FNV64_OFFSET = 0xCBF29CE484222325
_FNV64_PRIME = 0x100000001B3
_MASK64 = 0xFFFFFFFFFFFFFFFF


def fnv64a(data: bytes) -> bytes:
    h = _FNV64_OFFSET
    for b in data:
        h = ((h ^ b) * _FNV64_PRIME) & _MASK64
    return h.to_bytes(8, "big")


def _fnv64a(s: str) -> bytearray:
    return bytearray(fnv64a(s.encode("utf-8")))


def _sha256(s: str) -> bytearray:
    return bytearray(hashlib.sha256(s.encode("utf-8")).digest())


def _md5(s: str) -> bytearray:
    return bytearray(hashlib.md5(s.encode("utf-8"), usedforsecurity=False).digest())


def declarations() -> list[cel.FunctionDecl]:
    return [
        function("hash.fnv64a", overloads("hash.fnv64a_string", [T.STRING], T.BYTES, _fnv64a)),
        function("hash.sha256", overloads("hash.sha256_string", [T.STRING], T.BYTES, _sha256)),
        function("hash.md5", overloads("hash.md5_string", [T.STRING], T.BYTES, _md5)),
    ]
