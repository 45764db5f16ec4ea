"""One timestamp format: RFC 3339 in UTC with ``Z``, as Kubernetes writes times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from kroless.clock import iso, now_iso


def test_seconds_by_default_milliseconds_when_precise() -> None:
    when = datetime(2026, 12, 2, 6, 44, 45, 123456, tzinfo=UTC)
    assert iso(when) == "2026-12-02T06:44:45Z"
    assert iso(when, precise=True) == "2026-12-02T06:44:45.123Z"


def test_other_zones_are_written_in_utc() -> None:
    when = datetime(2026, 12, 2, 8, 44, 45, tzinfo=timezone(timedelta(hours=2)))
    assert iso(when) == "2026-12-02T06:44:45Z"


def test_now() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now_iso())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", now_iso(precise=True))
