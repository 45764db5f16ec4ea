"""The store's writes as data: which attributes an update changes and the condition it is guarded by.

Each store operation describes its write once, as an :class:`Update` and a :data:`Condition`; the DynamoDB
table renders both into an UpdateItem request (:meth:`Update.request`), the in-memory table used by tests
(``kroless_cli.testing.memory``) applies them to a dict. The generation rules therefore exist once, in
:mod:`kroless.store.base`, whichever table holds the items.

Conditions combine with ``&`` and ``|``::

    missing("pk") | (differs("manifestHash", digest) & not_deleting)

Comparisons follow DynamoDB: a comparison with an attribute the item lacks is false, except ``<>`` (true).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from kroless.store.codec import AttributeValue, RawItem, encode


class Unset(enum.Enum):
    UNSET = enum.auto()


UNSET = Unset.UNSET
"""Default of optional update fields: leave the stored value as it is (``None`` removes it)."""


class _Combinable:
    def __and__(self, other: Condition) -> All:
        return All((self, other))  # type: ignore[arg-type]

    def __or__(self, other: Condition) -> AnyOf:
        return AnyOf((self, other))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Exists(_Combinable):
    attribute: str


@dataclass(frozen=True)
class Missing(_Combinable):
    attribute: str


@dataclass(frozen=True)
class Compare(_Combinable):
    attribute: str
    operator: str  # "=", "<>" or "<="
    value: Any


@dataclass(frozen=True)
class All(_Combinable):
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf(_Combinable):
    parts: tuple[Condition, ...]


Condition = Exists | Missing | Compare | All | AnyOf


def exists(attribute: str) -> Exists:
    return Exists(attribute)


def missing(attribute: str) -> Missing:
    return Missing(attribute)


def equals(attribute: str, value: Any) -> Compare:
    return Compare(attribute, "=", value)


def differs(attribute: str, value: Any) -> Compare:
    return Compare(attribute, "<>", value)


def at_most(attribute: str, value: Any) -> Compare:
    return Compare(attribute, "<=", value)


@dataclass
class Update:
    """What one UpdateItem changes, in order: ``set``, ``set_if_absent``, ``increment``, ``remove``, ``add``
    (a number, or strings into a string set). The item is created when it does not exist. Values are
    encoded once, when they are added (:func:`kroless.store.codec.encode`: JSON attributes as canonical,
    possibly compressed JSON), so every table stores and size-checks exactly the same bytes."""

    actions: list[tuple[str, str, AttributeValue | None]] = field(default_factory=list)  # (action, attribute, value)

    def set(self, attribute: str, value: Any) -> Update:
        self.actions.append(("set", attribute, encode(attribute, value)))
        return self

    def set_if_absent(self, attribute: str, value: Any) -> Update:
        self.actions.append(("set_if_absent", attribute, encode(attribute, value)))
        return self

    def increment(self, attribute: str) -> Update:
        """attribute + 1, starting from 0."""
        self.actions.append(("increment", attribute, encode(attribute, 1)))
        return self

    def remove(self, attribute: str) -> Update:
        self.actions.append(("remove", attribute, None))
        return self

    def field(self, attribute: str, value: Any) -> Update:
        """SET, or REMOVE for ``None``, or nothing for :data:`UNSET`."""
        if value is UNSET:
            return self
        if value is None:
            return self.remove(attribute)
        return self.set(attribute, value)

    def add(self, attribute: str, amount: int) -> Update:
        """attribute + ``amount``, starting from 0."""
        self.actions.append(("add", attribute, encode(attribute, amount)))
        return self

    def add_to_set(self, attribute: str, strings: list[str]) -> Update:
        """Add strings to a string set (nothing when ``strings`` is empty: DynamoDB has no empty set)."""
        if strings:
            self.actions.append(("add_to_set", attribute, {"SS": sorted(set(strings))}))
        return self

    def assigned(self) -> RawItem:
        """The attributes this update sets, encoded: what the size check counts before the write."""
        return {a: v for action, a, v in self.actions if action == "set" and v is not None}

    def attributes(self) -> list[str]:
        """Every attribute the update touches (what UpdateItem's ``UPDATED_*`` return values cover)."""
        return list(dict.fromkeys(a for _, a, _ in self.actions))

    # -- DynamoDB --------------------------------------------------------------------------------------

    def request(self, condition: Condition | None = None) -> dict[str, Any]:
        """The UpdateItem arguments: UpdateExpression, ConditionExpression, names and values."""
        render = _Render()
        sets, removes, adds = [], [], []
        for action, attribute, value in self.actions:
            name = render.name(attribute)
            if action == "remove" or value is None:
                removes.append(name)
            elif action == "set":
                sets.append(f"{name} = {render.raw(value, attribute)}")
            elif action == "set_if_absent":
                sets.append(f"{name} = if_not_exists({name}, {render.raw(value, attribute)})")
            elif action == "increment":
                zero, one = render.value(attribute, 0), render.raw(value, attribute)
                sets.append(f"{name} = if_not_exists({name}, {zero}) + {one}")
            else:  # add, add_to_set
                adds.append(f"{name} {render.raw(value, attribute)}")
        parts = []
        if sets:
            parts.append("SET " + ", ".join(sets))
        if removes:
            parts.append("REMOVE " + ", ".join(removes))
        if adds:
            parts.append("ADD " + ", ".join(adds))
        request: dict[str, Any] = {"UpdateExpression": " ".join(parts)}
        if condition is not None:
            request["ConditionExpression"] = render.condition(condition)
        return request | render.arguments()


def condition_request(condition: Condition) -> dict[str, Any]:
    """ConditionExpression and its names and values (for a conditional DeleteItem or PutItem)."""
    render = _Render()
    return {"ConditionExpression": render.condition(condition)} | render.arguments()


class _Render:
    """Placeholders for attribute names (``#name``) and values (``:name0``, ``:name1`` ...)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: RawItem = {}

    def name(self, attribute: str) -> str:
        self.names[f"#{attribute}"] = attribute
        return f"#{attribute}"

    def value(self, attribute: str, value: Any) -> str:
        return self.raw(encode(attribute, value), attribute)

    def raw(self, value: dict[str, Any], hint: str = "v") -> str:
        placeholder = f":{hint}{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def condition(self, condition: Condition) -> str:
        match condition:
            case Exists(attribute):
                return f"attribute_exists({self.name(attribute)})"
            case Missing(attribute):
                return f"attribute_not_exists({self.name(attribute)})"
            case Compare(attribute, operator, value):
                return f"{self.name(attribute)} {operator} {self.value(attribute, value)}"
            case All(parts):
                return "(" + " AND ".join(self.condition(p) for p in parts) + ")"
            case AnyOf(parts):
                return "(" + " OR ".join(self.condition(p) for p in parts) + ")"
        raise TypeError(f"not a condition: {condition!r}")

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        if self.names:
            arguments["ExpressionAttributeNames"] = self.names
        if self.values:
            arguments["ExpressionAttributeValues"] = self.values
        return arguments
