"""Timestamps as kroless writes them: UTC, RFC 3339, ``Z`` suffix, like Kubernetes (``2026-12-02T06:44:45Z``).

Seconds by default (conditions' lastTransitionTime, as Kro writes them); ``precise`` adds milliseconds where
the order of close events matters (node STARTED/READY, state-table sort keys). Both sort as text in time order.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(when: datetime, *, precise: bool = False) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds" if precise else "seconds").replace("+00:00", "Z")


def now_iso(*, precise: bool = False) -> str:
    return iso(datetime.now(UTC), precise=precise)
