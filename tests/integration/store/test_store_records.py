"""Drift reports and execution records (with TTL), the table definition, error translation."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kroless.store import InstanceKey, StateStore, StoreThrottledError, create_table

TABLE = "kroless-state"  # conftest's table


def test_drift_reports(store: StateStore, key: InstanceKey, now: datetime) -> None:
    first = store.put_drift(key, "db", {"field": "spec.allocatedStorage", "observed": 30, "desired": 20})
    assert first.detected_at == "2026-03-01T12:00:00.000Z"
    assert first.expires_at == int((now + timedelta(days=14)).timestamp())
    store.put_drift(key, "bucket", {"field": "tags"}, at=now + timedelta(hours=1))
    store.put_node(key, "db", 1, state="SYNCED")  # other items under the instance stay out

    assert [d.node_id for d in store.list_drift(key)] == ["db", "bucket"]
    assert [d.node_id for d in store.list_drift(key, since=now + timedelta(minutes=1))] == ["bucket"]
    assert store.list_drift(key)[0] == first


def test_execution_records(store: StateStore, key: InstanceKey, now: datetime) -> None:
    arn = "arn:aws:states:eu-west-1:123456789012:execution:kroless-webapp:shop-1"
    store.put_execution(key, "shop-1", 1, "RUNNING", execution_arn=arn, started_at="2026-03-01T12:00:00.000Z")
    done = store.put_execution(key, "shop-1", 1, "SUCCEEDED", stopped_at="2026-03-01T12:03:00.000Z")
    assert (done.execution_arn, done.started_at, done.stopped_at) == (
        arn,
        "2026-03-01T12:00:00.000Z",
        "2026-03-01T12:03:00.000Z",
    )
    assert done.expires_at == int((now + timedelta(days=90)).timestamp())
    assert store.get_execution(key, "shop-1") == done

    store.put_execution(key, "shop-2", 2, "FAILED", error={"error": "StaleGenerationError"})
    assert [(e.name, e.state) for e in store.list_executions(key)] == [("shop-1", "SUCCEEDED"), ("shop-2", "FAILED")]
    assert store.get_execution(key, "shop-3") is None


def test_table_layout(client: Any) -> None:
    table = client.describe_table(TableName=TABLE)["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert indexes["ownership"]["KeySchema"] == [{"AttributeName": "physicalId", "KeyType": "HASH"}]
    assert indexes["listing"]["Projection"] == {"ProjectionType": "ALL"}
    ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    create_table(client, TABLE)  # idempotent


class ThrottledClient:
    """Stands in for a client whose botocore retries gave up."""

    def get_item(self, **_: Any) -> Any:
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
        raise ClientError(error, "GetItem")

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> Any:  # noqa: N803 (boto3's name)
        return {"UnprocessedItems": RequestItems}


def test_throttling_surfaces_as_store_error(key: InstanceKey) -> None:
    store = StateStore(TABLE, ThrottledClient())
    with pytest.raises(StoreThrottledError, match="still throttled after retries"):
        store.get_instance(key)


def test_unprocessed_batch_items_are_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kroless.store.store.time.sleep", lambda _: None)
    store = StateStore(TABLE, ThrottledClient())
    with pytest.raises(StoreThrottledError, match="1 deletes .* still unprocessed after 8 rounds"):
        store._batch_delete([{"pk": {"S": "x"}, "sk": {"S": "y"}}])


def test_unprocessed_batch_items_recover(
    client: Any, store: StateStore, key: InstanceKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(30):
        store.put_node(key, f"n{i}", 1)
    real = client.batch_write_item
    rounds = []

    def flaky(**kwargs: Any) -> Any:  # DynamoDB leaves some writes unprocessed under load
        requests = kwargs["RequestItems"][TABLE]
        rounds.append(len(requests))
        if len(rounds) == 1:
            real(RequestItems={TABLE: requests[:10]})
            return {"UnprocessedItems": {TABLE: requests[10:]}}
        return real(**kwargs)

    monkeypatch.setattr(client, "batch_write_item", flaky)
    monkeypatch.setattr("kroless.store.store.time.sleep", lambda _: None)
    assert store.delete_instance(key) == 30
    assert rounds == [25, 15, 5]
    assert store.get_nodes(key) == []


def test_importing_the_store_does_not_import_boto3() -> None:
    code = "import sys, kroless.store; assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
