"""``kroless get KIND -w``: after the list, one row per change of an instance until interrupted (Ctrl-C) or
``--request-timeout``, as ``kubectl get -w`` prints them. The state table is polled: a change is a new instance,
a new state, generation, observed generation or condition status; a deleted instance prints once as DELETED."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from kroless.store import InstanceKey, InstanceRecord

POLL_SECONDS = 0.5


def _signature(record: InstanceRecord) -> tuple[Any, ...]:
    conditions = tuple((c.get("type"), c.get("status")) for c in record.conditions)
    return record.state, record.generation, record.observed_generation, conditions


def watch(
    listed: Callable[[], list[InstanceRecord]],
    row: Callable[[InstanceRecord], list[str]],
    widths: list[int],
    initial: list[InstanceRecord],
    seconds: float | None,
) -> int:
    """Print ``row(record)`` (aligned to the table already printed) for each change; 0 at the timeout."""
    last: dict[InstanceKey, InstanceRecord] = {r.key: r for r in initial}
    deadline = None if seconds is None else time.monotonic() + seconds
    while deadline is None or time.monotonic() < deadline:
        time.sleep(POLL_SECONDS if deadline is None else max(0.0, min(POLL_SECONDS, deadline - time.monotonic())))
        current = {r.key: r for r in listed()}
        changed = [r for key, r in current.items() if key not in last or _signature(last[key]) != _signature(r)]
        gone = [dataclasses.replace(r, state="DELETED") for key, r in last.items() if key not in current]
        for record in changed + gone:
            cells = row(record)
            print("   ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False)).rstrip(), flush=True)
        last = current
    return 0
