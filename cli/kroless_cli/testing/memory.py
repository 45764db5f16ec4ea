"""The state store in memory: the production store's logic over a dict instead of a DynamoDB table.

:class:`MemoryStore` is :class:`kroless.store.base.TableStore` (every generation rule, conditional write,
error and redaction of :class:`kroless.store.StateStore`) over :class:`MemoryTable`, which implements the
table primitives the way DynamoDB does: items are held encoded exactly as DynamoDB would hold them
(canonical JSON, compressed when large, Secret values already digested), conditions are evaluated with
DynamoDB's rules, the two indexes are derived from :func:`kroless.store.table_definition`, and an item over
400 KB is refused. Reads return fresh copies: mutating a returned record never changes the store.

For tests that need no moto (``tests/unit/runtime``); ``tests/integration/store`` runs the same contract
suite against it and against DynamoDB. Not in the Lambda layer: production has no use for it.

Example::

    store = MemoryStore(clock=lambda: datetime(2026, 3, 1, tzinfo=UTC))
    store.admit_instance(key, "webapp", manifest)  # 1
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kroless.store.base import ConditionFailed, Returns, Table, TableStore
from kroless.store.codec import MAX_ITEM_BYTES, AttributeValue, RawItem, attribute_size, decode_item, encode
from kroless.store.errors import ItemTooLargeError
from kroless.store.expressions import All, AnyOf, Compare, Condition, Exists, Missing, Update
from kroless.store.table import table_definition

if TYPE_CHECKING:
    from kroless.store import StateStore, Store


class MemoryTable:
    """A :class:`kroless.store.base.Table` in a dict; every operation is atomic (one lock)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], RawItem] = {}
        self._lock = threading.RLock()
        definition = table_definition("memory")
        # index name → (partition attribute, sort attribute or None, keys only?)
        self._indexes: dict[str, tuple[str, str | None, bool]] = {}
        for index in definition["GlobalSecondaryIndexes"]:
            keys = {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
            keys_only = index["Projection"]["ProjectionType"] == "KEYS_ONLY"
            self._indexes[index["IndexName"]] = (keys["HASH"], keys.get("RANGE"), keys_only)

    def raw_items(self) -> list[RawItem]:
        """Every item as it is held (encoded), for tests that inspect what is stored."""
        with self._lock:
            return [dict(item) for item in self._items.values()]

    # -- reads ---------------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get((pk, sk))
            return decode_item(item) if item else None

    def query(
        self,
        pk: str,
        *,
        prefix: str = "",
        low: str | None = None,
        high: str | None = None,
        keys_only: bool = False,
        consistent: bool = False,  # every read of a dict is consistent
    ) -> Iterator[dict[str, Any]]:
        with self._lock:
            found = sorted(
                (sk, item)
                for (item_pk, sk), item in self._items.items()
                if item_pk == pk
                and sk.startswith(prefix)
                and (low is None or sk >= low)
                and (high is None or sk <= high)
            )
        for _, item in found:
            yield {"pk": _string(item["pk"]), "sk": _string(item["sk"])} if keys_only else decode_item(item)

    def query_index(self, index: str, value: str) -> Iterator[dict[str, Any]]:
        return self._index(index, lambda v: v == value)

    def scan_index(self, index: str, prefix: str) -> Iterator[dict[str, Any]]:
        return self._index(index, lambda v: v.startswith(prefix))

    def _index(self, index: str, match: Callable[[str], bool]) -> Iterator[dict[str, Any]]:
        partition, sort, keys_only = self._indexes[index]
        with self._lock:
            # sparse, as a GSI: items without the partition attribute are not in it
            found = [i for i in self._items.values() if partition in i and match(_string(i[partition]))]
        found.sort(key=lambda i: (_string(i[sort]) if sort and sort in i else "", _string(i["sk"])))
        for item in found:
            if keys_only:
                kept = {"pk", "sk", partition, *([sort] if sort else [])}
                item = {k: v for k, v in item.items() if k in kept}
            yield decode_item(item)

    # -- writes --------------------------------------------------------------------------------------------

    def put(self, item: RawItem) -> None:
        with self._lock:
            self._items[(_string(item["pk"]), _string(item["sk"]))] = dict(item)

    def update(
        self, pk: str, sk: str, update: Update, condition: Condition | None, what: str, *, returns: Returns
    ) -> dict[str, Any]:
        with self._lock:
            old = self._items.get((pk, sk))
            if condition is not None and not holds(condition, old or {}):
                raise ConditionFailed(decode_item(old) if old else None)
            new = dict(old) if old else {"pk": {"S": pk}, "sk": {"S": sk}}
            for action, attribute, value in update.actions:
                _apply(new, action, attribute, value)
            size = sum(attribute_size(name, value) for name, value in new.items())
            if size > MAX_ITEM_BYTES:  # DynamoDB's own refusal (the store checked the update's part of it)
                raise ItemTooLargeError(f"update of {what}: Item size has exceeded the maximum allowed size")
            self._items[(pk, sk)] = new
        touched = update.attributes()
        if returns == "ALL_NEW":
            return decode_item(new)
        if returns == "ALL_OLD":
            return decode_item(old or {})
        source = new if returns == "UPDATED_NEW" else old or {}
        return decode_item({a: source[a] for a in touched if a in source})

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> dict[str, Any] | None:
        with self._lock:
            old = self._items.get((pk, sk))
            if condition is not None and not holds(condition, old or {}):
                raise ConditionFailed(decode_item(old) if old else None)
            self._items.pop((pk, sk), None)
        return decode_item(old) if old else None

    def delete_many(self, keys: list[tuple[str, str]]) -> None:
        with self._lock:
            for key in keys:
                self._items.pop(key, None)


class MemoryStore(TableStore):
    """The state store in memory (see the module docstring); ``clock`` pins the time as for ``StateStore``."""

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        self.table = MemoryTable()
        super().__init__(self.table, clock=clock)


def holds(condition: Condition, item: RawItem) -> bool:
    """Whether ``condition`` holds for an encoded item, by DynamoDB's rules: a comparison with an attribute
    the item lacks, or of different types, is false, except ``<>`` (true)."""
    match condition:
        case Exists(attribute):
            return attribute in item
        case Missing(attribute):
            return attribute not in item
        case Compare(attribute, operator, value):
            return _compare(item.get(attribute), operator, encode(attribute, value))
        case All(parts):
            return all(holds(p, item) for p in parts)
        case AnyOf(parts):
            return any(holds(p, item) for p in parts)
    raise TypeError(f"not a condition: {condition!r}")


def _compare(stored: AttributeValue | None, operator: str, value: AttributeValue) -> bool:
    if stored is None or stored.keys() != value.keys():
        return operator == "<>"
    ((kind, left),) = stored.items()
    right = value[kind]
    if kind == "N":
        left, right = Decimal(left), Decimal(right)
    if operator == "=":
        return bool(left == right)
    if operator == "<>":
        return bool(left != right)
    if operator == "<=" and kind in ("N", "S"):
        return bool(left <= right)
    return False


def _apply(item: RawItem, action: str, attribute: str, value: AttributeValue | None) -> None:
    """One action of an :class:`Update` on an encoded item, as UpdateItem applies it."""
    if action == "remove" or value is None:
        item.pop(attribute, None)
    elif action == "set":
        item[attribute] = value
    elif action == "set_if_absent":
        item.setdefault(attribute, value)
    elif action in ("increment", "add"):
        start = Decimal(item[attribute]["N"]) if attribute in item else Decimal(0)
        item[attribute] = {"N": str(start + Decimal(value["N"]))}
    elif action == "add_to_set":
        item[attribute] = {"SS": sorted(set(item.get(attribute, {}).get("SS", [])) | set(value["SS"]))}
    else:
        raise ValueError(f"unknown update action {action!r}")


def _string(value: AttributeValue) -> str:
    return str(value["S"])


if TYPE_CHECKING:  # mypy proves both stores meet the engine's protocol

    def _conforms(memory: MemoryStore, dynamodb: StateStore, table: MemoryTable) -> tuple[Store, Store, Table]:
        return memory, dynamodb, table
