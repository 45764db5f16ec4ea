"""The idempotency records (kroless.idempotency) go through the handler's own DynamoDB client, built on the first
event: importing a handler builds no boto3 session or client, and a cold start builds one DynamoDB client, not two."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import idempotent
from botocore.stub import Stubber

from kroless import idempotency
from kroless.services import Services, Settings, use_services


class CountingSession:
    """A boto3 session that records each client it builds (stubbed: nothing reaches AWS)."""

    def __init__(self) -> None:
        self.built: list[str] = []
        self.stubbers: list[Stubber] = []

    def client(self, service: str, **_: Any) -> Any:
        self.built.append(service)
        client = boto3.client(service, region_name="us-west-2", aws_access_key_id="a", aws_secret_access_key="b")
        stubber = Stubber(client)
        stubber.add_response("put_item", {})  # the record, in progress
        stubber.add_response("update_item", {})  # the record, completed with the result
        stubber.activate()
        self.stubbers.append(stubber)
        return client


def test_the_records_share_the_handlers_dynamodb_client_built_on_the_first_event(monkeypatch: Any) -> None:
    monkeypatch.setenv("KROLESS_TABLE", "Kroless-StateTable-X")
    session = CountingSession()
    services = Services(Settings(table_name="Kroless-StateTable-X"), session=session)
    with use_services(services):
        persistence = idempotency.persistence("admit")

        @idempotent(persistence_store=persistence, config=idempotency.by_event_id())
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return {"admitted": event["id"]}

        assert session.built == [], "decorating the handler (its import) builds no client"
        context = SimpleNamespace(function_name="admit", get_remaining_time_in_millis=lambda: 30_000)
        assert handler({"id": "event-1"}, context) == {"admitted": "event-1"}
        assert session.built == ["dynamodb"]
        session.stubbers[0].assert_no_pending_responses()  # both writes went through that client
        assert persistence.client is services.dynamodb
        assert services.store is not None and session.built == ["dynamodb"], "the state store uses the same client"
