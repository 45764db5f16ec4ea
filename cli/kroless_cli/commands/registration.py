"""``kroless apply`` of an RGD: wait until the compile function has registered it, or has said why not."""

from __future__ import annotations

import time
from typing import Any

from kroless.errors import KrolessError
from kroless.store import StateStore


def wait_registered(
    store: StateStore, document: dict[str, Any], event_id: str, timeout: float, poll: float = 0.2
) -> None:
    """Until the compile function has stored this very document (and so created its state machine).

    A rejection the request ``event_id`` left (:meth:`StateStore.reject_rgd`) ends the wait at once with its
    reason: a compile failure is not worth waiting ``timeout`` for.
    """
    name = document["metadata"]["name"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rejection = store.get_rgd_rejection(name)
        if rejection is not None and rejection.event_id == event_id:
            raise KrolessError(f'resourcegraphdefinition "{name}": {rejection.reason}')
        record = store.get_rgd(name)
        if record is not None and record.document == document:
            return
        time.sleep(poll)
    raise KrolessError(f"ResourceGraphDefinition {name} was not registered within {timeout:.0f} s")
