"""Powertools idempotency for the event-driven functions, persisted in the state table.

EventBridge delivers at least once; a replayed event (same event id) returns the first result instead of
running again. The records live in the state table under their own partition (``IDEMPOTENCY#<function>``),
expiring through the table's TTL attribute.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from kroless.services import table_from_environment
from kroless.store import TTL_ATTRIBUTE

# A replayed event is answered from its record without running the handler body, so it adds no metric, and
# powertools warns about the empty flush on every replay. That is by design here, not a missing metric.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def persistence(function: str) -> DynamoDBPersistenceLayer:
    """One persistence layer per decorated function (powertools keeps per-function state in it)."""
    return DynamoDBPersistenceLayer(
        table_name=table_from_environment(),
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"IDEMPOTENCY#{function}",
        expiry_attr=TTL_ATTRIBUTE,
    )


def by_event_id() -> IdempotencyConfig:
    return IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=3600, raise_on_no_idempotency_key=True)
