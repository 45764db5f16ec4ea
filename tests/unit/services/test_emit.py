"""kroless's own events: a refused entry is an error, not a silent loss (PutEvents answers 200 with it)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from kroless.errors import KrolessError
from kroless.services import Services, Settings


def _services(answer: dict[str, object]) -> tuple[Services, Stubber]:
    client = boto3.client("events", region_name="us-west-2", aws_access_key_id="a", aws_secret_access_key="b")
    stubber = Stubber(client)
    stubber.add_response("put_events", answer)
    services = Services(Settings(table_name="Kroless-StateTable-X", event_bus="kroless"))
    services.__dict__["events"] = client  # the cached client
    return services, stubber


def test_a_refused_event_raises_naming_the_bus_and_the_reason() -> None:
    refused = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "AccessDeniedException", "ErrorMessage": "denied"}]}
    services, stubber = _services(refused)
    with stubber, pytest.raises(KrolessError, match="Drift Detected was not put on bus kroless: AccessDeniedException: denied"):
        services.emit("Drift Detected", {"instance": "x"})


def test_an_accepted_event_returns_quietly() -> None:
    services, stubber = _services({"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]})
    with stubber:
        services.emit("Instance Reconciled", {"instance": "x"})
    stubber.assert_no_pending_responses()
