"""Powertools idempotency for the event-driven functions, persisted in the state table.

EventBridge delivers at least once; a replayed event (same event id) returns the first result instead of
running again. The records live in the state table under their own partition (``IDEMPOTENCY#<function>``),
expiring through the table's TTL attribute.
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from kroless.services import services, table_from_environment
from kroless.store import TTL_ATTRIBUTE

# A replayed event is answered from its record without running the handler body, so it adds no metric, and
# powertools warns about the empty flush on every replay. That is by design here, not a missing metric.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

# Stands for the client while powertools' constructor runs: it has no ``meta``, so powertools' user-agent hook
# skips it (the hook catches the AttributeError).
_NOT_YET: Any = object()


class SharedClientPersistence(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB persistence on the handler's own DynamoDB client (``services().dynamodb``), taken on
    first use. Powertools would build a boto3 session and client of its own at import: a cold start paid for two
    sessions and two DynamoDB clients (one at import, one on the first event), now for one, on the first event."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(boto3_client=_NOT_YET, **kwargs)
        del self.client  # the instance attribute powertools set: from now on the property below answers

    @cached_property
    def client(self) -> Any:
        return services().dynamodb


def persistence(function: str) -> DynamoDBPersistenceLayer:
    """One persistence layer per decorated function (powertools keeps per-function state in it)."""
    return SharedClientPersistence(
        table_name=table_from_environment(),
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"IDEMPOTENCY#{function}",
        expiry_attr=TTL_ATTRIBUTE,
    )


def by_event_id() -> IdempotencyConfig:
    return IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=3600, raise_on_no_idempotency_key=True)
