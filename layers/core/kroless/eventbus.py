"""Putting one event on an EventBridge bus: the requests the CLI sends and the events kroless announces.

One size rule, EventBridge's, checked before sending so the error names the document instead of a request
that never arrives: a PutEvents entry (Source, DetailType, Detail, Resources, 14 bytes for Time) holds at most
256 KiB (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html); the rule's Lambda
target is invoked asynchronously, whose payload limit is the same 256 KiB. PutEvents reports a refused entry in
its answer, not as an error: it is raised here, or an event nobody received would pass for sent.
"""

from __future__ import annotations

import json
from typing import Any

from kroless.errors import KrolessError

ENTRY_LIMIT = 256 * 1024


def entry_size(entry: dict[str, Any]) -> int:
    """EventBridge's own count of a PutEvents entry's size."""
    size = 14 if entry.get("Time") is not None else 0
    for field in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(field) or "").encode())
    return size + sum(len(str(resource).encode()) for resource in entry.get("Resources") or [])


def put_event(client: Any, *, bus: str, source: str, detail_type: str, detail: dict[str, Any]) -> str:
    """Put one event on ``bus``; returns its id. Raises KrolessError for an oversized or refused entry."""
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": bus}
    size = entry_size(entry)
    if size > ENTRY_LIMIT:
        raise KrolessError(
            f"{detail_type}: the event is {size:,} bytes; EventBridge takes at most {ENTRY_LIMIT:,} bytes (256 KiB) per event"
        )
    result = client.put_events(Entries=[entry])["Entries"][0]
    if "ErrorCode" in result:
        raise KrolessError(f"{detail_type} was not put on bus {bus}: {result['ErrorCode']}: {result.get('ErrorMessage', '')}")
    return str(result["EventId"])
