"""The parsed shape of a SimpleSchema type string (Kro's pkg/simpleschema/types)."""

from __future__ import annotations

from dataclasses import dataclass

ATOMIC_TYPES = {"string": "string", "integer": "integer", "boolean": "boolean", "float": "number"}


@dataclass(frozen=True)
class Atomic:
    name: str  # SimpleSchema spelling: string/integer/boolean/float


@dataclass(frozen=True)
class Object:
    """`object`: schemaless, unknown fields preserved."""


@dataclass(frozen=True)
class Slice:
    elem: Type


@dataclass(frozen=True)
class Map:
    value: Type


@dataclass(frozen=True)
class Custom:
    name: str


@dataclass(frozen=True)
class Struct:
    fields: dict[str, Type]

    def __hash__(self) -> int:  # dict field: hash by identity is enough
        return id(self)


Type = Atomic | Object | Slice | Map | Custom | Struct


def deps(t: Type) -> list[str]:
    """Custom type names referenced by ``t`` (edges of the type DAG)."""
    if isinstance(t, Custom):
        return [t.name]
    if isinstance(t, Slice):
        return deps(t.elem)
    if isinstance(t, Map):
        return deps(t.value)
    if isinstance(t, Struct):
        out: list[str] = []
        for f in t.fields.values():
            out.extend(deps(f))
        return out
    return []
