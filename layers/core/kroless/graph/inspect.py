"""Kro's expression inspector: which identifiers and functions an expression uses.

Kro parses every expression with only identifier *names* declared, then sorts the free identifiers into
resources, ``schema``, iterators and unknowns, and lists unknown functions. cel-expr-python's checker
stops at the first undeclared name, so the inspection is two steps: a parse-only pass finds the free
identifiers (comprehension and ``cel.bind`` variables excluded; ``random.seededString(...)`` is a
namespaced function, not an identifier), then a checked compile with all of them declared finds the
functions that do not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kroless.cel import CELEnvironment
from kroless.cel.parsed import free_identifiers
from kroless.errors import CELError

_UNDECLARED = re.compile(r"undeclared reference to '([^']+)'")


@dataclass(frozen=True)
class Inspection:
    identifiers: list[str]
    functions: frozenset[str]
    unknown_functions: list[str] = field(default_factory=list)

    @property
    def uses_omit(self) -> bool:
        return "omit" in self.functions


@lru_cache(maxsize=64)
def environment(variables: frozenset[str], *, allow_runtime: bool = False, allow_omit: bool = False) -> CELEnvironment:
    """One CEL environment per variable set: building one costs about 1 ms, compiling in it about 0.1 ms,
    and an RGD's expressions share a handful of scopes (a 1,000-resource RGD would otherwise build
    thousands)."""
    return CELEnvironment(sorted(variables), allow_runtime=allow_runtime, allow_omit=allow_omit)


@lru_cache(maxsize=8192)
def _inspect(expression: str, known: frozenset[str]) -> Inspection:
    identifiers, functions = free_identifiers(expression, known)
    unknown: list[str] = []
    scope = known if known.issuperset(identifiers) else known | frozenset(identifiers)
    try:
        environment(scope, allow_runtime=True, allow_omit=True).compile(expression)
    except CELError as err:
        match = _UNDECLARED.search(err.message)
        if match is None:
            raise
        unknown.append(match.group(1))
    return Inspection(identifiers=identifiers, functions=frozenset(functions), unknown_functions=unknown)


def inspect_expression(expression: str, *, known_identifiers: set[str] | frozenset[str]) -> Inspection:
    """Free identifiers (first-reference order), functions called, and unknown functions of an expression.

    ``known_identifiers`` decides how ``a.b(...)`` reads: a call on identifier ``a`` when ``a`` is known,
    else the namespaced function ``a.b``. Raises CELError for a syntax error.
    """
    return _inspect(expression, frozenset(known_identifiers))


def compile_checked(
    expression: str, scope: list[str], *, allow_omit: bool = False, allow_runtime: bool = False
) -> str:
    """Compile with the CEL checker and return the output type (cel-go spelling)."""
    env = environment(frozenset(scope), allow_runtime=allow_runtime, allow_omit=allow_omit)
    return env.compile(expression).output_type
