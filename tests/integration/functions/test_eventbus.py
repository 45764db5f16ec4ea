"""One event on the bus (kroless.eventbus): EventBridge's size rule checked before sending, refusals raised."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kroless.errors import KrolessError
from kroless.eventbus import ENTRY_LIMIT, entry_size, put_event


@pytest.fixture
def events() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("events", region_name="us-west-2")
        client.create_event_bus(Name="kroless")
        yield client


def test_entry_size_is_counted_as_eventbridge_counts_it() -> None:
    entry = {"Source": "kroless", "DetailType": "Instance Applied", "Detail": '{"a": "é"}', "Resources": ["arn:x"], "Time": 1}
    assert entry_size(entry) == 14 + 7 + 16 + len('{"a": "é"}'.encode()) + 5


def test_an_event_within_the_limit_is_put(events: Any) -> None:
    event_id = put_event(events, bus="kroless", source="kroless", detail_type="Instance Applied", detail={"manifest": {"kind": "X"}})
    assert event_id


def test_an_oversized_event_is_refused_before_it_is_sent(events: Any) -> None:
    manifest = {"kind": "ConfigMap", "data": {"blob": "x" * ENTRY_LIMIT}}
    with pytest.raises(KrolessError, match=r"Instance Applied: the event is 262,2\d\d bytes; EventBridge takes at most 262,144"):
        put_event(events, bus="kroless", source="kroless", detail_type="Instance Applied", detail={"manifest": manifest})

