"""Build a CEL concatenation of many parts that the engine can parse.

cel-expr-python 0.1.3 parses with cel-cpp's default recursion limit of 32 and exposes no option to raise it
(``NewEnv``/``EnvConfig`` YAML have no parser limits; measured). A left-deep chain ``p0 + p1 + ... + pN``
nests one level per ``+``, so a string template with more than 32 parts fails to parse ("Exceeded max
recursion depth of 32 when parsing."), where cel-go (Kro) allows 250. A balanced tree of the same ``+``
operations nests only ``log2(N)`` levels and keeps the checker's semantics (string ``+`` is associative;
each ``+`` is still type-checked, so a non-string part is rejected exactly as before).
"""

from __future__ import annotations

from collections.abc import Sequence

LEFT_DEEP_LIMIT = 16
"""Chains of at most this many parts are kept left-deep, byte-for-byte what Kro builds. Not 32: a part's
own nesting (``(schema.spec.x)`` is a few levels) adds to the depth of its position in the chain, and a
real 31-part template from Kro's examples already fails left-deep."""


def concat_expression(parts: Sequence[str]) -> str:
    """``" + ".join(parts)`` for short chains; a parenthesised balanced ``+`` tree for long ones.

    Each part must already be a self-contained operand (a quoted literal or a parenthesised expression)."""
    if not parts:
        raise ValueError("concat_expression needs at least one part")
    if len(parts) <= LEFT_DEEP_LIMIT:
        return " + ".join(parts)
    return _balanced(parts, 0, len(parts))


def _balanced(parts: Sequence[str], lo: int, hi: int) -> str:
    if hi - lo == 1:
        return parts[lo]
    mid = (lo + hi) // 2
    return f"({_balanced(parts, lo, mid)} + {_balanced(parts, mid, hi)})"
