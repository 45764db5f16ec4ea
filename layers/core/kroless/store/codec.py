"""Python values ↔ DynamoDB attribute values (the low-level client's ``{"S": ...}`` shapes).

Documents (manifests, observed objects, status, conditions, reports) are stored as canonical JSON text,
not as DynamoDB maps: JSON round-trips floats and nesting exactly, needs no ``Decimal`` and can be
compressed. A JSON attribute larger than :data:`COMPRESS_ABOVE` bytes is stored as Binary holding
zlib-compressed JSON; reading decompresses it, so callers never see the difference. Which attributes hold
JSON is fixed by :data:`JSON_ATTRIBUTES` (a Binary attribute is always compressed JSON).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

from kroless.store.errors import ItemTooLargeError

AttributeValue = dict[str, Any]
RawItem = dict[str, AttributeValue]

JSON_ATTRIBUTES = frozenset(
    {
        "document",
        "compiled",
        "manifest",
        "status",
        "conditions",
        "observed",
        "desired",
        "error",
        "durations",
        "report",
        "input",
        "output",
    }
)
# Small documents stay readable in the console; large ones shrink (manifests compress about 5-10x).
COMPRESS_ABOVE = 16 * 1024
# DynamoDB's limit counts attribute names and values; keep a little room for what UpdateItem adds.
MAX_ITEM_BYTES = 400 * 1024


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept (the form hashes are taken over)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_hash(value: Any) -> str:
    """sha256 (hex) of :func:`canonical_json`: the ``appliedHash`` of a manifest, an RGD's content hash."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def encode(name: str, value: Any) -> AttributeValue:
    """One attribute value. ``None`` becomes NULL; JSON attributes become S (or compressed B)."""
    if value is None:
        return {"NULL": True}
    if name in JSON_ATTRIBUTES:
        text = canonical_json(value).encode()
        if len(text) > COMPRESS_ABOVE:
            return {"B": zlib.compress(text, 6)}
        return {"S": text.decode()}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": repr(value)}
    if isinstance(value, str):
        return {"S": value}
    raise TypeError(f"attribute {name!r}: cannot store {type(value).__name__} (declare it as a JSON attribute)")


def decode(name: str, value: AttributeValue) -> Any:
    """The Python value of one attribute (the inverse of :func:`encode`)."""
    if "NULL" in value:
        return None
    if "B" in value:
        return json.loads(zlib.decompress(value["B"]))
    if "S" in value:
        return json.loads(value["S"]) if name in JSON_ATTRIBUTES else value["S"]
    if "N" in value:
        text = value["N"]
        return int(text) if text.lstrip("-").isdigit() else float(text)
    if "BOOL" in value:
        return bool(value["BOOL"])
    if "SS" in value:  # a string set (the pending nodes of a heal)
        return sorted(value["SS"])
    raise TypeError(f"attribute {name!r}: unexpected DynamoDB type {sorted(value)}")


def encode_item(item: dict[str, Any]) -> RawItem:
    return {name: encode(name, value) for name, value in item.items()}


def decode_item(raw: RawItem) -> dict[str, Any]:
    return {name: decode(name, value) for name, value in raw.items()}


def attribute_size(name: str, value: AttributeValue) -> int:
    """Bytes DynamoDB bills for one attribute (name + value; numbers approximated by their text)."""
    ((kind, payload),) = value.items()
    if kind in ("S", "N"):
        size = len(payload.encode())
    elif kind == "B":
        size = len(payload)
    else:
        size = 1
    return len(name.encode()) + size


def check_size(raw: RawItem, what: str) -> None:
    """Fail with the item and its largest attributes named when it cannot fit in one DynamoDB item."""
    sizes = {name: attribute_size(name, value) for name, value in raw.items()}
    total = sum(sizes.values())
    if total > MAX_ITEM_BYTES:
        largest = ", ".join(f"{n} ({s} bytes)" for n, s in sorted(sizes.items(), key=lambda i: -i[1])[:3])
        raise ItemTooLargeError(
            f"{what}: item is {total} bytes after compression, over DynamoDB's limit of {MAX_ITEM_BYTES}; "
            f"largest attributes: {largest}"
        )
